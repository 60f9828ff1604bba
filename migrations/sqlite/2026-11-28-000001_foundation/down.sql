DROP TABLE outbox;
DROP TABLE audit_log;
DROP TABLE login_throttle;
DROP TABLE sessions;
DROP TABLE account_roles;
DROP TABLE accounts;
DROP TABLE roles;
