-- Partners: types (seed data of the reference), policy groups (filled by the policy feature),
-- partners with their contacts and status history.
CREATE TABLE partner_types (
    code TEXT PRIMARY KEY NOT NULL,
    description TEXT NOT NULL,
    policy_required BOOLEAN NOT NULL,
    self_registrable BOOLEAN NOT NULL,
    -- Role the partner's account gets; NULL for types without portal use.
    portal_role TEXT REFERENCES roles (name),
    cert_domain TEXT NOT NULL,
    active BOOLEAN NOT NULL DEFAULT 1
);
INSERT INTO partner_types (code, description, policy_required, self_registrable, portal_role, cert_domain) VALUES
    ('Auth_Partner', 'Auth Partner', 1, 1, 'AUTH_PARTNER', 'AUTH'),
    ('Credential_Partner', 'Credential Partner', 1, 1, 'CREDENTIAL_PARTNER', 'AUTH'),
    ('ABIS_Partner', 'ABIS Partner', 1, 1, 'CREDENTIAL_PARTNER', 'AUTH'),
    ('Manual_Adjudication', 'Manual Adjudication', 1, 1, 'CREDENTIAL_PARTNER', 'AUTH'),
    ('Print_Partner', 'Print Partner', 1, 1, 'CREDENTIAL_PARTNER', 'AUTH'),
    ('Device_Provider', 'Device Provider', 0, 1, 'DEVICE_PROVIDER', 'DEVICE'),
    ('FTM_Provider', 'FTM Provider', 0, 1, 'FTM_PROVIDER', 'FTM'),
    ('MISP_Partner', 'MISP Partner', 0, 1, 'MISP_PARTNER', 'AUTH'),
    ('Online_Verification_Partner', 'Online Verification Partner', 1, 0, 'AUTH_PARTNER', 'AUTH'),
    ('Internal_Partner', 'Used internally to share certs', 1, 0, 'CREDENTIAL_PARTNER', 'AUTH'),
    ('Binding_Partner', 'Binding Partner', 1, 0, 'AUTH_PARTNER', 'AUTH'),
    ('SDK_Partner', 'SDK Partner', 0, 0, NULL, 'AUTH'),
    ('Partner_Admin', 'Partner Admin', 0, 0, NULL, 'AUTH');

CREATE TABLE policy_groups (
    id TEXT PRIMARY KEY NOT NULL,
    name TEXT NOT NULL UNIQUE,
    description TEXT NOT NULL,
    active BOOLEAN NOT NULL DEFAULT 1,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    created_by TEXT,
    updated_by TEXT
);
CREATE INDEX policy_groups_active_name ON policy_groups (active, name);

CREATE TABLE partners (
    id TEXT PRIMARY KEY NOT NULL,
    account_id TEXT NOT NULL UNIQUE REFERENCES accounts (id),
    organisation TEXT NOT NULL,
    partner_type TEXT NOT NULL REFERENCES partner_types (code),
    policy_group_id TEXT REFERENCES policy_groups (id),
    email TEXT NOT NULL UNIQUE,
    phone TEXT NOT NULL,
    address TEXT NOT NULL,
    language TEXT NOT NULL,
    status TEXT NOT NULL,
    status_reason TEXT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    created_by TEXT,
    updated_by TEXT
);
-- The admin list filters on status/type/group and sorts by creation, id or organisation.
CREATE INDEX partners_created ON partners (created_at, id);
CREATE INDEX partners_status_created ON partners (status, created_at, id);
CREATE INDEX partners_type_created ON partners (partner_type, created_at, id);
CREATE INDEX partners_group_created ON partners (policy_group_id, created_at, id);
CREATE INDEX partners_organisation ON partners (organisation, id);

CREATE TABLE partner_contacts (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    partner_id TEXT NOT NULL REFERENCES partners (id) ON DELETE CASCADE,
    email TEXT NOT NULL,
    phone TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    created_by TEXT,
    UNIQUE (partner_id, email)
);

CREATE TABLE partner_status_history (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    partner_id TEXT NOT NULL REFERENCES partners (id) ON DELETE CASCADE,
    from_status TEXT,
    to_status TEXT NOT NULL,
    reason TEXT,
    actor_id TEXT,
    actor_email TEXT,
    at BIGINT NOT NULL
);
CREATE INDEX partner_status_history_partner ON partner_status_history (partner_id, at);

-- The audit page filters by actor email and entity type over time.
CREATE INDEX audit_log_actor_email ON audit_log (actor_email, at);
CREATE INDEX audit_log_type_at ON audit_log (entity_type, at);
