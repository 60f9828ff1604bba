-- Partners per status, kept by a trigger so every writer (services, seeding, manual SQL)
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

CREATE FUNCTION partner_status_count() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND OLD.status = NEW.status THEN
        RETURN NULL;
    END IF;
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        UPDATE partner_status_counts SET n = n - 1 WHERE status = OLD.status;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        UPDATE partner_status_counts SET n = n + 1 WHERE status = NEW.status;
    END IF;
    RETURN NULL;
END
$$ LANGUAGE plpgsql;

CREATE TRIGGER partners_count AFTER INSERT OR DELETE OR UPDATE OF status ON partners
FOR EACH ROW EXECUTE FUNCTION partner_status_count();
