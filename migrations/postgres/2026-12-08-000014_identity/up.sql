-- Password reset: single-use tokens, stored as the SHA-256 of the token mailed to the account.
CREATE TABLE password_resets (
    token_hash TEXT PRIMARY KEY NOT NULL,
    account_id TEXT NOT NULL REFERENCES accounts(id),
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    used_at BIGINT,
    -- Who asked: the address of the request, or the admin who forced the reset.
    requested_by TEXT
);
CREATE INDEX password_resets_account ON password_resets (account_id, created_at);

-- Terms of use, versioned; the newest published version is the one every account accepts.
CREATE TABLE terms (
    version INTEGER PRIMARY KEY NOT NULL,
    body TEXT NOT NULL,
    published_at BIGINT NOT NULL,
    published_by TEXT NOT NULL
);
CREATE TABLE terms_acceptances (
    account_id TEXT NOT NULL REFERENCES accounts(id),
    version INTEGER NOT NULL REFERENCES terms(version),
    accepted_at BIGINT NOT NULL,
    PRIMARY KEY (account_id, version)
);
