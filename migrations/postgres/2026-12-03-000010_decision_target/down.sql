DROP INDEX applications_review_target_idx;
ALTER TABLE applications DROP COLUMN needs_review;
DROP INDEX applications_kind_target_idx;
DROP INDEX applications_zone_target_idx;
DROP INDEX applications_status_target_idx;
DROP INDEX applications_inspector_target_idx;
DROP INDEX applications_target_idx;
ALTER TABLE applications DROP COLUMN target_decision_on;
