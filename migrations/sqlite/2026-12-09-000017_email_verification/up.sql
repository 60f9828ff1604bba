-- Verification of a partner's contact email by a mailed link: at sign-up (the registration
-- reaches a partner admin only after it) and when the partner changes the address (the new
-- one is used only after it). The token is stored as its SHA-256.
CREATE TABLE email_verifications (
    token_hash TEXT PRIMARY KEY NOT NULL,
    partner_id TEXT NOT NULL REFERENCES partners(id),
    email TEXT NOT NULL,
    -- REGISTRATION or CONTACT_CHANGE.
    purpose TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    used_at BIGINT
);
CREATE INDEX email_verifications_partner ON email_verifications (partner_id, created_at);
