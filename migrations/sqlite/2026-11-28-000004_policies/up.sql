-- Policies: a draft is edited in `document`; once published, `document` is the live version
-- and a revision in preparation sits in `draft_document` until it is published as the next
-- version. Every published version is kept, immutable, in policy_versions.
CREATE TABLE policies (
    id TEXT PRIMARY KEY NOT NULL,
    policy_group_id TEXT NOT NULL REFERENCES policy_groups (id),
    name TEXT NOT NULL,
    description TEXT NOT NULL,
    policy_type TEXT NOT NULL,
    status TEXT NOT NULL,
    document TEXT NOT NULL,
    draft_document TEXT,
    version INTEGER NOT NULL DEFAULT 0,
    valid_from BIGINT,
    valid_to BIGINT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    created_by TEXT,
    updated_by TEXT,
    UNIQUE (policy_group_id, name)
);
-- Lists filter by status, type and group and sort by last change or name; each common
-- combination has an index that also answers its count without reading the rows (which
-- carry the documents).
CREATE INDEX policies_updated ON policies (updated_at, id);
CREATE INDEX policies_status_updated ON policies (status, updated_at, id);
CREATE INDEX policies_status_type_updated ON policies (status, policy_type, updated_at, id);
CREATE INDEX policies_type_updated ON policies (policy_type, updated_at, id);
CREATE INDEX policies_group_status ON policies (policy_group_id, status, updated_at, id);
CREATE INDEX policies_name ON policies (name, id);

CREATE TABLE policy_versions (
    policy_id TEXT NOT NULL REFERENCES policies (id),
    version INTEGER NOT NULL,
    document TEXT NOT NULL,
    valid_from BIGINT NOT NULL,
    valid_to BIGINT NOT NULL,
    published_at BIGINT NOT NULL,
    published_by TEXT,
    published_by_email TEXT,
    PRIMARY KEY (policy_id, version)
);

-- Policies per status and type, kept by triggers so every writer (services, seeding, manual
-- SQL) keeps it exact; the list shows these counts on every request without a scan.
CREATE TABLE policy_counts (
    status TEXT NOT NULL,
    policy_type TEXT NOT NULL,
    n BIGINT NOT NULL,
    PRIMARY KEY (status, policy_type)
);

CREATE TRIGGER policies_count_insert AFTER INSERT ON policies
BEGIN
    INSERT OR IGNORE INTO policy_counts (status, policy_type, n) VALUES (NEW.status, NEW.policy_type, 0);
    UPDATE policy_counts SET n = n + 1 WHERE status = NEW.status AND policy_type = NEW.policy_type;
END;

CREATE TRIGGER policies_count_update AFTER UPDATE OF status, policy_type ON policies
WHEN OLD.status <> NEW.status OR OLD.policy_type <> NEW.policy_type
BEGIN
    UPDATE policy_counts SET n = n - 1 WHERE status = OLD.status AND policy_type = OLD.policy_type;
    INSERT OR IGNORE INTO policy_counts (status, policy_type, n) VALUES (NEW.status, NEW.policy_type, 0);
    UPDATE policy_counts SET n = n + 1 WHERE status = NEW.status AND policy_type = NEW.policy_type;
END;

CREATE TRIGGER policies_count_delete AFTER DELETE ON policies
BEGIN
    UPDATE policy_counts SET n = n - 1 WHERE status = OLD.status AND policy_type = OLD.policy_type;
END;
