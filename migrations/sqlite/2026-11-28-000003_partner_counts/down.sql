DROP INDEX partners_status_organisation;
DROP INDEX partners_status_type_created;
DROP TRIGGER partners_count_delete;
DROP TRIGGER partners_count_update;
DROP TRIGGER partners_count_insert;
DROP TABLE partner_counts;
