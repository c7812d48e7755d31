-- The target decision date of a submitted case (submission + the target working days, moved on by
-- the working days spent waiting for information), kept on the row so that the work queue can be
-- sorted and filtered by it at any size. Rows submitted before this migration are filled in by the
-- service at start-up (see `cases::backfill_targets`).
ALTER TABLE applications ADD COLUMN target_decision_on DATE;
CREATE INDEX applications_target_idx ON applications (target_decision_on, id);
CREATE INDEX applications_inspector_target_idx ON applications (assigned_inspector_id, target_decision_on, id);
CREATE INDEX applications_status_target_idx ON applications (status, target_decision_on, id);
CREATE INDEX applications_zone_target_idx ON applications (zone_id, target_decision_on, id);
CREATE INDEX applications_kind_target_idx ON applications (applicant_kind, target_decision_on, id);

-- Whether the case has something for its inspector to review (an answer not acted on, evidence,
-- a milestone report, a dispute of a met condition), kept by every change to the case in the same
-- transaction (`db::cases::refresh_needs_review`), so that the queue's "Needs review" tab costs
-- what it shows. The expression is the one the service uses.
ALTER TABLE applications ADD COLUMN needs_review BOOLEAN NOT NULL DEFAULT 0;
CREATE INDEX applications_review_target_idx ON applications (needs_review, target_decision_on, id);
UPDATE applications SET needs_review = (
    EXISTS (SELECT 1 FROM conditions c WHERE c.application_id = applications.id AND c.status = 'evidence_submitted')
    OR EXISTS (SELECT 1 FROM milestones m WHERE m.application_id = applications.id AND m.status = 'submitted')
    OR EXISTS (SELECT 1 FROM conditions c JOIN attestations t ON t.condition_id = c.id
               WHERE c.application_id = applications.id AND c.status = 'met' AND t.stance = 'dispute'
                 AND t.created_at > c.updated_at)
    OR (applications.status IN ('screening', 'assessment') AND EXISTS (
        SELECT 1 FROM information_requests r
        WHERE r.application_id = applications.id AND r.answered_at >= applications.updated_at))
) WHERE status NOT IN ('draft', 'refused', 'withdrawn', 'revoked', 'completed');
