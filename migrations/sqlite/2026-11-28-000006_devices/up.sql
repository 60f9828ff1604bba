-- Device types and sub-types are data, not code: an operator can add a sub-type with SQL.
CREATE TABLE device_subtypes (
    device_type TEXT NOT NULL,
    sub_type TEXT NOT NULL,
    PRIMARY KEY (device_type, sub_type)
);
INSERT INTO device_subtypes (device_type, sub_type) VALUES
    ('Finger', 'Slap'), ('Finger', 'Single'), ('Finger', 'Touchless'),
    ('Iris', 'Single'), ('Iris', 'Double'),
    ('Face', 'Full face');

-- Secure biometric interfaces (SBI) a device provider ships.
CREATE TABLE sbis (
    id TEXT PRIMARY KEY NOT NULL,
    partner_id TEXT NOT NULL REFERENCES partners (id),
    version TEXT NOT NULL,
    binary_hash TEXT NOT NULL,
    created_on BIGINT NOT NULL,
    expires_on BIGINT NOT NULL,
    status TEXT NOT NULL,
    reason TEXT,
    created_at BIGINT NOT NULL,
    created_by TEXT,
    updated_at BIGINT NOT NULL,
    updated_by TEXT,
    UNIQUE (partner_id, version)
);
CREATE INDEX sbis_queue ON sbis (status, created_at, id);
CREATE INDEX sbis_partner ON sbis (partner_id, created_at, id);

-- Device models. Unique per provider, type, sub-type, make and model among live rows.
CREATE TABLE devices (
    id TEXT PRIMARY KEY NOT NULL,
    partner_id TEXT NOT NULL REFERENCES partners (id),
    device_type TEXT NOT NULL,
    sub_type TEXT NOT NULL,
    make TEXT NOT NULL,
    model TEXT NOT NULL,
    status TEXT NOT NULL,
    reason TEXT,
    created_at BIGINT NOT NULL,
    created_by TEXT,
    updated_at BIGINT NOT NULL,
    updated_by TEXT,
    FOREIGN KEY (device_type, sub_type) REFERENCES device_subtypes (device_type, sub_type)
);
CREATE UNIQUE INDEX devices_live_unique ON devices (partner_id, device_type, sub_type, lower(make), lower(model))
    WHERE status IN ('PENDING_APPROVAL', 'APPROVED');
CREATE INDEX devices_queue ON devices (status, created_at, id);
CREATE INDEX devices_partner ON devices (partner_id, created_at, id);

-- A device model can be used with several SBIs.
CREATE TABLE device_sbis (
    device_id TEXT NOT NULL REFERENCES devices (id),
    sbi_id TEXT NOT NULL REFERENCES sbis (id),
    created_at BIGINT NOT NULL,
    PRIMARY KEY (device_id, sbi_id)
);
CREATE INDEX device_sbis_sbi ON device_sbis (sbi_id, device_id);

-- Secure chips (FTM) with their chip-model certificate and its re-signed form.
CREATE TABLE ftm_chips (
    id TEXT PRIMARY KEY NOT NULL,
    partner_id TEXT NOT NULL REFERENCES partners (id),
    make TEXT NOT NULL,
    model TEXT NOT NULL,
    status TEXT NOT NULL,
    reason TEXT,
    cert_der BLOB,
    resigned_der BLOB,
    cert_subject TEXT,
    cert_not_after BIGINT,
    cert_thumbprint TEXT,
    created_at BIGINT NOT NULL,
    created_by TEXT,
    updated_at BIGINT NOT NULL,
    updated_by TEXT
);
CREATE UNIQUE INDEX ftm_chips_live_unique ON ftm_chips (partner_id, lower(make), lower(model))
    WHERE status IN ('PENDING_CERT_UPLOAD', 'PENDING_APPROVAL', 'APPROVED');
CREATE INDEX ftm_chips_queue ON ftm_chips (status, created_at, id);
CREATE INDEX ftm_chips_partner ON ftm_chips (partner_id, created_at, id);
