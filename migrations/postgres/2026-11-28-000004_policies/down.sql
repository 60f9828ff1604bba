DROP TABLE policy_versions;
DROP TABLE policies;
