-- Free-text search through trigram indexes: pg_trgm's GIN operator class serves the lists'
-- case-insensitive `LIKE '%text%'` on these expressions without reading the whole table.
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE INDEX partners_id_trgm ON partners USING gin (lower(id) gin_trgm_ops);
CREATE INDEX partners_organisation_trgm ON partners USING gin (lower(organisation) gin_trgm_ops);
CREATE INDEX partners_email_trgm ON partners USING gin (email gin_trgm_ops);
CREATE INDEX policies_name_trgm ON policies USING gin (lower(name) gin_trgm_ops);
CREATE INDEX policy_groups_name_trgm ON policy_groups USING gin (lower(name) gin_trgm_ops);
CREATE INDEX accounts_email_trgm ON accounts USING gin (email gin_trgm_ops);
CREATE INDEX accounts_display_name_trgm ON accounts USING gin (lower(display_name) gin_trgm_ops);
CREATE INDEX ca_certificates_subject_trgm ON ca_certificates USING gin (lower(subject) gin_trgm_ops);
