-- People's sessions in a browser (the pages; the API keeps its bearer tokens). Only the
-- SHA-256 of the cookie's random value is kept, so a leaked table signs nobody in. A
-- session ends when idle past the configured idle time (last_seen_at), at expires_at
-- whatever happens, at sign-out, or when its user's password is reset.
CREATE TABLE web_sessions (
    token_hash   TEXT PRIMARY KEY NOT NULL,
    user_id      TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    -- The secret the session's CSRF tokens are derived from.
    csrf_secret  TEXT NOT NULL,
    created_at   TIMESTAMP NOT NULL,
    last_seen_at TIMESTAMP NOT NULL,
    expires_at   TIMESTAMP NOT NULL
);
CREATE INDEX web_sessions_user_idx ON web_sessions (user_id);
