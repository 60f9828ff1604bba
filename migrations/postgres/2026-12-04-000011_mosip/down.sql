DROP TABLE partner_credential_types;
DROP INDEX jwt_keys_created;
DROP TABLE jwt_keys;
DROP INDEX api_clients_created;
DROP TABLE api_clients;
DROP INDEX accounts_username;
ALTER TABLE accounts DROP COLUMN removed_at;
ALTER TABLE accounts DROP COLUMN username;
