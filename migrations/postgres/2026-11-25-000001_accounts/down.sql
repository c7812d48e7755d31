DROP TABLE audit_events;
DROP TABLE outbound_emails;
DROP TABLE login_failures;
DROP TABLE one_time_tokens;
DROP TABLE refresh_tokens;
DROP TABLE users;
DROP TABLE organisations;
