-- The target decision date of a submitted case (submission + the target working days, moved on by
-- the working days spent waiting for information), kept on the row so that the work queue can be
-- sorted and filtered by it at any size. Rows submitted before this migration are filled in by the
-- service at start-up (see `db::cases::backfill_targets`).
ALTER TABLE applications ADD COLUMN target_decision_on DATE;
CREATE INDEX applications_target_idx ON applications (target_decision_on, id);
CREATE INDEX applications_inspector_target_idx ON applications (assigned_inspector_id, target_decision_on, id);
CREATE INDEX applications_status_target_idx ON applications (status, target_decision_on, id);
CREATE INDEX applications_zone_target_idx ON applications (zone_id, target_decision_on, id);
CREATE INDEX applications_kind_target_idx ON applications (applicant_kind, target_decision_on, id);
-- What awaits an inspector's review, found by status rather than by scanning.
CREATE INDEX milestones_status_application_idx ON milestones (status, application_id);
CREATE INDEX conditions_status_application_idx ON conditions (status, application_id);
CREATE INDEX attestations_stance_idx ON attestations (stance, condition_id);
