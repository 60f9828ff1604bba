-- In-app notifications, one row per recipient account. `dedup_key` names the event (what,
-- which item, which threshold or week) so a job that runs twice never notifies twice.
CREATE TABLE notifications (
    id TEXT PRIMARY KEY NOT NULL,
    account_id TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    partner_id TEXT,
    kind TEXT NOT NULL,
    entity_type TEXT NOT NULL,
    entity_id TEXT NOT NULL,
    dedup_key TEXT NOT NULL,
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    link TEXT NOT NULL,
    due_at BIGINT,
    read_at BIGINT,
    dismissed_at BIGINT,
    created_at BIGINT NOT NULL,
    UNIQUE (account_id, dedup_key)
);
CREATE INDEX notifications_inbox ON notifications (account_id, dismissed_at, created_at);
CREATE INDEX notifications_unread ON notifications (account_id, read_at, dismissed_at);
CREATE INDEX notifications_created ON notifications (created_at);

-- Outgoing mail, written in the same transaction as its notification and sent by a loop that
-- retries with back-off, so a mail survives an SMTP outage or a restart.
CREATE TABLE mail_queue (
    id TEXT PRIMARY KEY NOT NULL,
    notification_id TEXT,
    recipient TEXT NOT NULL,
    language TEXT NOT NULL,
    subject TEXT NOT NULL,
    body TEXT NOT NULL,
    status TEXT NOT NULL,
    attempts INTEGER NOT NULL,
    next_attempt_at BIGINT NOT NULL,
    last_error TEXT,
    created_at BIGINT NOT NULL,
    sent_at BIGINT
);
CREATE INDEX mail_queue_due ON mail_queue (status, next_attempt_at);
CREATE INDEX mail_queue_created ON mail_queue (created_at);

-- Leases of periodic jobs: whoever updates the row while it is free (or its own) runs the job.
CREATE TABLE job_leases (
    name TEXT PRIMARY KEY NOT NULL,
    holder TEXT NOT NULL,
    lease_until BIGINT NOT NULL,
    last_run_day TEXT,
    last_weekly TEXT
);

-- Decisions per UTC day and action, kept by a trigger on the audit log so every decision path
-- counts and the dashboard chart reads at most 90 x 10 rows.
CREATE TABLE decision_days (
    day BIGINT NOT NULL,
    action TEXT NOT NULL,
    n BIGINT NOT NULL,
    PRIMARY KEY (day, action)
);

CREATE INDEX sbis_expiry ON sbis (status, expires_on);
CREATE INDEX ftm_chips_expiry ON ftm_chips (status, cert_not_after);

CREATE FUNCTION decision_day() RETURNS trigger AS $$
BEGIN
    INSERT INTO decision_days (day, action, n) VALUES (NEW.at / 86400000, NEW.action, 1)
        ON CONFLICT (day, action) DO UPDATE SET n = decision_days.n + 1;
    RETURN NULL;
END
$$ LANGUAGE plpgsql;

CREATE TRIGGER audit_decision_days AFTER INSERT ON audit_log
FOR EACH ROW WHEN (NEW.action IN ('PARTNER_APPROVED', 'PARTNER_REJECTED',
    'POLICY_REQUEST_APPROVED', 'POLICY_REQUEST_REJECTED', 'SBI_APPROVED', 'SBI_REJECTED',
    'DEVICE_APPROVED', 'DEVICE_REJECTED', 'FTM_CHIP_APPROVED', 'FTM_CHIP_REJECTED'))
EXECUTE FUNCTION decision_day();
