//! Two-factor sign-in through the router: the code step of a sign-in, the set-up, and the
//! portal's setting that makes it mandatory for partner admins and policy managers.

use super::*;

/// The `name=value` pairs of every cookie a reply sets.
fn set_cookies(reply: &Reply) -> Vec<String> {
    reply
        .headers
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .map(|v| v.split(';').next().unwrap_or_default().to_string())
        .collect()
}

fn now_code(secret: &str) -> String {
    let secs = domain::clock::now_ms() / 1000;
    domain::account::code_at(secret, secs as u64).expect("code")
}

/// Set up and confirm a second factor through the server functions; returns the secret.
pub(super) async fn enrol(h: &Harness, cookie: &str) -> String {
    let begun = h
        .post("/api/account/two_factor/begin", "", Some(cookie))
        .await;
    assert_eq!(begun.status, StatusCode::OK, "{}", begun.body);
    let secret = begun.json()["secret"].as_str().expect("secret").to_string();
    assert!(begun.json()["qr_svg"]
        .as_str()
        .expect("svg")
        .starts_with("<svg"));
    let confirmed = h
        .post(
            "/api/account/two_factor/confirm",
            &format!("code={}", now_code(&secret)),
            Some(cookie),
        )
        .await;
    assert_eq!(confirmed.status, StatusCode::OK, "{}", confirmed.body);
    assert_eq!(confirmed.json().as_array().expect("codes").len(), 10);
    secret
}

#[tokio::test]
async fn sign_in_with_a_second_factor_takes_a_code_after_the_password() {
    let h = harness();
    h.account("ana@example.org", &[Role::AuthPartner]);
    let first = h.login("ana@example.org").await;
    let secret = enrol(&h, &first).await;
    let status = h.post("/api/account/two_factor", "", Some(&first)).await;
    assert_eq!(status.json()["enabled"], true, "{}", status.body);
    // The password alone now gives a short-lived challenge cookie and the code page, no session.
    let login = h
        .post(
            "/api/login",
            "email=ana@example.org&password=correct+horse+battery&next=%2Fpartner",
            None,
        )
        .await;
    let cookies = set_cookies(&login);
    assert!(
        cookies.iter().all(|c| !c.starts_with("pms_session=")),
        "{cookies:?}"
    );
    let challenge = cookies
        .iter()
        .find(|c| c.starts_with("pms_2fa="))
        .expect("challenge cookie")
        .clone();
    let raw = login.header("set-cookie").unwrap_or_default();
    assert!(
        login
            .headers
            .get_all("set-cookie")
            .iter()
            .any(|v| v.to_str().unwrap_or_default().contains("HttpOnly")),
        "{raw}"
    );
    let verify_page = h.page("/login/verify?next=%2Fpartner", None).await;
    assert_eq!(verify_page.status, StatusCode::OK);
    assert!(verify_page.body.contains("data-testid=\"verify-form\""));
    // Wrong code: 422 on the field, no session. Without the challenge: 401.
    let wrong = h
        .post("/api/login/verify", "code=000000x", Some(&challenge))
        .await;
    assert_eq!(
        wrong.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        wrong.body
    );
    assert_eq!(wrong.code(), "PMS_2FA_CODE_INVALID");
    let none = h.post("/api/login/verify", "code=123456", None).await;
    assert_eq!(none.status, StatusCode::UNAUTHORIZED);
    assert_eq!(none.code(), "PMS_2FA_CHALLENGE_EXPIRED");
    // The right code: a session, the challenge cookie cleared. The MOSIP password grant of
    // this account is refused (a password alone is not enough).
    let body = format!("code={}&next=%2Fpartner", next_step_code(&secret));
    let ok = h.post("/api/login/verify", &body, Some(&challenge)).await;
    assert!(ok.status.as_u16() < 400, "{} {}", ok.status, ok.body);
    let cookies = set_cookies(&ok);
    assert!(cookies.iter().any(|c| c == "pms_2fa="), "{cookies:?}");
    let session = cookies
        .iter()
        .find(|c| c.starts_with("pms_session="))
        .expect("session")
        .clone();
    let me = h.post("/api/me", "", Some(&session)).await;
    assert!(me.body.contains("\"two_factor\":true"), "{}", me.body);
}

/// A code for the next time step (the current one was spent by the set-up): inside the
/// accepted drift of one step.
pub(super) fn next_step_code(secret: &str) -> String {
    let secs = domain::clock::now_ms() / 1000 + 30;
    domain::account::code_at(secret, secs as u64).expect("code")
}

#[tokio::test]
async fn with_the_setting_on_operators_set_up_a_second_factor_before_anything_else() {
    let h = harness_from(
        SessionPolicy::default(),
        false,
        |_| {},
        |s| s.two_factor_required = true,
    );
    h.account("admin@example.org", &[Role::PartnerAdmin]);
    h.account("rp@example.org", &[Role::AuthPartner]);
    let admin = h.login("admin@example.org").await;
    let rp = h.login("rp@example.org").await;
    // Partners are not asked; operators are stopped on every call and page but the set-up.
    let open = h.post("/api/account/sessions", "", Some(&rp)).await;
    assert_eq!(open.status, StatusCode::OK, "{}", open.body);
    let blocked = h.post("/api/accounts", "", Some(&admin)).await;
    assert_eq!(blocked.status, StatusCode::FORBIDDEN);
    assert_eq!(blocked.code(), "PMS_2FA_SETUP_REQUIRED");
    let csv = h.page("/admin/export/partners.csv", Some(&admin)).await;
    assert_eq!(csv.status, StatusCode::FORBIDDEN, "{}", csv.body);
    let page = h.page("/admin/partners", Some(&admin)).await;
    assert_eq!(page.status, StatusCode::FOUND);
    assert_eq!(
        page.header("location").as_deref(),
        Some("/account/two-factor?next=%2Fadmin%2Fpartners")
    );
    let me = h.post("/api/me", "", Some(&admin)).await;
    assert!(
        me.body.contains("\"two_factor_setup_needed\":true"),
        "{}",
        me.body
    );
    let status = h.post("/api/account/two_factor", "", Some(&admin)).await;
    assert_eq!(status.json()["required"], true, "{}", status.body);
    enrol(&h, &admin).await;
    let now_open = h.post("/api/accounts", "", Some(&admin)).await;
    assert_eq!(now_open.status, StatusCode::OK, "{}", now_open.body);
    // It cannot be turned off where the role needs it.
    let off = h
        .post(
            "/api/account/two_factor/disable",
            "password=correct+horse+battery",
            Some(&admin),
        )
        .await;
    assert_eq!(off.status, StatusCode::FORBIDDEN);
    assert_eq!(off.code(), "PMS_2FA_REQUIRED");
}

#[tokio::test]
async fn an_admin_resets_a_lost_second_factor_and_others_cannot() {
    let h = harness();
    h.account("admin@example.org", &[Role::PartnerAdmin]);
    h.account("pm@example.org", &[Role::PolicyManager]);
    h.account("rp@example.org", &[Role::AuthPartner]);
    let admin = h.login("admin@example.org").await;
    let pm = h.login("pm@example.org").await;
    let rp = h.login("rp@example.org").await;
    enrol(&h, &pm).await;
    let id = {
        let mut conn = h.db.conn();
        domain::account::find_by_email(&mut conn, "pm@example.org")
            .expect("find")
            .expect("pm")
            .id
    };
    let listed = h.post("/api/accounts", "", Some(&admin)).await;
    assert!(
        listed.body.contains("\"two_factor\":true"),
        "{}",
        listed.body
    );
    let denied = h
        .post(
            "/api/accounts/reset_two_factor",
            &format!("id={id}"),
            Some(&rp),
        )
        .await;
    assert_eq!(denied.status, StatusCode::FORBIDDEN);
    let reset = h
        .post(
            "/api/accounts/reset_two_factor",
            &format!("id={id}"),
            Some(&admin),
        )
        .await;
    assert_eq!(reset.status, StatusCode::OK, "{}", reset.body);
    // The account's sessions ended; its password alone signs in again.
    let me = h.post("/api/me", "", Some(&pm)).await;
    assert_eq!(me.body, "null");
    h.login("pm@example.org").await;
}
