-- The register lists decided cases, most recently decided first.
CREATE INDEX applications_decided_idx ON applications (decided_at, id);
