DROP INDEX applications_queue_idx;
DROP INDEX applications_register_idx;
