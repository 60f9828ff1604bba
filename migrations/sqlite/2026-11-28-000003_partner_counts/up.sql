-- Partners per status, kept by triggers so every writer (services, seeding, manual SQL)
-- keeps it exact; the partners list shows these counts on every request without a scan.
CREATE TABLE partner_status_counts (
    status TEXT PRIMARY KEY NOT NULL,
    n BIGINT NOT NULL
);
INSERT INTO partner_status_counts (status, n) VALUES
    ('PENDING', (SELECT count(*) FROM partners WHERE status = 'PENDING')),
    ('APPROVED', (SELECT count(*) FROM partners WHERE status = 'APPROVED')),
    ('REJECTED', (SELECT count(*) FROM partners WHERE status = 'REJECTED')),
    ('DEACTIVATED', (SELECT count(*) FROM partners WHERE status = 'DEACTIVATED'));

CREATE TRIGGER partners_count_insert AFTER INSERT ON partners
BEGIN
    UPDATE partner_status_counts SET n = n + 1 WHERE status = NEW.status;
END;

CREATE TRIGGER partners_count_update AFTER UPDATE OF status ON partners
WHEN OLD.status <> NEW.status
BEGIN
    UPDATE partner_status_counts SET n = n - 1 WHERE status = OLD.status;
    UPDATE partner_status_counts SET n = n + 1 WHERE status = NEW.status;
END;

CREATE TRIGGER partners_count_delete AFTER DELETE ON partners
BEGIN
    UPDATE partner_status_counts SET n = n - 1 WHERE status = OLD.status;
END;
