DROP INDEX partners_status_organisation;
DROP INDEX partners_status_type_created;
DROP TRIGGER partners_count ON partners;
DROP FUNCTION partner_count();
DROP TABLE partner_counts;
