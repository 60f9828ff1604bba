DROP TABLE sso_links;
DROP TABLE sso_states;
