DROP TABLE policy_counts;
DROP TABLE policy_versions;
DROP TABLE policies;
