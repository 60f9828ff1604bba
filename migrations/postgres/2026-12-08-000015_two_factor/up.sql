-- Two-factor sign-in (RFC 6238). The shared secret is sealed with the portal's key (it must be
-- read back to check codes, so it cannot be hashed); the factor counts only once confirmed.
CREATE TABLE two_factors (
    account_id TEXT PRIMARY KEY NOT NULL REFERENCES accounts(id),
    secret_sealed BYTEA NOT NULL,
    created_at BIGINT NOT NULL,
    confirmed_at BIGINT,
    -- The newest time step a code was accepted for: each code works once.
    last_step BIGINT NOT NULL DEFAULT 0
);

-- Recovery codes: shown once, stored as their SHA-256, each usable once.
CREATE TABLE recovery_codes (
    code_hash TEXT PRIMARY KEY NOT NULL,
    account_id TEXT NOT NULL REFERENCES accounts(id),
    created_at BIGINT NOT NULL,
    used_at BIGINT
);
CREATE INDEX recovery_codes_account ON recovery_codes (account_id);

-- A password accepted, the second factor still to come: the browser holds the token (a
-- cookie), the table its SHA-256. Short-lived, and spent after a few wrong codes.
CREATE TABLE sign_in_challenges (
    token_hash TEXT PRIMARY KEY NOT NULL,
    account_id TEXT NOT NULL REFERENCES accounts(id),
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    failures INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX sign_in_challenges_account ON sign_in_challenges (account_id);
