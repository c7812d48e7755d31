DROP INDEX milestones_check_idx;
DROP INDEX conditions_check_idx;
ALTER TABLE milestones DROP COLUMN scheduler_check_on;
ALTER TABLE conditions DROP COLUMN scheduler_check_on;
