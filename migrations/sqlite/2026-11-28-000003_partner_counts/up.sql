-- Partners per status and type, kept by triggers so every writer (services, seeding, manual SQL)
-- keeps it exact; the partners list shows these counts on every request without a scan.
CREATE TABLE partner_counts (
    status TEXT NOT NULL,
    partner_type TEXT NOT NULL,
    n BIGINT NOT NULL,
    PRIMARY KEY (status, partner_type)
);
INSERT INTO partner_counts (status, partner_type, n)
    SELECT status, partner_type, count(*) FROM partners GROUP BY status, partner_type;

CREATE TRIGGER partners_count_insert AFTER INSERT ON partners
BEGIN
    INSERT OR IGNORE INTO partner_counts (status, partner_type, n) VALUES (NEW.status, NEW.partner_type, 0);
    UPDATE partner_counts SET n = n + 1 WHERE status = NEW.status AND partner_type = NEW.partner_type;
END;

CREATE TRIGGER partners_count_update AFTER UPDATE OF status, partner_type ON partners
WHEN OLD.status <> NEW.status OR OLD.partner_type <> NEW.partner_type
BEGIN
    UPDATE partner_counts SET n = n - 1 WHERE status = OLD.status AND partner_type = OLD.partner_type;
    INSERT OR IGNORE INTO partner_counts (status, partner_type, n) VALUES (NEW.status, NEW.partner_type, 0);
    UPDATE partner_counts SET n = n + 1 WHERE status = NEW.status AND partner_type = NEW.partner_type;
END;

CREATE TRIGGER partners_count_delete AFTER DELETE ON partners
BEGIN
    UPDATE partner_counts SET n = n - 1 WHERE status = OLD.status AND partner_type = OLD.partner_type;
END;

-- The partners list's common views read only an index: status and type together (count and
-- newest first), and one status sorted by organisation.
CREATE INDEX partners_status_type_created ON partners (status, partner_type, created_at, id);
CREATE INDEX partners_status_organisation ON partners (status, organisation, id);
