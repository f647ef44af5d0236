DROP INDEX needs_country_status_created_idx;
CREATE INDEX needs_country_status_created_idx ON needs (country, status, created_at, id);
DROP INDEX offers_created_idx;
DROP INDEX needs_created_idx;
