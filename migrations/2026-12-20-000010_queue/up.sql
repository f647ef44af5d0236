-- A webhook's version, for its ETag: a PATCH names the version it read in If-Match, and a
-- change made since is refused (412) instead of silently overwritten, as for needs and offers.
ALTER TABLE webhooks ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
