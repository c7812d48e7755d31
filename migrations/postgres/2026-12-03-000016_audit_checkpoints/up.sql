-- A dated digest of every audit chain's head, one a day, published at /api/v1/audit/checkpoints:
-- whoever keeps one can later prove that no public decision's history was rewritten since
-- (`sandbox verify-audit --against FILE`).
CREATE TABLE audit_checkpoints (
    id BIGSERIAL PRIMARY KEY,
    day DATE NOT NULL UNIQUE,
    created_at TIMESTAMP NOT NULL,
    up_to TIMESTAMP NOT NULL,
    streams BIGINT NOT NULL,
    events BIGINT NOT NULL,
    digest TEXT NOT NULL
);
