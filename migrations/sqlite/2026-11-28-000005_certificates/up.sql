-- Trust store: root and intermediate CA certificates per domain (AUTH, DEVICE, FTM). The facts
-- shown in lists are columns so lists never parse DER; the DER is read for detail, download
-- and chain verification only.
CREATE TABLE ca_certificates (
    id TEXT PRIMARY KEY NOT NULL,
    cert_domain TEXT NOT NULL,
    kind TEXT NOT NULL,
    subject TEXT NOT NULL,
    issuer TEXT NOT NULL,
    serial TEXT NOT NULL,
    not_before BIGINT NOT NULL,
    not_after BIGINT NOT NULL,
    key_type TEXT NOT NULL,
    sig_alg TEXT NOT NULL,
    thumbprint TEXT NOT NULL,
    der BLOB NOT NULL,
    issuer_id TEXT REFERENCES ca_certificates (id),
    active BOOLEAN NOT NULL,
    created_at BIGINT NOT NULL,
    created_by TEXT,
    updated_at BIGINT NOT NULL,
    updated_by TEXT,
    UNIQUE (cert_domain, thumbprint)
);
CREATE INDEX ca_certificates_created ON ca_certificates (created_at, id);
CREATE INDEX ca_certificates_expiry ON ca_certificates (not_after, id);
CREATE INDEX ca_certificates_domain ON ca_certificates (cert_domain, kind, active, not_after, id);
CREATE INDEX ca_certificates_issuer ON ca_certificates (issuer_id);

-- Partner certificates with their history: every upload stays, one row per partner is current.
-- `resigned_der` is the portal's certificate for the same public key.
CREATE TABLE partner_certificates (
    id TEXT PRIMARY KEY NOT NULL,
    partner_id TEXT NOT NULL REFERENCES partners (id),
    cert_domain TEXT NOT NULL,
    subject TEXT NOT NULL,
    issuer TEXT NOT NULL,
    serial TEXT NOT NULL,
    not_before BIGINT NOT NULL,
    not_after BIGINT NOT NULL,
    key_type TEXT NOT NULL,
    sig_alg TEXT NOT NULL,
    thumbprint TEXT NOT NULL,
    der BLOB NOT NULL,
    resigned_der BLOB NOT NULL,
    resigned_not_after BIGINT NOT NULL,
    is_current BOOLEAN NOT NULL,
    created_at BIGINT NOT NULL,
    created_by TEXT
);
CREATE INDEX partner_certificates_partner ON partner_certificates (partner_id, created_at);
CREATE UNIQUE INDEX partner_certificates_one_current ON partner_certificates (partner_id) WHERE is_current;
CREATE INDEX partner_certificates_expiry ON partner_certificates (is_current, not_after);
-- A certificate may be the current one of a single partner (checked on upload).
CREATE INDEX partner_certificates_thumbprint ON partner_certificates (thumbprint, is_current);

-- The portal's own signing CA per domain. The private key is sealed with a key that lives
-- outside the database (configuration); no query that feeds a page selects `sealed_key`.
CREATE TABLE signing_cas (
    cert_domain TEXT PRIMARY KEY NOT NULL,
    der BLOB NOT NULL,
    sealed_key BLOB NOT NULL,
    not_after BIGINT NOT NULL,
    created_at BIGINT NOT NULL
);
