DROP INDEX applications_decided_idx;
