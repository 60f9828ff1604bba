DROP TABLE misp_licenses;
DROP TABLE oidc_acr_mappings;
DROP TABLE oidc_claim_mappings;
DROP TABLE oidc_clients;
DROP TABLE service_tokens;
DROP TABLE api_keys;
DROP TABLE policy_requests;
