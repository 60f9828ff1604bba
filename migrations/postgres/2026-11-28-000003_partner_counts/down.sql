DROP TRIGGER partners_count ON partners;
DROP FUNCTION partner_status_count();
DROP TABLE partner_status_counts;
