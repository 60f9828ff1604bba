DROP TABLE signing_cas;
DROP TABLE partner_certificates;
DROP TABLE ca_certificates;
