-- MOSIP's REST door: user names (MOSIP and Keycloak identify users by name, not email),
-- API clients (client id + secret, as Keycloak's confidential clients), the keys that sign
-- its JWTs, and credential-type mappings.
ALTER TABLE accounts ADD COLUMN username TEXT;
-- Set when the account was deleted through the Keycloak admin door: it keeps its history and
-- partner, cannot sign in, and is taken over again if a user of that name is created.
ALTER TABLE accounts ADD COLUMN removed_at BIGINT;
CREATE UNIQUE INDEX accounts_username ON accounts (username);

CREATE TABLE api_clients (
    id TEXT PRIMARY KEY NOT NULL,
    client_id TEXT NOT NULL UNIQUE,
    secret_hash TEXT NOT NULL,
    roles TEXT NOT NULL,
    active BOOLEAN NOT NULL DEFAULT TRUE,
    created_at BIGINT NOT NULL,
    created_by TEXT,
    updated_at BIGINT NOT NULL,
    updated_by TEXT
);
CREATE INDEX api_clients_created ON api_clients (created_at, id);

CREATE TABLE jwt_keys (
    kid TEXT PRIMARY KEY NOT NULL,
    sealed_key BYTEA NOT NULL,
    public_key BYTEA NOT NULL,
    created_at BIGINT NOT NULL,
    -- Tokens it signed stay valid until this time; NULL while it is the signing key.
    retired_at BIGINT
);
CREATE INDEX jwt_keys_created ON jwt_keys (created_at);

CREATE TABLE partner_credential_types (
    partner_id TEXT NOT NULL REFERENCES partners (id),
    credential_type TEXT NOT NULL,
    policy_id TEXT NOT NULL REFERENCES policies (id),
    created_at BIGINT NOT NULL,
    created_by TEXT,
    PRIMARY KEY (partner_id, credential_type)
);
