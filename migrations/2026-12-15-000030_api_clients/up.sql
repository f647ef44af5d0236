-- API clients: partner systems acting for an organisation through OAuth 2.0 client
-- credentials. Only a keyed SHA-256 of the secret is kept (the secret is 256 random bits, so
-- a slow password hash would add nothing but cost on every token request). `generation`
-- counts rotations: access tokens carry it, so a rotation ends the tokens of the old secret.
CREATE TABLE api_clients (
    id              TEXT PRIMARY KEY NOT NULL,
    organisation_id TEXT NOT NULL REFERENCES organisations (id),
    name            TEXT NOT NULL,
    -- Space-separated scopes, in the order of `auth::scopes::Scope::ALL`.
    scopes          TEXT NOT NULL,
    secret_hash     TEXT NOT NULL,
    generation      INTEGER NOT NULL DEFAULT 1,
    -- The org admin who created it: accountable for what it does (created_by of its items).
    created_by      TEXT NOT NULL REFERENCES users (id),
    created_at      TIMESTAMP NOT NULL,
    rotated_at      TIMESTAMP,
    revoked_at      TIMESTAMP,
    last_used_at    TIMESTAMP
);
CREATE INDEX api_clients_organisation_idx ON api_clients (organisation_id, created_at);

-- A client that writes is named in the audit log beside the organisation it acts for
-- (actor_user_id stays empty for it). The log refuses updates, not new columns.
ALTER TABLE audit_log ADD COLUMN actor_client_id TEXT;
