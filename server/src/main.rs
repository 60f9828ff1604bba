//! `pms`: serve the portal, or administer accounts from the command line.

use anyhow::{bail, Context};
use app::state::AppState;
use clap::Parser;
use domain::session::SessionPolicy;
use domain::throttle::ThrottlePolicy;
use pms::config::{
    AdminAction, AssetsAction, Cli, ClientAction, Command, Config, JwtAction, SeedWhat,
};
use pms::{leptos_options, router, spawn_expiry_job, spawn_session_sweeper, ServerState};
use std::io::{BufRead, IsTerminal};
use std::sync::Arc;
use std::time::Instant;
use tracing_subscriber::EnvFilter;

fn init_logs(config: &Config) {
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new("info,tower_http=info,diesel=warn"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter);
    if config.log_json {
        builder.json().init();
    } else {
        builder.init();
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    init_logs(&cli.config);
    match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => serve(cli.config).await,
        Command::Admin {
            action: AdminAction::Create { email, roles, name },
        } => admin_create(&cli.config, &email, &roles, name.as_deref()),
        Command::Admin {
            action: AdminAction::ResetPassword { email },
        } => {
            let pool =
                domain::db::connect(&cli.config.database_url(), 1).map_err(anyhow::Error::msg)?;
            let mut conn = pool.get()?;
            let link = domain::account::reset_link(&mut conn, &email, &cli.config.public_url())
                .map_err(|e| anyhow::anyhow!("{}", e.message))?;
            println!(
                "{link}\nvalid for 30 minutes, once; using it signs the account out everywhere"
            );
            Ok(())
        }
        Command::Seed {
            what: SeedWhat::Partners { count },
        } => seed_partners(&cli.config, count),
        Command::Seed {
            what: SeedWhat::Policies { count },
        } => seed_policies(&cli.config, count),
        Command::Seed {
            what:
                SeedWhat::ApiKeys {
                    count,
                    secrets_file,
                },
        } => seed_api_keys(&cli.config, count, &secrets_file),
        Command::Seed {
            what: SeedWhat::MosipDefaults,
        } => seed_mosip_defaults(&cli.config),
        Command::Client { action } => client(&cli.config, action),
        Command::Jwt {
            action: JwtAction::Rotate,
        } => {
            let pool =
                domain::db::connect(&cli.config.database_url(), 1).map_err(anyhow::Error::msg)?;
            let mut conn = pool.get()?;
            let master = cli.config.ca_master_key()?;
            let grace = cli.config.mosip_token_minutes.clamp(1, 1440) * 60_000;
            let kid = domain::idp::jwt::rotate(&mut conn, &master, grace)
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            println!(
                "signing with key {kid}; the previous key verifies for {} more minutes",
                grace / 60_000
            );
            Ok(())
        }
        Command::Assets {
            action: AssetsAction::Compress,
        } => compress_assets(&cli.config),
    }
}

fn seed_mosip_defaults(config: &Config) -> anyhow::Result<()> {
    let pool = domain::db::connect(&config.database_url(), 1).map_err(anyhow::Error::msg)?;
    let mut conn = pool.get()?;
    let report =
        domain::partner::seed_mosip_defaults(&mut conn).map_err(|e| anyhow::anyhow!("{e}"))?;
    println!("{report}");
    Ok(())
}

fn client(config: &Config, action: ClientAction) -> anyhow::Result<()> {
    let pool = domain::db::connect(&config.database_url(), 1).map_err(anyhow::Error::msg)?;
    let mut conn = pool.get()?;
    let actor = domain::audit::Actor::system();
    match action {
        ClientAction::Create {
            client_id,
            roles,
            secret_stdin,
        } => {
            let roles = domain::idp::parse_roles(&roles)
                .map_err(|r| anyhow::anyhow!("unknown role {r}"))?;
            let secret = if secret_stdin {
                let mut line = String::new();
                std::io::stdin().lock().read_line(&mut line)?;
                Some(line.trim_end_matches(['\r', '\n']).to_string())
            } else {
                None
            };
            let issued = domain::idp::clients::create(
                &mut conn,
                &actor,
                &client_id,
                &roles,
                secret.as_deref(),
            )
            .map_err(|e| anyhow::anyhow!("{e}"))?;
            let names: Vec<&str> = issued.item.roles.iter().map(|r| r.as_str()).collect();
            println!(
                "created API client {} ({})",
                issued.item.client_id,
                names.join(", ")
            );
            if !secret_stdin {
                println!("secret (shown once): {}", issued.secret);
            }
        }
        ClientAction::Revoke { client_id } => {
            let found = domain::idp::clients::find(&mut conn, &client_id)
                .map_err(|e| anyhow::anyhow!("{e}"))?
                .ok_or_else(|| anyhow::anyhow!("no API client {client_id}"))?;
            domain::idp::clients::revoke(&mut conn, &actor, &found.id)
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            println!("revoked API client {client_id}");
        }
        ClientAction::List => {
            let (rows, total) = domain::idp::clients::list(&mut conn, 0, 100)
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            for c in rows {
                let names: Vec<&str> = c.roles.iter().map(|r| r.as_str()).collect();
                println!(
                    "{}\t{}\t{}",
                    c.client_id,
                    if c.active { "active" } else { "revoked" },
                    names.join(",")
                );
            }
            println!("{total} client(s)");
        }
    }
    Ok(())
}

fn compress_assets(config: &Config) -> anyhow::Result<()> {
    let pkg = std::path::Path::new(&config.site_root).join("pkg");
    let start = Instant::now();
    let files =
        pms::assets::compress(&pkg).with_context(|| format!("compressing {}", pkg.display()))?;
    let (raw, br, gz) = files.iter().fold((0, 0, 0), |(r, b, g), f| {
        (r + f.raw, b + f.brotli, g + f.gzip)
    });
    println!(
        "{} files in {}: {raw} bytes, brotli {br}, gzip {gz} ({:.1} s)",
        files.len(),
        pkg.display(),
        start.elapsed().as_secs_f64()
    );
    Ok(())
}

fn seed_policies(config: &Config, count: usize) -> anyhow::Result<()> {
    let pool = domain::db::connect(&config.database_url(), 1).map_err(anyhow::Error::msg)?;
    let mut conn = pool.get()?;
    let start = std::time::Instant::now();
    let n = domain::policy::seed_policies(&mut conn, count, |done| {
        if done % 20_000 == 0 {
            println!("{done} policies…");
        }
    })
    .map_err(|e| anyhow::anyhow!("{e}"))?;
    println!(
        "seeded {n} policies in {:.1} s over 50 policy groups (seed-policies-1..50)",
        start.elapsed().as_secs_f64()
    );
    Ok(())
}

fn seed_api_keys(config: &Config, count: usize, out: &std::path::Path) -> anyhow::Result<()> {
    use std::io::Write;
    let pool = domain::db::connect(&config.database_url(), 1).map_err(anyhow::Error::msg)?;
    let mut conn = pool.get()?;
    let start = std::time::Instant::now();
    let secrets =
        domain::access::seed::seed_api_keys(&mut conn, count, "correct horse battery", |done| {
            if done % 20_000 == 0 {
                println!("{done} keys…");
            }
        })
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = std::io::BufWriter::new(options.open(out)?);
    for s in &secrets {
        writeln!(file, "{s}")?;
    }
    file.flush()?;
    println!(
        "seeded {} API keys in {:.1} s; secrets in {}",
        secrets.len(),
        start.elapsed().as_secs_f64(),
        out.display()
    );
    Ok(())
}

fn seed_partners(config: &Config, count: usize) -> anyhow::Result<()> {
    let password =
        std::env::var("PMS_SEED_PASSWORD").unwrap_or_else(|_| "correct horse battery".into());
    // One connection: two opened at once on a new SQLite file race to switch it to WAL.
    let pool = domain::db::connect(&config.database_url(), 1).map_err(anyhow::Error::msg)?;
    let mut conn = pool.get()?;
    // One hash for every seeded account: hashing 100,000 passwords would take minutes.
    let hash = domain::account::hash_password(&password).map_err(|e| anyhow::anyhow!("{e}"))?;
    match std::env::var_os("PMS_SEED_PASSWORD") {
        Some(_) => println!(
            "seeding {count} partners; their accounts sign in with the password in PMS_SEED_PASSWORD"
        ),
        None => println!(
            "seeding {count} partners; their accounts sign in with the password \"{password}\""
        ),
    }
    let start = std::time::Instant::now();
    let mut last = 0;
    let report = domain::partner::seed_partners(&mut conn, count, &hash, |done| {
        if done / 10_000 > last / 10_000 {
            println!("{done} partners…");
        }
        last = done;
    })
    .map_err(|e| anyhow::anyhow!("{e}"))?;
    println!(
        "seeded {} partners in {:.1} s (policy groups: {}); every account signs in with the seed password",
        report.created,
        start.elapsed().as_secs_f64(),
        report.groups.join(", ")
    );
    Ok(())
}

fn read_password() -> anyhow::Result<String> {
    if std::io::stdin().is_terminal() {
        let first = rpassword::prompt_password("Password: ")?;
        let second = rpassword::prompt_password("Repeat password: ")?;
        if first != second {
            bail!("the two passwords differ");
        }
        Ok(first)
    } else {
        let mut line = String::new();
        std::io::stdin().lock().read_line(&mut line)?;
        Ok(line.trim_end_matches(['\r', '\n']).to_string())
    }
}

fn admin_create(
    config: &Config,
    email: &str,
    roles: &[String],
    name: Option<&str>,
) -> anyhow::Result<()> {
    let roles = roles
        .iter()
        .map(|r| {
            domain::Role::parse(r).with_context(|| {
                format!(
                    "unknown role {r}; roles: {}",
                    domain::Role::ALL.map(|r| r.as_str()).join(", ")
                )
            })
        })
        .collect::<anyhow::Result<Vec<_>>>()?;
    let password = read_password()?;
    let pool = domain::db::connect(&config.database_url(), 2).map_err(anyhow::Error::msg)?;
    let mut conn = pool.get()?;
    let display_name = name
        .map(str::to_string)
        .unwrap_or_else(|| email.split('@').next().unwrap_or(email).to_string());
    let created = domain::account::create(
        &mut conn,
        &domain::audit::Actor::system(),
        &domain::account::NewAccount {
            email: email.to_string(),
            display_name,
            password,
            roles,
        },
    )
    .map_err(|e| anyhow::anyhow!("{e}"))?;
    let roles: Vec<&str> = created.roles.iter().map(|r| r.as_str()).collect();
    println!("created account {} ({})", created.email, roles.join(", "));
    Ok(())
}

async fn serve(config: Config) -> anyhow::Result<()> {
    let started = Instant::now();
    let url = config.database_url();
    let backend = domain::db::DbUrl::parse(&url).backend();
    let pool_size = config.pool_size;
    let pool = tokio::task::spawn_blocking(move || domain::db::connect(&url, pool_size))
        .await?
        .map_err(anyhow::Error::msg)?;

    let certs = cert_config(&config)?;
    let master = certs.master_key.clone();
    let conn_pool = pool.clone();
    tokio::task::spawn_blocking(move || -> anyhow::Result<()> {
        let mut conn = conn_pool.get()?;
        domain::cert::signing::ensure_signing_cas(&mut conn, &master)
            .map_err(anyhow::Error::msg)?;
        domain::idp::jwt::ensure_key(&mut conn, &master).map_err(anyhow::Error::msg)
    })
    .await??;

    let admin_exists = domain::db::run(&pool, domain::account::admin_exists)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let setup_token = config
        .setup_token
        .clone()
        .unwrap_or_else(domain::session::new_token);
    // Decisions queue their status mail only when there is a way to send it.
    domain::notification::status::set_mail_enabled(config.smtp_url.is_some());
    let sso = sso_provider(&config)?;
    let mut state = app_state(&config, pool, certs, &setup_token);
    state.sso = sso.as_ref().map(|p| p.policy.clone());
    let event_settings = config.event_settings();
    if !event_settings.allow_hosts.is_empty() {
        tracing::warn!(hosts = ?event_settings.allow_hosts,
            "WebSub callbacks to these hosts may use plain http and private addresses");
    }
    let app = router(ServerState {
        app: state.clone(),
        leptos: leptos_options(&config.site_root),
        events: Arc::new(event_settings.clone()),
        mosip: Arc::new(pms::mosip::Settings {
            token_ttl_secs: config.mosip_token_minutes.clamp(1, 1440) * 60,
        }),
        sso,
    });
    spawn_jobs(&config, &state, event_settings)?;

    let listener = tokio::net::TcpListener::bind(config.addr)
        .await
        .with_context(|| format!("cannot listen on {}", config.addr))?;
    let addr = listener.local_addr()?;
    tracing::info!(%addr, database = backend, ready_ms = started.elapsed().as_millis() as u64, "portal ready");
    println!("Partner Management Portal listening on http://{addr}");
    if !admin_exists {
        println!(
            "No partner admin exists yet. Create one with\n  pms admin create --email you@example.org --role PARTNER_ADMIN\n\
             or open http://{addr}/setup with the one-time set-up token: {setup_token}"
        );
    }
    axum::serve(
        listener,
        app.into_make_service_with_connect_info::<std::net::SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown_signal())
    .await?;
    tracing::info!("portal stopped");
    Ok(())
}

/// The state every request shares, from the configuration.
fn app_state(
    config: &Config,
    pool: domain::db::Pool,
    certs: domain::cert::signing::CertConfig,
    setup_token: &str,
) -> AppState {
    AppState {
        pool,
        sessions: SessionPolicy {
            idle_ms: config.session_idle_minutes.max(1) * 60_000,
            absolute_ms: config.session_absolute_hours.max(1) * 3_600_000,
        },
        throttle: ThrottlePolicy::default(),
        secure_cookies: config.secure_cookies,
        setup_token_hash: Arc::from(domain::session::hash_token(setup_token)),
        certs: Arc::new(certs),
        sbi_max_years: config.sbi_max_years.clamp(1, 50),
        access: domain::access::AccessConfig {
            api_key_days: config.apikey_days.clamp(1, 3650),
            license_days: config.misp_license_days.clamp(1, 3650),
        },
        service_tokens: Default::default(),
        mail_enabled: config.smtp_url.is_some(),
        public_url: Arc::from(config.public_url()),
        esignet_enabled: config
            .esignet_url
            .as_deref()
            .is_some_and(|u| !u.trim().is_empty()),
        two_factor_required: config.two_factor_required,
        sso: None,
    }
}

/// The single sign-on provider, when configured (checked now: a wrong setting stops the start).
fn sso_provider(config: &Config) -> anyhow::Result<Option<Arc<pms::sso::Provider>>> {
    let Some(settings) = config.sso.provider(&config.public_url())? else {
        return Ok(None);
    };
    tracing::info!(
        issuer = %settings.policy.issuer,
        client_id = %settings.client_id,
        redirect_uri = %settings.redirect_uri,
        operators_sso_only = settings.policy.operators_sso_only,
        "single sign-on on"
    );
    Ok(Some(Arc::new(pms::sso::Provider::new(settings)?)))
}

/// Certificate rules from the configuration; each rule relaxed from the portal's own is said
/// out loud at every start.
fn cert_config(config: &Config) -> anyhow::Result<domain::cert::signing::CertConfig> {
    let mut certs = domain::cert::signing::CertConfig::new(config.ca_master_key()?);
    let (min_days, no_kcs, activate) = config.cert_rules();
    certs.min_ca_validity_days = min_days;
    certs.allow_ca_without_key_cert_sign = no_kcs;
    certs.activate_on_certificate = activate;
    // Each rule relaxed from the portal's own is said out loud at every start.
    if min_days < domain::cert::DEFAULT_MIN_CA_VALIDITY_DAYS {
        tracing::warn!(
            min_days,
            "CAs with less than a year of validity left are accepted (PMS_MIN_CA_VALIDITY_DAYS)"
        );
    }
    if no_kcs {
        tracing::warn!("CAs whose key usage lacks keyCertSign are accepted (PMS_CA_REQUIRE_KEY_CERT_SIGN=false)");
    }
    if activate {
        tracing::warn!("partners are activated by their first valid certificate, without an admin's approval (PMS_PARTNER_ACTIVATION=certificate)");
    }
    Ok(certs)
}

/// The background work: event delivery, expiry notices, notifications, mail, session sweep.
fn spawn_jobs(
    config: &Config,
    state: &AppState,
    event_settings: pms::events::EventSettings,
) -> anyhow::Result<()> {
    pms::events::spawn(
        pms::events::Engine::new(
            state.pool.clone(),
            state.certs.master_key.clone(),
            event_settings,
        ),
        std::time::Duration::from_millis(config.event_poll_ms.clamp(10, 10_000)),
    );
    spawn_expiry_job(state.clone());
    let mailer = match &config.smtp_url {
        Some(url) => Some(pms::jobs::Mailer::new(url, &config.mail_from)?),
        None => None,
    };
    pms::jobs::spawn_notifications(
        state.clone(),
        mailer.is_some(),
        std::time::Duration::from_secs(config.notify_interval_secs.max(10)),
    );
    if let Some(mailer) = mailer {
        pms::jobs::spawn_mail_sender(
            state.clone(),
            mailer,
            std::time::Duration::from_secs(config.mail_interval_secs.max(1)),
        );
    }
    spawn_session_sweeper(state.clone());
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
    tracing::info!("shutdown requested; finishing requests in flight");
}
