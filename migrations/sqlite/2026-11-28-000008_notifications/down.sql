DROP TRIGGER IF EXISTS audit_decision_days;
DROP TABLE decision_days;
DROP TABLE job_leases;
DROP TABLE mail_queue;
DROP TABLE notifications;
DROP INDEX IF EXISTS sbis_expiry;
DROP INDEX IF EXISTS ftm_chips_expiry;
