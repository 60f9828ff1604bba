DROP TRIGGER policies_count ON policies;
DROP FUNCTION policy_count();
DROP TABLE policy_counts;
DROP TABLE policy_versions;
DROP TABLE policies;
