CREATE TABLE evidence (
    id BIGSERIAL PRIMARY KEY,
    application_id BIGINT NOT NULL REFERENCES applications(id),
    condition_id BIGINT NOT NULL REFERENCES conditions(id),
    submitted_by BIGINT NOT NULL REFERENCES users(id),
    body TEXT NOT NULL,
    reported_value DOUBLE PRECISION,
    file_name TEXT,
    file_type TEXT,
    file_size BIGINT,
    file_sha256 TEXT,
    outcome TEXT NOT NULL,
    feedback TEXT,
    reviewed_by BIGINT REFERENCES users(id),
    reviewed_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX evidence_condition_idx ON evidence (condition_id, id);

CREATE TABLE evidence_files (
    evidence_id BIGINT PRIMARY KEY REFERENCES evidence(id),
    data BYTEA NOT NULL
);

CREATE TABLE attestations (
    id BIGSERIAL PRIMARY KEY,
    application_id BIGINT NOT NULL REFERENCES applications(id),
    condition_id BIGINT NOT NULL REFERENCES conditions(id),
    evidence_id BIGINT REFERENCES evidence(id),
    user_id BIGINT NOT NULL REFERENCES users(id),
    stance TEXT NOT NULL,
    comment TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX attestations_condition_idx ON attestations (condition_id, id);
CREATE INDEX attestations_user_idx ON attestations (user_id, created_at);

CREATE TABLE observations (
    id BIGSERIAL PRIMARY KEY,
    application_id BIGINT NOT NULL REFERENCES applications(id),
    author_id BIGINT NOT NULL REFERENCES users(id),
    kind TEXT NOT NULL,
    body TEXT NOT NULL,
    visibility TEXT NOT NULL,
    published_body TEXT,
    moderation_reason TEXT,
    moderated_by BIGINT REFERENCES users(id),
    moderated_at TIMESTAMP,
    version BIGINT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX observations_application_idx ON observations (application_id, id);
CREATE INDEX observations_author_idx ON observations (author_id, created_at);

CREATE TABLE observation_replies (
    id BIGSERIAL PRIMARY KEY,
    observation_id BIGINT NOT NULL REFERENCES observations(id),
    author_id BIGINT NOT NULL REFERENCES users(id),
    body TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX observation_replies_observation_idx ON observation_replies (observation_id, id);

CREATE TABLE subscriptions (
    id BIGSERIAL PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users(id),
    application_id BIGINT REFERENCES applications(id),
    zone_id BIGINT REFERENCES zones(id),
    created_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX subscriptions_trial_key ON subscriptions (user_id, application_id);
CREATE UNIQUE INDEX subscriptions_zone_key ON subscriptions (user_id, zone_id);
CREATE INDEX subscriptions_application_idx ON subscriptions (application_id);
CREATE INDEX subscriptions_zone_idx ON subscriptions (zone_id);

CREATE TABLE notification_opt_outs (
    user_id BIGINT NOT NULL REFERENCES users(id),
    category TEXT NOT NULL,
    PRIMARY KEY (user_id, category)
);
