-- Organisations, their users and the refresh tokens that keep users signed in.
-- Ids are UUIDs stored as text and timestamps are UTC, so that one diesel schema
-- serves SQLite and PostgreSQL alike (docs/ARCHITECTURE.md).

CREATE TABLE organisations (
    id          TEXT PRIMARY KEY NOT NULL,
    name        TEXT NOT NULL,
    kind        TEXT NOT NULL CHECK (kind IN ('ministry', 'health_agency', 'hospital', 'ngo', 'company',
                                              'donor', 'academia', 'intergovernmental', 'secretariat')),
    country     TEXT NOT NULL CHECK (length(country) = 2),
    verified    BOOLEAN NOT NULL DEFAULT FALSE,
    -- Who verified the organisation and when; the user may later be removed, so no foreign key.
    verified_by TEXT,
    verified_at TIMESTAMP,
    created_at  TIMESTAMP NOT NULL,
    updated_at  TIMESTAMP NOT NULL
);
CREATE INDEX organisations_created_idx ON organisations (created_at, id);
CREATE INDEX organisations_kind_country_idx ON organisations (kind, country);

CREATE TABLE users (
    id              TEXT PRIMARY KEY NOT NULL,
    organisation_id TEXT NOT NULL REFERENCES organisations (id),
    email           TEXT NOT NULL UNIQUE,
    name            TEXT NOT NULL,
    password_hash   TEXT NOT NULL,
    role            TEXT NOT NULL CHECK (role IN ('member', 'org_admin', 'coordinator')),
    email_verified  BOOLEAN NOT NULL DEFAULT FALSE,
    created_at      TIMESTAMP NOT NULL,
    updated_at      TIMESTAMP NOT NULL
);
CREATE INDEX users_organisation_idx ON users (organisation_id);

CREATE TABLE refresh_tokens (
    id          TEXT PRIMARY KEY NOT NULL,
    user_id     TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    -- Every token rotated from one login shares a family; reuse of a rotated token revokes the family.
    family_id   TEXT NOT NULL,
    token_hash  TEXT NOT NULL UNIQUE,
    issued_at   TIMESTAMP NOT NULL,
    expires_at  TIMESTAMP NOT NULL,
    rotated_at  TIMESTAMP,
    revoked_at  TIMESTAMP
);
CREATE INDEX refresh_tokens_family_idx ON refresh_tokens (family_id);
CREATE INDEX refresh_tokens_user_idx ON refresh_tokens (user_id);
