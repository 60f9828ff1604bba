-- Single sign-on (OpenID Connect). A sign-in in flight: the SHA-256 of its `state`, single
-- use (deleted when the provider sends the browser back) and short-lived. The PKCE verifier
-- and the nonce are not stored: they are derived from the state and a secret held only in
-- the browser's HttpOnly cookie, so nothing here completes a sign-in.
CREATE TABLE sso_states (
    state_hash TEXT PRIMARY KEY NOT NULL,
    -- SHA-256 of the browser's secret: the callback must come from the browser that started.
    binder_hash TEXT NOT NULL,
    -- Where to go after signing in (a local path).
    next TEXT,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX sso_states_expiry ON sso_states (expires_at);

-- Which identity at the provider an account signed in as (recorded at the first sign-in,
-- renewed when the provider's subject for that email changes, both audited).
CREATE TABLE sso_links (
    account_id TEXT NOT NULL REFERENCES accounts(id),
    issuer TEXT NOT NULL,
    subject TEXT NOT NULL,
    linked_at BIGINT NOT NULL,
    last_sign_in_at BIGINT NOT NULL,
    PRIMARY KEY (account_id, issuer)
);
