DROP TABLE ftm_chips;
DROP TABLE device_sbis;
DROP TABLE devices;
DROP TABLE sbis;
DROP TABLE device_subtypes;
