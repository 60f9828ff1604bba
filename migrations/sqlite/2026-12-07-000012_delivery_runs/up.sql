-- A run of events delivered one after another is logged as one row: its first outbox id and
-- how many it holds (outbox_id and event_id are its last). Failures stay one row per attempt.
ALTER TABLE event_deliveries ADD COLUMN first_outbox_id BIGINT;
ALTER TABLE event_deliveries ADD COLUMN events INTEGER NOT NULL DEFAULT 1;
