//! Password reset, terms of use and the account's own sessions, through the router.

use super::*;

#[tokio::test]
async fn a_reset_link_sets_a_new_password_once_and_signs_out_everywhere() {
    let h = harness();
    h.account("ana@example.org", &[Role::PolicyManager]);
    let old_cookie = h.login("ana@example.org").await;
    let link = {
        let mut conn = h.db.conn();
        domain::account::reset_link(&mut conn, "ana@example.org", "http://127.0.0.1:3000")
            .expect("link")
    };
    let token = link.split("token=").nth(1).expect("token").to_string();

    let usable = h
        .post(
            "/api/password/reset_usable",
            &format!("token={token}"),
            None,
        )
        .await;
    assert_eq!(usable.body, "true");
    let mismatch = h
        .post(
            "/api/password/reset",
            &format!("token={token}&new_password=a+fresh+passphrase&confirm_password=other"),
            None,
        )
        .await;
    assert_eq!(mismatch.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(mismatch.code(), "PMS_PASSWORD_MISMATCH");
    let body = format!(
        "token={token}&new_password=a+fresh+passphrase&confirm_password=a+fresh+passphrase"
    );
    let done = h.post("/api/password/reset", &body, None).await;
    assert!(
        done.status.is_success() || done.status.is_redirection(),
        "{}",
        done.body
    );
    // The old session is gone, the new password works, the link does not work twice.
    let me = h.post("/api/me", "", Some(&old_cookie)).await;
    assert_eq!(me.body, "null");
    let login = h
        .post(
            "/api/login",
            "email=ana@example.org&password=a+fresh+passphrase",
            None,
        )
        .await;
    assert_eq!(login.status, StatusCode::OK, "{}", login.body);
    let again = h.post("/api/password/reset", &body, None).await;
    assert_eq!(again.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(again.code(), "PMS_RESET_TOKEN_INVALID");
    let usable = h
        .post(
            "/api/password/reset_usable",
            &format!("token={token}"),
            None,
        )
        .await;
    assert_eq!(usable.body, "false");
    // Without a mail server the forgot-password form says so (and reveals no account).
    let forgot = h
        .post("/api/password/forgot", "email=ana@example.org", None)
        .await;
    assert_eq!(forgot.code(), "PMS_RESET_UNAVAILABLE");
}

#[tokio::test]
async fn new_terms_stop_every_call_until_accepted() {
    let h = harness();
    h.account("admin@example.org", &[Role::PartnerAdmin]);
    h.account("pm@example.org", &[Role::PolicyManager]);
    let admin = h.login("admin@example.org").await;
    let pm = h.login("pm@example.org").await;
    let short = h
        .post("/api/terms/publish", "body=short", Some(&admin))
        .await;
    assert_eq!(short.status, StatusCode::UNPROCESSABLE_ENTITY);
    let denied = h
        .post(
            "/api/terms/publish",
            "body=Twenty+characters+or+more+here",
            Some(&pm),
        )
        .await;
    assert_eq!(denied.status, StatusCode::FORBIDDEN);
    let published = h
        .post(
            "/api/terms/publish",
            "body=You+keep+your+keys+safe+and+report+breaches.",
            Some(&admin),
        )
        .await;
    assert_eq!(published.status, StatusCode::OK, "{}", published.body);

    let blocked = h.post("/api/policy_groups", "", Some(&pm)).await;
    assert_eq!(blocked.status, StatusCode::FORBIDDEN);
    assert_eq!(blocked.code(), "PMS_TERMS_NOT_ACCEPTED");
    let csv = h.page("/admin/export/policies.csv", Some(&pm)).await;
    assert_eq!(csv.status, StatusCode::FORBIDDEN, "{}", csv.body);
    let page = h.page("/policies", Some(&pm)).await;
    assert_eq!(
        page.status,
        StatusCode::FOUND,
        "the page sends to the terms first"
    );
    assert_eq!(
        page.header("location").as_deref(),
        Some("/terms?next=%2Fpolicies")
    );
    let terms_page = h.page("/terms?next=%2Fpolicies", Some(&pm)).await;
    assert_eq!(terms_page.status, StatusCode::OK);
    assert!(terms_page.body.contains("data-testid=\"terms-accept\""));
    let terms = h.post("/api/terms", "", Some(&pm)).await;
    assert!(terms.body.contains("report breaches"), "{}", terms.body);
    let me = h.post("/api/me", "", Some(&pm)).await;
    assert!(me.body.contains("\"terms_to_accept\":1"), "{}", me.body);
    let accepted = h.post("/api/terms/accept", "version=1", Some(&pm)).await;
    assert!(accepted.status.as_u16() < 400, "{}", accepted.body);
    let open = h.post("/api/policy_groups", "", Some(&pm)).await;
    assert_eq!(open.status, StatusCode::OK, "{}", open.body);
    // The publisher accepted on publishing.
    let own = h.post("/api/accounts", "", Some(&admin)).await;
    assert_eq!(own.status, StatusCode::OK, "{}", own.body);
}

#[tokio::test]
async fn an_account_sees_and_ends_its_own_sessions_only() {
    let h = harness();
    h.account("ana@example.org", &[Role::PolicyManager]);
    h.account("bo@example.org", &[Role::PolicyManager]);
    let first = h.login("ana@example.org").await;
    let second = h.login("ana@example.org").await;
    let bo = h.login("bo@example.org").await;
    let listed = h.post("/api/account/sessions", "", Some(&second)).await;
    let sessions: Vec<serde_json::Value> = serde_json::from_str(&listed.body).expect("json");
    assert_eq!(sessions.len(), 2);
    let other = sessions
        .iter()
        .find(|s| s["current"] == false)
        .and_then(|s| s["id"].as_str())
        .expect("the first session")
        .to_string();
    assert!(!listed
        .body
        .contains(first.split('=').nth(1).expect("token")));
    let not_bos = h
        .post(
            "/api/account/sessions/end",
            &format!("id={other}"),
            Some(&bo),
        )
        .await;
    assert_eq!(not_bos.status, StatusCode::NOT_FOUND);
    let ended = h
        .post(
            "/api/account/sessions/end",
            &format!("id={other}"),
            Some(&second),
        )
        .await;
    assert!(ended.status.is_success(), "{}", ended.body);
    assert_eq!(h.post("/api/me", "", Some(&first)).await.body, "null");
    assert!(h
        .post("/api/me", "", Some(&second))
        .await
        .body
        .contains("ana@"));
}
