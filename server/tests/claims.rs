//! README claims about settings, the CA key file and the embedded database, pinned with the
//! README's own literals (not the code's constants), so a change of behaviour fails here.
//! `docs/claims.md` maps each claim to its test.

use clap::Parser;
use pms::config::Cli;

fn parse(args: &[&str]) -> Cli {
    Cli::try_parse_from(std::iter::once("pms").chain(args.iter().copied())).expect("parses")
}

/// README "Configuration": the defaults of the table.
#[test]
fn every_setting_has_the_readme_default() {
    // Only this test reads the environment; it must not see a developer's settings.
    for var in [
        "PMS_ADDR",
        "PMS_DATA_DIR",
        "DATABASE_URL",
        "PMS_DB_POOL_SIZE",
        "LEPTOS_SITE_ROOT",
        "PMS_SECURE_COOKIES",
        "PMS_SESSION_IDLE_MINUTES",
        "PMS_SESSION_ABSOLUTE_HOURS",
        "PMS_SBI_MAX_YEARS",
        "PMS_APIKEY_DAYS",
        "PMS_MISP_LICENSE_DAYS",
        "PMS_MIN_CA_VALIDITY_DAYS",
        "PMS_PROFILE",
        "PMS_PARTNER_ACTIVATION",
        "PMS_CA_REQUIRE_KEY_CERT_SIGN",
        "PMS_MOSIP_TOKEN_MINUTES",
        "PMS_MAIL_FROM",
        "PMS_MAIL_INTERVAL_SECS",
        "PMS_NOTIFY_INTERVAL_SECS",
        "PMS_LOG_JSON",
        "PMS_SMTP_URL",
        "PMS_PUBLIC_URL",
        "PMS_WEBSUB_ALLOW_HOSTS",
        "PMS_WEBSUB_MAX_LEASE_SECS",
        "PMS_EVENT_RETRY_HOURS",
        "PMS_EVENT_RETRY_SECS",
        "PMS_EVENT_CLAIM_SECS",
        "PMS_EVENT_RETENTION_DAYS",
        "PMS_EVENT_POLL_MS",
        "PMS_WEBSUB_PUBLISH_URL",
        "PMS_WEBSUB_PUBLISH_TOKEN",
        "PMS_ESIGNET_URL",
        "PMS_ESIGNET_TOKEN",
        "PMS_OAUTH_TOKEN_URL",
        "PMS_OAUTH_CLIENT_ID",
        "PMS_OAUTH_CLIENT_SECRET",
    ] {
        if std::env::var_os(var).is_some() {
            eprintln!("skipping: {var} is set in this environment");
            return;
        }
    }
    let c = parse(&[]).config;
    assert_eq!(c.addr.to_string(), "127.0.0.1:3000");
    assert_eq!(c.data_dir, std::path::PathBuf::from("./data"));
    assert_eq!(c.database_url, None);
    assert_eq!(c.pool_size, 8);
    assert_eq!(c.site_root, "target/site");
    assert!(!c.secure_cookies);
    assert_eq!((c.session_idle_minutes, c.session_absolute_hours), (30, 12));
    assert_eq!(c.sbi_max_years, 5);
    assert_eq!((c.apikey_days, c.misp_license_days), (365, 365));
    // The portal's rules: a year of CA validity, keyCertSign, admin approval; MOSIP's profile
    // relaxes all three, and each can be set on its own.
    assert_eq!(c.cert_rules(), (365, false, false));
    assert_eq!(
        parse(&["--profile", "mosip"]).config.cert_rules(),
        (0, true, true)
    );
    assert_eq!(
        parse(&[
            "--profile",
            "mosip",
            "--partner-activation",
            "admin",
            "--min-ca-validity-days",
            "30"
        ])
        .config
        .cert_rules(),
        (30, true, false)
    );
    assert_eq!(
        parse(&["--ca-require-key-cert-sign", "false"])
            .config
            .cert_rules(),
        (365, true, false)
    );
    assert_eq!(c.mosip_token_minutes, 60);
    assert_eq!(c.mail_from, "Partner portal <no-reply@pms.local>");
    assert_eq!((c.mail_interval_secs, c.notify_interval_secs), (30, 600));
    assert!(!c.log_json);
    assert_eq!(c.smtp_url, None);
    assert!(c.database_url().ends_with("pms.db"));
    let e = c.event_settings();
    assert_eq!(e.public_url, "http://127.0.0.1:3000");
    assert!(e.allow_hosts.is_empty());
    assert_eq!(e.lease.max, 31536000);
    assert_eq!(e.lease.default, 10 * 86_400);
    assert_eq!(e.retry.window_ms, 72 * 3_600_000);
    assert_eq!((e.retry.first_ms, e.retry.max_ms), (1_000, 3_600_000));
    assert_eq!(e.retention_ms, 7 * 86_400_000);
    assert_eq!(c.event_poll_ms, 100);
    assert_eq!(e.claim_ttl_ms, 30_000);
    assert!(e.publish.is_none() && e.esignet.is_none());
}

/// README "Configuration": every setting is a flag (the environment variable is the other way).
#[test]
fn every_setting_is_a_flag() {
    let c = parse(&[
        "--addr",
        "0.0.0.0:8080",
        "--data-dir",
        "/srv/pms",
        "--pool-size",
        "3",
        "--site-root",
        "/srv/site",
        "--secure-cookies",
        "--session-idle-minutes",
        "5",
        "--session-absolute-hours",
        "2",
        "--sbi-max-years",
        "3",
        "--apikey-days",
        "90",
        "--misp-license-days",
        "30",
        "--min-ca-validity-days",
        "10",
        "--mail-from",
        "Ops <ops@example.org>",
        "--mail-interval-secs",
        "7",
        "--notify-interval-secs",
        "60",
        "--log-json",
        "--smtp-url",
        "smtp://localhost:25",
        "--database-url",
        "postgres://u:p@h/db",
        "--public-url",
        "https://pms.example.org",
        "--websub-allow-hosts",
        "receiver.local,127.0.0.1",
        "--websub-max-lease-secs",
        "86400",
        "--event-retry-hours",
        "2",
        "--event-retention-days",
        "3",
        "--event-poll-ms",
        "250",
        "--websub-publish-url",
        "http://websub.mosip/hub",
        "--esignet-url",
        "http://esignet.mosip/v1/esignet/",
        "--esignet-token",
        "tok",
        "--oauth-token-url",
        "http://iam/token",
        "--oauth-client-id",
        "mosip-pms-client",
        "--oauth-client-secret",
        "s3cret",
    ])
    .config;
    let e = c.event_settings();
    assert_eq!(e.public_url, "https://pms.example.org");
    assert_eq!(e.allow_hosts, ["receiver.local", "127.0.0.1"]);
    assert_eq!(e.lease.max, 86400);
    assert_eq!(e.retry.window_ms, 2 * 3_600_000);
    assert_eq!(e.retention_ms, 3 * 86_400_000);
    assert_eq!(c.event_poll_ms, 250);
    let hub = e.publish.expect("hub");
    assert_eq!(hub.url, "http://websub.mosip/hub");
    assert!(matches!(
        hub.auth,
        pms::outbound::OutboundAuth::ClientCredentials { .. }
    ));
    let esignet = e.esignet.expect("esignet");
    assert_eq!(esignet.url, "http://esignet.mosip/v1/esignet");
    assert!(matches!(
        esignet.auth,
        pms::outbound::OutboundAuth::Bearer(_)
    ));
    assert_eq!(c.addr.to_string(), "0.0.0.0:8080");
    assert_eq!(c.pool_size, 3);
    assert!(c.secure_cookies && c.log_json);
    assert_eq!((c.session_idle_minutes, c.session_absolute_hours), (5, 2));
    assert_eq!(
        (c.sbi_max_years, c.apikey_days, c.misp_license_days),
        (3, 90, 30)
    );
    assert_eq!(c.min_ca_validity_days, Some(10));
    assert_eq!((c.mail_interval_secs, c.notify_interval_secs), (7, 60));
    assert_eq!(c.database_url(), "postgres://u:p@h/db");
    assert_eq!(c.smtp_url.as_deref(), Some("smtp://localhost:25"));
    // The window in seconds wins over the hours when given.
    let drill = parse(&["--event-retry-hours", "2", "--event-retry-secs", "6"]).config;
    assert_eq!(drill.event_settings().retry.window_ms, 6_000);
    // A claim never lasts less than a call may take.
    let short = parse(&["--event-claim-secs", "1"]).config;
    assert_eq!(short.event_settings().claim_ttl_ms, 15_000);
}

/// README "The CA key": with neither PMS_CA_KEY nor a file, `<data dir>/ca.key` is created
/// with mode 0600, and the same key is read back on the next start.
#[cfg(unix)]
#[test]
fn the_ca_key_file_is_created_with_mode_0600_and_reused() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().expect("tmp");
    let data = dir.path().join("data");
    let data_s = data.to_string_lossy().into_owned();
    let c = parse(&["--data-dir", &data_s]).config;
    let c = pms::config::Config {
        ca_key: None,
        ca_key_file: None,
        ..c
    };
    let first = c.ca_master_key().expect("created");
    let meta = std::fs::metadata(data.join("ca.key")).expect("ca.key exists");
    assert_eq!(meta.permissions().mode() & 0o777, 0o600);
    let again = c.ca_master_key().expect("read back");
    let sealed = first.seal("AUTH", b"probe").expect("seal");
    assert_eq!(
        again
            .open("AUTH", &sealed)
            .expect("the same key")
            .as_slice(),
        b"probe"
    );
    // A named file that is missing is refused (a new key would orphan the stored CA keys).
    let missing = pms::config::Config {
        ca_key_file: Some(dir.path().join("nope.key")),
        ..c
    };
    assert!(missing.ca_master_key().is_err());
}
