-- The re-signed certificate (at most a year) usually ends before the uploaded one: the daily
-- expiry check and the dashboards look it up by its end.
CREATE INDEX partner_certificates_resigned_expiry ON partner_certificates (is_current, resigned_not_after);
