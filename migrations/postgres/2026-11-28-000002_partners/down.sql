DROP INDEX IF EXISTS audit_log_type_at;
DROP INDEX IF EXISTS audit_log_actor_email;
DROP TABLE partner_status_history;
DROP TABLE partner_contacts;
DROP TABLE partners;
DROP TABLE policy_groups;
DROP TABLE partner_types;
