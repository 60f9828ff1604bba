DROP TRIGGER partners_count_delete;
DROP TRIGGER partners_count_update;
DROP TRIGGER partners_count_insert;
DROP TABLE partner_status_counts;
