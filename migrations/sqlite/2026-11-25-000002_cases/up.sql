CREATE TABLE provisions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    code TEXT NOT NULL,
    title TEXT NOT NULL,
    legal_reference TEXT NOT NULL,
    summary TEXT NOT NULL,
    max_trial_months INTEGER NOT NULL,
    retired_at TIMESTAMP,
    version BIGINT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    CONSTRAINT provisions_code_key UNIQUE (code)
);

CREATE TABLE zones (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL,
    lpa_code TEXT NOT NULL,
    lpa_name TEXT NOT NULL,
    climate_emergency_declared_on DATE,
    is_open BOOLEAN NOT NULL,
    window_opens_on DATE,
    window_closes_on DATE,
    min_community_ownership_pct DOUBLE PRECISION NOT NULL,
    version BIGINT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX zones_lpa_idx ON zones (lpa_code);

CREATE TABLE zone_provisions (
    zone_id BIGINT NOT NULL REFERENCES zones(id),
    provision_id BIGINT NOT NULL REFERENCES provisions(id),
    PRIMARY KEY (zone_id, provision_id)
);

CREATE TABLE reference_counters (
    year INTEGER PRIMARY KEY,
    last_value INTEGER NOT NULL
);

CREATE TABLE applications (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    reference TEXT,
    author_id BIGINT NOT NULL REFERENCES users(id),
    organisation_id BIGINT REFERENCES organisations(id),
    applicant_kind TEXT,
    status TEXT NOT NULL,
    resume_status TEXT,
    title TEXT NOT NULL,
    summary TEXT,
    intervention TEXT,
    zone_id BIGINT REFERENCES zones(id),
    site_address TEXT,
    site_postcode TEXT,
    postcode_district TEXT,
    proposed_start_date DATE,
    proposed_duration_months INTEGER,
    estimated_annual_co2e_tonnes DOUBLE PRECISION,
    community_ownership_pct DOUBLE PRECISION,
    innovation_statement TEXT,
    need_for_derogation TEXT,
    safeguards TEXT,
    exit_plan TEXT,
    assigned_inspector_id BIGINT REFERENCES users(id),
    submitted_at TIMESTAMP,
    decided_at TIMESTAMP,
    decision TEXT,
    decision_reasons TEXT,
    trial_start_date DATE,
    trial_end_date DATE,
    started_at TIMESTAMP,
    closed_at TIMESTAMP,
    paused_since TIMESTAMP,
    paused_seconds BIGINT NOT NULL,
    version BIGINT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    CONSTRAINT applications_reference_key UNIQUE (reference)
);
CREATE INDEX applications_status_idx ON applications (status, id);
CREATE INDEX applications_author_idx ON applications (author_id, id);
CREATE INDEX applications_inspector_idx ON applications (assigned_inspector_id, status, id);
CREATE INDEX applications_zone_idx ON applications (zone_id, status, id);
CREATE INDEX applications_intervention_idx ON applications (intervention, status, id);

CREATE TABLE requested_derogations (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    application_id BIGINT NOT NULL REFERENCES applications(id),
    provision_id BIGINT NOT NULL REFERENCES provisions(id),
    justification TEXT NOT NULL,
    scope TEXT NOT NULL,
    granted BOOLEAN NOT NULL,
    granted_limits TEXT,
    granted_until DATE
);
CREATE INDEX requested_derogations_application_idx ON requested_derogations (application_id);
CREATE INDEX requested_derogations_provision_idx ON requested_derogations (provision_id, granted);

CREATE TABLE screenings (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    application_id BIGINT NOT NULL REFERENCES applications(id),
    criterion TEXT NOT NULL,
    outcome TEXT NOT NULL,
    note TEXT NOT NULL,
    screened_by BIGINT NOT NULL REFERENCES users(id),
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX screenings_application_idx ON screenings (application_id);

CREATE TABLE information_requests (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    application_id BIGINT NOT NULL REFERENCES applications(id),
    question TEXT NOT NULL,
    due_on DATE NOT NULL,
    requested_by BIGINT NOT NULL REFERENCES users(id),
    requested_at TIMESTAMP NOT NULL,
    answer TEXT,
    answered_by BIGINT REFERENCES users(id),
    answered_at TIMESTAMP
);
CREATE INDEX information_requests_application_idx ON information_requests (application_id);

CREATE TABLE conditions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    application_id BIGINT NOT NULL REFERENCES applications(id),
    category TEXT NOT NULL,
    description TEXT NOT NULL,
    metric TEXT NOT NULL,
    target_value DOUBLE PRECISION NOT NULL,
    unit TEXT NOT NULL,
    due_on DATE NOT NULL,
    status TEXT NOT NULL,
    status_reason TEXT,
    version BIGINT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX conditions_application_idx ON conditions (application_id);
CREATE INDEX conditions_due_idx ON conditions (status, due_on);

CREATE TABLE milestones (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    application_id BIGINT NOT NULL REFERENCES applications(id),
    kind TEXT NOT NULL,
    title TEXT NOT NULL,
    due_on DATE NOT NULL,
    status TEXT NOT NULL,
    report TEXT,
    reported_at TIMESTAMP,
    review_note TEXT,
    reviewed_at TIMESTAMP,
    version BIGINT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX milestones_application_idx ON milestones (application_id, due_on);
CREATE INDEX milestones_due_idx ON milestones (status, due_on);

CREATE TABLE enforcement_actions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    application_id BIGINT NOT NULL REFERENCES applications(id),
    kind TEXT NOT NULL,
    reasons TEXT NOT NULL,
    new_end_date DATE,
    actor_id BIGINT NOT NULL REFERENCES users(id),
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX enforcement_actions_application_idx ON enforcement_actions (application_id);

CREATE TABLE evaluations (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    application_id BIGINT NOT NULL REFERENCES applications(id),
    outcomes TEXT NOT NULL,
    lessons TEXT NOT NULL,
    reported_annual_co2e_tonnes DOUBLE PRECISION,
    created_by BIGINT NOT NULL REFERENCES users(id),
    created_at TIMESTAMP NOT NULL,
    CONSTRAINT evaluations_application_key UNIQUE (application_id)
);

CREATE TABLE recommendations (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    evaluation_id BIGINT NOT NULL REFERENCES evaluations(id),
    application_id BIGINT NOT NULL REFERENCES applications(id),
    provision_id BIGINT NOT NULL REFERENCES provisions(id),
    recommendation TEXT NOT NULL,
    rationale TEXT NOT NULL
);
CREATE INDEX recommendations_provision_idx ON recommendations (provision_id);

CREATE INDEX audit_events_created_idx ON audit_events (created_at);
