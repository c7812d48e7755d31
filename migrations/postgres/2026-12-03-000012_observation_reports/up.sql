-- Reports of an observation as inappropriate: one per person per observation. Three reports made
-- since a moderator last acted on it hold the observation back from the public (`held_at`) until an
-- inspector hides it, publishes a redacted text or keeps it published.
CREATE TABLE observation_reports (
    id BIGSERIAL PRIMARY KEY,
    observation_id BIGINT NOT NULL REFERENCES observations(id),
    reporter_id BIGINT NOT NULL REFERENCES users(id),
    reason TEXT,
    created_at TIMESTAMP NOT NULL,
    CONSTRAINT observation_reports_once UNIQUE (observation_id, reporter_id)
);
CREATE INDEX observation_reports_reporter_idx ON observation_reports (reporter_id, observation_id);

-- When the observation was held back for review by its reports; cleared by moderation.
ALTER TABLE observations ADD COLUMN held_at TIMESTAMP;
CREATE INDEX observations_held_idx ON observations (held_at, id);
