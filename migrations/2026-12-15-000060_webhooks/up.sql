-- Webhooks: an organisation's endpoints for partner systems, and the deliveries written in
-- the transaction of each event and sent by the worker (docs/ARCHITECTURE.md, "Webhooks").
-- The same statements run on SQLite and PostgreSQL.

CREATE TABLE webhooks (
    id              TEXT PRIMARY KEY NOT NULL,
    organisation_id TEXT NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    url             TEXT NOT NULL,
    description     TEXT NOT NULL DEFAULT '',
    -- The event types wanted, as `,need.published,match.active,` so that one LIKE finds them.
    event_types     TEXT NOT NULL,
    enabled         BOOLEAN NOT NULL,
    -- `whsec_<base64>`: the worker signs with it, so it is kept as it is (shown once).
    secret          TEXT NOT NULL,
    -- Messages parked as failed one after another, reset by any delivered message.
    failed_messages INTEGER NOT NULL DEFAULT 0,
    -- The first failed attempt since the last delivered message.
    failing_since   TIMESTAMP,
    -- Why the worker turned the endpoint off (NULL when a person did, or it is on).
    disabled_reason TEXT,
    created_at      TIMESTAMP NOT NULL,
    updated_at      TIMESTAMP NOT NULL
);
CREATE INDEX webhooks_organisation_idx ON webhooks (organisation_id, created_at);

CREATE TABLE webhook_deliveries (
    id                   TEXT PRIMARY KEY NOT NULL,
    webhook_id           TEXT NOT NULL REFERENCES webhooks (id) ON DELETE CASCADE,
    -- The `webhook-id` header: the same on every attempt and on a replay.
    message_id           TEXT NOT NULL UNIQUE,
    event_type           TEXT NOT NULL,
    -- The JSON body, fixed when the event happened (what the receiver could read then).
    body                 TEXT NOT NULL,
    status               TEXT NOT NULL CHECK (status IN ('pending', 'sending', 'delivered', 'failed')),
    attempts             INTEGER NOT NULL DEFAULT 0,
    next_attempt_at      TIMESTAMP NOT NULL,
    claim_token          TEXT,
    lease_until          TIMESTAMP,
    last_response_status INTEGER,
    last_error           TEXT,
    created_at           TIMESTAMP NOT NULL,
    delivered_at         TIMESTAMP,
    updated_at           TIMESTAMP NOT NULL
);
CREATE INDEX webhook_deliveries_due_idx ON webhook_deliveries (status, next_attempt_at);
CREATE INDEX webhook_deliveries_lease_idx ON webhook_deliveries (status, lease_until);
CREATE INDEX webhook_deliveries_log_idx ON webhook_deliveries (webhook_id, created_at, id);
