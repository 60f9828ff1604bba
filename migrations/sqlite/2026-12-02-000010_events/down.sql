DROP INDEX outbox_created;
DROP INDEX outbox_topic;
DROP TABLE esignet_sync;
DROP TABLE hub_topics;
DROP TABLE event_dead_letters;
DROP TABLE event_deliveries;
DROP TABLE event_subscriptions;
ALTER TABLE service_tokens DROP COLUMN topics;
