//! Router-level tests: every request goes through the real router and layers
//! (tower's `oneshot`), on a fresh database per test.

use app::state::AppState;
use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use axum::Router;
use diesel::prelude::*;
use domain::audit::Actor;
use domain::session::SessionPolicy;
use domain::testing::TestDb;
use domain::throttle::ThrottlePolicy;
use domain::Role;
use http_body_util::BodyExt;
use pms::{leptos_options, router, ServerState};
use std::sync::Arc;
use tower::ServiceExt;

const PASSWORD: &str = "correct horse battery";
const SETUP_TOKEN: &str = "test-setup-token";

struct Harness {
    db: TestDb,
    app: Router,
    key: domain::cert::seal::MasterKey,
}

fn harness_with(sessions: SessionPolicy, secure: bool) -> Harness {
    harness_with_certs(sessions, secure, |_| {})
}

/// A harness whose certificate rules `adjust` changes (MOSIP's profile, a shorter minimum).
fn harness_with_certs(
    sessions: SessionPolicy,
    secure: bool,
    adjust: impl FnOnce(&mut domain::cert::signing::CertConfig),
) -> Harness {
    harness_from(sessions, secure, adjust, |_| {})
}

/// A harness whose shared state `tweak` changes (a setting on).
fn harness_from(
    sessions: SessionPolicy,
    secure: bool,
    adjust: impl FnOnce(&mut domain::cert::signing::CertConfig),
    tweak: impl FnOnce(&mut AppState),
) -> Harness {
    let mut certs = domain::cert::signing::CertConfig::new(test_master_key());
    adjust(&mut certs);
    let db = TestDb::new();
    let mut state = AppState {
        pool: db.pool.clone(),
        sessions,
        throttle: ThrottlePolicy::default(),
        secure_cookies: secure,
        setup_token_hash: Arc::from(domain::session::hash_token(SETUP_TOKEN)),
        certs: Arc::new(certs),
        sbi_max_years: domain::device::DEFAULT_SBI_MAX_YEARS,
        access: Default::default(),
        service_tokens: Default::default(),
        mail_enabled: false,
        public_url: Arc::from("http://127.0.0.1:3000"),
        esignet_enabled: true,
        two_factor_required: false,
        sso: None,
    };
    tweak(&mut state);
    {
        let mut conn = db.conn();
        domain::cert::signing::ensure_signing_cas(&mut conn, &state.certs.master_key)
            .expect("signing CAs");
    }
    let key = state.certs.master_key.clone();
    let app = router(ServerState {
        app: state,
        leptos: leptos_options("target/site"),
        events: Arc::new(pms::events::EventSettings {
            allow_hosts: vec!["127.0.0.1".into(), "localhost".into()],
            ..Default::default()
        }),
        mosip: Default::default(),
        sso: None,
    });
    Harness { db, app, key }
}

fn test_master_key() -> domain::cert::seal::MasterKey {
    domain::cert::seal::MasterKey::from_base64(
        &domain::cert::seal::MasterKey::generate_base64().expect("randomness"),
    )
    .expect("key")
}

fn harness() -> Harness {
    harness_with(SessionPolicy::default(), false)
}

struct Reply {
    status: StatusCode,
    headers: axum::http::HeaderMap,
    body: String,
}

impl Reply {
    fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }
    /// The portal error's stable `code` ("" when the body is not one).
    fn code(&self) -> String {
        serde_json::from_str::<serde_json::Value>(&self.body)
            .ok()
            .and_then(|v| v["code"].as_str().map(str::to_string))
            .unwrap_or_default()
    }
    fn header(&self, name: &str) -> Option<String> {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    }
}

impl Harness {
    fn account(&self, email: &str, roles: &[Role]) {
        let mut conn = self.db.conn();
        domain::account::create(
            &mut conn,
            &Actor::system(),
            &domain::account::NewAccount {
                email: email.into(),
                display_name: "Someone".into(),
                password: PASSWORD.into(),
                roles: roles.to_vec(),
            },
        )
        .expect("account");
    }

    async fn send(&self, req: Request<Body>) -> Reply {
        let what = format!("{} {}", req.method(), req.uri());
        let res = self.app.clone().oneshot(req).await.expect("router answers");
        let status = res.status();
        let headers = res.headers().clone();
        // A body that never ends is a defect a browser would hang on: fail with its path.
        let bytes = tokio::time::timeout(
            std::time::Duration::from_secs(60),
            res.into_body().collect(),
        )
        .await
        .unwrap_or_else(|_| panic!("{what} ({status}): the body did not end within 60 s"))
        .expect("body")
        .to_bytes();
        Reply {
            status,
            headers,
            body: String::from_utf8_lossy(&bytes).into_owned(),
        }
    }

    async fn post(&self, path: &str, form: &str, cookie: Option<&str>) -> Reply {
        let mut req = Request::post(path)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::CONTENT_LENGTH, form.len())
            .header("sec-fetch-site", "same-origin");
        if let Some(c) = cookie {
            req = req.header(header::COOKIE, c);
        }
        self.send(req.body(Body::from(form.to_string())).expect("request"))
            .await
    }

    async fn page(&self, path: &str, cookie: Option<&str>) -> Reply {
        let mut req = Request::get(path).header(header::ACCEPT, "text/html");
        if let Some(c) = cookie {
            req = req.header(header::COOKIE, c);
        }
        self.send(req.body(Body::empty()).expect("request")).await
    }

    /// Sign in and return the `name=value` cookie pair.
    async fn login(&self, email: &str) -> String {
        let reply = self
            .post(
                "/api/login",
                &format!("email={email}&password=correct+horse+battery"),
                None,
            )
            .await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
        let cookie = reply.header("set-cookie").expect("cookie set");
        cookie.split(';').next().expect("pair").to_string()
    }
}

#[tokio::test]
async fn probes_answer() {
    let h = harness();
    assert_eq!(h.page("/healthz", None).await.status, StatusCode::OK);
    assert_eq!(h.page("/readyz", None).await.status, StatusCode::OK);
}

#[tokio::test]
async fn login_sets_a_hardened_cookie_and_me_knows_the_caller() {
    let h = harness_with(SessionPolicy::default(), true);
    h.account("ana@example.org", &[Role::PolicyManager]);
    let reply = h
        .post(
            "/api/login",
            "email=ana@example.org&password=correct+horse+battery&next=/account",
            None,
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let cookie = reply.header("set-cookie").expect("cookie");
    for attr in ["HttpOnly", "SameSite=Lax", "Secure", "Path=/"] {
        assert!(cookie.contains(attr), "{cookie} lacks {attr}");
    }
    assert_eq!(reply.header("location").as_deref(), Some("/account"));
    let pair = cookie.split(';').next().expect("pair");
    let me = h.post("/api/me", "", Some(pair)).await;
    assert_eq!(me.json()["email"], "ana@example.org");
    assert_eq!(me.json()["roles"][0], "POLICYMANAGER");
    assert!(!me.body.contains("password"));
    let anonymous = h.post("/api/me", "", None).await;
    assert_eq!(anonymous.json(), serde_json::Value::Null);
}

#[tokio::test]
async fn an_open_redirect_is_refused() {
    let h = harness();
    h.account("ana@example.org", &[Role::PolicyManager]);
    let reply = h
        .post(
            "/api/login",
            "email=ana@example.org&password=correct+horse+battery&next=//evil.example",
            None,
        )
        .await;
    assert_eq!(reply.header("location").as_deref(), Some("/"));
}

#[tokio::test]
async fn wrong_credentials_get_401_with_one_message_then_429() {
    let h = harness();
    h.account("ana@example.org", &[Role::PolicyManager]);
    let wrong = h
        .post(
            "/api/login",
            "email=ana@example.org&password=nope+nope+nope",
            None,
        )
        .await;
    let unknown = h
        .post(
            "/api/login",
            "email=zed@example.org&password=nope+nope+nope",
            None,
        )
        .await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    assert_eq!(unknown.status, StatusCode::UNAUTHORIZED);
    assert_eq!(wrong.json()["message"], unknown.json()["message"]);
    assert!(wrong.json()["request_id"].is_string());
    assert!(wrong.header("set-cookie").is_none());
    let mut last = wrong;
    for _ in 0..5 {
        last = h
            .post(
                "/api/login",
                "email=ana@example.org&password=nope+nope+nope",
                None,
            )
            .await;
    }
    assert_eq!(last.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(last.json()["code"], "PMS_AUTH_LOCKED");
}

#[tokio::test]
async fn malformed_requests_get_400_and_write_nothing() {
    let h = harness();
    let missing = h.post("/api/login", "email=ana@example.org", None).await;
    assert_eq!(missing.status, StatusCode::BAD_REQUEST, "{}", missing.body);
    assert_eq!(missing.json()["code"], "PMS_BAD_REQUEST");
    let mut conn = h.db.conn();
    assert!(domain::audit::for_entity(&mut conn, "account", "-", 10)
        .expect("q")
        .is_empty());
}

#[tokio::test]
async fn oversized_bodies_are_refused_with_413() {
    let h = harness();
    let big = format!(
        "email=a@b.org&password={}",
        "x".repeat(pms::BODY_LIMIT + 10)
    );
    let reply = h.post("/api/login", &big, None).await;
    assert_eq!(reply.status, StatusCode::PAYLOAD_TOO_LARGE);
}

#[tokio::test]
async fn cross_site_posts_are_refused_before_anything_runs() {
    let h = harness();
    h.account("ana@example.org", &[Role::PolicyManager]);
    let req = Request::post("/api/login")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header("sec-fetch-site", "cross-site")
        .body(Body::from(
            "email=ana@example.org&password=correct+horse+battery",
        ))
        .expect("req");
    let reply = h.send(req).await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    assert!(reply.header("set-cookie").is_none());
    let req = Request::post("/api/login")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::HOST, "portal.example")
        .header(header::ORIGIN, "https://evil.example")
        .body(Body::from(
            "email=ana@example.org&password=correct+horse+battery",
        ))
        .expect("req");
    assert_eq!(h.send(req).await.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn admin_functions_check_the_role_on_the_server() {
    let h = harness();
    h.account("admin@example.org", &[Role::PartnerAdmin]);
    h.account("pm@example.org", &[Role::PolicyManager]);
    h.account("rp@example.org", &[Role::AuthPartner]);
    let admin = h.login("admin@example.org").await;
    let pm = h.login("pm@example.org").await;
    let rp = h.login("rp@example.org").await;

    let create =
        "email=new@example.org&display_name=New&password=a+long+enough+pass&role=POLICYMANAGER";
    let cases: [(Option<&str>, StatusCode); 4] = [
        (None, StatusCode::UNAUTHORIZED),
        (Some(&rp), StatusCode::FORBIDDEN),
        (Some(&pm), StatusCode::FORBIDDEN),
        (Some(&admin), StatusCode::OK),
    ];
    for (cookie, expected) in cases {
        assert_eq!(
            h.post("/api/accounts", "query[page]=1", cookie)
                .await
                .status,
            expected,
            "list {cookie:?}"
        );
        assert_eq!(
            h.post("/api/accounts/status", "id=x&active=false", cookie)
                .await
                .status,
            if expected == StatusCode::OK {
                StatusCode::NOT_FOUND
            } else {
                expected
            },
            "status {cookie:?}"
        );
    }
    for (cookie, expected) in [
        (None, StatusCode::UNAUTHORIZED),
        (Some(rp.as_str()), StatusCode::FORBIDDEN),
        (Some(pm.as_str()), StatusCode::FORBIDDEN),
    ] {
        assert_eq!(
            h.post("/api/accounts/create", create, cookie).await.status,
            expected
        );
    }
    let mut conn = h.db.conn();
    assert!(
        domain::account::find_by_email(&mut conn, "new@example.org")
            .expect("q")
            .is_none(),
        "refused calls wrote nothing"
    );
    drop(conn);

    let created = h.post("/api/accounts/create", create, Some(&admin)).await;
    assert_eq!(created.status, StatusCode::OK, "{}", created.body);
    assert_eq!(created.json()["roles"][0], "POLICYMANAGER");
    let partner_role = h
        .post(
            "/api/accounts/create",
            "email=x@example.org&display_name=X&password=a+long+enough+pass&role=AUTH_PARTNER",
            Some(&admin),
        )
        .await;
    assert_eq!(partner_role.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(partner_role.json()["field"], "roles");
    let bad_email = h
        .post(
            "/api/accounts/create",
            "email=nope&display_name=X&password=a+long+enough+pass&role=POLICYMANAGER",
            Some(&admin),
        )
        .await;
    assert_eq!(bad_email.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(bad_email.json()["field"], "email");

    let list = h
        .post("/api/accounts", "query[q]=new", Some(&admin))
        .await
        .json();
    assert_eq!(list["total"], 1);
    let id = list["items"][0]["id"].as_str().expect("id").to_string();
    let off = h
        .post(
            "/api/accounts/status",
            &format!("id={id}&active=false"),
            Some(&admin),
        )
        .await;
    assert_eq!(off.status, StatusCode::OK, "{}", off.body);
    assert_eq!(off.json()["active"], false);
}

#[tokio::test]
async fn pages_redirect_anonymous_visitors_and_forbid_wrong_roles() {
    let h = harness();
    h.account("rp@example.org", &[Role::AuthPartner]);
    let anon = h.page("/admin/accounts", None).await;
    assert_eq!(anon.status, StatusCode::FOUND);
    assert_eq!(
        anon.header("location").as_deref(),
        Some("/login?next=%2Fadmin%2Faccounts")
    );

    let rp = h.login("rp@example.org").await;
    let forbidden = h.page("/admin/accounts", Some(&rp)).await;
    assert_eq!(forbidden.status, StatusCode::FORBIDDEN);
    assert!(forbidden.body.contains("data-testid=\"forbidden\""));
    let dash = h.page("/", Some(&rp)).await;
    assert_eq!(dash.status, StatusCode::OK);
    assert!(dash.body.contains("role-card-AUTH_PARTNER"));
    assert!(
        !dash.body.contains("/admin/accounts"),
        "no admin link for a partner"
    );
    let csp = dash.header("content-security-policy").expect("csp");
    assert!(csp.contains("'wasm-unsafe-eval'") && csp.contains("frame-ancestors 'none'"));
    assert_eq!(
        dash.header("x-content-type-options").as_deref(),
        Some("nosniff")
    );
    assert_eq!(dash.header("cache-control").as_deref(), Some("no-store"));

    let missing = h.page("/no/such/page", Some(&rp)).await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert!(missing.body.contains("Request id"));
}

#[tokio::test]
async fn logout_ends_the_session_and_expired_sessions_count_as_none() {
    let h = harness_with(
        SessionPolicy {
            idle_ms: 60_000,
            absolute_ms: 3_600_000,
        },
        false,
    );
    h.account("ana@example.org", &[Role::PolicyManager]);
    let cookie = h.login("ana@example.org").await;
    let out = h.post("/api/logout", "", Some(&cookie)).await;
    assert_eq!(out.status, StatusCode::OK);
    assert!(out
        .header("set-cookie")
        .expect("cleared")
        .contains("Max-Age=0"));
    assert_eq!(
        h.post("/api/me", "", Some(&cookie)).await.json(),
        serde_json::Value::Null
    );

    let cookie = h.login("ana@example.org").await;
    {
        use diesel::prelude::*;
        use domain::schema::sessions;
        let mut conn = h.db.conn();
        diesel::update(sessions::table)
            .set(sessions::last_seen_at.eq(domain::clock::now_ms() - 120_000))
            .execute(&mut conn)
            .expect("age");
    }
    let page = h.page("/account", Some(&cookie)).await;
    assert_eq!(page.status, StatusCode::FOUND, "idle session is gone");
    assert!(page
        .header("set-cookie")
        .expect("stale cookie cleared")
        .contains("Max-Age=0"));
}

#[tokio::test]
async fn setup_creates_the_first_admin_once_with_the_token() {
    let h = harness();
    assert_eq!(h.page("/setup", None).await.status, StatusCode::OK);
    let form = |token: &str| {
        format!("token={token}&email=root@example.org&display_name=Root&password=correct+horse+battery&confirm_password=correct+horse+battery")
    };
    let wrong = h.post("/api/setup", &form("guess"), None).await;
    assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(wrong.json()["field"], "token");
    assert_eq!(
        h.post("/api/setup", &form(SETUP_TOKEN), None).await.status,
        StatusCode::OK
    );
    let again = h
        .post(
            "/api/setup",
            &form(SETUP_TOKEN).replace("root@", "root2@"),
            None,
        )
        .await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    assert_eq!(h.page("/setup", None).await.status, StatusCode::NOT_FOUND);
    h.login("root@example.org").await;
}

#[tokio::test]
async fn changing_password_requires_a_session_and_the_current_password() {
    let h = harness();
    h.account("ana@example.org", &[Role::PolicyManager]);
    let body = "current_password=correct+horse+battery&new_password=another+long+secret&confirm_password=another+long+secret";
    assert_eq!(
        h.post("/api/change_password", body, None).await.status,
        StatusCode::UNAUTHORIZED
    );
    let cookie = h.login("ana@example.org").await;
    let mismatch = h
        .post(
            "/api/change_password",
            &body.replace("confirm_password=another", "confirm_password=other"),
            Some(&cookie),
        )
        .await;
    assert_eq!(mismatch.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(mismatch.json()["field"], "confirm_password");
    assert_eq!(
        h.post("/api/change_password", body, Some(&cookie))
            .await
            .status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn a_plain_form_error_returns_to_the_page_keeping_its_parameters() {
    let h = harness();
    let req = Request::post("/api/login")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::ACCEPT, "text/html")
        .header(
            header::REFERER,
            "http://127.0.0.1:3000/login?next=%2Faccount&error=old",
        )
        .header("sec-fetch-site", "same-origin")
        .body(Body::from(
            "email=a@example.org&password=wrong+wrong+wrong&next=%2Faccount",
        ))
        .expect("req");
    let reply = h.send(req).await;
    assert_eq!(reply.status, StatusCode::FOUND);
    let location = reply.header("location").expect("location");
    let nonce = location
        .strip_prefix("/login?next=%2Faccount&error=")
        .unwrap_or_else(|| panic!("{location}"))
        .to_string();
    assert!(nonce.len() >= 12, "a nonce, not the message: {location}");
    let flash = reply.header("set-cookie").expect("flash cookie");
    assert!(
        flash.starts_with(&format!("pms_flash={nonce}!!Email%20or%20password")),
        "{flash}"
    );
    let cookie = flash.split(';').next().expect("pair").to_string();
    let page = h.page(&location, Some(&cookie)).await;
    assert!(
        page.body.contains("Email or password is incorrect."),
        "the page shows the server's message"
    );
    // Found by a hostile tester: any text in `?error=` was shown as an alert.
    let crafted = h
        .page(
            "/login?error=Your%20account%20is%20suspended%2C%20call%20us",
            None,
        )
        .await;
    assert_eq!(crafted.status, StatusCode::OK);
    assert!(
        !crafted.body.contains("suspended"),
        "crafted text is not shown"
    );
    let wrong_nonce = h.page("/login?error=AAAAAAAAAAAAAAAA", Some(&cookie)).await;
    assert!(!wrong_nonce.body.contains("Email or password is incorrect."));
}

const SIGN_UP: &str = "email={id}%40example.org&password=correct+horse+battery&confirm_password=correct+horse+battery&partner_id={id}&organisation={id}+Ltd&partner_type=Device_Provider&phone=%2B91+80+1234&address=1+Main+St&language=eng";

impl Harness {
    /// Register a device provider through the public sign-up; returns its session cookie.
    async fn sign_up(&self, id: &str) -> String {
        let reply = self
            .post("/api/partners/sign_up", &SIGN_UP.replace("{id}", id), None)
            .await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
        let cookie = reply.header("set-cookie").expect("signed in");
        cookie.split(';').next().expect("pair").to_string()
    }
}

#[tokio::test]
async fn sign_up_registers_a_pending_partner_signed_in_with_its_role() {
    let h = harness();
    let cookie = h.sign_up("acme").await;
    let me = h.post("/api/me", "", Some(&cookie)).await.json();
    assert_eq!(me["roles"], serde_json::json!(["DEVICE_PROVIDER"]));
    let mine = h.post("/api/partners/me", "", Some(&cookie)).await;
    assert_eq!(mine.status, StatusCode::OK, "{}", mine.body);
    assert_eq!(mine.json()["partner"]["status"], "PENDING");
    assert_eq!(mine.json()["partner"]["id"], "acme");

    // Duplicates are conflicts on their field, not server errors; nothing is written.
    let dup = h
        .post(
            "/api/partners/sign_up",
            &SIGN_UP.replace("{id}", "acme"),
            None,
        )
        .await;
    assert_eq!(dup.status, StatusCode::CONFLICT, "{}", dup.body);
    assert_eq!(dup.json()["code"], "PMS_PARTNER_ID_TAKEN");
    assert_eq!(dup.json()["field"], "partner_id");
    let other_email = SIGN_UP
        .replace("{id}", "acme2")
        .replace("acme2%40", "acme%40");
    let dup = h.post("/api/partners/sign_up", &other_email, None).await;
    assert_eq!(dup.json()["code"], "PMS_PARTNER_EMAIL_TAKEN");
    // Bad input: field and stable code, 422.
    let bad = h
        .post(
            "/api/partners/sign_up",
            &SIGN_UP
                .replace("{id}", "bad")
                .replace("phone=%2B91+80+1234", "phone=12345678901234567"),
            None,
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", bad.body);
    assert_eq!(
        (bad.json()["field"].as_str(), bad.json()["code"].as_str()),
        (Some("phone"), Some("PMS_PHONE_TOO_LONG"))
    );
    let mismatch = h
        .post(
            "/api/partners/sign_up",
            &SIGN_UP
                .replace("{id}", "bad")
                .replace("confirm_password=correct", "confirm_password=other"),
            None,
        )
        .await;
    assert_eq!(mismatch.json()["field"], "confirm_password");
    // Admin-only types cannot be self-registered.
    let admin_only = h
        .post(
            "/api/partners/sign_up",
            &SIGN_UP
                .replace("{id}", "ov")
                .replace("Device_Provider", "Online_Verification_Partner"),
            None,
        )
        .await;
    assert_eq!(admin_only.json()["code"], "PMS_PARTNER_TYPE_ADMIN_ONLY");
    // A missing field is a malformed request (400).
    let missing = h
        .post("/api/partners/sign_up", "email=x%40example.org", None)
        .await;
    assert_eq!(missing.status, StatusCode::BAD_REQUEST, "{}", missing.body);
    let mut conn = h.db.conn();
    let list = domain::partner::list(&mut conn, &Default::default()).expect("list");
    assert_eq!(list.page.total, 1, "refused sign-ups wrote nothing");
}

#[tokio::test]
async fn partner_admin_functions_check_the_role_and_partners_only_reach_their_own() {
    let h = harness();
    h.account("admin@example.org", &[Role::PartnerAdmin]);
    h.account("pm@example.org", &[Role::PolicyManager]);
    let admin = h.login("admin@example.org").await;
    let pm = h.login("pm@example.org").await;
    let p1 = h.sign_up("p1").await;
    let p2 = h.sign_up("p2").await;

    let admin_calls = [
        (
            "/api/partners",
            "query[status]=PENDING&query[sort]=-created".to_string(),
        ),
        ("/api/partners/detail", "id=p1".to_string()),
        ("/api/partners/decide", "id=p1&decision=approve".to_string()),
        ("/api/audit", "query[entity_type]=partner".to_string()),
        (
            "/api/partners/create",
            SIGN_UP.replace("{id}", "made-by-admin"),
        ),
    ];
    for (path, body) in &admin_calls {
        for (cookie, expected) in [
            (None, StatusCode::UNAUTHORIZED),
            (Some(p1.as_str()), StatusCode::FORBIDDEN),
            (Some(pm.as_str()), StatusCode::FORBIDDEN),
        ] {
            let reply = h.post(path, body, cookie).await;
            assert_eq!(reply.status, expected, "{path} {cookie:?}: {}", reply.body);
        }
    }
    let detail = h.post("/api/partners/detail", "id=p1", Some(&p1)).await;
    assert_eq!(
        detail.status,
        StatusCode::FORBIDDEN,
        "a partner cannot read another's detail"
    );
    // Nothing above changed p1.
    assert_eq!(
        h.post("/api/partners/me", "", Some(&p1)).await.json()["partner"]["status"],
        "PENDING"
    );

    // The admin works the list and decides.
    let list = h
        .post(
            "/api/partners",
            "query[status]=PENDING&query[sort]=id",
            Some(&admin),
        )
        .await;
    assert_eq!(list.status, StatusCode::OK, "{}", list.body);
    let ids: Vec<String> = list.json()["page"]["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|p| p["id"].as_str().unwrap_or_default().to_string())
        .collect();
    assert_eq!(ids, vec!["p1", "p2"]);
    let approved = h
        .post(
            "/api/partners/decide",
            "id=p1&decision=approve",
            Some(&admin),
        )
        .await;
    assert_eq!(approved.json()["status"], "APPROVED", "{}", approved.body);
    let twice = h
        .post(
            "/api/partners/decide",
            "id=p1&decision=approve",
            Some(&admin),
        )
        .await;
    assert_eq!(
        (twice.status, twice.json()["code"].as_str()),
        (StatusCode::CONFLICT, Some("PMS_PARTNER_ILLEGAL_TRANSITION"))
    );
    let no_reason = h
        .post(
            "/api/partners/decide",
            "id=p2&decision=reject",
            Some(&admin),
        )
        .await;
    assert_eq!(
        (no_reason.status, no_reason.json()["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("reason"))
    );
    let odd = h
        .post(
            "/api/partners/decide",
            "id=p2&decision=resubmit",
            Some(&admin),
        )
        .await;
    assert_eq!(odd.status, StatusCode::BAD_REQUEST);
    let rejected = h
        .post(
            "/api/partners/decide",
            "id=p2&decision=reject&reason=Address+incomplete",
            Some(&admin),
        )
        .await;
    assert_eq!(rejected.json()["status"], "REJECTED");
    let mine = h.post("/api/partners/me", "", Some(&p2)).await.json();
    assert_eq!(mine["partner"]["status_reason"], "Address incomplete");
    let created = h
        .post(
            "/api/partners/create",
            &SIGN_UP
                .replace("{id}", "made-by-admin")
                .replace("Device_Provider", "FTM_Provider"),
            Some(&admin),
        )
        .await;
    assert_eq!(created.json()["status"], "APPROVED", "{}", created.body);

    // Partners act on their own record only: p2 edits, adds and cannot remove p1's contact.
    let update = "email=ops%40p2.example.org&phone=%2B1+555+0100&address=2+New+Road&language=fra";
    let edited = h.post("/api/partners/me/update", update, Some(&p2)).await;
    assert_eq!(edited.json()["language"], "fra", "{}", edited.body);
    assert_eq!(
        h.post("/api/partners/me", "", Some(&p1)).await.json()["partner"]["language"],
        "eng"
    );
    let added = h
        .post(
            "/api/partners/me/contacts/add",
            "contact_email=help%40p1.example.org",
            Some(&p1),
        )
        .await;
    assert_eq!(added.status, StatusCode::OK, "{}", added.body);
    let contact_id = added.json()["id"].as_i64().expect("id");
    let steal = h
        .post(
            "/api/partners/me/contacts/remove",
            &format!("id={contact_id}"),
            Some(&p2),
        )
        .await;
    assert_eq!(steal.status, StatusCode::NOT_FOUND);
    assert_eq!(
        h.post("/api/partners/me", "", Some(&p1)).await.json()["contacts"]
            .as_array()
            .map(Vec::len),
        Some(1)
    );
    let resubmitted = h.post("/api/partners/me/resubmit", "", Some(&p2)).await;
    assert_eq!(
        resubmitted.json()["status"],
        "PENDING",
        "{}",
        resubmitted.body
    );
    // An operator has no partner profile: the partner-own calls find nothing.
    assert_eq!(
        h.post("/api/partners/me/resubmit", "", Some(&admin))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    for (path, body) in [
        ("/api/partners/me", ""),
        ("/api/partners/me/update", update),
        (
            "/api/partners/me/contacts/add",
            "contact_email=x%40example.org",
        ),
        ("/api/partners/me/contacts/remove", "id=1"),
        ("/api/partners/me/resubmit", ""),
    ] {
        assert_eq!(
            h.post(path, body, None).await.status,
            StatusCode::UNAUTHORIZED,
            "{path}"
        );
    }

    // The audit list shows who did what.
    let audit = h
        .post(
            "/api/audit",
            "query[actor]=admin%40example.org",
            Some(&admin),
        )
        .await
        .json();
    let actions: Vec<&str> = audit["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|a| a["action"].as_str())
        .collect();
    assert!(
        actions.contains(&"PARTNER_APPROVED") && actions.contains(&"PARTNER_REJECTED"),
        "{actions:?}"
    );
}

#[tokio::test]
async fn partner_pages_need_their_roles() {
    let h = harness();
    h.account("admin@example.org", &[Role::PartnerAdmin]);
    let admin = h.login("admin@example.org").await;
    let p1 = h.sign_up("p1").await;
    assert_eq!(h.page("/signup", None).await.status, StatusCode::OK);
    for path in [
        "/admin/partners",
        "/admin/partners/p1",
        "/admin/partners/new",
        "/admin/audit",
    ] {
        assert_eq!(
            h.page(path, Some(&p1)).await.status,
            StatusCode::FORBIDDEN,
            "{path}"
        );
        let anon = h.page(path, None).await;
        assert!(anon.status.is_redirection(), "{path}: {}", anon.status);
        let ok = h.page(path, Some(&admin)).await;
        assert_eq!(ok.status, StatusCode::OK, "{path}");
    }
    let list = h
        .page("/admin/partners?status=PENDING&sort=id", Some(&admin))
        .await;
    assert!(
        list.body.contains("p1 Ltd"),
        "the list renders on the server"
    );
    // Before the WASM loads, the filter form already shows the current filters.
    let filtered = h
        .page("/admin/partners?q=p1&status=PENDING&sort=id", Some(&admin))
        .await;
    assert!(
        filtered.body.contains(r#"value="p1""#),
        "search box keeps its text"
    );
    assert!(
        filtered.body.contains(r#"value="id""#),
        "hidden sort keeps the sort"
    );
    assert!(
        filtered.body.contains(r#"value="PENDING" selected"#),
        "status option selected"
    );
    assert_eq!(
        h.page("/partner", Some(&admin)).await.status,
        StatusCode::FORBIDDEN
    );
    let mine = h.page("/partner", Some(&p1)).await;
    assert_eq!(mine.status, StatusCode::OK);
    assert!(mine.body.contains("Pending approval"));
}

/// Percent-encode a form value.
fn enc(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

const AUTH_POLICY: &str = r#"{"authTokenType": "partner", "allowedAuthTypes": [{"authType": "otp", "mandatory": false}], "allowedKycAttributes": [{"attributeName": "fullName"}]}"#;

impl Harness {
    /// Register an authentication partner in `group`; returns its session cookie.
    async fn sign_up_auth(&self, id: &str, group: &str) -> String {
        let body = SIGN_UP
            .replace("{id}", id)
            .replace("Device_Provider", "Auth_Partner")
            + &format!("&policy_group_id={group}");
        let reply = self.post("/api/partners/sign_up", &body, None).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
        let cookie = reply.header("set-cookie").expect("signed in");
        cookie.split(';').next().expect("pair").to_string()
    }
}

#[tokio::test]
async fn policy_functions_check_roles_and_partners_see_only_published_policies_of_their_group() {
    let h = harness();
    h.account("admin@example.org", &[Role::PartnerAdmin]);
    h.account("pm@example.org", &[Role::PolicyManager]);
    let admin = h.login("admin@example.org").await;
    let pm = h.login("pm@example.org").await;

    let g1 = h
        .post(
            "/api/policy_groups/create",
            "name=banks&description=Relying+parties",
            Some(&pm),
        )
        .await;
    assert_eq!(g1.status, StatusCode::OK, "{}", g1.body);
    let g1 = g1.json()["id"].as_str().expect("id").to_string();
    let g2 = h
        .post("/api/policy_groups/create", "name=telcos", Some(&admin))
        .await
        .json()["id"]
        .as_str()
        .expect("id")
        .to_string();
    let bank = h.sign_up_auth("bank", &g1).await;
    let telco = h.sign_up_auth("telco", &g2).await;

    let until = app::util::ms_to_date(domain::clock::now_ms() + 400 * 86_400_000);
    let create = |group: &str, name: &str| {
        format!(
            "group_id={group}&name={name}&description=&policy_type=Auth&document={}",
            enc(AUTH_POLICY)
        )
    };
    let draft = h
        .post("/api/policies/create", &create(&g1, "KYC"), Some(&pm))
        .await;
    assert_eq!(draft.status, StatusCode::OK, "{}", draft.body);
    let draft_id = draft.json()["summary"]["id"]
        .as_str()
        .expect("id")
        .to_string();
    let live = h
        .post("/api/policies/create", &create(&g1, "Auth"), Some(&pm))
        .await
        .json()["summary"]["id"]
        .as_str()
        .expect("id")
        .to_string();
    let published = h
        .post(
            "/api/policies/publish",
            &format!("id={live}&valid_to={until}"),
            Some(&pm),
        )
        .await;
    assert_eq!(published.status, StatusCode::OK, "{}", published.body);
    assert_eq!(published.json()["summary"]["status"], "PUBLISHED");
    let twice = h
        .post(
            "/api/policies/publish",
            &format!("id={live}&valid_to={until}"),
            Some(&pm),
        )
        .await;
    assert_eq!(twice.status, StatusCode::CONFLICT, "{}", twice.body);
    assert_eq!(twice.json()["code"], "PMS_POLICY_ALREADY_PUBLISHED");
    let bad_date = h
        .post(
            "/api/policies/publish",
            &format!("id={draft_id}&valid_to=31-12-2099"),
            Some(&pm),
        )
        .await;
    assert_eq!(bad_date.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(bad_date.json()["field"], "valid_to");

    // Authoring is for operators: partners get 403, anonymous callers 401, nothing changes.
    let calls = [
        ("/api/policy_groups", String::new()),
        ("/api/policy_groups/create", "name=mine".to_string()),
        (
            "/api/policy_groups/update",
            format!("id={g1}&description=x"),
        ),
        (
            "/api/policy_groups/set_active",
            format!("id={g2}&active=false"),
        ),
        ("/api/policies", "query[status]=DRAFT".to_string()),
        ("/api/policies/detail", format!("id={draft_id}")),
        ("/api/policies/audit", format!("id={draft_id}")),
        (
            "/api/policies/validate",
            format!("policy_type=Auth&document={}", enc(AUTH_POLICY)),
        ),
        ("/api/policies/create", create(&g1, "Sneaky")),
        (
            "/api/policies/update",
            format!("id={draft_id}&name=X&document={}", enc(AUTH_POLICY)),
        ),
        (
            "/api/policies/publish",
            format!("id={draft_id}&valid_to={until}"),
        ),
        ("/api/policies/revise", format!("id={live}")),
        ("/api/policies/delete", format!("id={draft_id}")),
        ("/api/policies/deactivate", format!("id={live}")),
        (
            "/api/policies/clone",
            format!("id={live}&group_id={g2}&name=Copy"),
        ),
        ("/api/policies/diff", format!("id={live}&from=1&to=1")),
    ];
    for (path, body) in &calls {
        for (cookie, expected) in [
            (None, StatusCode::UNAUTHORIZED),
            (Some(bank.as_str()), StatusCode::FORBIDDEN),
        ] {
            let reply = h.post(path, body, cookie).await;
            assert_eq!(reply.status, expected, "{path} {cookie:?}: {}", reply.body);
        }
    }
    let still = h
        .post(
            "/api/policies/detail",
            &format!("id={draft_id}"),
            Some(&admin),
        )
        .await;
    assert_eq!(
        still.json()["summary"]["name"],
        "KYC",
        "partners changed nothing"
    );

    // Only approved partners read policies: one under review could change its group at will.
    let pending = h.post("/api/policies/mine", "", Some(&bank)).await;
    assert_eq!(pending.status, StatusCode::OK, "{}", pending.body);
    assert!(pending.json().is_null(), "{}", pending.body);
    let hidden = h
        .post(
            "/api/policies/mine/detail",
            &format!("id={live}"),
            Some(&bank),
        )
        .await;
    assert_eq!(hidden.status, StatusCode::NOT_FOUND);
    for id in ["bank", "telco"] {
        let ok = h
            .post(
                "/api/partners/decide",
                &format!("id={id}&decision=approve"),
                Some(&admin),
            )
            .await;
        assert_eq!(ok.status, StatusCode::OK, "{}", ok.body);
    }
    // A partner sees the published policy of its group only; never a draft or another group's.
    let mine = h.post("/api/policies/mine", "", Some(&bank)).await;
    assert_eq!(mine.status, StatusCode::OK, "{}", mine.body);
    let ids: Vec<&str> = mine.json()["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|p| p["id"].as_str().unwrap_or_default())
        .collect::<Vec<_>>()
        .into_iter()
        .map(|s| if s == live { "live" } else { "other" })
        .collect();
    assert_eq!(ids, vec!["live"]);
    let read = h
        .post(
            "/api/policies/mine/detail",
            &format!("id={live}"),
            Some(&bank),
        )
        .await;
    assert_eq!(read.status, StatusCode::OK, "{}", read.body);
    assert!(
        read.json()["created_by"].is_null(),
        "no authoring details for partners"
    );
    for (cookie, id) in [(&bank, &draft_id), (&telco, &live)] {
        let hidden = h
            .post(
                "/api/policies/mine/detail",
                &format!("id={id}"),
                Some(cookie),
            )
            .await;
        assert_eq!(hidden.status, StatusCode::NOT_FOUND, "{}", hidden.body);
    }
    assert!(
        h.post("/api/policies/mine", "", Some(&telco)).await.json()["items"]
            .as_array()
            .expect("items")
            .is_empty()
    );
    assert_eq!(
        h.post("/api/policies/mine", "", Some(&pm)).await.status,
        StatusCode::FORBIDDEN
    );

    // Groups list with counts; deactivation refused while policies are live.
    let groups = h
        .post("/api/policy_groups", "query[sort]=name", Some(&pm))
        .await
        .json();
    assert_eq!(groups["items"][0]["name"], "banks");
    assert_eq!(groups["items"][0]["policies"], 2);
    assert_eq!(groups["items"][0]["partners"], 1);
    let refused = h
        .post(
            "/api/policy_groups/set_active",
            &format!("id={g1}&active=false"),
            Some(&pm),
        )
        .await;
    assert_eq!(refused.status, StatusCode::CONFLICT);
    assert_eq!(refused.json()["code"], "PMS_POLICY_GROUP_HAS_POLICIES");
}

#[tokio::test]
async fn bad_policy_documents_get_a_clear_answer_and_nothing_is_saved() {
    let h = harness();
    h.account("pm@example.org", &[Role::PolicyManager]);
    let pm = h.login("pm@example.org").await;
    let g = h
        .post("/api/policy_groups/create", "name=banks", Some(&pm))
        .await
        .json()["id"]
        .as_str()
        .expect("id")
        .to_string();
    let with_doc = |doc: &str| {
        format!(
            "group_id={g}&name=KYC&policy_type=Auth&document={}",
            enc(doc)
        )
    };

    let invalid = h
        .post(
            "/api/policies/create",
            &with_doc(
                r#"{"authTokenType": "jwt", "allowedAuthTypes": [], "allowedKycAttributes": []}"#,
            ),
            Some(&pm),
        )
        .await;
    assert_eq!(
        invalid.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        invalid.body
    );
    let body = invalid.json();
    assert_eq!(body["code"], "PMS_POLICY_DOCUMENT_INVALID");
    assert_eq!(body["field"], "document");
    let paths: Vec<&str> = body["details"]
        .as_array()
        .expect("details")
        .iter()
        .map(|d| d["path"].as_str().unwrap_or("?"))
        .collect();
    assert!(
        paths.contains(&"/authTokenType") && paths.contains(&"/allowedAuthTypes"),
        "{paths:?}"
    );

    let malformed = h
        .post(
            "/api/policies/create",
            &with_doc("{\"authTokenType\": "),
            Some(&pm),
        )
        .await;
    assert_eq!(malformed.json()["code"], "PMS_POLICY_DOCUMENT_MALFORMED");
    let deep = h
        .post(
            "/api/policies/create",
            &with_doc(&format!("{}{}", "[".repeat(200), "]".repeat(200))),
            Some(&pm),
        )
        .await;
    assert_eq!(deep.json()["code"], "PMS_POLICY_DOCUMENT_TOO_DEEP");
    // 300 KB passes the body limit and is refused by the document rule; 5 MB by the edge,
    // with the same message shape.
    let big = h
        .post(
            "/api/policies/create",
            &with_doc(&format!("{{\"x\": \"{}\"}}", "a".repeat(300 * 1024))),
            Some(&pm),
        )
        .await;
    assert_eq!(big.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", big.body);
    assert_eq!(big.json()["code"], "PMS_POLICY_DOCUMENT_TOO_LARGE");
    let huge = h
        .post(
            "/api/policies/create",
            &with_doc(&"a".repeat(5 * 1024 * 1024)),
            Some(&pm),
        )
        .await;
    assert_eq!(huge.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(
        huge.json()["code"],
        "PMS_POLICY_DOCUMENT_TOO_LARGE",
        "{}",
        huge.body
    );
    assert_eq!(huge.json()["field"], "document");
    // Live validation answers the same way without saving.
    let check = h
        .post(
            "/api/policies/validate",
            &format!("policy_type=MISP&document={}", enc("{}")),
            Some(&pm),
        )
        .await;
    assert_eq!(check.status, StatusCode::UNPROCESSABLE_ENTITY);
    let ok = h
        .post(
            "/api/policies/validate",
            &format!("policy_type=Auth&document={}", enc(AUTH_POLICY)),
            Some(&pm),
        )
        .await;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.body);

    // Duplicate name in the group; deactivated group.
    assert_eq!(
        h.post("/api/policies/create", &with_doc(AUTH_POLICY), Some(&pm))
            .await
            .status,
        StatusCode::OK
    );
    let dup = h
        .post("/api/policies/create", &with_doc(AUTH_POLICY), Some(&pm))
        .await;
    assert_eq!(
        (dup.status, dup.json()["field"].as_str()),
        (StatusCode::CONFLICT, Some("name"))
    );
    let g2 = h
        .post("/api/policy_groups/create", "name=retired", Some(&pm))
        .await
        .json()["id"]
        .as_str()
        .expect("id")
        .to_string();
    h.post(
        "/api/policy_groups/set_active",
        &format!("id={g2}&active=false"),
        Some(&pm),
    )
    .await;
    let off = h
        .post(
            "/api/policies/create",
            &format!(
                "group_id={g2}&name=KYC&policy_type=Auth&document={}",
                enc(AUTH_POLICY)
            ),
            Some(&pm),
        )
        .await;
    assert_eq!(off.json()["code"], "PMS_POLICY_GROUP_INACTIVE");

    let list = h.post("/api/policies", "", Some(&pm)).await.json();
    assert_eq!(
        list["page"]["total"], 1,
        "only the one good draft was saved"
    );
}

#[tokio::test]
async fn policy_pages_need_their_roles() {
    let h = harness();
    h.account("pm@example.org", &[Role::PolicyManager]);
    let pm = h.login("pm@example.org").await;
    let p1 = h.sign_up("p1").await;
    for path in ["/policies", "/policies/groups", "/policies/new"] {
        assert_eq!(
            h.page(path, Some(&p1)).await.status,
            StatusCode::FORBIDDEN,
            "{path}"
        );
        assert!(h.page(path, None).await.status.is_redirection(), "{path}");
        assert_eq!(
            h.page(path, Some(&pm)).await.status,
            StatusCode::OK,
            "{path}"
        );
    }
    assert_eq!(
        h.page("/partner/policies", Some(&pm)).await.status,
        StatusCode::FORBIDDEN
    );
    let mine = h.page("/partner/policies", Some(&p1)).await;
    assert_eq!(mine.status, StatusCode::OK);
    assert!(
        mine.body.contains("once your registration is approved"),
        "renders on the server"
    );
    // The new-policy form renders its template document before the WASM loads.
    h.post("/api/policy_groups/create", "name=banks", Some(&pm))
        .await;
    let new = h.page("/policies/new?type=MISP", Some(&pm)).await;
    assert!(
        new.body.contains("allowAuthRequestDelegation"),
        "template in the page"
    );
}

// Certificates: a DEVICE chain made once with openssl (end2end/tests/fixtures/certs/make.sh).
const ROOT_PEM: &str = include_str!("../../end2end/tests/fixtures/certs/root.pem");
const ROOT_DER: &[u8] = include_bytes!("../../end2end/tests/fixtures/certs/root.der");
const INTERMEDIATE_PEM: &str = include_str!("../../end2end/tests/fixtures/certs/intermediate.pem");
const PARTNER_PEM: &str = include_str!("../../end2end/tests/fixtures/certs/partner.pem");
const OTHER_ORG_PEM: &str = include_str!("../../end2end/tests/fixtures/certs/other-org.pem");

impl Harness {
    /// A device provider whose organisation is the one in PARTNER_PEM.
    async fn sign_up_lumen(&self, id: &str) -> String {
        let form = SIGN_UP
            .replace("{id}+Ltd", "Lumen+Devices+Ltd")
            .replace("{id}", id);
        let reply = self.post("/api/partners/sign_up", &form, None).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
        let cookie = reply.header("set-cookie").expect("signed in");
        cookie.split(';').next().expect("pair").to_string()
    }

    fn count(&self, table: &str) -> i64 {
        use diesel::RunQueryDsl;
        #[derive(diesel::QueryableByName)]
        struct N {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            n: i64,
        }
        let mut conn = self.db.conn();
        diesel::sql_query(format!("SELECT COUNT(*) AS n FROM {table}"))
            .get_result::<N>(&mut conn)
            .expect("count")
            .n
    }
}

fn b64(bytes: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

#[tokio::test]
async fn certificate_functions_check_roles_on_the_server() {
    let h = harness();
    h.account("admin@example.org", &[Role::PartnerAdmin]);
    h.account("pm@example.org", &[Role::PolicyManager]);
    let admin = h.login("admin@example.org").await;
    let pm = h.login("pm@example.org").await;
    let partner = h.sign_up("acme").await;
    let upload = format!("domain=DEVICE&content={}", enc(ROOT_PEM));
    let admin_only = [
        ("/api/certificates/ca", String::new()),
        ("/api/certificates/ca/detail", "id=x".to_string()),
        ("/api/certificates/ca/check", upload.clone()),
        ("/api/certificates/ca/upload", upload.clone()),
        ("/api/certificates/ca/deactivate", "id=x".to_string()),
        ("/api/certificates/partner", "partner_id=acme".to_string()),
    ];
    for (path, form) in &admin_only {
        let anon = h.post(path, form, None).await;
        assert_eq!(
            anon.status,
            StatusCode::UNAUTHORIZED,
            "{path}: {}",
            anon.body
        );
        for who in [&partner, &pm] {
            let r = h.post(path, form, Some(who)).await;
            assert_eq!(r.status, StatusCode::FORBIDDEN, "{path}: {}", r.body);
        }
    }
    let partner_only = [
        ("/api/certificates/mine", String::new()),
        (
            "/api/certificates/mine/check",
            format!("content={}", enc(PARTNER_PEM)),
        ),
        (
            "/api/certificates/mine/upload",
            format!("content={}", enc(PARTNER_PEM)),
        ),
    ];
    for (path, form) in &partner_only {
        let anon = h.post(path, form, None).await;
        assert_eq!(
            anon.status,
            StatusCode::UNAUTHORIZED,
            "{path}: {}",
            anon.body
        );
        let r = h.post(path, form, Some(&admin)).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{path}: {}", r.body);
    }
    // Nothing was stored by any refused call.
    assert_eq!(h.count("ca_certificates"), 0);
    assert_eq!(h.count("partner_certificates"), 0);
    let signing = h.post("/api/certificates/signing_cas", "", None).await;
    assert_eq!(signing.status, StatusCode::UNAUTHORIZED);
    let signing = h
        .post("/api/certificates/signing_cas", "", Some(&partner))
        .await;
    assert_eq!(signing.json().as_array().map(Vec::len), Some(3));
    for secret in ["sealed", "PRIVATE KEY"] {
        assert!(!signing.body.contains(secret), "{secret} leaked");
    }

    // Pages: sign-in for visitors, 403 for the wrong role.
    let anon = h.page("/admin/certificates", None).await;
    assert_eq!(anon.status, StatusCode::FOUND);
    let forbidden = h.page("/admin/certificates", Some(&partner)).await;
    assert_eq!(forbidden.status, StatusCode::FORBIDDEN);
    let forbidden = h.page("/partner/certificate", Some(&admin)).await;
    assert_eq!(forbidden.status, StatusCode::FORBIDDEN);
    let ok = h.page("/admin/certificates", Some(&admin)).await;
    assert_eq!(ok.status, StatusCode::OK);
    assert!(
        ok.body.contains("PMS DEVICE signing CA"),
        "signing CAs listed"
    );
}

#[tokio::test]
async fn trust_store_and_partner_certificate_through_the_router() {
    let h = harness();
    h.account("admin@example.org", &[Role::PartnerAdmin]);
    let admin = h.login("admin@example.org").await;

    // A check stores nothing; the upload of the DER root (as base64) stores it.
    let der = format!(
        "domain=DEVICE&encoding=base64&content={}",
        enc(&b64(ROOT_DER))
    );
    let check = h
        .post("/api/certificates/ca/check", &der, Some(&admin))
        .await;
    assert_eq!(check.status, StatusCode::OK, "{}", check.body);
    assert_eq!(check.json()["items"][0]["accepted"], true);
    assert_eq!(check.json()["preview"], true);
    assert_eq!(h.count("ca_certificates"), 0);
    let stored = h
        .post("/api/certificates/ca/upload", &der, Some(&admin))
        .await;
    assert_eq!(stored.status, StatusCode::OK, "{}", stored.body);
    assert_eq!(stored.json()["items"][0]["kind"], "ROOT");
    let again = h
        .post("/api/certificates/ca/upload", &der, Some(&admin))
        .await;
    assert_eq!(
        again.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        again.body
    );
    assert_eq!(again.json()["details"][0]["path"], "/0/duplicate");
    let inter = h
        .post(
            "/api/certificates/ca/upload",
            &format!("domain=DEVICE&content={}", enc(INTERMEDIATE_PEM)),
            Some(&admin),
        )
        .await;
    assert_eq!(
        inter.json()["items"][0]["kind"],
        "INTERMEDIATE",
        "{}",
        inter.body
    );
    let list = h
        .post(
            "/api/certificates/ca",
            "query[domain]=DEVICE&query[kind]=INTERMEDIATE",
            Some(&admin),
        )
        .await;
    assert_eq!(list.status, StatusCode::OK, "{}", list.body);
    assert_eq!(list.json()["total"], 1);
    let id = list.json()["items"][0]["id"]
        .as_str()
        .expect("id")
        .to_string();
    let detail = h
        .post(
            "/api/certificates/ca/detail",
            &format!("id={id}"),
            Some(&admin),
        )
        .await;
    assert_eq!(detail.json()["chain"].as_array().map(Vec::len), Some(2));
    assert_eq!(h.count("outbox WHERE topic = 'CA_CERTIFICATE_UPLOADED'"), 2);

    // The partner: another organisation's certificate is explained, not stored.
    let lumen = h.sign_up_lumen("lumen").await;
    let other = format!("content={}", enc(OTHER_ORG_PEM));
    let checked = h
        .post("/api/certificates/mine/check", &other, Some(&lumen))
        .await;
    assert_eq!(checked.status, StatusCode::OK, "{}", checked.body);
    assert_eq!(checked.json()["problems"][0]["path"], "organisation");
    let refused = h
        .post("/api/certificates/mine/upload", &other, Some(&lumen))
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(refused.json()["code"], "PMS_CERT_REFUSED");
    assert_eq!(refused.json()["field"], "certificate");
    assert_eq!(h.count("partner_certificates"), 0);

    let mine = format!("content={}", enc(PARTNER_PEM));
    let up = h
        .post("/api/certificates/mine/upload", &mine, Some(&lumen))
        .await;
    assert_eq!(up.status, StatusCode::OK, "{}", up.body);
    let view = up.json();
    assert_eq!(view["domain"], "DEVICE");
    assert_eq!(view["expired"], false);
    assert!(view["resigned_pem"]
        .as_str()
        .is_some_and(|p| p.starts_with("-----BEGIN CERTIFICATE-----")));
    assert_ne!(view["resigned_pem"], view["pem"]);
    let partner_event = h
        .count("outbox WHERE topic = 'PARTNER_UPDATED' AND payload LIKE '%signedCertificateData%'");
    assert_eq!(partner_event, 1);
    // The admin sees it; the partner reads its own through `mine`, never by id.
    let seen = h
        .post(
            "/api/certificates/partner",
            "partner_id=lumen",
            Some(&admin),
        )
        .await;
    assert_eq!(seen.json()["id"], view["id"]);
    let own = h.post("/api/certificates/mine", "", Some(&lumen)).await;
    assert_eq!(own.json()[1]["id"], view["id"]);
    // An account with a partner role but no partner profile gets nothing, not an error.
    h.account("rp@example.org", &[Role::AuthPartner]);
    let rp = h.login("rp@example.org").await;
    let none = h.post("/api/certificates/mine", "", Some(&rp)).await;
    assert_eq!(none.status, StatusCode::OK, "{}", none.body);
    assert!(none.json().is_null());

    // The signing CA is public for downstream services.
    let pem = h
        .send(
            Request::get("/pki/signing-ca/DEVICE")
                .body(Body::empty())
                .expect("request"),
        )
        .await;
    assert_eq!(pem.status, StatusCode::OK);
    assert!(pem.body.starts_with("-----BEGIN CERTIFICATE-----"));
    let unknown = h
        .send(
            Request::get("/pki/signing-ca/NOPE")
                .body(Body::empty())
                .expect("request"),
        )
        .await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);

    // Deactivation: the root is refused while its intermediate is active.
    let root_id = h
        .post("/api/certificates/ca", "query[kind]=ROOT", Some(&admin))
        .await
        .json()["items"][0]["id"]
        .as_str()
        .expect("root")
        .to_string();
    let refused = h
        .post(
            "/api/certificates/ca/deactivate",
            &format!("id={root_id}"),
            Some(&admin),
        )
        .await;
    assert_eq!(refused.status, StatusCode::CONFLICT);
    assert_eq!(refused.json()["code"], "PMS_CERT_HAS_ACTIVE_CHILDREN");
}

#[tokio::test]
async fn bad_certificate_input_gets_a_clear_answer_and_nothing_is_stored() {
    let h = harness();
    h.account("admin@example.org", &[Role::PartnerAdmin]);
    let admin = h.login("admin@example.org").await;
    let events = h.count("outbox");
    let cases: [(String, &str); 6] = [
        ("domain=DEVICE&content=".into(), "PMS_CERT_EMPTY"),
        (
            format!(
                "domain=DEVICE&content={}",
                enc(&format!("hello\n{ROOT_PEM}"))
            ),
            "PMS_CERT_GARBAGE",
        ),
        (
            "domain=DEVICE&encoding=base64&content=%%%".into(),
            "PMS_CERT_UNREADABLE",
        ),
        (
            format!(
                "domain=DEVICE&encoding=base64&content={}",
                enc(&b64(b"\x01\x02random bytes\xff"))
            ),
            "PMS_CERT_UNREADABLE",
        ),
        (
            format!("domain=DEVICE&content={}", "A".repeat(300 * 1024)),
            "PMS_CERT_TOO_LARGE",
        ),
        (
            format!("domain=NOPE&content={}", enc(ROOT_PEM)),
            "PMS_CERT_DOMAIN",
        ),
    ];
    for (form, code) in &cases {
        let r = h
            .post("/api/certificates/ca/upload", form, Some(&admin))
            .await;
        assert_eq!(
            r.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{code}: {}",
            r.body
        );
        assert_eq!(r.json()["code"], *code, "{}", r.body);
        assert!(r.json()["field"].is_string(), "{}", r.body);
    }
    let huge = h
        .post(
            "/api/certificates/ca/upload",
            &format!("domain=DEVICE&content={}", "A".repeat(10 * 1024 * 1024)),
            Some(&admin),
        )
        .await;
    assert_eq!(huge.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(huge.json()["code"], "PMS_CERT_TOO_LARGE", "{}", huge.body);
    assert_eq!(h.count("ca_certificates"), 0);
    assert_eq!(h.count("outbox"), events);
}

fn day_from_today(days: i64) -> String {
    let t = chrono::Utc::now() + chrono::Duration::days(days);
    t.format("%Y-%m-%d").to_string()
}

#[tokio::test]
async fn device_functions_check_roles_and_providers_reach_only_their_own() {
    let h = harness();
    h.account("admin@example.org", &[Role::PartnerAdmin]);
    let admin = h.login("admin@example.org").await;
    let acme = h.sign_up("acme").await;
    let other = h.sign_up("other").await;
    let anon_or_wrong = [
        ("/api/sbis", ""),
        ("/api/devices", ""),
        ("/api/chips", ""),
        ("/api/sbis/decide", "id=x&decision=approve"),
        ("/api/devices/decide", "id=x&decision=approve"),
        ("/api/chips/decide", "id=x&decision=approve"),
        ("/api/sbis/impact", "id=x"),
    ];
    for (path, form) in anon_or_wrong {
        assert_eq!(
            h.post(path, form, None).await.status,
            StatusCode::UNAUTHORIZED,
            "{path}"
        );
        assert_eq!(
            h.post(path, form, Some(&acme)).await.status,
            StatusCode::FORBIDDEN,
            "{path}"
        );
    }
    for (path, form) in [
        ("/api/sbis/mine", ""),
        ("/api/devices/mine", ""),
        ("/api/chips/mine", ""),
    ] {
        assert_eq!(
            h.post(path, form, Some(&admin)).await.status,
            StatusCode::FORBIDDEN,
            "{path}"
        );
    }
    // A device provider is not an FTM provider.
    assert_eq!(
        h.post("/api/chips/create", "make=a&model=b", Some(&acme))
            .await
            .status,
        StatusCode::FORBIDDEN
    );

    // Until approved, the provider cannot declare anything.
    let sbi_form = |version: &str, hash: &str, created: &str, expires: &str| {
        format!("version={version}&binary_hash={hash}&created_on={created}&expires_on={expires}")
    };
    let hash = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";
    let good = sbi_form("1.0", hash, &day_from_today(-10), &day_from_today(300));
    let early = h.post("/api/sbis/create", &good, Some(&acme)).await;
    assert_eq!(early.status, StatusCode::FORBIDDEN, "{}", early.body);
    assert_eq!(early.json()["code"], "PMS_PARTNER_NOT_APPROVED");
    for id in ["acme", "other"] {
        let r = h
            .post(
                "/api/partners/decide",
                &format!("id={id}&decision=approve"),
                Some(&admin),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    }

    // Bad input: a clear message on its field, nothing stored.
    let bad = [
        (
            sbi_form("1.0", "xyz!", &day_from_today(-1), &day_from_today(30)),
            "binary_hash",
        ),
        (
            sbi_form("1.0", hash, &day_from_today(2), &day_from_today(30)),
            "created_on",
        ),
        (
            sbi_form("1.0", hash, &day_from_today(-1), &day_from_today(-1)),
            "expires_on",
        ),
        (
            sbi_form("1.0", hash, &day_from_today(-1), &day_from_today(365 * 9)),
            "expires_on",
        ),
        (
            sbi_form("", hash, &day_from_today(-1), &day_from_today(30)),
            "version",
        ),
    ];
    for (form, field) in &bad {
        let r = h.post("/api/sbis/create", form, Some(&acme)).await;
        assert_eq!(
            r.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{form}: {}",
            r.body
        );
        assert_eq!(r.json()["field"], *field, "{}", r.body);
    }
    assert_eq!(h.count("sbis"), 0);
    let sbi = h.post("/api/sbis/create", &good, Some(&acme)).await;
    assert_eq!(sbi.status, StatusCode::OK, "{}", sbi.body);
    let sbi_id = sbi.json()["id"].as_str().expect("id").to_string();
    let again = h.post("/api/sbis/create", &good, Some(&acme)).await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    assert_eq!(again.json()["field"], "version");

    // Another provider never sees it.
    let peek = h
        .post(
            "/api/sbis/mine/detail",
            &format!("id={sbi_id}"),
            Some(&other),
        )
        .await;
    assert_eq!(peek.status, StatusCode::NOT_FOUND);
    let theirs = h.post("/api/sbis/mine", "", Some(&other)).await;
    assert_eq!(theirs.json()["total"], 0);

    // A device on a pending SBI is refused; after approval it is accepted.
    let device = format!("sbi_ids[0]={sbi_id}&device_type=Finger&sub_type=Slap&make=Acme&model=S1");
    let pending = h.post("/api/devices/create", &device, Some(&acme)).await;
    assert_eq!(
        pending.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        pending.body
    );
    assert_eq!(pending.json()["code"], "PMS_DEVICE_SBI_NOT_APPROVED");
    let approved = h
        .post(
            "/api/sbis/decide",
            &format!("id={sbi_id}&decision=approve"),
            Some(&admin),
        )
        .await;
    assert_eq!(approved.status, StatusCode::OK, "{}", approved.body);
    let twice = h
        .post(
            "/api/sbis/decide",
            &format!("id={sbi_id}&decision=approve"),
            Some(&admin),
        )
        .await;
    assert_eq!(twice.status, StatusCode::CONFLICT);
    let wrong_pair = device.replace("sub_type=Slap", "sub_type=Double");
    let r = h
        .post("/api/devices/create", &wrong_pair, Some(&acme))
        .await;
    assert_eq!(r.json()["field"], "sub_type", "{}", r.body);
    let created = h.post("/api/devices/create", &device, Some(&acme)).await;
    assert_eq!(created.status, StatusCode::OK, "{}", created.body);
    let dup = h
        .post(
            "/api/devices/create",
            &device.replace("Acme", "ACME"),
            Some(&acme),
        )
        .await;
    assert_eq!(dup.status, StatusCode::CONFLICT, "{}", dup.body);
    let foreign = h.post("/api/devices/create", &device, Some(&other)).await;
    assert_eq!(
        foreign.json()["code"],
        "PMS_DEVICE_SBI_UNKNOWN",
        "{}",
        foreign.body
    );
    let device_id = created.json()["id"].as_str().expect("id").to_string();
    let no_reason = h
        .post(
            "/api/devices/decide",
            &format!("id={device_id}&decision=reject"),
            Some(&admin),
        )
        .await;
    assert_eq!(no_reason.json()["field"], "reason");
    let ok = h
        .post(
            "/api/devices/decide",
            &format!("id={device_id}&decision=approve"),
            Some(&admin),
        )
        .await;
    assert_eq!(ok.json()["status"], "APPROVED", "{}", ok.body);

    // Deactivating the SBI says what it does and takes its device with it.
    let impact = h
        .post("/api/sbis/impact", &format!("id={sbi_id}"), Some(&admin))
        .await;
    assert_eq!(impact.json()["devices_deactivated"], 1, "{}", impact.body);
    let off = h
        .post(
            "/api/sbis/decide",
            &format!("id={sbi_id}&decision=deactivate&reason=Vulnerable+build"),
            Some(&admin),
        )
        .await;
    assert_eq!(off.status, StatusCode::OK, "{}", off.body);
    let mine = h.post("/api/devices/mine", "", Some(&acme)).await.json();
    assert_eq!(mine["items"][0]["status"], "DEACTIVATED");

    // A model of a newer SBI is linked to the next one; only its provider can link it.
    let mut sbi_ids = Vec::new();
    for version in ["2.0", "3.0"] {
        let form = sbi_form(version, hash, &day_from_today(-10), &day_from_today(300));
        let r = h.post("/api/sbis/create", &form, Some(&acme)).await;
        let id = r.json()["id"].as_str().expect("id").to_string();
        let r = h
            .post(
                "/api/sbis/decide",
                &format!("id={id}&decision=approve"),
                Some(&admin),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        sbi_ids.push(id);
    }
    let s2 = h
        .post(
            "/api/devices/create",
            &format!(
                "sbi_ids[0]={}&device_type=Iris&sub_type=Double&make=Acme&model=S2",
                sbi_ids[0]
            ),
            Some(&acme),
        )
        .await;
    let s2_id = s2.json()["id"].as_str().expect("id").to_string();
    let link = format!("device_id={s2_id}&sbi_id={}", sbi_ids[1]);
    assert_eq!(
        h.post("/api/devices/link", &link, None).await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        h.post("/api/devices/link", &link, Some(&admin))
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        h.post("/api/devices/link", &link, Some(&other))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    let linked = h.post("/api/devices/link", &link, Some(&acme)).await;
    assert_eq!(linked.status, StatusCode::OK, "{}", linked.body);
    assert_eq!(linked.json()["sbis"].as_array().map(Vec::len), Some(2));
    let again = h.post("/api/devices/link", &link, Some(&acme)).await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    assert_eq!(again.json()["field"], "sbi_ids");
    let dead = h
        .post(
            "/api/devices/link",
            &format!("device_id={device_id}&sbi_id={}", sbi_ids[1]),
            Some(&acme),
        )
        .await;
    assert_eq!(dead.status, StatusCode::CONFLICT, "{}", dead.body);
    // The admin's devices of one SBI, on screen and as CSV.
    let of_sbi = h
        .post(
            "/api/devices",
            &format!("query[sbi]={}&query[status]=", sbi_ids[1]),
            Some(&admin),
        )
        .await;
    assert_eq!(of_sbi.json()["total"], 1, "{}", of_sbi.body);
    assert_eq!(of_sbi.json()["items"][0]["model"], "S2");
    let csv = h
        .get(
            &format!("/admin/export/devices.csv?sbi={}", sbi_ids[1]),
            Some(&admin),
        )
        .await;
    assert_eq!(csv.status, StatusCode::OK);
    assert!(csv.body.contains("S2"), "{}", csv.body);
    assert!(!csv.body.contains(",S1,"), "{}", csv.body);
    for list in ["sbis", "chips"] {
        let r = h
            .get(&format!("/admin/export/{list}.csv"), Some(&admin))
            .await;
        assert_eq!(r.status, StatusCode::OK, "{list}");
        assert_eq!(
            h.get(&format!("/admin/export/{list}.csv"), Some(&acme))
                .await
                .status,
            StatusCode::FORBIDDEN,
            "{list}"
        );
    }
    let sbis_csv = h.get("/admin/export/sbis.csv", Some(&admin)).await;
    assert!(sbis_csv.body.contains("3.0"), "{}", sbis_csv.body);
    assert_eq!(
        h.post("/api/sbis/max-years", "", Some(&acme)).await.json(),
        serde_json::json!(5)
    );

    // Pages by role.
    assert_eq!(
        h.page("/admin/devices", Some(&acme)).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        h.page("/provider/sbis", Some(&admin)).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        h.page("/provider/sbis", Some(&acme)).await.status,
        StatusCode::OK
    );
    assert_eq!(
        h.page("/provider/chips", Some(&acme)).await.status,
        StatusCode::FORBIDDEN
    );
}

/// A buffer that a tracing subscriber writes into, to look for secrets in log lines.
#[derive(Clone, Default)]
struct LogBuffer(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

impl std::io::Write for LogBuffer {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if let Ok(mut b) = self.0.lock() {
            b.extend_from_slice(buf);
        }
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for LogBuffer {
    type Writer = LogBuffer;
    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
}

impl Harness {
    async fn verify(&self, token: Option<&str>, body: &str) -> Reply {
        let mut req = Request::post("/api/v1/apikeys/verify")
            .header(header::CONTENT_TYPE, "application/json");
        if let Some(t) = token {
            req = req.header(header::AUTHORIZATION, format!("Bearer {t}"));
        }
        self.send(req.body(Body::from(body.to_string())).expect("request"))
            .await
    }

    /// An approved Auth partner of a group with a published Auth policy and a certificate row;
    /// returns (cookie, policy id).
    async fn relying_party(&self, id: &str, admin: &str) -> (String, String) {
        let policy = {
            let conn = &mut self.db.conn();
            let manager = Actor::account("m", "policy@example.org");
            let group = domain::policy::group::create(conn, &manager, &format!("{id}-group"), "")
                .expect("group")
                .id;
            let policy = domain::policy::create(
                conn,
                &manager,
                &domain::policy::PolicyInput {
                    group_id: group.clone(),
                    name: "kyc".into(),
                    description: String::new(),
                    policy_type: "Auth".into(),
                    document: r#"{"authTokenType":"partner","allowedAuthTypes":[{"authType":"otp","mandatory":false}],"allowedKycAttributes":[{"attributeName":"email"}]}"#.into(),
                },
            )
            .expect("policy")
            .summary
            .id;
            domain::policy::publish(
                conn,
                &manager,
                &policy,
                domain::clock::now_ms() + 86_400_000 * 30,
            )
            .expect("publish");
            domain::partner::sign_up(
                conn,
                &domain::partner::PartnerInput {
                    partner_id: id.into(),
                    organisation: format!("{id} Ltd"),
                    partner_type: "Auth_Partner".into(),
                    email: format!("{id}@example.org"),
                    phone: "+91 80 1234 5678".into(),
                    address: "1 Main Street".into(),
                    language: "eng".into(),
                    policy_group_id: Some(group),
                },
                PASSWORD,
                &domain::account::PortalMail::off(),
            )
            .expect("sign up");
            diesel::insert_into(domain::schema::partner_certificates::table)
                .values((
                    domain::schema::partner_certificates::id.eq(format!("cert-{id}")),
                    domain::schema::partner_certificates::partner_id.eq(id),
                    domain::schema::partner_certificates::cert_domain.eq("AUTH"),
                    domain::schema::partner_certificates::subject.eq("O=x"),
                    domain::schema::partner_certificates::issuer.eq("O=y"),
                    domain::schema::partner_certificates::serial.eq("01"),
                    domain::schema::partner_certificates::not_before.eq(0i64),
                    domain::schema::partner_certificates::not_after
                        .eq(domain::clock::now_ms() + 86_400_000 * 300),
                    domain::schema::partner_certificates::key_type.eq("EC P-256"),
                    domain::schema::partner_certificates::sig_alg.eq("ecdsa-with-SHA256"),
                    domain::schema::partner_certificates::thumbprint.eq(format!("t-{id}")),
                    domain::schema::partner_certificates::der.eq(vec![0u8]),
                    domain::schema::partner_certificates::resigned_der.eq(vec![0u8]),
                    domain::schema::partner_certificates::resigned_not_after.eq(0i64),
                    domain::schema::partner_certificates::is_current.eq(true),
                    domain::schema::partner_certificates::created_at.eq(0i64),
                ))
                .execute(conn)
                .expect("certificate");
            policy
        };
        let r = self
            .post(
                "/api/partners/decide",
                &format!("id={id}&decision=approve"),
                Some(admin),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        (self.login(&format!("{id}@example.org")).await, policy)
    }
}

#[tokio::test]
async fn access_functions_check_roles_and_partners_reach_only_their_own() {
    let h = harness();
    h.account("admin@example.org", &[Role::PartnerAdmin]);
    h.account("policy@example.org", &[Role::PolicyManager]);
    let admin = h.login("admin@example.org").await;
    let manager = h.login("policy@example.org").await;
    let device = h.sign_up("acme").await;
    for (path, form) in [
        ("/api/policy-requests/all", ""),
        ("/api/policy-requests/decide", "id=x&approve=true"),
        ("/api/apikeys/all", ""),
        ("/api/apikeys/deactivate", "id=x"),
        ("/api/oidc/all", ""),
        ("/api/oidc/deactivate", "id=x"),
        ("/api/oidc/mappings", ""),
        ("/api/oidc/mappings/set", "kind=claim&key=a&value=b"),
        ("/api/licenses/all", ""),
        ("/api/licenses/deactivate", "id=x"),
        ("/api/service-tokens/all", ""),
        ("/api/service-tokens/issue", "name=x"),
        ("/api/service-tokens/revoke", "id=x"),
    ] {
        assert_eq!(
            h.post(path, form, None).await.status,
            StatusCode::UNAUTHORIZED,
            "{path}"
        );
        assert_eq!(
            h.post(path, form, Some(&device)).await.status,
            StatusCode::FORBIDDEN,
            "{path}"
        );
        assert_eq!(
            h.post(path, form, Some(&manager)).await.status,
            StatusCode::FORBIDDEN,
            "{path}"
        );
    }
    // Partner functions: a device provider holds no API keys, clients or licenses; operators
    // have no partner functions at all.
    for (path, form) in [
        ("/api/apikeys/mine", ""),
        ("/api/apikeys/create", "input[policy_id]=x&input[label]=y"),
        ("/api/oidc/mine", ""),
        ("/api/licenses/mine", ""),
        ("/api/licenses/generate", ""),
    ] {
        assert_eq!(
            h.post(path, form, Some(&device)).await.status,
            StatusCode::FORBIDDEN,
            "{path}"
        );
        assert_eq!(
            h.post(path, form, Some(&admin)).await.status,
            StatusCode::FORBIDDEN,
            "{path}"
        );
    }
    assert_eq!(
        h.post("/api/policy-requests/mine", "", Some(&admin))
            .await
            .status,
        StatusCode::FORBIDDEN
    );

    let (rp, policy) = h.relying_party("bank", &admin).await;
    let (rp2, _) = h.relying_party("bank2", &admin).await;
    let ask = h
        .post(
            "/api/policy-requests/create",
            &format!("input[policy_id]={policy}&input[use_case]=Branch+onboarding"),
            Some(&rp),
        )
        .await;
    assert_eq!(ask.status, StatusCode::OK, "{}", ask.body);
    let request_id = ask.json()["id"].as_str().expect("id").to_string();
    // A request for another group's policy is refused on its field.
    let foreign = h
        .post(
            "/api/policy-requests/create",
            &format!("input[policy_id]={policy}&input[use_case]=x"),
            Some(&rp2),
        )
        .await;
    assert_eq!(
        foreign.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        foreign.body
    );
    assert_eq!(foreign.json()["field"], "policy_id");
    let reject = h
        .post(
            "/api/policy-requests/decide",
            &format!("id={request_id}&approve=false"),
            Some(&admin),
        )
        .await;
    assert_eq!(reject.json()["field"], "comment");
    let approve = h
        .post(
            "/api/policy-requests/decide",
            &format!("id={request_id}&approve=true"),
            Some(&admin),
        )
        .await;
    assert_eq!(approve.status, StatusCode::OK, "{}", approve.body);
    assert_eq!(approve.json()["status"], "APPROVED");

    // Everything from here on is logged into a buffer, to look for the secrets afterwards.
    let logs = LogBuffer::default();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(logs.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);
    // Another test's thread may have registered a callsite (cached as "never": no subscriber
    // there) while this one was being set: recompute, so this thread's requests are seen.
    tracing::callsite::rebuild_interest_cache();

    let created = h
        .post(
            "/api/apikeys/create",
            &format!("input[policy_id]={policy}&input[label]=Branch+app"),
            Some(&rp),
        )
        .await;
    assert_eq!(created.status, StatusCode::OK, "{}", created.body);
    assert_eq!(created.header("cache-control").as_deref(), Some("no-store"));
    let secret = created.json()["secret"]
        .as_str()
        .expect("secret")
        .to_string();
    let key_id = created.json()["item"]["id"]
        .as_str()
        .expect("id")
        .to_string();
    let mine = h.post("/api/apikeys/mine", "", Some(&rp)).await;
    assert_eq!(mine.json()["total"], 1);
    assert!(!mine.body.contains(&secret[4..]));
    let all = h.post("/api/apikeys/all", "", Some(&admin)).await;
    assert_eq!(all.json()["total"], 1);
    assert!(!all.body.contains(&secret[4..]));
    let page = h.page("/partner/api-keys", Some(&rp)).await;
    assert!(!page.body.contains(&secret[4..]));
    // Another partner sees none of it and cannot deactivate it.
    assert_eq!(
        h.post("/api/apikeys/mine", "", Some(&rp2)).await.json()["total"],
        0
    );
    let theirs = h
        .post(
            "/api/apikeys/mine/deactivate",
            &format!("id={key_id}"),
            Some(&rp2),
        )
        .await;
    assert_eq!(theirs.status, StatusCode::NOT_FOUND, "{}", theirs.body);

    // The verification endpoint: a service token first.
    let body = format!(r#"{{"apiKey":"{secret}"}}"#);
    assert_eq!(h.verify(None, &body).await.status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        h.verify(Some("pst_guess"), &body).await.status,
        StatusCode::UNAUTHORIZED
    );
    let issued = h
        .post("/api/service-tokens/issue", "name=IDA", Some(&admin))
        .await;
    assert_eq!(issued.status, StatusCode::OK, "{}", issued.body);
    let token = issued.json()["secret"].as_str().expect("token").to_string();
    let token_id = issued.json()["item"]["id"]
        .as_str()
        .expect("id")
        .to_string();
    let ok = h.verify(Some(&token), &body).await;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.body);
    assert_eq!(ok.json()["valid"], true);
    assert_eq!(ok.json()["partnerId"], "bank");
    assert_eq!(ok.json()["policyId"], policy.as_str());
    assert_eq!(ok.json()["policy"]["authTokenType"], "partner");
    assert!(!ok.body.contains(&secret[4..]));
    let other_partner = h
        .verify(
            Some(&token),
            &format!(r#"{{"apiKey":"{secret}","partnerId":"bank2"}}"#),
        )
        .await;
    assert_eq!(other_partner.status, StatusCode::NOT_FOUND);
    assert_eq!(
        h.verify(Some(&token), r#"{"apiKey":"pms_nope"}"#)
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        h.verify(Some(&token), "not json").await.status,
        StatusCode::BAD_REQUEST
    );
    assert_eq!(
        h.verify(Some(&token), r#"{"key":"x"}"#).await.status,
        StatusCode::BAD_REQUEST
    );

    let off = h
        .post(
            "/api/apikeys/mine/deactivate",
            &format!("id={key_id}"),
            Some(&rp),
        )
        .await;
    assert_eq!(off.status, StatusCode::OK, "{}", off.body);
    let refused = h.verify(Some(&token), &body).await;
    assert_eq!(refused.status, StatusCode::OK);
    assert_eq!(refused.json()["valid"], false);
    assert_eq!(refused.json()["status"], "DEACTIVATED");

    // A revoked token stops working at once on this instance.
    let revoked = h
        .post(
            "/api/service-tokens/revoke",
            &format!("id={token_id}"),
            Some(&admin),
        )
        .await;
    assert_eq!(revoked.status, StatusCode::OK, "{}", revoked.body);
    assert_eq!(
        h.verify(Some(&token), &body).await.status,
        StatusCode::UNAUTHORIZED
    );
    let listed = h.post("/api/service-tokens/all", "", Some(&admin)).await;
    assert!(!listed.body.contains(&token[4..]));

    let logged = String::from_utf8_lossy(&logs.0.lock().expect("logs")).into_owned();
    assert!(
        logged.contains("/api/apikeys/create"),
        "the buffer captured the requests"
    );
    assert!(!logged.contains(&secret[4..]), "an API key was logged");
    assert!(!logged.contains(&token[4..]), "a service token was logged");
}

/// A notification row for `account` (the daily job's thresholds are tested in the domain).
fn notification(h: &Harness, account_email: &str, title: &str) -> String {
    use domain::schema::{accounts, notifications};
    let mut conn = h.db.conn();
    let account: String = accounts::table
        .filter(accounts::email.eq(account_email))
        .select(accounts::id)
        .first(&mut conn)
        .expect("account");
    let id = uuid::Uuid::new_v4().to_string();
    diesel::insert_into(notifications::table)
        .values((
            notifications::id.eq(&id),
            notifications::account_id.eq(account),
            notifications::kind.eq("PARTNER_CERT_EXPIRY"),
            notifications::entity_type.eq("partner_certificate"),
            notifications::entity_id.eq("c1"),
            notifications::dedup_key.eq(format!("test:{id}")),
            notifications::title.eq(title),
            notifications::body.eq("Renew it."),
            notifications::link.eq("/partner/certificate"),
            notifications::created_at.eq(domain::clock::now_ms()),
        ))
        .execute(&mut conn)
        .expect("notification");
    id
}

impl Harness {
    async fn get(&self, path: &str, cookie: Option<&str>) -> Reply {
        let mut req = Request::get(path);
        if let Some(c) = cookie {
            req = req.header(header::COOKIE, c);
        }
        self.send(req.body(Body::empty()).expect("request")).await
    }
}

#[tokio::test]
async fn triage_dashboards_notifications_and_exports_check_roles_and_decide_once() {
    let h = harness();
    h.account("admin@example.org", &[Role::PartnerAdmin]);
    h.account("policy@example.org", &[Role::PolicyManager]);
    let admin = h.login("admin@example.org").await;
    let policy = h.login("policy@example.org").await;
    let acme = h.sign_up("acme").await;
    let other = h.sign_up("other").await;

    let admin_only = [
        ("/api/inbox/list", ""),
        ("/api/inbox/detail", "kind=partner&id=acme"),
        ("/api/inbox/decide", "kind=partner&id=acme&approve=true"),
        (
            "/api/inbox/bulk",
            "items[0][kind]=partner&items[0][id]=acme&approve=true",
        ),
        ("/api/dashboard/admin", ""),
    ];
    for (path, form) in admin_only {
        assert_eq!(
            h.post(path, form, None).await.status,
            StatusCode::UNAUTHORIZED,
            "{path}"
        );
        for who in [&acme, &policy] {
            assert_eq!(
                h.post(path, form, Some(who)).await.status,
                StatusCode::FORBIDDEN,
                "{path}"
            );
        }
    }
    assert_eq!(
        h.post("/api/dashboard/policy", "", None).await.status,
        StatusCode::UNAUTHORIZED
    );
    for who in [&acme, &admin] {
        assert_eq!(
            h.post("/api/dashboard/policy", "", Some(who)).await.status,
            StatusCode::FORBIDDEN
        );
    }
    assert_eq!(
        h.post("/api/dashboard/policy", "", Some(&policy))
            .await
            .status,
        StatusCode::OK
    );
    assert_eq!(
        h.post("/api/dashboard/partner", "", Some(&admin))
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    let mine = h.post("/api/dashboard/partner", "", Some(&acme)).await;
    assert_eq!(mine.status, StatusCode::OK, "{}", mine.body);
    let titles: Vec<String> = mine.json()["attention"]
        .as_array()
        .expect("attention")
        .iter()
        .map(|a| a["title"].as_str().unwrap_or_default().to_string())
        .collect();
    assert!(
        titles.contains(&"Certificate missing".to_string()),
        "{titles:?}"
    );
    assert!(
        titles.contains(&"Registration waiting for approval".to_string()),
        "{titles:?}"
    );

    // The inbox lists both registrations; the admin dashboard counts them.
    let page = h
        .post("/api/inbox/list", "query[kind]=partner", Some(&admin))
        .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert_eq!(page.json()["page"]["total"], 2);
    let bad = h
        .post("/api/inbox/list", "query[kind]=widget", Some(&admin))
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(bad.json()["field"], "kind");
    let board = h.post("/api/dashboard/admin", "", Some(&admin)).await;
    assert_eq!(board.status, StatusCode::OK, "{}", board.body);
    assert_eq!(board.json()["pending"][0]["count"], 2);
    let detail = h
        .post("/api/inbox/detail", "kind=partner&id=acme", Some(&admin))
        .await;
    assert_eq!(detail.json()["partner"]["id"], "acme");

    // A rejection without a reason changes nothing.
    let r = h
        .post(
            "/api/inbox/decide",
            "kind=partner&id=acme&approve=false",
            Some(&admin),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert_eq!(r.json()["field"], "reason");
    // Bulk: per-item results; a wrong kind, an unknown id and a repeat are reported.
    let bulk = h
        .post(
            "/api/inbox/bulk",
            "items[0][kind]=partner&items[0][id]=acme&items[1][kind]=sbi&items[1][id]=other\
             &items[2][kind]=partner&items[2][id]=ghost&items[3][kind]=partner&items[3][id]=acme\
             &approve=true",
            Some(&admin),
        )
        .await;
    assert_eq!(bulk.status, StatusCode::OK, "{}", bulk.body);
    let codes: Vec<serde_json::Value> = bulk
        .json()
        .as_array()
        .expect("results")
        .iter()
        .map(|o| o["code"].clone())
        .collect();
    assert_eq!(
        codes,
        vec![
            serde_json::Value::Null,
            "PMS_NOT_FOUND".into(),
            "PMS_NOT_FOUND".into(),
            "PMS_BULK_DUPLICATE".into()
        ]
    );
    // Deciding it again (another admin's tab) is refused, not applied twice.
    let stale = h
        .post(
            "/api/inbox/decide",
            "kind=partner&id=acme&approve=false&reason=late",
            Some(&admin),
        )
        .await;
    assert_eq!(stale.status, StatusCode::CONFLICT, "{}", stale.body);
    assert_eq!(stale.json()["code"], "PMS_PARTNER_ILLEGAL_TRANSITION");

    // CSV exports: role-checked, filtered like the list, formula cells defused.
    assert_eq!(
        h.get("/admin/export/inbox.csv", None).await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        h.get("/admin/export/inbox.csv", Some(&acme)).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        h.get("/admin/export/partners.csv", Some(&policy))
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        h.get("/admin/export/nothing.csv", Some(&admin))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    let csv = h
        .get("/admin/export/partners.csv?status=APPROVED", Some(&admin))
        .await;
    assert_eq!(csv.status, StatusCode::OK, "{}", csv.body);
    assert!(csv
        .header("content-type")
        .unwrap_or_default()
        .starts_with("text/csv"));
    let lines: Vec<&str> = csv.body.lines().collect();
    assert_eq!(lines.len(), 2, "{}", csv.body);
    assert!(
        lines[0].contains("organisation") && lines[1].contains("acme"),
        "{}",
        csv.body
    );
    // An empty list still has its header row, with the columns of a full one.
    let empty = h
        .get(
            "/admin/export/partners.csv?q=no-such-partner-anywhere",
            Some(&admin),
        )
        .await;
    assert_eq!(empty.status, StatusCode::OK, "{}", empty.body);
    assert_eq!(
        empty.body.lines().collect::<Vec<_>>(),
        vec![lines[0]],
        "{}",
        empty.body
    );
    let empty_sbis = h
        .get("/admin/export/sbis.csv?status=REJECTED", Some(&admin))
        .await;
    let header = empty_sbis.body.lines().next().unwrap_or_default();
    assert!(
        empty_sbis.body.lines().count() == 1
            && header.contains("version")
            && header.contains("status"),
        "{}",
        empty_sbis.body
    );
    // Times are ISO 8601 UTC in every export (the audit's were epoch milliseconds).
    let audit_csv = h.get("/admin/export/audit.csv", Some(&admin)).await;
    let mut reader = csv::Reader::from_reader(audit_csv.body.as_bytes());
    let at = reader
        .headers()
        .expect("header")
        .iter()
        .position(|c| c == "at")
        .expect("an at column");
    let first = reader.records().next().expect("a row").expect("csv");
    let stamp = first.get(at).unwrap_or_default();
    assert!(
        stamp.len() == 20 && stamp.ends_with('Z') && stamp.as_bytes()[10] == b'T',
        "{stamp}"
    );
    let inbox_csv = h
        .get("/admin/export/inbox.csv?kind=partner", Some(&admin))
        .await;
    assert_eq!(inbox_csv.body.lines().count(), 2, "{}", inbox_csv.body);
    assert!(inbox_csv.body.contains("other"));
    // Compressed, as browsers ask for it (the stream must end cleanly under the encoder).
    let gz = h
        .send(
            Request::get("/admin/export/partners.csv")
                .header(header::COOKIE, &admin)
                .header(header::ACCEPT_ENCODING, "gzip, br")
                .body(Body::empty())
                .expect("request"),
        )
        .await;
    assert_eq!(gz.status, StatusCode::OK);
    assert!(gz.header("content-encoding").is_some(), "compressed");
    let bad_csv = h
        .get("/admin/export/partners.csv?status=BOGUS", Some(&admin))
        .await;
    assert!(bad_csv.status.is_client_error(), "{}", bad_csv.body);
    assert_eq!(
        h.get("/admin/export/policies.csv", Some(&policy))
            .await
            .status,
        StatusCode::OK
    );
    assert_eq!(
        h.get("/admin/export/audit.csv?page_size=1", Some(&admin))
            .await
            .status,
        StatusCode::OK
    );

    // Notifications belong to their account.
    let bell = h.post("/api/notifications/bell", "", None).await;
    assert_eq!(bell.json()["unread"], 0);
    assert_eq!(
        h.post("/api/notifications/list", "", None).await.status,
        StatusCode::UNAUTHORIZED
    );
    // Its approval was news: the bell shows it; dismissed, the rest starts from none.
    let bell = h.post("/api/notifications/bell", "", Some(&acme)).await;
    assert_eq!(bell.json()["unread"], 1, "{}", bell.body);
    assert_eq!(bell.json()["latest"][0]["title"], "Registration approved");
    let news = bell.json()["latest"][0]["id"]
        .as_str()
        .expect("id")
        .to_string();
    let dismissed = h
        .post(
            "/api/notifications/dismiss",
            &format!("id={news}"),
            Some(&acme),
        )
        .await;
    assert_eq!(dismissed.status, StatusCode::OK, "{}", dismissed.body);
    let id = notification(
        &h,
        "acme@example.org",
        "Votre certificat expire dans 30 jours",
    );
    let bell = h.post("/api/notifications/bell", "", Some(&acme)).await;
    assert_eq!(bell.json()["unread"], 1, "{}", bell.body);
    assert_eq!(
        bell.json()["latest"][0]["title"],
        "Votre certificat expire dans 30 jours"
    );
    assert_eq!(
        h.post("/api/notifications/bell", "", Some(&other))
            .await
            .json()["unread"],
        0
    );
    let theirs = h
        .post(
            "/api/notifications/dismiss",
            &format!("id={id}"),
            Some(&other),
        )
        .await;
    assert_eq!(theirs.status, StatusCode::NOT_FOUND);
    let read = h
        .post("/api/notifications/read", &format!("id={id}"), Some(&other))
        .await;
    assert_eq!(read.status, StatusCode::NOT_FOUND);
    let ok = h
        .post(
            "/api/notifications/dismiss",
            &format!("id={id}"),
            Some(&acme),
        )
        .await;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.body);
    let list = h.post("/api/notifications/list", "", Some(&acme)).await;
    assert_eq!(list.json()["total"], 0);
    // The pages render for their roles.
    assert_eq!(
        h.page("/admin/inbox", Some(&admin)).await.status,
        StatusCode::OK
    );
    assert_eq!(
        h.page("/admin/inbox", Some(&acme)).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        h.page("/notifications", Some(&acme)).await.status,
        StatusCode::OK
    );
    let home = h.page("/", Some(&admin)).await;
    assert!(
        home.body.contains("decisions-chart"),
        "the dashboard chart renders on the server"
    );
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// A real SMTP server on localhost (Debian's python3-aiosmtpd) writing to a maildir.
struct SmtpSink {
    child: std::process::Child,
    maildir: tempfile::TempDir,
}

impl SmtpSink {
    fn start(port: u16) -> SmtpSink {
        let maildir = tempfile::tempdir().expect("maildir");
        let python = if std::path::Path::new("/usr/bin/python3").exists() {
            "/usr/bin/python3"
        } else {
            "python3"
        };
        let mut child = std::process::Command::new(python)
            .args(["-m", "aiosmtpd", "-n", "-l", &format!("127.0.0.1:{port}")])
            .args(["-c", "aiosmtpd.handlers.Mailbox"])
            .arg(maildir.path().join("mail"))
            .stdout(std::process::Stdio::null())
            .spawn()
            .expect("aiosmtpd (scripts/setup.sh installs python3-aiosmtpd)");
        for _ in 0..100 {
            if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                return SmtpSink { child, maildir };
            }
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
        let _ = child.kill();
        let _ = child.wait();
        panic!("the SMTP sink did not start on port {port}");
    }

    fn messages(&self) -> Vec<String> {
        let dir = self.maildir.path().join("mail").join("new");
        std::fs::read_dir(dir)
            .map(|entries| {
                entries
                    .filter_map(Result::ok)
                    .filter_map(|e| std::fs::read_to_string(e.path()).ok())
                    .collect()
            })
            .unwrap_or_default()
    }
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[tokio::test]
async fn queued_mail_is_retried_until_the_smtp_server_is_back() {
    let db = TestDb::new();
    let port = free_port();
    let mailer = pms::jobs::Mailer::new(
        &format!("smtp://127.0.0.1:{port}"),
        "Partner portal <no-reply@pms.local>",
    )
    .expect("mailer");
    let t0 = domain::clock::now_ms();
    {
        let mut conn = db.conn();
        domain::notification::enqueue_mail(
            &mut conn,
            None,
            "misp@example.org",
            "fra",
            "Votre certificat expire dans 30 jours",
            "Votre certificat « misp » expire le 2027-01-06 (UTC).",
            t0,
        )
        .expect("queued");
    }
    // The SMTP server is down: the mail stays queued with its error and a later retry.
    let (sent, failed) = pms::jobs::deliver_due(&db.pool, &mailer, t0)
        .await
        .expect("run");
    assert_eq!((sent, failed), (0, 1));
    let (sent, failed) = pms::jobs::deliver_due(&db.pool, &mailer, t0 + 1000)
        .await
        .expect("run");
    assert_eq!((sent, failed), (0, 0), "not retried before its back-off");
    {
        use domain::schema::mail_queue;
        let mut conn = db.conn();
        let (status, attempts, error): (String, i32, Option<String>) = mail_queue::table
            .select((
                mail_queue::status,
                mail_queue::attempts,
                mail_queue::last_error,
            ))
            .first(&mut conn)
            .expect("row");
        assert_eq!((status.as_str(), attempts), ("PENDING", 1));
        assert!(error.is_some());
    }
    // The server comes back: the retry delivers it, once.
    let sink = SmtpSink::start(port);
    let later = domain::clock::now_ms().max(t0 + 61_000);
    let (sent, failed) = pms::jobs::deliver_due(&db.pool, &mailer, later)
        .await
        .expect("run");
    assert_eq!((sent, failed), (1, 0));
    let (sent, _) = pms::jobs::deliver_due(&db.pool, &mailer, later + 3_600_000)
        .await
        .expect("run");
    assert_eq!(sent, 0, "sent once");
    let mut messages = sink.messages();
    for _ in 0..50 {
        if !messages.is_empty() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
        messages = sink.messages();
    }
    assert_eq!(messages.len(), 1);
    assert!(messages[0].contains("misp@example.org"), "{}", messages[0]);
    assert!(
        messages[0].contains("Votre certificat expire dans 30 jours"),
        "{}",
        messages[0]
    );
    let counts = {
        let mut conn = db.conn();
        domain::notification::mail_counts(&mut conn).expect("counts")
    };
    assert_eq!(counts, vec![("SENT".to_string(), 1)]);
}

// ---------------------------------------------------------------------------------------------
// Hardening: what a hostile tester found (issue 15)
// ---------------------------------------------------------------------------------------------

impl Harness {
    /// A form post as a browser sends it, optionally asking for a compressed answer.
    async fn raw_post(
        &self,
        path: &str,
        content_type: &str,
        body: Vec<u8>,
        cookie: &str,
        gzip: bool,
    ) -> StatusCode {
        let mut req = Request::post(path)
            .header(header::CONTENT_TYPE, content_type)
            .header(header::CONTENT_LENGTH, body.len())
            .header("sec-fetch-site", "same-origin")
            .header(header::COOKIE, cookie);
        if gzip {
            req = req.header(header::ACCEPT_ENCODING, "gzip, br");
        }
        self.send(req.body(Body::from(body)).expect("request"))
            .await
            .status
    }
}

#[tokio::test]
async fn malformed_requests_get_a_4xx_whatever_the_clients_encodings() {
    let h = harness();
    h.account("admin@example.org", &[Role::PartnerAdmin]);
    let admin = h.login("admin@example.org").await;
    let form = "application/x-www-form-urlencoded";
    let cases: Vec<(&str, &str, Vec<u8>, StatusCode)> = vec![
        // A required argument missing.
        (
            "/api/policy_groups/create",
            form,
            b"description=x".to_vec(),
            StatusCode::BAD_REQUEST,
        ),
        (
            "/api/partners",
            form,
            b"query[page]=1e3".to_vec(),
            StatusCode::BAD_REQUEST,
        ),
        (
            "/api/accounts",
            form,
            b"query[active]=maybe".to_vec(),
            StatusCode::BAD_REQUEST,
        ),
        (
            "/api/policy_groups/create",
            form,
            b"name=a&name=b".to_vec(),
            StatusCode::BAD_REQUEST,
        ),
        (
            "/api/policy_groups/create",
            "application/json",
            br#"{"name":"x"}"#.to_vec(),
            StatusCode::BAD_REQUEST,
        ),
        (
            "/api/policy_groups/create",
            "multipart/form-data; boundary=X",
            b"--X\r\nContent-Disposition: form-data; name=\"name\"\r\n\r\nx\r\n--X--\r\n".to_vec(),
            StatusCode::BAD_REQUEST,
        ),
        // Bytes that are not UTF-8, raw or percent-encoded: refused, not replaced.
        (
            "/api/policy_groups/create",
            form,
            b"name=\xff\xfe".to_vec(),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            "/api/policy_groups/create",
            form,
            b"name=H+Ltd%FF%FE".to_vec(),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
    ];
    for (path, ct, body, want) in cases {
        for gzip in [false, true] {
            let got = h.raw_post(path, ct, body.clone(), &admin, gzip).await;
            assert_eq!(
                got,
                want,
                "{path} {:?} gzip={gzip}",
                String::from_utf8_lossy(&body)
            );
        }
    }
    // The refused UTF-8 names its field; nothing was created by any of them.
    let reply = h
        .post(
            "/api/policy_groups/create",
            "name=H+Ltd%FF%FE",
            Some(&admin),
        )
        .await;
    assert_eq!(
        (
            reply.json()["code"].as_str(),
            reply.json()["field"].as_str()
        ),
        (Some("PMS_INVALID_UTF8"), Some("name"))
    );
    let groups = h.post("/api/policy_groups", "", Some(&admin)).await;
    assert_eq!(groups.json()["total"], 0, "{}", groups.body);
}

#[tokio::test]
async fn a_search_text_over_the_limit_is_a_422_on_every_list_and_export() {
    let h = harness();
    h.account("admin@example.org", &[Role::PartnerAdmin]);
    h.account("pm@example.org", &[Role::PolicyManager]);
    let admin = h.login("admin@example.org").await;
    let pm = h.login("pm@example.org").await;
    let long = "x".repeat(50_000);
    for (path, who) in [
        ("/api/partners", &admin),
        ("/api/policy_groups", &pm),
        ("/api/policies", &pm),
        ("/api/certificates/ca", &admin),
        ("/api/accounts", &admin),
    ] {
        let reply = h.post(path, &format!("query[q]={long}"), Some(who)).await;
        assert_eq!(
            (
                reply.status,
                reply.json()["code"].as_str(),
                reply.json()["field"].as_str()
            ),
            (
                StatusCode::UNPROCESSABLE_ENTITY,
                Some("PMS_SEARCH_TOO_LONG"),
                Some("q")
            ),
            "{path}: {}",
            &reply.body[..reply.body.len().min(300)]
        );
        assert!(reply.json()["message"]
            .as_str()
            .unwrap_or_default()
            .contains("200"));
        // At the limit it is an ordinary search.
        let ok = h
            .post(path, &format!("query[q]={}", "x".repeat(200)), Some(who))
            .await;
        assert_eq!(ok.status, StatusCode::OK, "{path}: {}", ok.body);
    }
    for (list, who) in [
        ("partners", &admin),
        ("certificates", &admin),
        ("accounts", &admin),
        ("policies", &pm),
    ] {
        let csv = h
            .get(&format!("/admin/export/{list}.csv?q={long}"), Some(who))
            .await;
        assert_eq!(csv.status, StatusCode::UNPROCESSABLE_ENTITY, "{list}");
    }
}

#[tokio::test]
async fn a_missing_item_opened_in_the_browser_is_the_404_panel_not_a_redirect() {
    let h = harness();
    h.account("pm@example.org", &[Role::PolicyManager]);
    let pm = h.login("pm@example.org").await;
    let page = h.page("/policies/no-such-policy", Some(&pm)).await;
    assert_eq!(page.status, StatusCode::NOT_FOUND, "{}", page.body);
    assert_eq!(page.header("location"), None);
    assert!(
        page.body.contains("data-testid=\"not-found\""),
        "{}",
        page.body
    );
}

#[tokio::test]
async fn a_deactivated_partners_old_cookie_neither_reads_nor_writes() {
    let h = harness();
    h.account("admin@example.org", &[Role::PartnerAdmin]);
    let admin = h.login("admin@example.org").await;
    let partner = h.sign_up("gone").await;
    let ok = h
        .post(
            "/api/partners/decide",
            "id=gone&decision=approve",
            Some(&admin),
        )
        .await;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.body);
    assert_eq!(
        h.post("/api/me", "", Some(&partner)).await.json()["email"],
        "gone@example.org"
    );
    let off = h
        .post(
            "/api/partners/decide",
            "id=gone&decision=deactivate&reason=Contract+ended",
            Some(&admin),
        )
        .await;
    assert_eq!(off.json()["status"], "DEACTIVATED", "{}", off.body);
    assert_eq!(
        h.post("/api/me", "", Some(&partner)).await.json(),
        serde_json::Value::Null
    );
    let events_before = {
        let mut conn = h.db.conn();
        domain::schema::outbox::table
            .count()
            .get_result::<i64>(&mut conn)
            .expect("count")
    };
    let update = "email=gone%40example.org&phone=%2B1+555+0100&address=2+New+Road&language=fra";
    for (path, body) in [
        ("/api/partners/me/update", update),
        (
            "/api/partners/me/contacts/add",
            "contact_email=x%40example.org",
        ),
    ] {
        let reply = h.post(path, body, Some(&partner)).await;
        assert_eq!(
            reply.status,
            StatusCode::UNAUTHORIZED,
            "{path}: {}",
            reply.body
        );
    }
    let mut conn = h.db.conn();
    let events_after: i64 = domain::schema::outbox::table
        .count()
        .get_result(&mut conn)
        .expect("count");
    assert_eq!(events_after, events_before, "no event from a refused write");
}

/// Every page of every role rendered on the server with hostile text in the stored fields a
/// page shows (names, descriptions, addresses, reasons, a policy document): no injected
/// element may appear. Found by a hostile tester inside `<textarea>`s (Leptos writes their
/// children unescaped), so both textareas are covered: a DataShare draft and an address.
#[tokio::test]
async fn hostile_stored_text_never_becomes_markup_on_any_page() {
    const EVIL: &str = "</textarea><img src=x onerror=alert(1)><script>alert(2)</script>";
    let h = harness();
    h.account("admin@example.org", &[Role::PartnerAdmin]);
    h.account("pm@example.org", &[Role::PolicyManager]);
    let (group_id, policy_id, draft_id) = {
        let mut conn = h.db.conn();
        let conn = &mut conn;
        let pm = Actor::account("pm-id", "pm@example.org");
        let group = domain::policy::group::create(conn, &pm, &format!("g {EVIL}"), EVIL)
            .expect("group")
            .id;
        let doc =
            |kind: domain::policy::PolicyType| kind.template().replace("datashare.datashare", EVIL);
        let input = |name: &str, kind: domain::policy::PolicyType| domain::policy::PolicyInput {
            group_id: group.clone(),
            name: format!("{name} {EVIL}"),
            description: EVIL.into(),
            policy_type: kind.as_str().into(),
            document: doc(kind),
        };
        let published =
            domain::policy::create(conn, &pm, &input("live", domain::policy::PolicyType::Auth))
                .expect("policy")
                .summary
                .id;
        domain::policy::publish(
            conn,
            &pm,
            &published,
            domain::clock::now_ms() + 100 * 86_400_000,
        )
        .expect("publish");
        let draft = domain::policy::create(
            conn,
            &pm,
            &input("draft", domain::policy::PolicyType::DataShare),
        )
        .expect("draft")
        .summary
        .id;
        (group, published, draft)
    };
    let admin = h.login("admin@example.org").await;
    let pm = h.login("pm@example.org").await;
    // A partner whose organisation and address carry the text, rejected with it as the reason.
    let body = SIGN_UP
        .replace("{id}", "evil")
        .replace("Device_Provider", "Auth_Partner")
        .replace(
            "evil+Ltd",
            &app::util::encode_query(&format!("evil {EVIL}")),
        )
        .replace("1+Main+St", &app::util::encode_query(EVIL))
        + &format!("&policy_group_id={group_id}");
    let reply = h.post("/api/partners/sign_up", &body, None).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let partner = reply
        .header("set-cookie")
        .and_then(|c| c.split(';').next().map(str::to_string))
        .expect("cookie");
    let reject = format!(
        "id=evil&decision=reject&reason={}",
        app::util::encode_query(EVIL)
    );
    assert_eq!(
        h.post("/api/partners/decide", &reject, Some(&admin))
            .await
            .status,
        StatusCode::OK
    );
    let pages = [
        "/",
        "/account",
        "/partner",
        "/admin/accounts",
        "/admin/inbox",
        "/notifications",
        "/admin/partners",
        "/admin/partners/new",
        "/admin/partners/evil",
        "/admin/audit",
        "/admin/events",
        "/admin/certificates",
        "/partner/certificate",
        "/provider/sbis",
        "/provider/devices",
        "/provider/chips",
        "/admin/devices",
        "/policies",
        "/policies/groups",
        "/policies/new",
        "/partner/policies",
        "/partner/policy-requests",
        "/partner/api-keys",
        "/partner/oidc-clients",
        "/partner/license",
        "/admin/policy-requests",
        "/admin/api-keys",
        "/admin/oidc-clients",
        "/admin/licenses",
        "/login",
        "/signup",
    ];
    let detail_pages = [
        format!("/policies/{policy_id}"),
        format!("/policies/{draft_id}"),
        format!("/partner/policies/{policy_id}"),
        format!("/policies?group={group_id}"),
        "/admin/partners?q=evil".to_string(),
    ];
    let mut shown = 0;
    for cookie in [&admin, &pm, &partner] {
        for path in pages
            .iter()
            .map(|p| p.to_string())
            .chain(detail_pages.iter().cloned())
        {
            let page = h.page(&path, Some(cookie)).await;
            for injected in ["<img src=x", "<img src=\"x\"", "<script>alert(2)"] {
                assert!(
                    !page.body.contains(injected),
                    "{path} ({}) renders {injected}",
                    page.status
                );
            }
            if page.body.contains("&lt;img src=x onerror=alert(1)&gt;") {
                shown += 1;
            }
        }
    }
    // The text is there, escaped: on the policy pages (both textareas' pages among them),
    // the partner's own page, the partner list and detail.
    assert!(
        shown >= 6,
        "the hostile text was shown escaped on {shown} pages only"
    );
    let draft_page = h.page(&format!("/policies/{draft_id}"), Some(&pm)).await;
    assert!(
        draft_page.body.contains("&lt;/textarea&gt;"),
        "the draft's document textarea ({}): {}",
        draft_page.status,
        draft_page.body
    );
    let own = h.page("/partner", Some(&partner)).await;
    assert!(
        own.body.contains("&lt;/textarea&gt;"),
        "the address textarea"
    );
}

/// README "Security in brief" (headers) and "CSV export" (formula defusing), pinned with the
/// README's literals.
#[tokio::test]
async fn readme_headers_and_csv_defusing_hold() {
    for secure in [false, true] {
        let h = harness_with(SessionPolicy::default(), secure);
        let page = h.page("/login", None).await;
        assert_eq!(
            page.header("referrer-policy").as_deref(),
            Some("same-origin")
        );
        assert_eq!(page.header("x-frame-options").as_deref(), Some("DENY"));
        assert_eq!(
            page.header("x-content-type-options").as_deref(),
            Some("nosniff")
        );
        assert_eq!(page.header("cache-control").as_deref(), Some("no-store"));
        let csp = page.header("content-security-policy").unwrap_or_default();
        assert!(csp.contains("script-src 'self' 'nonce-"), "{csp}");
        assert_eq!(
            page.header("strict-transport-security").as_deref(),
            secure.then_some("max-age=31536000; includeSubDomains"),
            "HSTS only with secure cookies"
        );
    }
    let h = harness();
    h.account("admin@example.org", &[Role::PartnerAdmin]);
    let admin = h.login("admin@example.org").await;
    for (id, org) in [
        ("f1", "=HYPERLINK(\"http://x\")"),
        ("f2", "+1 Ltd"),
        ("f3", "-Minus"),
        ("f4", "@Sum"),
    ] {
        let body = SIGN_UP
            .replace("{id}", id)
            .replace(&format!("{id}+Ltd"), &app::util::encode_query(org));
        let reply = h.post("/api/partners/sign_up", &body, None).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    }
    let csv = h.get("/admin/export/partners.csv", Some(&admin)).await;
    for cell in ["'=HYPERLINK", "'+1 Ltd", "'-Minus", "'@Sum"] {
        assert!(csv.body.contains(cell), "{cell} in {}", csv.body);
    }
}

// ---- WebSub hub and event delivery, against real subscribers on 127.0.0.1 ----

mod websub {
    use super::*;
    use axum::extract::{Query, State};
    use axum::response::IntoResponse;
    use hmac::Mac;
    use std::collections::HashMap;
    use std::sync::atomic::{AtomicU16, Ordering};
    use std::sync::Mutex;

    /// A subscriber: confirms (or not) and records every delivery; answers `status` to them.
    #[derive(Clone)]
    struct Subscriber {
        confirm: Arc<std::sync::atomic::AtomicBool>,
        status: Arc<AtomicU16>,
        got: Arc<Mutex<Vec<(axum::http::HeaderMap, String)>>>,
        asked: Arc<Mutex<Vec<HashMap<String, String>>>>,
    }

    async fn verify(
        State(s): State<Subscriber>,
        Query(q): Query<HashMap<String, String>>,
    ) -> axum::response::Response {
        s.asked.lock().expect("lock").push(q.clone());
        if s.confirm.load(Ordering::SeqCst) {
            q.get("hub.challenge")
                .cloned()
                .unwrap_or_default()
                .into_response()
        } else {
            (StatusCode::NOT_FOUND, "no thanks").into_response()
        }
    }

    async fn receive(
        State(s): State<Subscriber>,
        headers: axum::http::HeaderMap,
        body: String,
    ) -> StatusCode {
        let status = s.status.load(Ordering::SeqCst);
        if status < 300 {
            s.got.lock().expect("lock").push((headers, body));
        }
        StatusCode::from_u16(status).expect("status")
    }

    async fn subscriber() -> (Subscriber, String) {
        let s = Subscriber {
            confirm: Arc::new(true.into()),
            status: Arc::new(AtomicU16::new(200)),
            got: Default::default(),
            asked: Default::default(),
        };
        let app = Router::new()
            .route("/cb", axum::routing::get(verify).post(receive))
            .with_state(s.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("addr");
        tokio::spawn(async move { axum::serve(listener, app).await });
        (s, format!("http://127.0.0.1:{}/cb", addr.port()))
    }

    fn settings() -> pms::events::EventSettings {
        pms::events::EventSettings {
            allow_hosts: vec!["127.0.0.1".into(), "localhost".into()],
            ..Default::default()
        }
    }

    impl Harness {
        fn engine(&self) -> pms::events::Engine {
            pms::events::Engine::new(self.db.pool.clone(), self.key.clone(), settings())
        }

        fn token(&self, topics: &[&str]) -> String {
            let mut conn = self.db.conn();
            let topics: Vec<String> = topics.iter().map(|t| t.to_string()).collect();
            domain::access::token::issue(&mut conn, &Actor::system(), "IDA", &topics)
                .expect("token")
                .secret
        }

        async fn hub(&self, token: Option<&str>, form: &str) -> Reply {
            let mut req = Request::post("/websub/hub")
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .header(header::ACCEPT_ENCODING, "gzip");
            if let Some(t) = token {
                req = req.header(header::AUTHORIZATION, format!("Bearer {t}"));
            }
            self.send(req.body(Body::from(form.to_string())).expect("request"))
                .await
        }

        fn event(&self, topic: &str, n: i64) -> String {
            let mut conn = self.db.conn();
            domain::outbox::enqueue(&mut conn, topic, serde_json::json!({ "n": n })).expect("event")
        }

        fn subscription_state(&self) -> Vec<(String, String, Option<String>)> {
            use domain::schema::event_subscriptions as s;
            let mut conn = self.db.conn();
            s::table
                .order(s::created_at.asc())
                .select((s::state, s::callback, s::last_error))
                .load(&mut conn)
                .expect("rows")
        }
    }

    fn enc(s: &str) -> String {
        percent_encoding::utf8_percent_encode(s, percent_encoding::NON_ALPHANUMERIC).to_string()
    }

    #[tokio::test]
    async fn a_confirmed_subscriber_gets_signed_events_in_order_and_nothing_else() {
        let h = harness();
        let (sub, cb) = subscriber().await;
        let token = h.token(&["PARTNER_UPDATED"]);
        let r = h
            .hub(
                Some(&token),
                &format!(
                    "hub.mode=subscribe&hub.topic=PARTNER_UPDATED&hub.callback={}&hub.secret=s3cret&hub.lease_seconds=3600",
                    enc(&cb)
                ),
            )
            .await;
        assert_eq!(r.status, StatusCode::ACCEPTED, "{}", r.body);
        // An event before verification is not for it: it subscribed after.
        let engine = h.engine();
        let now = domain::clock::now_ms();
        let pass = engine.run_once(now).await.expect("pass");
        assert_eq!(pass.verified, 1);
        {
            let asked = sub.asked.lock().expect("lock");
            assert_eq!(asked.len(), 1);
            assert_eq!(asked[0]["hub.mode"], "subscribe");
            assert_eq!(asked[0]["hub.topic"], "PARTNER_UPDATED");
            assert_eq!(asked[0]["hub.lease_seconds"], "3600");
        }
        assert_eq!(h.subscription_state()[0].0, "active");
        let ids: Vec<String> = (0..3).map(|n| h.event("PARTNER_UPDATED", n)).collect();
        h.event("POLICY_UPDATED", 9);
        let pass = engine
            .run_once(domain::clock::now_ms())
            .await
            .expect("pass");
        assert_eq!(pass.delivered, 3);
        let got = sub.got.lock().expect("lock").clone();
        assert_eq!(got.len(), 3, "only its topic");
        for ((headers, body), id) in got.iter().zip(&ids) {
            assert_eq!(headers["x-event-id"], id.as_str());
            assert_eq!(headers["content-type"], "application/json");
            assert!(headers["link"]
                .to_str()
                .expect("text")
                .contains("rel=\"hub\""));
            let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(b"s3cret").expect("mac");
            mac.update(body.as_bytes());
            let sig = headers["x-hub-signature"].to_str().expect("text");
            let hexsig = sig.strip_prefix("sha256=").expect("sha256=");
            mac.verify_slice(&hex::decode(hexsig).expect("hex"))
                .expect("signature matches");
            let v: serde_json::Value = serde_json::from_str(body).expect("json");
            assert_eq!(v["topic"], "PARTNER_UPDATED");
            assert_eq!(v["event"]["id"], id.as_str());
        }
        // The three delivered one after another are one row of the delivery log.
        {
            let mut conn = h.db.conn();
            let page = domain::events::store::list(&mut conn, &Default::default()).expect("list");
            let detail =
                domain::events::store::detail(&mut conn, &page.items[0].id).expect("detail");
            assert_eq!(detail.deliveries.len(), 1, "{:?}", detail.deliveries);
            let run = &detail.deliveries[0];
            assert_eq!((run.ok, run.events), (true, 3));
            assert_eq!(run.event_id, ids[2]);
            assert!(run.first_outbox_id.is_some_and(|f| f < run.outbox_id));
        }
        // Nothing twice.
        let pass = engine
            .run_once(domain::clock::now_ms())
            .await
            .expect("pass");
        assert_eq!(pass.delivered, 0);
    }

    #[tokio::test]
    async fn a_callback_that_does_not_echo_the_challenge_is_refused() {
        let h = harness();
        let (sub, cb) = subscriber().await;
        sub.confirm.store(false, Ordering::SeqCst);
        let token = h.token(&["*"]);
        let r = h
            .hub(
                Some(&token),
                &format!(
                    "hub.mode=subscribe&hub.topic=POLICY_UPDATED&hub.callback={}",
                    enc(&cb)
                ),
            )
            .await;
        assert_eq!(r.status, StatusCode::ACCEPTED);
        h.engine()
            .run_once(domain::clock::now_ms())
            .await
            .expect("pass");
        let rows = h.subscription_state();
        assert_eq!(rows[0].0, "refused");
        assert!(
            rows[0].2.as_deref().unwrap_or("").contains("404"),
            "{:?}",
            rows[0].2
        );
        h.event("POLICY_UPDATED", 1);
        h.engine()
            .run_once(domain::clock::now_ms())
            .await
            .expect("pass");
        assert!(sub.got.lock().expect("lock").is_empty());
    }

    #[tokio::test]
    async fn a_failing_event_is_retried_with_back_off_holds_later_ones_then_is_dead_lettered() {
        let h = harness();
        let (sub, cb) = subscriber().await;
        let token = h.token(&["APIKEY_UPDATED"]);
        h.hub(
            Some(&token),
            &format!(
                "hub.mode=subscribe&hub.topic=APIKEY_UPDATED&hub.callback={}",
                enc(&cb)
            ),
        )
        .await;
        let engine = h.engine();
        let t0 = domain::clock::now_ms();
        engine.run_once(t0).await.expect("verify");
        let first = h.event("APIKEY_UPDATED", 1);
        let second = h.event("APIKEY_UPDATED", 2);
        sub.status.store(503, Ordering::SeqCst);
        let pass = engine.run_once(t0 + 1).await.expect("pass");
        assert_eq!(
            (pass.delivered, pass.failed),
            (0, 1),
            "stops at the failing event"
        );
        // Not due again before its back-off (about a second, doubled each time).
        let pass = engine.run_once(t0 + 100).await.expect("pass");
        assert_eq!(pass.failed, 0);
        let pass = engine.run_once(t0 + 2_000).await.expect("pass");
        assert_eq!(pass.failed, 1);
        // Three days after its first failure it is given up; the next one goes on.
        sub.status.store(200, Ordering::SeqCst);
        let later = t0 + 3 * 86_400_000 + 10_000;
        {
            // Make the held event fail once more at that time: the receiver is down for it.
            sub.status.store(500, Ordering::SeqCst);
            let pass = engine.run_once(later).await.expect("pass");
            assert_eq!(pass.failed, 2, "dead letter, then the second one fails too");
        }
        sub.status.store(200, Ordering::SeqCst);
        let pass = engine.run_once(later + 3_600_000).await.expect("pass");
        assert_eq!(pass.delivered, 1);
        let got = sub.got.lock().expect("lock").clone();
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].0["x-event-id"], second.as_str());
        // The dead letter is shown and can be delivered again.
        let mut conn = h.db.conn();
        let page = domain::events::store::list(&mut conn, &Default::default()).expect("list");
        let id = page.items[0].id.clone();
        let detail = domain::events::store::detail(&mut conn, &id).expect("detail");
        assert_eq!(detail.dead_letters.len(), 1);
        assert_eq!(detail.dead_letters[0].event_id, first);
        assert!(detail
            .deliveries
            .iter()
            .any(|d| !d.ok && d.status == Some(503)));
        domain::events::store::requeue(
            &mut conn,
            &Actor::system(),
            &id,
            &detail.dead_letters[0].id,
            later,
        )
        .expect("requeue");
        drop(conn);
        let pass = engine.run_once(later + 3_700_000).await.expect("pass");
        assert_eq!(pass.delivered, 1);
        assert_eq!(
            sub.got.lock().expect("lock")[1].0["x-event-id"],
            first.as_str()
        );
    }

    /// The operators' events page: partner admins only, each remedy audited, bad input named.
    #[tokio::test]
    async fn partner_admins_see_receivers_and_deliver_again_replay_and_deactivate() {
        let h = harness();
        h.account("admin@example.org", &[Role::PartnerAdmin]);
        h.account("pm@example.org", &[Role::PolicyManager]);
        let admin = h.login("admin@example.org").await;
        let pm = h.login("pm@example.org").await;
        let partner = h.sign_up("acme").await;
        let (sub, cb) = subscriber().await;
        let token = h.token(&["APIKEY_UPDATED"]);
        h.hub(
            Some(&token),
            &format!(
                "hub.mode=subscribe&hub.topic=APIKEY_UPDATED&hub.callback={}",
                enc(&cb)
            ),
        )
        .await;
        let engine = h.engine();
        let t0 = domain::clock::now_ms();
        engine.run_once(t0).await.expect("verify");
        let first = h.event("APIKEY_UPDATED", 1);
        sub.status.store(500, Ordering::SeqCst);
        engine.run_once(t0 + 1).await.expect("fails");
        engine
            .run_once(t0 + 3 * 86_400_000 + 10_000)
            .await
            .expect("dead letter");
        sub.status.store(200, Ordering::SeqCst);

        let listed = h.post("/api/events/receivers", "", Some(&admin)).await;
        assert_eq!(listed.status, StatusCode::OK, "{}", listed.body);
        let item = &listed.json()["items"][0];
        let id = item["id"].as_str().expect("id").to_string();
        assert_eq!(item["state"], "active");
        assert_eq!(item["dead_letters"], 1);
        assert_eq!(item["callback_host"], "127.0.0.1");
        let filtered = h
            .post(
                "/api/events/receivers",
                "filter[kind]=esignet",
                Some(&admin),
            )
            .await
            .json();
        assert_eq!(filtered["total"], 0, "the kind filter applies");
        let detail = h
            .post("/api/events/receiver", &format!("id={id}"), Some(&admin))
            .await
            .json();
        let letter = detail["dead_letters"][0]["id"]
            .as_str()
            .expect("letter")
            .to_string();
        assert_eq!(detail["dead_letters"][0]["event_id"], first.as_str());
        assert!(detail["deliveries"]
            .as_array()
            .expect("deliveries")
            .iter()
            .any(|d| d["ok"] == false && d["status"] == 500));

        // Only partner admins, for reading and for every remedy.
        let calls = [
            ("/api/events/receivers", String::new()),
            ("/api/events/receiver", format!("id={id}")),
            (
                "/api/events/redeliver",
                format!("subscription_id={id}&letter_id={letter}"),
            ),
            ("/api/events/deactivate", format!("id={id}")),
            ("/api/events/replay", format!("id={id}&event_id={first}")),
        ];
        for (path, form) in &calls {
            assert_eq!(
                h.post(path, form, None).await.status,
                StatusCode::UNAUTHORIZED,
                "{path}"
            );
            for who in [&pm, &partner] {
                assert_eq!(
                    h.post(path, form, Some(who)).await.status,
                    StatusCode::FORBIDDEN,
                    "{path}"
                );
            }
        }
        for path in ["/admin/events", &format!("/admin/events/{id}")] {
            assert_eq!(h.page(path, Some(&pm)).await.status, StatusCode::FORBIDDEN);
            assert!(h.page(path, None).await.status.is_redirection());
        }
        let page = h.page(&format!("/admin/events/{id}"), Some(&admin)).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.body.contains(&first), "the dead letter is listed");
        assert!(page.body.contains("127.0.0.1"));
        let list_page = h.page("/admin/events?state=active", Some(&admin)).await;
        assert!(list_page.body.contains(&format!("/admin/events/{id}")));

        // Bad input names its field and changes nothing.
        for (form, code) in [
            (format!("id={id}&event_id="), "PMS_EVENT_ID"),
            (format!("id={id}&event_id=nope"), "PMS_EVENT_UNKNOWN"),
        ] {
            let r = h.post("/api/events/replay", &form, Some(&admin)).await;
            assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
            assert_eq!(r.json()["code"], code);
            assert_eq!(r.json()["field"], "event_id");
        }
        let other = h.event("PARTNER_UPDATED", 9);
        let r = h
            .post(
                "/api/events/replay",
                &format!("id={id}&event_id={other}"),
                Some(&admin),
            )
            .await;
        assert_eq!(r.json()["code"], "PMS_EVENT_TOPIC", "{}", r.body);
        let r = h
            .post(
                "/api/events/redeliver",
                &format!("subscription_id={id}&letter_id=nope"),
                Some(&admin),
            )
            .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.body);

        // Deliver again: the dead letter reaches the subscriber.
        let r = h
            .post(
                "/api/events/redeliver",
                &format!("subscription_id={id}&letter_id={letter}"),
                Some(&admin),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        engine
            .run_once(t0 + 3 * 86_400_000 + 3_700_000)
            .await
            .expect("redeliver");
        assert_eq!(
            sub.got.lock().expect("lock").last().expect("got").0["x-event-id"],
            first.as_str()
        );
        // Replay from the first event: it arrives once more.
        let r = h
            .post(
                "/api/events/replay",
                &format!("id={id}&event_id={first}"),
                Some(&admin),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        let before = sub.got.lock().expect("lock").len();
        engine
            .run_once(t0 + 3 * 86_400_000 + 3_800_000)
            .await
            .expect("replay");
        assert_eq!(sub.got.lock().expect("lock").len(), before + 1);
        // Deactivate: nothing more is sent, and a second deactivation is a conflict.
        let r = h
            .post("/api/events/deactivate", &format!("id={id}"), Some(&admin))
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        assert_eq!(r.json()["state"], "deactivated");
        let r = h
            .post("/api/events/deactivate", &format!("id={id}"), Some(&admin))
            .await;
        assert_eq!(r.status, StatusCode::CONFLICT);
        h.event("APIKEY_UPDATED", 3);
        let before = sub.got.lock().expect("lock").len();
        engine
            .run_once(t0 + 3 * 86_400_000 + 3_900_000)
            .await
            .expect("pass");
        assert_eq!(sub.got.lock().expect("lock").len(), before);

        let audit = h
            .post("/api/audit", "query[type]=event_subscription", Some(&admin))
            .await
            .json();
        let actions: Vec<&str> = audit["items"]
            .as_array()
            .expect("items")
            .iter()
            .filter(|a| a["actor_email"] == "admin@example.org")
            .filter_map(|a| a["action"].as_str())
            .collect();
        for action in [
            "EVENT_DEAD_LETTER_REQUEUED",
            "EVENT_SUBSCRIPTION_REPLAYED",
            "EVENT_SUBSCRIPTION_DEACTIVATED",
        ] {
            assert!(actions.contains(&action), "{action} in {actions:?}");
        }
    }

    #[tokio::test]
    async fn an_unrenewed_lease_ends_the_subscription() {
        let h = harness();
        let (sub, cb) = subscriber().await;
        let token = h.token(&["*"]);
        h.hub(
            Some(&token),
            &format!(
                "hub.mode=subscribe&hub.topic=PARTNER_UPDATED&hub.callback={}&hub.lease_seconds=60",
                enc(&cb)
            ),
        )
        .await;
        let engine = h.engine();
        let t0 = domain::clock::now_ms();
        engine.run_once(t0).await.expect("verify");
        engine
            .housekeeping(t0 + 61_000)
            .await
            .expect("housekeeping");
        assert_eq!(h.subscription_state()[0].0, "expired");
        h.event("PARTNER_UPDATED", 1);
        engine.run_once(t0 + 62_000).await.expect("pass");
        assert!(sub.got.lock().expect("lock").is_empty());
    }

    #[tokio::test]
    async fn unsubscribe_is_verified_too() {
        let h = harness();
        let (sub, cb) = subscriber().await;
        let token = h.token(&["*"]);
        let form = format!("hub.topic=PARTNER_UPDATED&hub.callback={}", enc(&cb));
        h.hub(Some(&token), &format!("hub.mode=subscribe&{form}"))
            .await;
        let engine = h.engine();
        engine
            .run_once(domain::clock::now_ms())
            .await
            .expect("verify");
        let r = h
            .hub(Some(&token), &format!("hub.mode=unsubscribe&{form}"))
            .await;
        assert_eq!(r.status, StatusCode::ACCEPTED);
        engine
            .run_once(domain::clock::now_ms())
            .await
            .expect("verify");
        assert_eq!(
            sub.asked.lock().expect("lock")[1]["hub.mode"],
            "unsubscribe"
        );
        assert_eq!(h.subscription_state()[0].0, "unsubscribed");
    }

    #[tokio::test]
    async fn bad_hub_requests_get_400_with_the_reason_and_store_nothing() {
        let h = harness();
        let token = h.token(&["PARTNER_UPDATED"]);
        let cb = enc("http://127.0.0.1:9/cb");
        let cases = [
            (format!("hub.mode=subscrib&hub.topic=PARTNER_UPDATED&hub.callback={cb}"), 400, "PMS_HUB_MODE"),
            (format!("hub.mode=subscribe&hub.topic=NOPE&hub.callback={cb}"), 400, "PMS_HUB_TOPIC"),
            (format!("hub.mode=subscribe&hub.topic=POLICY_UPDATED&hub.callback={cb}"), 403, "PMS_HUB_TOPIC_SCOPE"),
            ("hub.mode=subscribe&hub.topic=PARTNER_UPDATED&hub.callback=not-a-url".to_string(), 400, "PMS_HUB_CALLBACK"),
            (format!("hub.mode=subscribe&hub.topic=PARTNER_UPDATED&hub.callback={}", enc("http://example.org/cb")), 400, "PMS_HUB_CALLBACK_HTTPS"),
            (format!("hub.mode=subscribe&hub.topic=PARTNER_UPDATED&hub.callback={}", enc("https://169.254.169.254/latest")), 400, "PMS_HUB_CALLBACK_ADDRESS"),
            (format!("hub.mode=subscribe&hub.topic=PARTNER_UPDATED&hub.callback={}", enc("https://[::1]/cb")), 400, "PMS_HUB_CALLBACK_ADDRESS"),
            (format!("hub.mode=subscribe&hub.topic=PARTNER_UPDATED&hub.callback={}", enc("https://u:p@example.org/cb")), 400, "PMS_HUB_CALLBACK"),
            (format!("hub.mode=subscribe&hub.topic=PARTNER_UPDATED&hub.callback={cb}&hub.secret={}", "x".repeat(201)), 400, "PMS_HUB_SECRET"),
            (format!("hub.mode=subscribe&hub.topic=PARTNER_UPDATED&hub.callback={cb}&hub.lease_seconds=5"), 400, "PMS_HUB_LEASE"),
            (format!("hub.mode=subscribe&hub.topic=PARTNER_UPDATED&hub.callback={cb}&hub.lease_seconds=abc"), 400, "PMS_HUB_LEASE"),
            (format!("hub.mode=subscribe&hub.mode=subscribe&hub.topic=PARTNER_UPDATED&hub.callback={cb}"), 400, "PMS_HUB_REPEATED"),
            (format!("hub.mode=unsubscribe&hub.topic=PARTNER_UPDATED&hub.callback={cb}"), 404, "PMS_HUB_NO_SUBSCRIPTION"),
        ];
        for (form, status, code) in cases {
            let r = h.hub(Some(&token), &form).await;
            assert_eq!(r.status.as_u16(), status, "{form}: {}", r.body);
            assert_eq!(r.header("x-error-code").as_deref(), Some(code), "{form}");
        }
        let r = h
            .hub(
                None,
                &format!("hub.mode=subscribe&hub.topic=PARTNER_UPDATED&hub.callback={cb}"),
            )
            .await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED);
        let r = h
            .hub(
                Some("pst_unknown"),
                &format!("hub.mode=subscribe&hub.topic=PARTNER_UPDATED&hub.callback={cb}"),
            )
            .await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED);
        assert!(h.subscription_state().is_empty(), "nothing stored");
    }

    #[tokio::test]
    async fn a_revoked_token_ends_its_subscriptions() {
        let h = harness();
        let (_sub, cb) = subscriber().await;
        let token = h.token(&["*"]);
        h.hub(
            Some(&token),
            &format!(
                "hub.mode=subscribe&hub.topic=PARTNER_UPDATED&hub.callback={}",
                enc(&cb)
            ),
        )
        .await;
        let mut conn = h.db.conn();
        let id = domain::access::token::list(&mut conn).expect("tokens")[0]
            .id
            .clone();
        domain::access::token::revoke(&mut conn, &Actor::system(), &id).expect("revoke");
        drop(conn);
        assert_eq!(h.subscription_state()[0].0, "deactivated");
    }

    #[tokio::test]
    async fn topics_are_listed() {
        let h = harness();
        let r = h.page("/websub/topics", None).await;
        assert_eq!(r.status, StatusCode::OK);
        let topics = r.json()["topics"].as_array().expect("list").len();
        assert_eq!(topics, domain::events::TOPICS.len());
    }

    #[test]
    fn only_public_addresses_are_called_unless_allowed() {
        for ip in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "0.0.0.0",
            "::1",
            "fe80::1",
            "fd00::1",
            "::ffff:127.0.0.1",
        ] {
            assert!(
                !pms::events::public_address(ip.parse().expect("ip")),
                "{ip}"
            );
        }
        for ip in ["93.184.216.34", "2606:4700::1111"] {
            assert!(pms::events::public_address(ip.parse().expect("ip")), "{ip}");
        }
    }

    /// A stand-in for MOSIP's websub hub (and an OAuth2 token endpoint): records topic
    /// registrations and publishes; publishes answer `status`.
    #[derive(Clone, Default)]
    struct ExternalHub {
        status: Arc<AtomicU16>,
        registered: Arc<Mutex<Vec<String>>>,
        published: Arc<Mutex<Vec<(String, String, String)>>>,
        tokens_issued: Arc<AtomicU16>,
    }

    async fn external_hub(
        State(s): State<ExternalHub>,
        Query(q): Query<HashMap<String, String>>,
        headers: axum::http::HeaderMap,
        body: String,
    ) -> axum::response::Response {
        let auth = headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string();
        if auth != "Bearer issued-token" {
            return StatusCode::UNAUTHORIZED.into_response();
        }
        if q.get("hub.mode").map(String::as_str) == Some("publish") {
            let status = s.status.load(Ordering::SeqCst);
            if status < 300 {
                s.published
                    .lock()
                    .expect("lock")
                    .push((q["hub.topic"].clone(), body, auth));
            }
            return StatusCode::from_u16(status)
                .expect("status")
                .into_response();
        }
        let form: HashMap<String, String> = serde_urlencoded::from_str(&body).expect("form");
        assert_eq!(form["hub.mode"], "register");
        let mut registered = s.registered.lock().expect("lock");
        if registered.contains(&form["hub.topic"]) {
            // What MOSIP's hub says for a topic it has.
            return (
                StatusCode::BAD_REQUEST,
                "hub.mode=denied&hub.reason=Topic+already+registered",
            )
                .into_response();
        }
        registered.push(form["hub.topic"].clone());
        "hub.mode=accepted".into_response()
    }

    async fn token_endpoint(
        State(s): State<ExternalHub>,
        body: String,
    ) -> axum::response::Response {
        let form: HashMap<String, String> = serde_urlencoded::from_str(&body).expect("form");
        assert_eq!(form["grant_type"], "client_credentials");
        if form["client_secret"] != "pms-secret" {
            return StatusCode::UNAUTHORIZED.into_response();
        }
        s.tokens_issued.fetch_add(1, Ordering::SeqCst);
        axum::Json(serde_json::json!({
            "access_token": "issued-token", "token_type": "Bearer", "expires_in": 3600
        }))
        .into_response()
    }

    async fn serve(app: Router) -> String {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("addr");
        tokio::spawn(async move { axum::serve(listener, app).await });
        format!("http://127.0.0.1:{}", addr.port())
    }

    #[tokio::test]
    async fn every_event_is_published_to_the_external_hub_in_order_with_a_granted_token() {
        let h = harness();
        let hub = ExternalHub::default();
        hub.status.store(200, Ordering::SeqCst);
        let base = serve(
            Router::new()
                .route("/hub", axum::routing::post(external_hub))
                .route("/token", axum::routing::post(token_endpoint))
                .with_state(hub.clone()),
        )
        .await;
        let mut s = settings();
        s.publish = Some(pms::outbound::Target::new(
            format!("{base}/hub"),
            pms::outbound::OutboundAuth::ClientCredentials {
                token_url: format!("{base}/token"),
                client_id: "mosip-pms-client".into(),
                client_secret: "pms-secret".into(),
            },
        ));
        let engine = pms::events::Engine::new(h.db.pool.clone(), h.key.clone(), s.clone());
        let t0 = domain::clock::now_ms();
        let mine = vec![
            h.event("PARTNER_UPDATED", 1),
            h.event("POLICY_UPDATED", 2),
            h.event("PARTNER_UPDATED", 3),
        ];
        engine.run_once(t0).await.expect("pass");
        let published_ids = |hub: &ExternalHub| -> Vec<String> {
            hub.published
                .lock()
                .expect("lock")
                .iter()
                .map(|(topic, body, _)| {
                    let v: serde_json::Value = serde_json::from_str(body).expect("json");
                    assert_eq!(v["topic"], topic.as_str(), "published under its topic");
                    v["event"]["id"].as_str().expect("id").to_string()
                })
                .filter(|id| mine.contains(id))
                .collect()
        };
        assert_eq!(published_ids(&hub), mine);
        // A failing hub holds the later events; they follow in order once it is back.
        hub.status.store(503, Ordering::SeqCst);
        let fourth = h.event("PARTNER_UPDATED", 4);
        let fifth = h.event("MISP_LICENSE_GENERATED", 5);
        let pass = engine.run_once(t0 + 1).await.expect("pass");
        assert_eq!((pass.delivered, pass.failed), (0, 1));
        hub.status.store(200, Ordering::SeqCst);
        let pass = engine.run_once(t0 + 5_000).await.expect("pass");
        assert_eq!(pass.delivered, 2);
        let got: Vec<String> = hub
            .published
            .lock()
            .expect("lock")
            .iter()
            .map(|(_, b, _)| {
                serde_json::from_str::<serde_json::Value>(b).expect("json")["event"]["id"]
                    .as_str()
                    .expect("id")
                    .to_string()
            })
            .collect();
        assert_eq!(&got[got.len() - 2..], &[fourth, fifth]);
        // Each topic registered once; one token for all of it.
        let registered = hub.registered.lock().expect("lock").clone();
        for topic in [
            "PARTNER_UPDATED",
            "POLICY_UPDATED",
            "MISP_LICENSE_GENERATED",
        ] {
            assert_eq!(
                registered.iter().filter(|t| *t == topic).count(),
                1,
                "{topic}"
            );
        }
        assert_eq!(hub.tokens_issued.load(Ordering::SeqCst), 1);
        // A second engine (another instance, or after a restart) does not register again; a hub
        // that says it already has a topic is not an error.
        let again = pms::events::Engine::new(h.db.pool.clone(), h.key.clone(), s);
        h.event("PARTNER_UPDATED", 6);
        let pass = again.run_once(t0 + 6_000).await.expect("pass");
        assert_eq!((pass.delivered, pass.failed), (1, 0));
        assert_eq!(hub.registered.lock().expect("lock").len(), registered.len());
        // Without the setting the receiver stops (and no longer holds back the purge).
        let off = pms::events::Engine::new(h.db.pool.clone(), h.key.clone(), settings());
        off.run_once(t0 + 7_000).await.expect("pass");
        let mut conn = h.db.conn();
        let page = domain::events::store::list(&mut conn, &Default::default()).expect("list");
        let hub_row = page
            .items
            .iter()
            .find(|v| v.kind == domain::events::ReceiverKind::Hub)
            .expect("hub receiver");
        assert_eq!(
            hub_row.state,
            domain::events::SubscriptionState::Deactivated
        );
    }

    /// A stand-in for eSignet's client management: clients by id, errors in a 200 body as
    /// eSignet gives them; `down` makes it answer 503.
    #[derive(Clone, Default)]
    struct Esignet {
        clients: Arc<Mutex<HashMap<String, serde_json::Value>>>,
        calls: Arc<Mutex<Vec<(String, serde_json::Value)>>>,
        down: Arc<std::sync::atomic::AtomicBool>,
    }

    fn esignet_answer(error: Option<&str>, id: &str) -> axum::response::Response {
        let errors = match error {
            Some(code) => serde_json::json!([{ "errorCode": code, "errorMessage": code }]),
            None => serde_json::json!([]),
        };
        axum::Json(serde_json::json!({
            "responseTime": "2026-12-02T00:00:00.000Z",
            "response": { "clientId": id, "status": "ACTIVE" },
            "errors": errors,
        }))
        .into_response()
    }

    async fn esignet_create(
        State(s): State<Esignet>,
        headers: axum::http::HeaderMap,
        axum::Json(body): axum::Json<serde_json::Value>,
    ) -> axum::response::Response {
        assert_eq!(headers[header::AUTHORIZATION], "Bearer esignet-token");
        if s.down.load(Ordering::SeqCst) {
            return StatusCode::SERVICE_UNAVAILABLE.into_response();
        }
        s.calls
            .lock()
            .expect("lock")
            .push(("POST".into(), body.clone()));
        let req = &body["request"];
        assert!(body["requestTime"].as_str().expect("time").ends_with('Z'));
        let id = req["clientId"].as_str().expect("clientId").to_string();
        let mut clients = s.clients.lock().expect("lock");
        if clients.contains_key(&id) {
            return esignet_answer(Some("duplicate_client_id"), &id);
        }
        let mut stored = req.clone();
        stored["status"] = "ACTIVE".into();
        clients.insert(id.clone(), stored);
        esignet_answer(None, &id)
    }

    async fn esignet_update(
        State(s): State<Esignet>,
        axum::extract::Path(id): axum::extract::Path<String>,
        axum::Json(body): axum::Json<serde_json::Value>,
    ) -> axum::response::Response {
        if s.down.load(Ordering::SeqCst) {
            return StatusCode::SERVICE_UNAVAILABLE.into_response();
        }
        s.calls
            .lock()
            .expect("lock")
            .push(("PUT".into(), body.clone()));
        let mut clients = s.clients.lock().expect("lock");
        let Some(stored) = clients.get_mut(&id) else {
            return esignet_answer(Some("invalid_client_id"), &id);
        };
        for (k, v) in body["request"].as_object().expect("request") {
            stored[k] = v.clone();
        }
        esignet_answer(None, &id)
    }

    fn client_event(h: &Harness, topic: &str, id: &str, name: &str, status: &str) {
        let mut conn = h.db.conn();
        let event = domain::outbox::enqueue(
            &mut conn,
            topic,
            serde_json::json!({ "clientData": {
                "clientId": id, "clientName": name, "partnerId": "rp-1", "policyId": "p-1",
                "status": status, "logoUri": "https://rp.example/logo.png",
                "redirectUris": ["https://rp.example/cb"], "grantTypes": ["authorization_code"],
                "clientAuthMethods": ["private_key_jwt"], "claims": ["name"],
                "acrValues": ["mosip:idp:acr:generated-code"],
                "publicKey": { "kty": "EC", "crv": "P-256", "x": "x", "y": "y" },
            }}),
        )
        .expect("event");
        domain::events::store::esignet_note_version(&mut conn, id, &event, 1).expect("note");
    }

    #[tokio::test]
    async fn oidc_clients_are_created_and_updated_in_esignet_in_order_and_their_state_is_kept() {
        let h = harness();
        let es = Esignet::default();
        let base = serve(
            Router::new()
                .route(
                    "/v1/esignet/client-mgmt/oidc-client",
                    axum::routing::post(esignet_create),
                )
                .route(
                    "/v1/esignet/client-mgmt/oidc-client/{id}",
                    axum::routing::put(esignet_update),
                )
                .with_state(es.clone()),
        )
        .await;
        let mut s = settings();
        s.esignet = Some(pms::outbound::Target::new(
            format!("{base}/v1/esignet/"),
            pms::outbound::OutboundAuth::Bearer("esignet-token".into()),
        ));
        let engine = pms::events::Engine::new(h.db.pool.clone(), h.key.clone(), s);
        let states = |ids: &[&str]| {
            let mut conn = h.db.conn();
            let ids: Vec<String> = ids.iter().map(|i| i.to_string()).collect();
            domain::events::store::esignet_states(&mut conn, &ids).expect("states")
        };
        client_event(&h, "OIDC_CLIENT_CREATED", "c-1", "Bank app", "ACTIVE");
        client_event(&h, "PARTNER_UPDATED", "ignored", "x", "ACTIVE");
        client_event(&h, "OIDC_CLIENT_UPDATED", "c-1", "Bank app 2", "ACTIVE");
        let t0 = domain::clock::now_ms();
        let pass = engine.run_once(t0).await.expect("pass");
        assert_eq!(
            (pass.delivered, pass.failed),
            (2, 0),
            "OIDC client events only"
        );
        {
            let clients = es.clients.lock().expect("lock");
            let c = &clients["c-1"];
            assert_eq!(c["clientName"], "Bank app 2");
            assert_eq!(c["relyingPartyId"], "rp-1");
            assert_eq!(c["userClaims"], serde_json::json!(["name"]));
            assert_eq!(c["authContextRefs"][0], "mosip:idp:acr:generated-code");
            assert_eq!(c["publicKey"]["kty"], "EC");
        }
        assert!(states(&["c-1"])["c-1"].in_sync);
        // eSignet down: the client is shown behind, with the reason, and later events wait.
        es.down.store(true, Ordering::SeqCst);
        client_event(&h, "OIDC_CLIENT_UPDATED", "c-1", "Bank app 3", "INACTIVE");
        let pass = engine.run_once(t0 + 1).await.expect("pass");
        assert_eq!(pass.failed, 1);
        let st = states(&["c-1"]).remove("c-1").expect("state");
        assert!(!st.in_sync);
        assert!(
            st.last_error.as_deref().unwrap_or("").contains("503"),
            "{:?}",
            st.last_error
        );
        es.down.store(false, Ordering::SeqCst);
        engine.run_once(t0 + 5_000).await.expect("pass");
        assert_eq!(
            es.clients.lock().expect("lock")["c-1"]["status"],
            "INACTIVE"
        );
        let st = states(&["c-1"]).remove("c-1").expect("state");
        assert!(st.in_sync && st.last_error.is_none());
        // A client eSignet never got (it was configured later) is created, then its status set;
        // one it already has is updated rather than refused.
        client_event(&h, "OIDC_CLIENT_UPDATED", "c-2", "Late", "INACTIVE");
        es.clients
            .lock()
            .expect("lock")
            .insert("c-3".into(), serde_json::json!({ "clientName": "old" }));
        client_event(&h, "OIDC_CLIENT_CREATED", "c-3", "Known", "ACTIVE");
        let pass = engine.run_once(t0 + 6_000).await.expect("pass");
        assert_eq!((pass.delivered, pass.failed), (2, 0));
        let clients = es.clients.lock().expect("lock");
        assert_eq!(clients["c-2"]["status"], "INACTIVE");
        assert_eq!(clients["c-3"]["clientName"], "Known");
        let all = states(&["c-1", "c-2", "c-3"]);
        assert!(all.values().all(|s| s.in_sync), "{all:?}");
    }
}

/// The authorization matrix: every server function and route, who may call it, and what it
/// may reach. The test calls each as anonymous and as every role, and fails when the router
/// has a server function this table does not list. `docs/authorization.md` is this table
/// (regenerate with `UPDATE_AUTHZ_DOC=1`).
mod authz {
    use super::*;

    #[derive(Clone, Copy, Debug)]
    enum Who {
        /// Anyone, signed in or not.
        Public,
        /// Any signed-in account.
        Signed,
        /// Only these roles.
        Roles(&'static [Role]),
    }

    const ADMIN: &[Role] = &[Role::PartnerAdmin];
    const PM: &[Role] = &[Role::PolicyManager];
    const OPS: &[Role] = &Role::OPERATOR;
    const PARTNERS: &[Role] = &Role::PARTNER;
    const KEYS: &[Role] = &[Role::AuthPartner, Role::CredentialPartner];
    const AUTH: &[Role] = &[Role::AuthPartner];
    const MISP: &[Role] = &[Role::MispPartner];
    const DEV: &[Role] = &[Role::DeviceProvider];
    const FTM: &[Role] = &[Role::FtmProvider];
    const FTM_ADMIN: &[Role] = &[Role::FtmProvider, Role::PartnerAdmin];

    const ANY: &str = "any";
    const OWN: &str = "the caller's own partner only";
    const SELF: &str = "the caller's own account only";

    /// (path, who, what it may reach).
    const MATRIX: &[(&str, Who, &str)] = &[
        ("/api/me", Who::Public, SELF),
        ("/api/login", Who::Public, ANY),
        (
            "/api/login/sso",
            Who::Public,
            "the single sign-on button's text",
        ),
        ("/api/logout", Who::Public, SELF),
        ("/api/setup_needed", Who::Public, ANY),
        ("/api/setup", Who::Public, "needs the set-up token; once"),
        ("/api/partners/options", Who::Public, ANY),
        ("/api/partners/sign_up", Who::Public, ANY),
        ("/api/notifications/bell", Who::Public, SELF),
        ("/api/change_password", Who::Signed, SELF),
        ("/api/password/forgot", Who::Public, ANY),
        ("/api/password/reset_usable", Who::Public, ANY),
        (
            "/api/password/reset",
            Who::Public,
            "needs a reset link; once",
        ),
        ("/api/account/sessions", Who::Signed, SELF),
        ("/api/account/sessions/end", Who::Signed, SELF),
        ("/api/terms", Who::Signed, ANY),
        ("/api/terms/accept", Who::Signed, SELF),
        ("/api/terms/publish", Who::Roles(ADMIN), ANY),
        ("/api/accounts/force_reset", Who::Roles(ADMIN), ANY),
        (
            "/api/login/verify",
            Who::Public,
            "needs the sign-in's challenge; once",
        ),
        ("/api/account/two_factor", Who::Signed, SELF),
        ("/api/account/session_clock", Who::Public, SELF),
        ("/api/account/session_clock/extend", Who::Signed, SELF),
        ("/api/account/two_factor/begin", Who::Signed, SELF),
        ("/api/account/two_factor/confirm", Who::Signed, SELF),
        ("/api/account/two_factor/recovery_codes", Who::Signed, SELF),
        ("/api/account/two_factor/disable", Who::Signed, SELF),
        ("/api/accounts/reset_two_factor", Who::Roles(ADMIN), ANY),
        ("/api/certificates/signing_cas", Who::Signed, ANY),
        ("/api/devices/types", Who::Signed, ANY),
        ("/api/partners/me", Who::Signed, OWN),
        ("/api/partners/me/update", Who::Signed, OWN),
        ("/api/partners/me/contacts/add", Who::Signed, OWN),
        ("/api/partners/me/contacts/remove", Who::Signed, OWN),
        ("/api/partners/me/resubmit", Who::Signed, OWN),
        ("/api/partners/me/email/resend", Who::Signed, OWN),
        ("/api/partners/me/email/cancel", Who::Signed, OWN),
        (
            "/api/email/link",
            Who::Public,
            "needs a verification link; names its address",
        ),
        (
            "/api/email/verify",
            Who::Public,
            "needs a verification link; once",
        ),
        ("/api/notifications/list", Who::Signed, SELF),
        ("/api/notifications/read", Who::Signed, SELF),
        ("/api/notifications/dismiss", Who::Signed, SELF),
        ("/api/accounts", Who::Roles(ADMIN), ANY),
        ("/api/accounts/create", Who::Roles(ADMIN), ANY),
        (
            "/api/accounts/status",
            Who::Roles(ADMIN),
            "any account but the caller's own",
        ),
        ("/api/partners", Who::Roles(ADMIN), ANY),
        ("/api/partners/detail", Who::Roles(ADMIN), ANY),
        ("/api/partners/decide", Who::Roles(ADMIN), ANY),
        ("/api/partners/create", Who::Roles(ADMIN), ANY),
        ("/api/audit", Who::Roles(ADMIN), ANY),
        ("/api/policy_groups", Who::Roles(OPS), ANY),
        ("/api/policy_groups/options", Who::Roles(OPS), ANY),
        ("/api/policy_groups/create", Who::Roles(OPS), ANY),
        ("/api/policy_groups/update", Who::Roles(OPS), ANY),
        ("/api/policy_groups/set_active", Who::Roles(OPS), ANY),
        ("/api/policies", Who::Roles(OPS), ANY),
        ("/api/policies/detail", Who::Roles(OPS), ANY),
        ("/api/policies/validate", Who::Roles(OPS), ANY),
        ("/api/policies/create", Who::Roles(OPS), ANY),
        ("/api/policies/update", Who::Roles(OPS), ANY),
        ("/api/policies/revise", Who::Roles(OPS), ANY),
        ("/api/policies/delete", Who::Roles(OPS), ANY),
        ("/api/policies/publish", Who::Roles(OPS), ANY),
        ("/api/policies/deactivate", Who::Roles(OPS), ANY),
        ("/api/policies/clone", Who::Roles(OPS), ANY),
        ("/api/policies/diff", Who::Roles(OPS), ANY),
        ("/api/policies/audit", Who::Roles(OPS), ANY),
        (
            "/api/policies/mine",
            Who::Roles(PARTNERS),
            "published policies of the caller's group",
        ),
        (
            "/api/policies/mine/detail",
            Who::Roles(PARTNERS),
            "published policies of the caller's group",
        ),
        ("/api/policy-requests/options", Who::Roles(PARTNERS), OWN),
        ("/api/policy-requests/create", Who::Roles(PARTNERS), OWN),
        ("/api/policy-requests/mine", Who::Roles(PARTNERS), OWN),
        ("/api/policy-requests/all", Who::Roles(ADMIN), ANY),
        ("/api/policy-requests/decide", Who::Roles(ADMIN), ANY),
        ("/api/apikeys/options", Who::Roles(KEYS), OWN),
        ("/api/apikeys/create", Who::Roles(KEYS), OWN),
        ("/api/apikeys/mine", Who::Roles(KEYS), OWN),
        ("/api/apikeys/mine/deactivate", Who::Roles(KEYS), OWN),
        ("/api/apikeys/all", Who::Roles(ADMIN), ANY),
        ("/api/apikeys/deactivate", Who::Roles(ADMIN), ANY),
        ("/api/oidc/options", Who::Roles(AUTH), OWN),
        ("/api/oidc/create", Who::Roles(AUTH), OWN),
        ("/api/oidc/mine", Who::Roles(AUTH), OWN),
        ("/api/oidc/mine/update", Who::Roles(AUTH), OWN),
        ("/api/oidc/mine/deactivate", Who::Roles(AUTH), OWN),
        ("/api/oidc/all", Who::Roles(ADMIN), ANY),
        ("/api/oidc/deactivate", Who::Roles(ADMIN), ANY),
        ("/api/oidc/mappings", Who::Roles(ADMIN), ANY),
        ("/api/oidc/mappings/set", Who::Roles(ADMIN), ANY),
        ("/api/oidc/mappings/delete", Who::Roles(ADMIN), ANY),
        ("/api/licenses/generate", Who::Roles(MISP), OWN),
        ("/api/licenses/mine", Who::Roles(MISP), OWN),
        ("/api/licenses/mine/deactivate", Who::Roles(MISP), OWN),
        ("/api/licenses/all", Who::Roles(ADMIN), ANY),
        ("/api/licenses/deactivate", Who::Roles(ADMIN), ANY),
        ("/api/service-tokens/all", Who::Roles(ADMIN), ANY),
        ("/api/service-tokens/issue", Who::Roles(ADMIN), ANY),
        ("/api/service-tokens/revoke", Who::Roles(ADMIN), ANY),
        ("/api/api-clients/all", Who::Roles(ADMIN), ANY),
        ("/api/api-clients/create", Who::Roles(ADMIN), ANY),
        ("/api/api-clients/revoke", Who::Roles(ADMIN), ANY),
        ("/api/certificates/ca", Who::Roles(ADMIN), ANY),
        ("/api/certificates/ca/detail", Who::Roles(ADMIN), ANY),
        ("/api/certificates/ca/check", Who::Roles(ADMIN), ANY),
        ("/api/certificates/ca/upload", Who::Roles(ADMIN), ANY),
        ("/api/certificates/ca/deactivate", Who::Roles(ADMIN), ANY),
        ("/api/certificates/mine", Who::Roles(PARTNERS), OWN),
        ("/api/certificates/mine/check", Who::Roles(PARTNERS), OWN),
        ("/api/certificates/mine/upload", Who::Roles(PARTNERS), OWN),
        ("/api/certificates/partner", Who::Roles(ADMIN), ANY),
        ("/api/sbis/mine", Who::Roles(DEV), OWN),
        ("/api/sbis/mine/usable", Who::Roles(DEV), OWN),
        ("/api/sbis/mine/detail", Who::Roles(DEV), OWN),
        ("/api/sbis/create", Who::Roles(DEV), OWN),
        ("/api/sbis/max-years", Who::Roles(DEV), ANY),
        ("/api/devices/mine", Who::Roles(DEV), OWN),
        ("/api/devices/create", Who::Roles(DEV), OWN),
        ("/api/devices/link", Who::Roles(DEV), OWN),
        ("/api/sbis/mine/deactivate", Who::Roles(DEV), OWN),
        ("/api/devices/mine/deactivate", Who::Roles(DEV), OWN),
        ("/api/chips/mine/deactivate", Who::Roles(FTM), OWN),
        ("/api/chips/mine", Who::Roles(FTM), OWN),
        ("/api/chips/create", Who::Roles(FTM), OWN),
        ("/api/chips/certificate", Who::Roles(FTM), OWN),
        (
            "/api/chips/certificate/download",
            Who::Roles(FTM_ADMIN),
            "own chips; every chip for admins",
        ),
        ("/api/sbis", Who::Roles(ADMIN), ANY),
        ("/api/devices", Who::Roles(ADMIN), ANY),
        ("/api/chips", Who::Roles(ADMIN), ANY),
        ("/api/sbis/impact", Who::Roles(ADMIN), ANY),
        ("/api/sbis/decide", Who::Roles(ADMIN), ANY),
        ("/api/devices/decide", Who::Roles(ADMIN), ANY),
        ("/api/chips/decide", Who::Roles(ADMIN), ANY),
        ("/api/inbox/list", Who::Roles(ADMIN), ANY),
        ("/api/inbox/detail", Who::Roles(ADMIN), ANY),
        ("/api/inbox/decide", Who::Roles(ADMIN), ANY),
        ("/api/inbox/bulk", Who::Roles(ADMIN), ANY),
        ("/api/dashboard/admin", Who::Roles(ADMIN), ANY),
        ("/api/dashboard/policy", Who::Roles(PM), ANY),
        ("/api/dashboard/partner", Who::Roles(PARTNERS), OWN),
        ("/api/notifications/run", Who::Roles(ADMIN), ANY),
        ("/api/events/receivers", Who::Roles(ADMIN), ANY),
        ("/api/events/receiver", Who::Roles(ADMIN), ANY),
        ("/api/events/redeliver", Who::Roles(ADMIN), ANY),
        ("/api/events/deactivate", Who::Roles(ADMIN), ANY),
        ("/api/events/replay", Who::Roles(ADMIN), ANY),
    ];

    /// Routes that are not server functions (checked by their own tests; listed here so the
    /// table is the whole surface).
    const ROUTES: &[(&str, &str, &str)] = &[
        ("GET /healthz, /readyz", "anyone", "probes"),
        (
            "GET /pki/signing-ca/{domain}",
            "anyone",
            "the portal's public signing CAs",
        ),
        (
            "GET /admin/export/{list}.csv",
            "PARTNER_ADMIN (policies: PARTNER_ADMIN or POLICYMANAGER, as its page)",
            ANY,
        ),
        (
            "POST /api/v1/apikeys/verify",
            "a service token (`Bearer pst_…`)",
            ANY,
        ),
        (
            "POST /websub/hub",
            "a service token whose topics include `hub.topic`",
            "subscriptions it made",
        ),
        ("GET /websub/topics", "anyone", ANY),
        (
            "GET /auth/sso/start, /auth/sso/callback",
            "anyone (only when single sign-on is configured)",
            "the account the provider's verified email names",
        ),
        (
            "pages",
            "the role of each page; others get 403, anonymous visitors the sign-in",
            "as the page's server functions",
        ),
    ];

    /// One form every server function decodes: each argument any of them takes, with a value
    /// of the right type for all that share its name (unknown fields are ignored). Values name
    /// nothing that exists, so allowed calls answer 4xx at worst and change nothing.
    const FORM: &str = "id=1&kind=partner&key=k&value=v&decision=approve&approve=true&active=true\
        &reason=r&comment=c&name=n&description=d&email=x&password=x&confirm_password=y\
        &current_password=x&new_password=y&display_name=n&role=NOPE&token=nope\
        &partner_id=nope&organisation=o&partner_type=NOPE&phone=1&address=a&language=eng\
        &contact_email=x&contact_phone=1&group_id=nope&policy_type=NOPE&document=%7B%7D\
        &valid_to=1970-01-01&from=1&to=2&page=1&domain=NOPE&content=x&encoding=pem&topics=\
        &client_id=c&version=v&binary_hash=h&created_on=x&expires_on=x&device_type=NOPE&sub_type=NOPE\
        &make=m&model=m&device_id=nope&sbi_id=nope&subscription_id=nope&letter_id=nope\
        &event_id=nope&sbi_ids[0]=nope&items[0][kind]=partner&items[0][id]=nope\
        &input[policy_id]=nope&input[use_case]=u&input[label]=l&input[name]=n\
        &input[logo_uri]=x&input[public_key]=x&input[redirect_uris][0]=x\
        &input[grant_types][0]=x&input[auth_methods][0]=x&input[updated_at]=1";

    fn describe(who: Who) -> String {
        match who {
            Who::Public => "anyone".into(),
            Who::Signed => "any signed-in account".into(),
            Who::Roles(r) => r.iter().map(|r| r.as_str()).collect::<Vec<_>>().join(", "),
        }
    }

    fn doc() -> String {
        let mut out = String::from(
            "# Authorization matrix\n\nGenerated from the table in `server/tests/http.rs` \
             (`authz`), which calls every server function as an anonymous visitor and as each \
             role and fails when a server function is missing here. It checks who may call; what a \
             call may reach (a partner only its own partner's objects, whatever id it sends) is \
             checked in the domain and by each feature's tests (for example \
             `device_functions_check_roles_and_providers_reach_only_their_own`).\n\n\
             | server function | who may call it | what it reaches |\n|---|---|---|\n",
        );
        for (path, who, reach) in MATRIX {
            out.push_str(&format!("| `{path}` | {} | {reach} |\n", describe(*who)));
        }
        out.push_str("\n| route | who | what it reaches |\n|---|---|---|\n");
        for (route, who, reach) in ROUTES {
            out.push_str(&format!("| `{route}` | {who} | {reach} |\n"));
        }
        out
    }

    #[test]
    fn the_matrix_lists_every_server_function_and_the_doc_is_the_matrix() {
        let listed: std::collections::BTreeSet<&str> = MATRIX.iter().map(|m| m.0).collect();
        assert_eq!(listed.len(), MATRIX.len(), "a path is listed twice");
        let registered: std::collections::BTreeSet<&str> =
            leptos::server_fn::axum::server_fn_paths()
                .map(|(p, _)| p)
                .collect();
        let missing: Vec<_> = registered.difference(&listed).collect();
        assert!(
            missing.is_empty(),
            "server functions missing from the matrix: {missing:?}"
        );
        let gone: Vec<_> = listed.difference(&registered).collect();
        assert!(
            gone.is_empty(),
            "the matrix lists what does not exist: {gone:?}"
        );
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/authorization.md");
        if std::env::var_os("UPDATE_AUTHZ_DOC").is_some() {
            std::fs::write(path, doc()).expect("write the doc");
        }
        let on_disk = std::fs::read_to_string(path).unwrap_or_default();
        assert!(
            on_disk == doc(),
            "docs/authorization.md is not the matrix: run this test with UPDATE_AUTHZ_DOC=1"
        );
    }

    #[tokio::test]
    async fn every_server_function_refuses_who_the_matrix_refuses_and_never_fails() {
        let h = harness();
        h.account("admin@example.org", &[Role::PartnerAdmin]);
        h.account("pm@example.org", &[Role::PolicyManager]);
        let mut callers = vec![
            (Role::PartnerAdmin, h.login("admin@example.org").await),
            (Role::PolicyManager, h.login("pm@example.org").await),
        ];
        // Partners as they really are: registered, each with its partner row.
        let group = {
            let mut conn = h.db.conn();
            let pm = Actor::account("pm-id", "pm@example.org");
            domain::policy::group::create(&mut conn, &pm, "matrix", "all partners")
                .expect("group")
                .id
        };
        for (role, kind, needs_group) in [
            (Role::AuthPartner, "Auth_Partner", true),
            (Role::CredentialPartner, "Credential_Partner", true),
            (Role::DeviceProvider, "Device_Provider", false),
            (Role::FtmProvider, "FTM_Provider", false),
            (Role::MispPartner, "MISP_Partner", false),
        ] {
            let id = kind.to_lowercase().replace('_', "");
            let mut body = SIGN_UP
                .replace("{id}", &id)
                .replace("Device_Provider", kind);
            if needs_group {
                body.push_str(&format!("&policy_group_id={group}"));
            }
            let reply = h.post("/api/partners/sign_up", &body, None).await;
            assert_eq!(reply.status, StatusCode::OK, "{kind}: {}", reply.body);
            let approve = format!("id={id}&decision=approve");
            let decided = h
                .post("/api/partners/decide", &approve, Some(&callers[0].1))
                .await;
            assert_eq!(decided.status, StatusCode::OK, "{kind}: {}", decided.body);
            let cookie = reply
                .header("set-cookie")
                .and_then(|c| c.split(';').next().map(str::to_string))
                .expect("cookie");
            callers.push((role, cookie));
        }
        for (path, who, _) in MATRIX {
            if *path == "/api/logout" {
                continue;
            }
            let anon = h.post(path, FORM, None).await;
            let expect_anon = matches!(who, Who::Public);
            assert!(
                anon.status.as_u16() < 500,
                "{path} anonymous: {} {}",
                anon.status,
                anon.body
            );
            if !expect_anon {
                assert_eq!(
                    anon.status,
                    StatusCode::UNAUTHORIZED,
                    "{path} anonymous: {}",
                    anon.body
                );
            }
            for (role, cookie) in &callers {
                let r = h.post(path, FORM, Some(cookie)).await;
                let allowed = match who {
                    Who::Public | Who::Signed => true,
                    Who::Roles(roles) => roles.contains(role),
                };
                assert!(
                    r.status.as_u16() < 500,
                    "{path} as {role:?}: {} {}",
                    r.status,
                    r.body
                );
                // A public function may answer 401 for its own reason (wrong credentials).
                if allowed && !matches!(who, Who::Public) {
                    assert!(
                        r.status != StatusCode::FORBIDDEN && r.status != StatusCode::UNAUTHORIZED,
                        "{path} as {role:?} is allowed by the matrix: {} {}",
                        r.status,
                        r.body
                    );
                } else if !allowed {
                    assert_eq!(
                        r.status,
                        StatusCode::FORBIDDEN,
                        "{path} as {role:?}: {}",
                        r.body
                    );
                }
            }
        }
        // Each session is still what it was (no call above ended one), then logout ends it.
        for (role, cookie) in &callers {
            let me = h.post("/api/me", "", Some(cookie)).await;
            assert!(me.body.contains("@example.org"), "{role:?}: {}", me.body);
            assert!(
                h.post("/api/logout", "", Some(cookie))
                    .await
                    .status
                    .as_u16()
                    < 400
            );
            assert_eq!(h.post("/api/me", "", Some(cookie)).await.body, "null");
        }
    }
}

#[path = "http/identity.rs"]
mod identity;

#[path = "http/two_factor.rs"]
mod two_factor;

#[path = "http/mosip.rs"]
mod mosip;

#[path = "http/mosip_lists.rs"]
mod mosip_lists;

#[path = "http/mosip_search.rs"]
mod mosip_search;

#[path = "http/sso.rs"]
mod sso;

#[path = "http/email_verification.rs"]
mod email_verification;

/// Any bytes posted to any server function, in any of the shapes a browser, a script or an
/// attacker sends (forms with odd keys and values, JSON, multipart, raw bytes, compressed
/// answers asked for), by anonymous callers, an admin and a partner: never a 5xx.
/// `FUZZ_CASES` requests (default 1000); a failure prints the request to replay.
mod fuzz {
    use super::*;
    use proptest::prelude::*;
    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;

    #[derive(Debug, Clone)]
    struct Call {
        path_index: usize,
        content_type: Option<&'static str>,
        body: Vec<u8>,
        caller: usize,
        compressed: bool,
    }

    /// Argument names the server functions take, so decoding gets past the first field.
    const KEYS: &[&str] = &[
        "id",
        "name",
        "email",
        "page",
        "page_size",
        "sort",
        "dir",
        "q",
        "search",
        "status",
        "partner_id",
        "partner_type",
        "policy_id",
        "group_id",
        "policy_group_id",
        "decision",
        "reason",
        "comment",
        "document",
        "valid_to",
        "label",
        "kind",
        "active",
        "description",
        "version",
        "make",
        "model",
        "sbi_ids",
        "items",
        "password",
        "organisation",
        "phone",
        "address",
        "language",
        "redirect_uris",
        "expected_version",
        "event_id",
        "topic",
    ];

    fn value() -> impl Strategy<Value = String> {
        prop_oneof![
            Just(String::new()),
            Just("1e3".to_string()),
            Just("maybe".to_string()),
            Just("-1".to_string()),
            Just("99999999999999999999".to_string()),
            Just("%FF%FE".to_string()),
            Just("%00".to_string()),
            Just("</textarea><img src=x onerror=alert(1)>".to_string()),
            Just("x".repeat(5000)),
            "[a-zA-Z0-9_ .@-]{0,20}",
            "(?s).{0,40}".prop_map(|s| percent_encoding::utf8_percent_encode(
                &s,
                percent_encoding::NON_ALPHANUMERIC
            )
            .to_string()),
        ]
    }

    fn form() -> impl Strategy<Value = Vec<u8>> {
        prop::collection::vec(
            (
                prop_oneof![
                    prop::sample::select(KEYS).prop_map(str::to_string),
                    "[a-z_\\[\\]]{1,12}"
                ],
                value(),
            ),
            0..10,
        )
        .prop_map(|pairs| {
            pairs
                .into_iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect::<Vec<_>>()
                .join("&")
                .into_bytes()
        })
    }

    fn call(paths: usize) -> impl Strategy<Value = Call> {
        let body = prop_oneof![
            4 => form(),
            1 => prop::collection::vec(any::<u8>(), 0..512),
            1 => Just(br#"{"id":1,"name":["x"],"page":{"n":1}}"#.to_vec()),
            1 => Just(b"--x\r\nContent-Disposition: form-data; name=\"id\"\r\n\r\n1\r\n--x--\r\n".to_vec()),
        ];
        let content_type = prop::sample::select(vec![
            Some("application/x-www-form-urlencoded"),
            Some("application/x-www-form-urlencoded"),
            Some("application/json"),
            Some("multipart/form-data; boundary=x"),
            Some("text/plain"),
            None,
        ]);
        (0..paths, content_type, body, 0usize..3, any::<bool>()).prop_map(
            |(path_index, content_type, body, caller, compressed)| Call {
                path_index,
                content_type,
                body,
                caller,
                compressed,
            },
        )
    }

    #[tokio::test]
    async fn any_bytes_posted_to_any_server_function_never_get_a_5xx() {
        let h = harness();
        h.account("admin@example.org", &[Role::PartnerAdmin]);
        let admin = h.login("admin@example.org").await;
        let partner = h.sign_up("fuzzed").await;
        let mut paths: Vec<&str> = leptos::server_fn::axum::server_fn_paths()
            .map(|(p, _)| p)
            .filter(|p| *p != "/api/logout")
            .collect();
        paths.sort();
        let cases: u32 = std::env::var("FUZZ_CASES")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(1000);
        let strategy = call(paths.len());
        let mut runner = TestRunner::deterministic();
        for _ in 0..cases {
            let c = strategy.new_tree(&mut runner).expect("a case").current();
            let path = paths[c.path_index];
            let mut req = Request::post(path)
                .header(header::CONTENT_LENGTH, c.body.len())
                .header("sec-fetch-site", "same-origin");
            if let Some(t) = c.content_type {
                req = req.header(header::CONTENT_TYPE, t);
            }
            match c.caller {
                1 => req = req.header(header::COOKIE, &admin),
                2 => req = req.header(header::COOKIE, &partner),
                _ => {}
            }
            if c.compressed {
                req = req.header(header::ACCEPT_ENCODING, "gzip, br");
            }
            let reply = h
                .send(req.body(Body::from(c.body.clone())).expect("request"))
                .await;
            assert!(
                reply.status.as_u16() < 500,
                "{path} answered {}: {}\n{c:?}\nbody as text: {}",
                reply.status,
                reply.body,
                String::from_utf8_lossy(&c.body)
            );
        }
    }
}
