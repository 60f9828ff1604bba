-- Policy requests: a partner asks to use a published policy of its own group.
CREATE TABLE policy_requests (
    id TEXT PRIMARY KEY NOT NULL,
    partner_id TEXT NOT NULL REFERENCES partners (id),
    policy_id TEXT NOT NULL REFERENCES policies (id),
    use_case TEXT NOT NULL,
    status TEXT NOT NULL,
    comment TEXT,
    created_at BIGINT NOT NULL,
    created_by TEXT,
    updated_at BIGINT NOT NULL,
    updated_by TEXT
);
-- No second request while one is pending or approved; two racing requests hit this index.
CREATE UNIQUE INDEX policy_requests_live ON policy_requests (partner_id, policy_id)
    WHERE status IN ('PENDING', 'APPROVED');
CREATE INDEX policy_requests_queue ON policy_requests (status, created_at, id);
CREATE INDEX policy_requests_partner ON policy_requests (partner_id, created_at, id);
CREATE INDEX policy_requests_policy ON policy_requests (policy_id, status);

-- API keys: only a SHA-256 of the secret and a short visible prefix are kept.
CREATE TABLE api_keys (
    id TEXT PRIMARY KEY NOT NULL,
    partner_id TEXT NOT NULL REFERENCES partners (id),
    policy_id TEXT NOT NULL REFERENCES policies (id),
    label TEXT NOT NULL,
    prefix TEXT NOT NULL,
    key_hash TEXT NOT NULL,
    valid_from BIGINT NOT NULL,
    valid_to BIGINT NOT NULL,
    status TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    created_by TEXT,
    updated_at BIGINT NOT NULL,
    updated_by TEXT
);
CREATE UNIQUE INDEX api_keys_hash ON api_keys (key_hash);
CREATE UNIQUE INDEX api_keys_label ON api_keys (partner_id, policy_id, lower(label));
CREATE INDEX api_keys_partner ON api_keys (partner_id, created_at, id);
CREATE INDEX api_keys_all ON api_keys (created_at, id);
CREATE INDEX api_keys_expiry ON api_keys (status, valid_to);

-- Tokens with which downstream services call the verification endpoint.
CREATE TABLE service_tokens (
    id TEXT PRIMARY KEY NOT NULL,
    name TEXT NOT NULL,
    prefix TEXT NOT NULL,
    token_hash TEXT NOT NULL,
    active BOOLEAN NOT NULL,
    created_at BIGINT NOT NULL,
    created_by TEXT,
    updated_at BIGINT NOT NULL,
    updated_by TEXT
);
CREATE UNIQUE INDEX service_tokens_hash ON service_tokens (token_hash);
CREATE INDEX service_tokens_list ON service_tokens (created_at, id);

-- OIDC clients; the id is the RFC 7638 thumbprint of the public key, so a key backs one client.
CREATE TABLE oidc_clients (
    id TEXT PRIMARY KEY NOT NULL,
    partner_id TEXT NOT NULL REFERENCES partners (id),
    policy_id TEXT NOT NULL REFERENCES policies (id),
    name TEXT NOT NULL,
    logo_uri TEXT NOT NULL,
    redirect_uris TEXT NOT NULL,
    grant_types TEXT NOT NULL,
    auth_methods TEXT NOT NULL,
    public_key TEXT NOT NULL,
    claims TEXT NOT NULL,
    acr_values TEXT NOT NULL,
    status TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    created_by TEXT,
    updated_at BIGINT NOT NULL,
    updated_by TEXT
);
CREATE INDEX oidc_clients_partner ON oidc_clients (partner_id, created_at, id);
CREATE INDEX oidc_clients_all ON oidc_clients (created_at, id);

-- How a policy's KYC attributes and auth types become OIDC claims and ACR values.
-- Operators edit these in the portal; these rows follow eSignet's defaults.
CREATE TABLE oidc_claim_mappings (
    attribute TEXT PRIMARY KEY NOT NULL,
    claim TEXT NOT NULL
);
INSERT INTO oidc_claim_mappings (attribute, claim) VALUES
    ('fullName', 'name'), ('firstName', 'given_name'), ('lastName', 'family_name'),
    ('middleName', 'middle_name'), ('email', 'email'), ('phone', 'phone_number'),
    ('gender', 'gender'), ('dateOfBirth', 'birthdate'), ('addressLine1', 'address'),
    ('addressLine2', 'address'), ('addressLine3', 'address'), ('city', 'address'),
    ('region', 'address'), ('province', 'address'), ('postalCode', 'address'),
    ('preferredLang', 'locale'), ('photo', 'picture'), ('face', 'picture');
CREATE TABLE oidc_acr_mappings (
    auth_type TEXT PRIMARY KEY NOT NULL,
    acr TEXT NOT NULL
);
INSERT INTO oidc_acr_mappings (auth_type, acr) VALUES
    ('otp', 'mosip:idp:acr:generated-code'), ('bio', 'mosip:idp:acr:biometrics'),
    ('demo', 'mosip:idp:acr:knowledge'), ('kycauth', 'mosip:idp:acr:static-code');

-- MISP license keys; one live (ACTIVE) license per partner.
CREATE TABLE misp_licenses (
    id TEXT PRIMARY KEY NOT NULL,
    partner_id TEXT NOT NULL REFERENCES partners (id),
    policy_id TEXT REFERENCES policies (id),
    prefix TEXT NOT NULL,
    key_hash TEXT NOT NULL,
    valid_from BIGINT NOT NULL,
    valid_to BIGINT NOT NULL,
    status TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    created_by TEXT,
    updated_at BIGINT NOT NULL,
    updated_by TEXT
);
CREATE UNIQUE INDEX misp_licenses_hash ON misp_licenses (key_hash);
CREATE UNIQUE INDEX misp_licenses_live ON misp_licenses (partner_id) WHERE status = 'ACTIVE';
CREATE INDEX misp_licenses_partner ON misp_licenses (partner_id, created_at, id);
CREATE INDEX misp_licenses_expiry ON misp_licenses (status, valid_to);
