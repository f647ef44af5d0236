-- Rate limits shared by every instance on this database. One row per (limit, key) holds the
-- limit's GCRA state: the theoretical arrival time (TAT) in microseconds since the Unix epoch
-- (integers, so that both engines compute the same), and how many requests were refused since
-- the last one allowed. A row whose TAT has passed means the same as no row; the housekeeping
-- deletes those. Keys are keyed SHA-256 digests, never the raw address or email.
CREATE TABLE rate_limits (
    limit_name TEXT NOT NULL,
    key_hash   TEXT NOT NULL,
    tat_micros BIGINT NOT NULL,
    refused    INTEGER NOT NULL,
    PRIMARY KEY (limit_name, key_hash)
);
CREATE INDEX rate_limits_tat_idx ON rate_limits (tat_micros);
