//! Single sign-on through the router, against a fake provider served on 127.0.0.1 inside the
//! test (discovery, JWKS, token and userinfo endpoints; keys made in the test). The end-to-end
//! journey against a real provider is end2end/tests/sso.spec.ts.

use super::*;
use axum::extract::State as AxState;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use domain::sso::testkeys::{self, TestKey};
use serde_json::{json, Value};
use std::collections::HashMap;
use std::sync::Mutex;

const CLIENT_ID: &str = "pms-portal";
const CLIENT_SECRET: &str = "s3cret-of-the-portal";

/// What the fake provider serves; tests change it as they go.
#[derive(Default)]
struct Fake {
    issuer: String,
    keys: Vec<Value>,
    jwks_fetches: usize,
    /// code → (PKCE challenge, ID token, userinfo claims).
    codes: HashMap<String, (String, String, Option<Value>)>,
    userinfo: HashMap<String, Value>,
}

type Shared = Arc<Mutex<Fake>>;

fn lock(f: &Shared) -> std::sync::MutexGuard<'_, Fake> {
    f.lock().unwrap_or_else(|e| e.into_inner())
}

async fn discovery(AxState(f): AxState<Shared>) -> axum::Json<Value> {
    let issuer = lock(&f).issuer.clone();
    axum::Json(json!({
        "issuer": issuer,
        "authorization_endpoint": format!("{issuer}/auth"),
        "token_endpoint": format!("{issuer}/token"),
        "jwks_uri": format!("{issuer}/jwks"),
        "userinfo_endpoint": format!("{issuer}/me"),
        "token_endpoint_auth_methods_supported": ["client_secret_basic"],
    }))
}

async fn jwks(AxState(f): AxState<Shared>) -> axum::Json<Value> {
    let mut fake = lock(&f);
    fake.jwks_fetches += 1;
    axum::Json(json!({ "keys": fake.keys }))
}

/// The token endpoint: client authentication, single-use code, PKCE and redirect URI checked
/// as a real provider does.
async fn token_endpoint(
    AxState(f): AxState<Shared>,
    headers: axum::http::HeaderMap,
    axum::Form(form): axum::Form<HashMap<String, String>>,
) -> Response {
    use base64::Engine;
    let basic =
        base64::engine::general_purpose::STANDARD.encode(format!("{CLIENT_ID}:{CLIENT_SECRET}"));
    let refuse =
        |e: &str| (StatusCode::BAD_REQUEST, axum::Json(json!({ "error": e }))).into_response();
    if headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        != Some(&format!("Basic {basic}"))
    {
        return (
            StatusCode::UNAUTHORIZED,
            axum::Json(json!({ "error": "invalid_client" })),
        )
            .into_response();
    }
    let field = |k: &str| form.get(k).cloned().unwrap_or_default();
    let mut fake = lock(&f);
    let Some((challenge, id_token, userinfo)) = fake.codes.remove(&field("code")) else {
        return refuse("invalid_grant");
    };
    if field("grant_type") != "authorization_code"
        || field("redirect_uri") != "http://127.0.0.1:3000/auth/sso/callback"
        || domain::sso::flow::challenge(&field("code_verifier")) != challenge
    {
        return refuse("invalid_grant");
    }
    let access = format!("at-{}", fake.userinfo.len());
    if let Some(claims) = userinfo {
        fake.userinfo.insert(access.clone(), claims);
    }
    axum::Json(json!({ "id_token": id_token, "access_token": access, "token_type": "Bearer" }))
        .into_response()
}

async fn userinfo(AxState(f): AxState<Shared>, headers: axum::http::HeaderMap) -> Response {
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or_default();
    match lock(&f).userinfo.get(token) {
        Some(claims) => axum::Json(claims.clone()).into_response(),
        None => StatusCode::UNAUTHORIZED.into_response(),
    }
}

struct Sso {
    h: Harness,
    fake: Shared,
    key: TestKey,
    issuer: String,
}

/// A sign-in on its way: what the portal sent to the provider, and the browser's cookie.
struct Started {
    state: String,
    nonce: String,
    challenge: String,
    cookie: String,
}

async fn sso_harness(operators_sso_only: bool) -> Sso {
    let fake: Shared = Default::default();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let issuer = format!("http://{}", listener.local_addr().expect("addr"));
    let key = TestKey::es256("key-1");
    {
        let mut f = lock(&fake);
        f.issuer = issuer.clone();
        f.keys = vec![key.jwk.clone()];
    }
    let provider_app = Router::new()
        .route("/.well-known/openid-configuration", get(discovery))
        .route("/jwks", get(jwks))
        .route("/token", post(token_endpoint))
        .route("/me", get(userinfo))
        .with_state(fake.clone());
    tokio::spawn(async move { axum::serve(listener, provider_app).await });
    let settings = pms::sso::settings::ProviderSettings {
        policy: domain::sso::SsoPolicy {
            issuer: issuer.clone(),
            button: "Sign in with Keycloak".into(),
            role_claim: "roles".into(),
            role_map: pms::sso::settings::parse_role_map(&[
                "PARTNER_ADMIN=pms-admin".into(),
                "POLICYMANAGER=pms-policy".into(),
            ])
            .expect("map"),
            operators_sso_only,
        },
        client_id: CLIENT_ID.into(),
        client_secret: CLIENT_SECRET.parse().expect("secret"),
        redirect_uri: "http://127.0.0.1:3000/auth/sso/callback".into(),
        scopes: "openid email profile".into(),
    };
    let provider = Arc::new(pms::sso::Provider::new(settings).expect("provider"));
    let h = harness_with_sso(provider);
    Sso {
        h,
        fake,
        key,
        issuer,
    }
}

/// The standard harness with single sign-on on.
fn harness_with_sso(provider: Arc<pms::sso::Provider>) -> Harness {
    let db = TestDb::new();
    let state = AppState {
        pool: db.pool.clone(),
        sessions: SessionPolicy::default(),
        throttle: ThrottlePolicy::default(),
        secure_cookies: false,
        setup_token_hash: Arc::from(domain::session::hash_token(SETUP_TOKEN)),
        certs: Arc::new(domain::cert::signing::CertConfig::new(test_master_key())),
        sbi_max_years: domain::device::DEFAULT_SBI_MAX_YEARS,
        access: Default::default(),
        service_tokens: Default::default(),
        mail_enabled: false,
        public_url: Arc::from("http://127.0.0.1:3000"),
        esignet_enabled: false,
        two_factor_required: false,
        sso: Some(provider.policy.clone()),
    };
    let key = state.certs.master_key.clone();
    let app = router(ServerState {
        app: state,
        leptos: leptos_options("target/site"),
        events: Default::default(),
        mosip: Default::default(),
        sso: Some(provider),
    });
    Harness { db, app, key }
}

fn query_param(url: &str, name: &str) -> String {
    url::Url::parse(url)
        .expect("url")
        .query_pairs()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
        .unwrap_or_default()
}

impl Sso {
    async fn start(&self, next: &str) -> Started {
        let reply = self
            .h
            .page(
                &format!("/auth/sso/start?next={}", app::util::encode_query(next)),
                None,
            )
            .await;
        assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.body);
        let to = reply.header("location").expect("location");
        assert!(to.starts_with(&format!("{}/auth?", self.issuer)), "{to}");
        for (k, v) in [
            ("response_type", "code"),
            ("client_id", CLIENT_ID),
            ("code_challenge_method", "S256"),
        ] {
            assert_eq!(query_param(&to, k), v);
        }
        let cookie = reply.header("set-cookie").expect("binder cookie");
        assert!(
            cookie.contains("HttpOnly") && cookie.contains("Path=/auth/sso"),
            "{cookie}"
        );
        Started {
            state: query_param(&to, "state"),
            nonce: query_param(&to, "nonce"),
            challenge: query_param(&to, "code_challenge"),
            cookie: cookie.split(';').next().expect("pair").to_string(),
        }
    }

    fn claims(&self, started: &Started, email: &str, roles: &[&str]) -> Value {
        let mut c = testkeys::claims(&self.issuer, CLIENT_ID, &started.nonce, email);
        c["roles"] = json!(roles);
        c
    }

    /// The provider sends the browser back with a code that redeems `id_token`.
    async fn callback(&self, started: &Started, id_token: String) -> Reply {
        self.callback_with(started, id_token, None).await
    }

    async fn callback_with(
        &self,
        started: &Started,
        id_token: String,
        userinfo: Option<Value>,
    ) -> Reply {
        let code = format!("code-{}", started.state);
        lock(&self.fake).codes.insert(
            code.clone(),
            (started.challenge.clone(), id_token, userinfo),
        );
        let path = format!("/auth/sso/callback?code={code}&state={}", started.state);
        self.h.page(&path, Some(&started.cookie)).await
    }

    /// Row counts of what a sign-in may write.
    fn snapshot(&self) -> Vec<i64> {
        let mut conn = self.h.db.conn();
        let mut count = |sql: &str| -> i64 {
            #[derive(QueryableByName)]
            struct N {
                #[diesel(sql_type = diesel::sql_types::BigInt)]
                n: i64,
            }
            diesel::sql_query(format!("SELECT COUNT(*) AS n FROM {sql}"))
                .get_result::<N>(&mut conn)
                .expect("count")
                .n
        };
        [
            "accounts",
            "account_roles",
            "sessions",
            "audit_log",
            "sso_links",
        ]
        .iter()
        .map(|t| count(t))
        .collect()
    }
}

fn refused_with(reply: &Reply, code: &str) {
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.body);
    let to = reply.header("location").unwrap_or_default();
    assert!(
        to.starts_with(&format!("/login?sso_error={code}")),
        "expected {code}, went to {to}"
    );
    let cookies: Vec<String> = reply
        .headers
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok().map(str::to_string))
        .collect();
    assert!(
        !cookies.iter().any(|c| c.starts_with("pms_session=")),
        "{cookies:?}"
    );
}

#[tokio::test]
async fn a_verified_admin_signs_in_is_created_with_the_mapped_role_and_it_is_audited() {
    let s = sso_harness(false).await;
    let started = s.start("/account").await;
    let token = s.key.sign(&s.claims(
        &started,
        "sso-admin@example.org",
        &["pms-admin", "offline_access"],
    ));
    let reply = s.callback(&started, token).await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.body);
    assert_eq!(reply.header("location").as_deref(), Some("/account"));
    let session = reply
        .headers
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with("pms_session="))
        .expect("session cookie")
        .to_string();
    assert!(session.contains("HttpOnly"), "{session}");
    let me =
        s.h.post(
            "/api/me",
            "",
            Some(session.split(';').next().expect("pair")),
        )
        .await;
    assert_eq!(me.json()["email"], "sso-admin@example.org");
    assert_eq!(me.json()["roles"], json!(["PARTNER_ADMIN"]));
    let mut conn = s.h.db.conn();
    let actions: Vec<String> = domain::schema::audit_log::table
        .order(domain::schema::audit_log::id.asc())
        .select(domain::schema::audit_log::action)
        .load(&mut conn)
        .expect("audit");
    assert_eq!(actions, ["ACCOUNT_CREATED", "SSO_LINKED", "LOGIN"]);
    // The same state a second time: used up.
    let again =
        s.h.page(
            &format!("/auth/sso/callback?code=x&state={}", started.state),
            Some(&started.cookie),
        )
        .await;
    refused_with(&again, "state");
}

#[tokio::test]
async fn bad_id_tokens_are_refused_and_change_nothing() {
    let s = sso_harness(false).await;
    s.h.account("pm@example.org", &[Role::PolicyManager]);
    type Forge = fn(&Sso, &Started) -> String;
    let cases: Vec<(&str, Forge)> = vec![
        ("id_token", |s, st| {
            let good = s.key.sign(&s.claims(st, "pm@example.org", &["pms-policy"]));
            let evil = s.key.sign(&s.claims(st, "pm@example.org", &["pms-admin"]));
            let mut parts: Vec<&str> = good.split('.').collect();
            parts[1] = evil.split('.').nth(1).expect("payload");
            parts.join(".")
        }),
        ("issuer", |s, st| {
            let mut c = s.claims(st, "pm@example.org", &["pms-policy"]);
            c["iss"] = json!("https://evil.example.org");
            s.key.sign(&c)
        }),
        ("audience", |s, st| {
            let mut c = s.claims(st, "pm@example.org", &["pms-policy"]);
            c["aud"] = json!("another-client");
            s.key.sign(&c)
        }),
        ("expired", |s, st| {
            let mut c = s.claims(st, "pm@example.org", &["pms-policy"]);
            c["exp"] = json!(testkeys::now() - 600);
            s.key.sign(&c)
        }),
        ("nonce", |s, st| {
            let mut c = s.claims(st, "pm@example.org", &["pms-policy"]);
            c["nonce"] = json!("a nonce of another sign-in");
            s.key.sign(&c)
        }),
        ("id_token", |s, st| {
            testkeys::hs256(
                &s.claims(st, "pm@example.org", &["pms-policy"]),
                CLIENT_SECRET.as_bytes(),
                "key-1",
            )
        }),
        ("id_token", |s, st| {
            testkeys::unsigned(&s.claims(st, "pm@example.org", &["pms-policy"]), "key-1")
        }),
        ("email_unverified", |s, st| {
            let mut c = s.claims(st, "pm@example.org", &["pms-policy"]);
            c["email_verified"] = json!(false);
            s.key.sign(&c)
        }),
        ("no_account", |s, st| {
            s.key
                .sign(&s.claims(st, "stranger@example.org", &["other"]))
        }),
    ];
    for (code, forge) in cases {
        let before = s.snapshot();
        let started = s.start("/").await;
        let reply = s.callback(&started, forge(&s, &started)).await;
        refused_with(&reply, code);
        assert_eq!(s.snapshot(), before, "{code} changed something");
    }
}

#[tokio::test]
async fn replayed_unknown_and_foreign_states_and_provider_errors_are_refused() {
    let s = sso_harness(false).await;
    let before = s.snapshot();
    refused_with(
        &s.h.page("/auth/sso/callback?code=c&state=made-up", None)
            .await,
        "state",
    );
    let started = s.start("/").await;
    // Another browser (no binder cookie) cannot complete it, nor can its owner afterwards.
    refused_with(
        &s.h.page(
            &format!("/auth/sso/callback?code=c&state={}", started.state),
            None,
        )
        .await,
        "state",
    );
    let token = s
        .key
        .sign(&s.claims(&started, "pm@example.org", &["pms-policy"]));
    refused_with(&s.callback(&started, token).await, "state");
    let started = s.start("/").await;
    let path = format!(
        "/auth/sso/callback?error=access_denied&state={}",
        started.state
    );
    refused_with(&s.h.page(&path, Some(&started.cookie)).await, "denied");
    // A code whose PKCE verifier does not match the challenge is refused by the provider.
    let mut started = s.start("/").await;
    started.challenge = domain::sso::flow::challenge("another verifier");
    let token = s
        .key
        .sign(&s.claims(&started, "pm@example.org", &["pms-policy"]));
    refused_with(&s.callback(&started, token).await, "token");
    assert_eq!(s.snapshot(), before);
}

#[tokio::test]
async fn a_rotated_key_is_fetched_once_and_accepted() {
    let s = sso_harness(false).await;
    s.h.account("pm@example.org", &[Role::PolicyManager]);
    let started = s.start("/").await;
    let token = s
        .key
        .sign(&s.claims(&started, "pm@example.org", &["pms-policy"]));
    assert_eq!(
        s.callback(&started, token)
            .await
            .header("location")
            .as_deref(),
        Some("/")
    );
    assert_eq!(lock(&s.fake).jwks_fetches, 1);
    // The provider rotates to a new key: the unknown kid fetches the keys again.
    let rotated = TestKey::es256("key-2");
    lock(&s.fake).keys = vec![rotated.jwk.clone()];
    let started = s.start("/").await;
    let token = rotated.sign(&s.claims(&started, "pm@example.org", &["pms-policy"]));
    assert_eq!(
        s.callback(&started, token)
            .await
            .header("location")
            .as_deref(),
        Some("/")
    );
    assert_eq!(lock(&s.fake).jwks_fetches, 2);
    // Another unknown kid within the minute: refused without asking the provider again.
    let started = s.start("/").await;
    let stranger = TestKey::es256("key-3");
    refused_with(
        &s.callback(
            &started,
            stranger.sign(&s.claims(&started, "pm@example.org", &["pms-policy"])),
        )
        .await,
        "id_token",
    );
    assert_eq!(lock(&s.fake).jwks_fetches, 2);
}

#[tokio::test]
async fn claims_left_out_of_the_id_token_come_from_userinfo() {
    let s = sso_harness(false).await;
    let started = s.start("/").await;
    let mut c = s.claims(&started, "ignored@example.org", &[]);
    for k in ["email", "email_verified", "roles"] {
        c.as_object_mut().expect("object").remove(k);
    }
    let sub = c["sub"].clone();
    let info = json!({ "sub": sub, "email": "info-pm@example.org", "email_verified": true, "roles": ["pms-policy"] });
    let reply = s.callback_with(&started, s.key.sign(&c), Some(info)).await;
    assert_eq!(
        reply.header("location").as_deref(),
        Some("/"),
        "{:?}",
        reply.header("location")
    );
    let mut conn = s.h.db.conn();
    let user = domain::account::find_by_email(&mut conn, "info-pm@example.org").expect("db");
    assert!(user.is_some());
}

#[tokio::test]
async fn the_sign_in_page_offers_the_button_and_operators_passwords_can_be_off() {
    let s = sso_harness(true).await;
    let page = s.h.page("/login?next=/account", None).await;
    assert!(page.body.contains("Sign in with Keycloak"), "{}", page.body);
    assert!(
        page.body
            .contains("href=\"/auth/sso/start?next=%2Faccount\""),
        "{}",
        page.body
    );
    let refused = s.h.page("/login?sso_error=email_unverified", None).await;
    assert!(refused
        .body
        .contains("Your email address is not verified at the sign-in service."));
    s.h.account("pm@example.org", &[Role::PolicyManager]);
    s.h.account("rp@example.org", &[Role::AuthPartner]);
    let reply =
        s.h.post(
            "/api/login",
            "email=pm@example.org&password=correct+horse+battery",
            None,
        )
        .await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN, "{}", reply.body);
    assert_eq!(reply.json()["code"], "PMS_AUTH_SSO_ONLY");
    assert!(reply.header("set-cookie").is_none());
    s.h.login("rp@example.org").await;
    // Without single sign-on there is no button and no route.
    let plain = harness();
    assert!(!plain.page("/login", None).await.body.contains("sso-button"));
    assert_eq!(
        plain.page("/auth/sso/start", None).await.status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn an_account_with_the_portals_second_factor_gives_its_code_after_the_provider() {
    let s = sso_harness(false).await;
    s.h.account("pm2fa@example.org", &[Role::PolicyManager]);
    let first = s.h.login("pm2fa@example.org").await;
    let secret = super::two_factor::enrol(&s.h, &first).await;
    let sessions_before = s.snapshot()[2];
    let started = s.start("/account").await;
    let token = s
        .key
        .sign(&s.claims(&started, "pm2fa@example.org", &["pms-policy"]));
    let reply = s.callback(&started, token).await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.body);
    assert_eq!(
        reply.header("location").as_deref(),
        Some("/login/verify?next=%2Faccount")
    );
    let cookies: Vec<String> = reply
        .headers
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .map(|c| c.split(';').next().unwrap_or_default().to_string())
        .collect();
    assert!(
        !cookies.iter().any(|c| c.starts_with("pms_session=")),
        "{cookies:?}"
    );
    assert_eq!(
        s.snapshot()[2],
        sessions_before,
        "no session before the code"
    );
    let challenge = cookies
        .iter()
        .find(|c| c.starts_with("pms_2fa=") && c.len() > "pms_2fa=".len())
        .expect("challenge cookie")
        .clone();
    // The code step (a later time step than the set-up's code) opens the session.
    let code = super::two_factor::next_step_code(&secret);
    let verified =
        s.h.post(
            "/api/login/verify",
            &format!("code={code}&next=%2Faccount"),
            Some(&challenge),
        )
        .await;
    assert!(
        verified.status.as_u16() < 400,
        "{} {}",
        verified.status,
        verified.body
    );
    assert_eq!(s.snapshot()[2], sessions_before + 1);
}
