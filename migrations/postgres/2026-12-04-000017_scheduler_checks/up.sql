-- The day the scheduler is next to look at a condition or milestone (NULL: never), so that a pass
-- reads what is due and nothing else. Set with every change of the row; the scheduler moves it on.
ALTER TABLE conditions ADD COLUMN scheduler_check_on DATE;
ALTER TABLE milestones ADD COLUMN scheduler_check_on DATE;
UPDATE conditions SET scheduler_check_on = due_on + 1 WHERE status = 'pending';
UPDATE milestones SET scheduler_check_on = due_on - 365 WHERE status IN ('scheduled', 'revision_requested');
CREATE INDEX conditions_check_idx ON conditions (scheduler_check_on, id) WHERE scheduler_check_on IS NOT NULL;
CREATE INDEX milestones_check_idx ON milestones (scheduler_check_on, id) WHERE scheduler_check_on IS NOT NULL;
