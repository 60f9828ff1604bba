DROP INDEX ca_certificates_subject_trgm;
DROP INDEX accounts_display_name_trgm;
DROP INDEX accounts_email_trgm;
DROP INDEX policy_groups_name_trgm;
DROP INDEX policies_name_trgm;
DROP INDEX partners_email_trgm;
DROP INDEX partners_organisation_trgm;
DROP INDEX partners_id_trgm;
