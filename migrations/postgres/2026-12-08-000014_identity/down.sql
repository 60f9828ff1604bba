DROP TABLE terms_acceptances;
DROP TABLE terms;
DROP TABLE password_resets;
