-- Free-text search newest first (docs/PERFORMANCE.md, "List and search that follow the
-- page"): with an index in that order the planner can walk it backwards and test `@@` on
-- each row, stopping at the page, when the word is common; for a rare word it keeps the
-- GIN index and sorts the few matches. Readers who see every state but the private ones
-- fix no status, so (status, created_at, id) gives them no order.
CREATE INDEX needs_created_idx ON needs (created_at, id);
CREATE INDEX offers_created_idx ON offers (created_at, id);
-- The filtered list (theme + country, newest first; open needs unless asked otherwise)
-- walked this index in order already; it now also carries what the visibility rule reads,
-- so that a need the reader may not see costs no read of the table.
DROP INDEX needs_country_status_created_idx;
CREATE INDEX needs_country_status_created_idx ON needs (country, status, created_at, id)
    INCLUDE (visibility, organisation_id);
