-- The register filtered by status, most recently decided first, read in index order.
CREATE INDEX applications_register_idx ON applications (status, decided_at, id);
-- An inspector's queue, newest first, read in index order however many cases they have had.
CREATE INDEX applications_queue_idx ON applications (assigned_inspector_id, id);
