-- Idempotency-Key records (src/idempotency/): one row per (caller, key). The row is the
-- claim: inserting it on the primary key is what makes one request of several with the same
-- key the one that runs, on every instance sharing this database. `claim_token` names the
-- request that holds it and `lease_until` how long it may (an in-flight row left by a crashed
-- process is taken over after that); the response columns are set once it has answered, and
-- replayed for 24 hours after `created_at`, when the housekeeping deletes the row.
CREATE TABLE idempotency_keys (
    caller           TEXT NOT NULL,
    idempotency_key  TEXT NOT NULL,
    fingerprint      TEXT NOT NULL,
    claim_token      TEXT NOT NULL,
    lease_until      TIMESTAMP NOT NULL,
    created_at       TIMESTAMP NOT NULL,
    completed_at     TIMESTAMP,
    response_status  INTEGER,
    response_headers TEXT,
    response_body    BYTEA,
    PRIMARY KEY (caller, idempotency_key)
);
CREATE INDEX idempotency_keys_created_idx ON idempotency_keys (created_at);
