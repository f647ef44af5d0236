-- Lists filtered by country walk that country's needs of one status newest first, and stop
-- at the end of the page (docs/PERFORMANCE.md, "Catalogue").
CREATE INDEX needs_country_status_created_idx ON needs (country, status, created_at, id);
