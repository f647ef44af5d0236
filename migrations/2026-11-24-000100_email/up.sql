-- Email: the outbox that a worker delivers, single-use tokens sent by email (verification,
-- password reset, invitation), notification preferences, and events waiting for a digest.
-- The same statements run on SQLite and PostgreSQL (docs/ARCHITECTURE.md, "Email").

CREATE TABLE outbox (
    id              TEXT PRIMARY KEY NOT NULL,
    -- Stable across retries, so that a resend after a crash is recognisable as the same message.
    message_id      TEXT NOT NULL UNIQUE,
    -- The template the message was rendered from (verify_email, digest, organisation_verified ...).
    kind            TEXT NOT NULL,
    recipient       TEXT NOT NULL,
    user_id         TEXT REFERENCES users (id) ON DELETE SET NULL,
    subject         TEXT NOT NULL,
    -- Emptied once the message is sent: they may hold single-use tokens.
    body_text       TEXT NOT NULL,
    body_html       TEXT NOT NULL,
    -- The one-click unsubscribe URL (RFC 8058); NULL for account emails.
    list_unsubscribe TEXT,
    status          TEXT NOT NULL CHECK (status IN ('pending', 'sending', 'sent', 'dead')),
    -- Delivery attempts started so far (a claim counts as one).
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TIMESTAMP NOT NULL,
    -- Set while a worker holds the row; another worker may take it once lease_until has passed.
    claim_token     TEXT,
    lease_until     TIMESTAMP,
    last_error      TEXT,
    created_at      TIMESTAMP NOT NULL,
    sent_at         TIMESTAMP,
    updated_at      TIMESTAMP NOT NULL
);
CREATE INDEX outbox_due_idx ON outbox (status, next_attempt_at);
CREATE INDEX outbox_lease_idx ON outbox (status, lease_until);
CREATE INDEX outbox_listing_idx ON outbox (status, created_at, id);

CREATE TABLE email_tokens (
    id              TEXT PRIMARY KEY NOT NULL,
    purpose         TEXT NOT NULL CHECK (purpose IN ('verify_email', 'password_reset', 'invitation')),
    -- SHA-256 of the token: the token itself exists only in the email.
    token_hash      TEXT NOT NULL UNIQUE,
    user_id         TEXT REFERENCES users (id) ON DELETE CASCADE,
    organisation_id TEXT REFERENCES organisations (id) ON DELETE CASCADE,
    email           TEXT NOT NULL,
    -- The role an invitation grants.
    role            TEXT CHECK (role IS NULL OR role IN ('member', 'org_admin')),
    created_by      TEXT,
    expires_at      TIMESTAMP NOT NULL,
    used_at         TIMESTAMP,
    created_at      TIMESTAMP NOT NULL
);
CREATE INDEX email_tokens_user_idx ON email_tokens (user_id, purpose);

CREATE TABLE notification_preferences (
    user_id    TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    event_kind TEXT NOT NULL,
    mode       TEXT NOT NULL CHECK (mode IN ('immediate', 'daily', 'off')),
    updated_at TIMESTAMP NOT NULL,
    PRIMARY KEY (user_id, event_kind)
);

-- Events of users who chose the daily digest, until the digest that carries them is written.
CREATE TABLE digest_items (
    id         TEXT PRIMARY KEY NOT NULL,
    user_id    TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    event_kind TEXT NOT NULL,
    headline   TEXT NOT NULL,
    link       TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    outbox_id  TEXT
);
CREATE INDEX digest_items_waiting_idx ON digest_items (created_at) WHERE outbox_id IS NULL;
