-- Event delivery: WebSub subscriptions, the external hub and eSignet are all "subscriptions"
-- that read the outbox in id order from their own cursor, so one engine serves them and a
-- failing receiver holds only its own later events. Claims (owner + expiry) let any number of
-- instances run the engine without two of them sending to one receiver at once.
ALTER TABLE service_tokens ADD COLUMN topics TEXT NOT NULL DEFAULT '';

CREATE TABLE event_subscriptions (
    id TEXT PRIMARY KEY NOT NULL,
    kind TEXT NOT NULL,
    topic TEXT NOT NULL,
    callback TEXT NOT NULL,
    secret BLOB,
    token_id TEXT REFERENCES service_tokens (id),
    state TEXT NOT NULL,
    verify_mode TEXT,
    verify_secret BLOB,
    verify_lease BIGINT,
    verify_attempts INTEGER NOT NULL DEFAULT 0,
    lease_seconds BIGINT NOT NULL,
    lease_ends_at BIGINT,
    cursor BIGINT NOT NULL DEFAULT 0,
    attempts INTEGER NOT NULL DEFAULT 0,
    first_failure_at BIGINT,
    next_attempt_at BIGINT,
    last_error TEXT,
    last_delivery_at BIGINT,
    delivered_count BIGINT NOT NULL DEFAULT 0,
    failure_count BIGINT NOT NULL DEFAULT 0,
    claim_owner TEXT,
    claim_until BIGINT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX event_subscriptions_key ON event_subscriptions (kind, topic, callback);
CREATE INDEX event_subscriptions_due ON event_subscriptions (state, next_attempt_at);
CREATE INDEX event_subscriptions_list ON event_subscriptions (created_at, id);

CREATE TABLE event_deliveries (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    subscription_id TEXT NOT NULL REFERENCES event_subscriptions (id),
    outbox_id BIGINT NOT NULL,
    event_id TEXT NOT NULL,
    attempt INTEGER NOT NULL,
    ok BOOLEAN NOT NULL,
    status INTEGER,
    error TEXT,
    latency_ms BIGINT NOT NULL,
    at BIGINT NOT NULL,
    next_try_at BIGINT
);
CREATE INDEX event_deliveries_sub ON event_deliveries (subscription_id, id);
CREATE INDEX event_deliveries_at ON event_deliveries (at);

-- A dead letter keeps its own copy of the event, so purging the outbox never loses it.
CREATE TABLE event_dead_letters (
    id TEXT PRIMARY KEY NOT NULL,
    subscription_id TEXT NOT NULL REFERENCES event_subscriptions (id),
    outbox_id BIGINT NOT NULL,
    event_id TEXT NOT NULL,
    topic TEXT NOT NULL,
    payload TEXT NOT NULL,
    attempts INTEGER NOT NULL,
    error TEXT NOT NULL,
    dead_at BIGINT NOT NULL,
    requeued_at BIGINT,
    redelivered_at BIGINT
);
CREATE UNIQUE INDEX event_dead_letters_key ON event_dead_letters (subscription_id, outbox_id);
CREATE INDEX event_dead_letters_requeued ON event_dead_letters (subscription_id, requeued_at);

-- Topics registered once at the external hub.
CREATE TABLE hub_topics (
    subscription_id TEXT NOT NULL REFERENCES event_subscriptions (id),
    topic TEXT NOT NULL,
    registered_at BIGINT NOT NULL,
    PRIMARY KEY (subscription_id, topic)
);

-- eSignet's copy of each OIDC client: the last event it accepted, or the last error.
CREATE TABLE esignet_sync (
    client_id TEXT PRIMARY KEY NOT NULL,
    latest_outbox_id BIGINT NOT NULL,
    synced_outbox_id BIGINT,
    synced_at BIGINT,
    last_error TEXT,
    updated_at BIGINT NOT NULL
);

CREATE INDEX outbox_topic ON outbox (topic, id);
CREATE INDEX outbox_created ON outbox (created_at, id);
