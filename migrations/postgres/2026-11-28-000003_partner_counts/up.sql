-- Partners per status and type, kept by a trigger so every writer (services, seeding, manual SQL)
-- keeps it exact; the partners list shows these counts on every request without a scan.
CREATE TABLE partner_counts (
    status TEXT NOT NULL,
    partner_type TEXT NOT NULL,
    n BIGINT NOT NULL,
    PRIMARY KEY (status, partner_type)
);
INSERT INTO partner_counts (status, partner_type, n)
    SELECT status, partner_type, count(*) FROM partners GROUP BY status, partner_type;

CREATE FUNCTION partner_count() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND OLD.status = NEW.status AND OLD.partner_type = NEW.partner_type THEN
        RETURN NULL;
    END IF;
    -- An update touches two count rows; it always locks them in key order, so two opposite
    -- moves (reject and resubmit, deactivate and reactivate) cannot deadlock.
    IF TG_OP = 'UPDATE' AND (NEW.status, NEW.partner_type) < (OLD.status, OLD.partner_type) THEN
        INSERT INTO partner_counts (status, partner_type, n)
            VALUES (NEW.status, NEW.partner_type, 1)
            ON CONFLICT (status, partner_type) DO UPDATE SET n = partner_counts.n + 1;
        UPDATE partner_counts SET n = n - 1
            WHERE status = OLD.status AND partner_type = OLD.partner_type;
        RETURN NULL;
    END IF;
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        UPDATE partner_counts SET n = n - 1
            WHERE status = OLD.status AND partner_type = OLD.partner_type;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        INSERT INTO partner_counts (status, partner_type, n)
            VALUES (NEW.status, NEW.partner_type, 1)
            ON CONFLICT (status, partner_type) DO UPDATE SET n = partner_counts.n + 1;
    END IF;
    RETURN NULL;
END
$$ LANGUAGE plpgsql;

CREATE TRIGGER partners_count AFTER INSERT OR DELETE OR UPDATE OF status, partner_type ON partners
FOR EACH ROW EXECUTE FUNCTION partner_count();

-- The partners list's common views read only an index: status and type together (count and
-- newest first), and one status sorted by organisation.
CREATE INDEX partners_status_type_created ON partners (status, partner_type, created_at, id);
CREATE INDEX partners_status_organisation ON partners (status, organisation, id);
