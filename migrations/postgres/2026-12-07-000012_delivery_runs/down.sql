ALTER TABLE event_deliveries DROP COLUMN events;
ALTER TABLE event_deliveries DROP COLUMN first_outbox_id;
