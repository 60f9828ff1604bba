//! Configuration from flags and environment, with defaults that run locally.

use clap::{Args, Parser, Subcommand};
use std::net::SocketAddr;
use std::path::PathBuf;

/// Partner management portal.
#[derive(Debug, Parser)]
#[command(
    name = "pms",
    version,
    about = "Partner management portal for national digital-ID systems"
)]
pub struct Cli {
    /// Settings shared by every command.
    #[command(flatten)]
    pub config: Config,
    /// What to do (default: serve).
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// Sub-commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the web portal (the default).
    Serve,
    /// Manage accounts from the command line.
    Admin {
        /// What to do with accounts.
        #[command(subcommand)]
        action: AdminAction,
    },
    /// Create demo data (for demos and benchmarks; never on a production database).
    Seed {
        /// What to create.
        #[command(subcommand)]
        what: SeedWhat,
    },
    /// API clients of MOSIP's REST door (client id + secret, as Keycloak's clients).
    Client {
        /// What to do with them.
        #[command(subcommand)]
        action: ClientAction,
    },
    /// The keys that sign the MOSIP door's tokens.
    Jwt {
        /// What to do with them.
        #[command(subcommand)]
        action: JwtAction,
    },
    /// The built site's files.
    Assets {
        /// What to do with them.
        #[command(subcommand)]
        action: AssetsAction,
    },
}

/// API clients.
#[derive(Debug, Subcommand)]
pub enum ClientAction {
    /// Create a client and print its secret once. With `--secret-stdin` the secret is read
    /// from standard input (to match one already configured in MOSIP's modules).
    Create {
        /// Client id, e.g. mosip-deployment-client.
        #[arg(long = "id")]
        client_id: String,
        /// Role to grant (repeatable), e.g. PARTNER_ADMIN.
        #[arg(long = "role", required = true)]
        roles: Vec<String>,
        /// Read the secret from standard input instead of generating one.
        #[arg(long)]
        secret_stdin: bool,
    },
    /// Revoke a client: its secret and tokens stop working at once.
    Revoke {
        /// Client id.
        #[arg(long = "id")]
        client_id: String,
    },
    /// List clients.
    List,
}

/// Token signing keys.
#[derive(Debug, Subcommand)]
pub enum JwtAction {
    /// Start signing with a new key; tokens signed by the old one stay valid until they expire.
    Rotate,
}

/// A set of defaults: the portal's own rules, or MOSIP's where MOSIP is laxer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Profile {
    /// The portal's stricter rules.
    Portal,
    /// MOSIP's rules: partners activated by their first certificate, CAs without
    /// keyCertSign accepted, no minimum remaining validity of a CA.
    Mosip,
}

/// Who activates a self-registered partner.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Activation {
    /// A partner admin approves it.
    Admin,
    /// Its first valid certificate does (MOSIP).
    Certificate,
}

/// Site files.
#[derive(Debug, Subcommand)]
pub enum AssetsAction {
    /// Write brotli (quality 11) and gzip copies of the site's JS, WASM and CSS next to them,
    /// sent as they are instead of compressing per request (run after every build).
    Compress,
}

/// Demo data.
#[derive(Debug, Subcommand)]
pub enum SeedWhat {
    /// Realistic partners of every self-registrable type and status, with their accounts.
    /// They all sign in with the password in `PMS_SEED_PASSWORD` (default
    /// "correct horse battery").
    Partners {
        /// How many partners to add.
        #[arg(long, default_value_t = 1000)]
        count: usize,
    },
    /// Live API keys of ten approved Auth partners (for the verification benchmark); their
    /// secrets are written to `secrets_file` (mode 0600), one per line.
    ApiKeys {
        /// How many keys to add.
        #[arg(long, default_value_t = 100_000)]
        count: usize,
        /// Where to write the secrets.
        #[arg(long)]
        secrets_file: std::path::PathBuf,
    },
    /// MOSIP's default partners, policy groups, policies and credential-type mappings that
    /// its onboarder's print, abis and mobileid modules presuppose (idempotent).
    MosipDefaults,
    /// Policies of every type and status, spread over 50 policy groups.
    Policies {
        /// How many policies to add.
        #[arg(long, default_value_t = 1000)]
        count: usize,
    },
}

/// Account administration.
#[derive(Debug, Subcommand)]
pub enum AdminAction {
    /// Create an account. The password is read from a prompt, or from standard input when it
    /// is not a terminal; never from a flag (it would stay in the shell history).
    Create {
        /// Login email.
        #[arg(long)]
        email: String,
        /// Role to grant (repeatable), e.g. PARTNER_ADMIN.
        #[arg(long = "role", required = true)]
        roles: Vec<String>,
        /// Display name (defaults to the email's name part).
        #[arg(long)]
        name: Option<String>,
    },
    /// Print a one-time link (valid 30 minutes) with which the account chooses a new password.
    /// The current password keeps working until the link is used; using it ends every
    /// session of the account. Hand the link over as you would a password.
    ResetPassword {
        /// The account's login email.
        #[arg(long)]
        email: String,
    },
}

/// Runtime settings.
#[derive(Debug, Clone, Args)]
pub struct Config {
    /// Address to listen on.
    #[arg(
        long,
        env = "PMS_ADDR",
        default_value = "127.0.0.1:3000",
        global = true
    )]
    pub addr: SocketAddr,
    /// Directory for the embedded database.
    #[arg(long, env = "PMS_DATA_DIR", default_value = "./data", global = true)]
    pub data_dir: PathBuf,
    /// PostgreSQL URL (postgres://...); when unset the embedded SQLite file in the data directory is used.
    #[arg(long, env = "DATABASE_URL", global = true, hide_env_values = true)]
    pub database_url: Option<String>,
    /// Database connections in the pool.
    #[arg(long, env = "PMS_DB_POOL_SIZE", default_value_t = 8, global = true)]
    pub pool_size: u32,
    /// Directory with the built site (pkg/ with JS, WASM and CSS).
    #[arg(
        long,
        env = "LEPTOS_SITE_ROOT",
        default_value = "target/site",
        global = true
    )]
    pub site_root: String,
    /// Mark cookies Secure and send HSTS (set when served over https).
    #[arg(
        long,
        env = "PMS_SECURE_COOKIES",
        default_value_t = false,
        global = true
    )]
    pub secure_cookies: bool,
    /// Minutes of inactivity after which a session ends.
    #[arg(
        long,
        env = "PMS_SESSION_IDLE_MINUTES",
        default_value_t = 30,
        global = true
    )]
    pub session_idle_minutes: i64,
    /// Partner admins and policy managers must sign in with a second factor (an authenticator
    /// app): without one they are sent to set it up before anything else.
    #[arg(
        long,
        env = "PMS_TWO_FACTOR_REQUIRED",
        default_value_t = false,
        global = true
    )]
    pub two_factor_required: bool,
    /// Hours after sign-in after which a session ends regardless of use.
    #[arg(
        long,
        env = "PMS_SESSION_ABSOLUTE_HOURS",
        default_value_t = 12,
        global = true
    )]
    pub session_absolute_hours: i64,
    /// One-time set-up token for /setup (random and printed at start when unset).
    #[arg(long, env = "PMS_SETUP_TOKEN", global = true, hide_env_values = true)]
    pub setup_token: Option<String>,
    /// Key (base64 of 32 random bytes) that encrypts the signing CAs' private keys in the
    /// database. Prefer `--ca-key-file`; when neither is set, a key file is created in the data
    /// directory on first start.
    #[arg(long, env = "PMS_CA_KEY", global = true, hide_env_values = true)]
    pub ca_key: Option<String>,
    /// File holding the CA key (base64 of 32 random bytes), e.g. a mounted secret.
    #[arg(long, env = "PMS_CA_KEY_FILE", global = true)]
    pub ca_key_file: Option<PathBuf>,
    /// Minimum remaining validity, in days, of a CA certificate added to the trust store
    /// (default 365; 0 under the mosip profile).
    #[arg(long, env = "PMS_MIN_CA_VALIDITY_DAYS", global = true)]
    pub min_ca_validity_days: Option<i64>,
    /// Defaults for the rules where MOSIP is laxer than the portal.
    #[arg(long, env = "PMS_PROFILE", value_enum, default_value_t = Profile::Portal, global = true)]
    pub profile: Profile,
    /// Who activates a self-registered partner (default admin; certificate under the mosip
    /// profile).
    #[arg(long, env = "PMS_PARTNER_ACTIVATION", value_enum, global = true)]
    pub partner_activation: Option<Activation>,
    /// Refuse a CA whose key usage lacks keyCertSign (default true; false under the mosip
    /// profile, whose sample roots lack it).
    #[arg(long, env = "PMS_CA_REQUIRE_KEY_CERT_SIGN", global = true)]
    pub ca_require_key_cert_sign: Option<bool>,
    /// Lifetime of the tokens MOSIP's door issues, in minutes.
    #[arg(
        long,
        env = "PMS_MOSIP_TOKEN_MINUTES",
        default_value_t = 60,
        global = true
    )]
    pub mosip_token_minutes: i64,
    /// An SBI may expire at most this many years from the day it is declared.
    #[arg(long, env = "PMS_SBI_MAX_YEARS", default_value_t = 5, global = true)]
    pub sbi_max_years: i64,
    /// Default (and longest) validity of a new API key, in days.
    #[arg(long, env = "PMS_APIKEY_DAYS", default_value_t = 365, global = true)]
    pub apikey_days: i64,
    /// Validity of a new MISP license, in days.
    #[arg(
        long,
        env = "PMS_MISP_LICENSE_DAYS",
        default_value_t = 365,
        global = true
    )]
    pub misp_license_days: i64,
    /// SMTP server for notification mail, e.g. `smtp://mail.example.org:587` (STARTTLS),
    /// `smtps://user:password@mail.example.org` or `smtp://localhost:2525?tls=none` for a local
    /// relay. Unset: notifications stay in the portal.
    #[arg(long, env = "PMS_SMTP_URL", global = true)]
    pub smtp_url: Option<String>,
    /// Sender of notification mail.
    #[arg(
        long,
        env = "PMS_MAIL_FROM",
        default_value = "Partner portal <no-reply@pms.local>",
        global = true
    )]
    pub mail_from: String,
    /// Seconds between two looks at the mail queue.
    #[arg(
        long,
        env = "PMS_MAIL_INTERVAL_SECS",
        default_value_t = 30,
        global = true
    )]
    pub mail_interval_secs: u64,
    /// Seconds between two tries of the daily notification job (it runs once per UTC day).
    #[arg(
        long,
        env = "PMS_NOTIFY_INTERVAL_SECS",
        default_value_t = 600,
        global = true
    )]
    pub notify_interval_secs: u64,
    /// Log as JSON lines (for log collectors) instead of text.
    #[arg(long, env = "PMS_LOG_JSON", default_value_t = false, global = true)]
    pub log_json: bool,
    /// The portal's public base URL, named in the `Link` headers of WebSub deliveries.
    #[arg(long, env = "PMS_PUBLIC_URL", global = true)]
    pub public_url: Option<String>,
    /// Hosts (comma-separated) a WebSub callback may reach over plain http and at a private or
    /// loopback address: for local and test receivers only.
    #[arg(
        long,
        env = "PMS_WEBSUB_ALLOW_HOSTS",
        value_delimiter = ',',
        global = true
    )]
    pub websub_allow_hosts: Vec<String>,
    /// Longest WebSub lease, in seconds (also the default when a subscriber names none is
    /// the smaller of this and 10 days).
    #[arg(
        long,
        env = "PMS_WEBSUB_MAX_LEASE_SECS",
        default_value_t = 31_536_000,
        global = true
    )]
    pub websub_max_lease_secs: i64,
    /// How long a failing event is retried (hours) before it becomes a dead letter.
    #[arg(
        long,
        env = "PMS_EVENT_RETRY_HOURS",
        default_value_t = 72,
        global = true
    )]
    pub event_retry_hours: i64,
    /// The retry window in seconds instead of hours, when set (drills and journeys that
    /// must see a dead letter within a minute).
    #[arg(long, env = "PMS_EVENT_RETRY_SECS", global = true)]
    pub event_retry_secs: Option<i64>,
    /// Delivered events and delivery logs are kept this many days.
    #[arg(
        long,
        env = "PMS_EVENT_RETENTION_DAYS",
        default_value_t = 7,
        global = true
    )]
    pub event_retention_days: i64,
    /// How long an instance's claim on a receiver lasts without progress, in seconds (at least
    /// 15, above the 10 s call timeout): after a crash, its receivers resume this much later.
    #[arg(
        long,
        env = "PMS_EVENT_CLAIM_SECS",
        default_value_t = 30,
        global = true
    )]
    pub event_claim_secs: i64,
    /// Milliseconds between two looks at the outbox.
    #[arg(long, env = "PMS_EVENT_POLL_MS", default_value_t = 100, global = true)]
    pub event_poll_ms: u64,
    /// An external WebSub hub (MOSIP's websub service) every event is also published to.
    #[arg(long, env = "PMS_WEBSUB_PUBLISH_URL", global = true)]
    pub websub_publish_url: Option<String>,
    /// Bearer token for the external hub (else the OAuth2 grant below, if set).
    #[arg(
        long,
        env = "PMS_WEBSUB_PUBLISH_TOKEN",
        global = true,
        hide_env_values = true
    )]
    pub websub_publish_token: Option<String>,
    /// eSignet's base URL (`…/v1/esignet`); OIDC client changes are sent to its client
    /// management API.
    #[arg(long, env = "PMS_ESIGNET_URL", global = true)]
    pub esignet_url: Option<String>,
    /// Bearer token for eSignet (else the OAuth2 grant below, if set).
    #[arg(long, env = "PMS_ESIGNET_TOKEN", global = true, hide_env_values = true)]
    pub esignet_token: Option<String>,
    /// OAuth2 token endpoint for a client-credentials grant used with the hub and eSignet.
    #[arg(long, env = "PMS_OAUTH_TOKEN_URL", global = true)]
    pub oauth_token_url: Option<String>,
    /// Client id of that grant.
    #[arg(long, env = "PMS_OAUTH_CLIENT_ID", global = true)]
    pub oauth_client_id: Option<String>,
    /// Client secret of that grant.
    #[arg(
        long,
        env = "PMS_OAUTH_CLIENT_SECRET",
        global = true,
        hide_env_values = true
    )]
    pub oauth_client_secret: Option<String>,
    /// Single sign-on (OpenID Connect).
    #[command(flatten)]
    pub sso: crate::sso::settings::SsoArgs,
}

impl Config {
    /// The certificate rules, from the profile and the settings that override it; each rule
    /// relaxed from the portal's own is logged as a warning at start-up.
    pub fn cert_rules(&self) -> (i64, bool, bool) {
        let mosip = self.profile == Profile::Mosip;
        let min_days = self
            .min_ca_validity_days
            .unwrap_or(if mosip { 0 } else { 365 })
            .max(0);
        let require_kcs = self.ca_require_key_cert_sign.unwrap_or(!mosip);
        let activation = self.partner_activation.unwrap_or(if mosip {
            Activation::Certificate
        } else {
            Activation::Admin
        });
        (
            min_days,
            !require_kcs,
            activation == Activation::Certificate,
        )
    }

    /// The portal's public address (`PMS_PUBLIC_URL`, else the listening address).
    pub fn public_url(&self) -> String {
        self.public_url
            .clone()
            .unwrap_or_else(|| format!("http://{}", self.addr))
    }

    /// Settings of the WebSub hub and the delivery engine.
    pub fn event_settings(&self) -> crate::events::EventSettings {
        let mut s = crate::events::EventSettings {
            allow_hosts: self
                .websub_allow_hosts
                .iter()
                .map(|h| h.trim().to_ascii_lowercase())
                .filter(|h| !h.is_empty())
                .collect(),
            public_url: self.public_url(),
            retention_ms: self.event_retention_days.clamp(1, 3650) * 86_400_000,
            ..Default::default()
        };
        s.lease.max = self.websub_max_lease_secs.max(s.lease.min);
        s.lease.default = s.lease.default.min(s.lease.max);
        s.retry.window_ms = match self.event_retry_secs {
            Some(secs) => secs.clamp(1, 90 * 86_400) * 1000,
            None => self.event_retry_hours.clamp(1, 24 * 90) * 3_600_000,
        };
        s.claim_ttl_ms = self.event_claim_secs.clamp(15, 3600) * 1000;
        s.publish = self.target(&self.websub_publish_url, &self.websub_publish_token);
        s.esignet = self.target(&self.esignet_url, &self.esignet_token);
        s
    }

    /// An outbound service from its URL and token settings, with the shared OAuth2 grant when
    /// it has no token.
    fn target(
        &self,
        url: &Option<String>,
        token: &Option<String>,
    ) -> Option<crate::outbound::Target> {
        use crate::outbound::{OutboundAuth, Target};
        fn set(v: &Option<String>) -> Option<&str> {
            v.as_deref().map(str::trim).filter(|v| !v.is_empty())
        }
        let url = set(url)?;
        let auth = match (
            set(token),
            set(&self.oauth_token_url),
            set(&self.oauth_client_id),
            set(&self.oauth_client_secret),
        ) {
            (Some(t), ..) => OutboundAuth::Bearer(t.to_string()),
            (None, Some(token_url), Some(id), Some(secret)) => OutboundAuth::ClientCredentials {
                token_url: token_url.to_string(),
                client_id: id.to_string(),
                client_secret: secret.to_string(),
            },
            _ => OutboundAuth::None,
        };
        Some(Target::new(url, auth))
    }

    /// The database URL in effect.
    pub fn database_url(&self) -> String {
        match &self.database_url {
            Some(url) if !url.trim().is_empty() => url.clone(),
            _ => self.data_dir.join("pms.db").to_string_lossy().into_owned(),
        }
    }
}

impl Config {
    /// The key that seals the signing CAs' private keys: `PMS_CA_KEY`, else the file named by
    /// `PMS_CA_KEY_FILE`, else `<data dir>/ca.key`, created (mode 0600) when missing so that a
    /// first local start needs no set-up. A named file that is missing is an error: silently
    /// making a new key would orphan the stored CA keys.
    pub fn ca_master_key(&self) -> anyhow::Result<domain::cert::seal::MasterKey> {
        use anyhow::Context;
        use domain::cert::seal::MasterKey;
        if let Some(text) = self.ca_key.as_deref().filter(|t| !t.trim().is_empty()) {
            return MasterKey::from_base64(text).map_err(|e| anyhow::anyhow!("PMS_CA_KEY: {e}"));
        }
        let (path, create) = match &self.ca_key_file {
            Some(path) => (path.clone(), false),
            None => (self.data_dir.join("ca.key"), true),
        };
        if !path.exists() && create {
            std::fs::create_dir_all(&self.data_dir)
                .with_context(|| format!("cannot create {}", self.data_dir.display()))?;
            let text = MasterKey::generate_base64().map_err(anyhow::Error::msg)?;
            let mut options = std::fs::OpenOptions::new();
            options.write(true).create_new(true);
            #[cfg(unix)]
            std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
            use std::io::Write;
            options
                .open(&path)
                .and_then(|mut f| f.write_all(text.as_bytes()))
                .with_context(|| format!("cannot write {}", path.display()))?;
            tracing::warn!(
                path = %path.display(),
                "created a CA key file; back it up (without it the signing CAs cannot be used)"
            );
        }
        let text = std::fs::read_to_string(&path)
            .with_context(|| format!("cannot read the CA key file {}", path.display()))?;
        MasterKey::from_base64(&text).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))
    }
}
