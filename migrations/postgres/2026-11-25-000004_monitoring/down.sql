DROP TABLE notification_opt_outs;
DROP TABLE subscriptions;
DROP TABLE observation_replies;
DROP TABLE observations;
DROP TABLE attestations;
DROP TABLE evidence_files;
DROP TABLE evidence;
