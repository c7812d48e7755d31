-- Sessions of people signed in to the pages: the cookie holds a random token, this table only
-- its hash. A session ends when its row goes, when it has been idle too long, when it reaches
-- its absolute end, or when the user's token version moves on (disable, role change, reset).
CREATE TABLE web_sessions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id BIGINT NOT NULL REFERENCES users(id),
    token_hash TEXT NOT NULL,
    csrf_token TEXT NOT NULL,
    token_version INTEGER NOT NULL,
    created_at TIMESTAMP NOT NULL,
    last_seen_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    user_agent TEXT,
    flash TEXT,
    CONSTRAINT web_sessions_hash_key UNIQUE (token_hash)
);
CREATE INDEX web_sessions_user_idx ON web_sessions (user_id);
CREATE INDEX web_sessions_expires_idx ON web_sessions (expires_at);
