DROP INDEX observations_held_idx;
ALTER TABLE observations DROP COLUMN held_at;
DROP INDEX observation_reports_reporter_idx;
DROP TABLE observation_reports;
