-- The register, most recently decided first, read in index order whether it is filtered by
-- status, zone or intervention (a case is on the register exactly when it has been decided).
CREATE INDEX applications_register_idx ON applications (status, decided_at, id);
CREATE INDEX applications_zone_register_idx ON applications (zone_id, decided_at, id);
CREATE INDEX applications_intervention_register_idx ON applications (intervention, decided_at, id);
-- An inspector's queue, newest first, read in index order however many cases they have had.
CREATE INDEX applications_queue_idx ON applications (assigned_inspector_id, id);
-- A trial page reads its evidence, attestations and evaluation's recommendations by case.
CREATE INDEX evidence_application_idx ON evidence (application_id, id);
CREATE INDEX attestations_application_idx ON attestations (application_id, id);
CREATE INDEX attestations_evidence_idx ON attestations (evidence_id);
CREATE INDEX recommendations_evaluation_idx ON recommendations (evaluation_id);
CREATE INDEX recommendations_application_idx ON recommendations (application_id);
