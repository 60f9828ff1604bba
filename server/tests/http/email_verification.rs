//! Verified email through the router: a sign-up with mail on waits for its link, the link's
//! page and its confirmation (signed in or not), resends, and refusals that change nothing.

use super::*;

/// A harness whose portal can send mail (the queue is read straight from the database).
fn mailing() -> Harness {
    harness_from(
        SessionPolicy::default(),
        false,
        |_| {},
        |s| s.mail_enabled = true,
    )
}

/// The token of the newest verification mail to `to`.
fn token_for(h: &Harness, to: &str) -> String {
    use domain::schema::mail_queue;
    let mut conn = h.db.conn();
    let body: String = mail_queue::table
        .filter(mail_queue::recipient.eq(to))
        .order(mail_queue::created_at.desc())
        .select(mail_queue::body)
        .first(&mut conn)
        .expect("a mail");
    let at = body
        .find("http://127.0.0.1:3000/verify-email?token=")
        .expect("the link on the public address");
    body[at..]
        .split_whitespace()
        .next()
        .and_then(|l| l.split("token=").nth(1))
        .expect("token")
        .to_string()
}

#[tokio::test]
async fn a_sign_up_waits_for_its_link_which_works_once_without_a_session() {
    let h = mailing();
    let cookie = h.sign_up("acme").await;
    let mine = h.post("/api/partners/me", "", Some(&cookie)).await.json();
    assert_eq!(mine["partner"]["status"], "UNVERIFIED");
    assert_eq!(mine["pending_email"]["email"], "acme@example.org");
    assert_eq!(mine["pending_email"]["purpose"], "REGISTRATION");
    // The organisation page says what to do, rendered on the server.
    let page = h.page("/partner", Some(&cookie)).await;
    assert!(
        page.body.contains("data-testid=\"verify-needed\""),
        "{}",
        page.body
    );
    // An admin cannot approve it yet.
    h.account("admin@example.org", &[Role::PartnerAdmin]);
    let admin = h.login("admin@example.org").await;
    let early = h
        .post(
            "/api/partners/decide",
            "id=acme&decision=approve",
            Some(&admin),
        )
        .await;
    assert_eq!(early.status, StatusCode::CONFLICT, "{}", early.body);
    // The link's page shows the address and a confirm button; opening it changes nothing.
    let token = token_for(&h, "acme@example.org");
    let page = h.page(&format!("/verify-email?token={token}"), None).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("acme@example.org"), "{}", page.body);
    assert!(page.body.contains("data-testid=\"verify-email-confirm\""));
    let still = h.post("/api/partners/me", "", Some(&cookie)).await.json();
    assert_eq!(still["partner"]["status"], "UNVERIFIED");
    // Confirmed from another browser (no session): pending, and the admin can decide.
    let done = h
        .post("/api/email/verify", &format!("token={token}"), None)
        .await;
    assert!(done.status.as_u16() < 400, "{} {}", done.status, done.body);
    let after = h.post("/api/partners/me", "", Some(&cookie)).await.json();
    assert_eq!(after["partner"]["status"], "PENDING");
    assert!(after["pending_email"].is_null());
    let approved = h
        .post(
            "/api/partners/decide",
            "id=acme&decision=approve",
            Some(&admin),
        )
        .await;
    assert_eq!(approved.status, StatusCode::OK, "{}", approved.body);
    // The spent link: a field error, and its page says it no longer works.
    let again = h
        .post("/api/email/verify", &format!("token={token}"), None)
        .await;
    assert_eq!(
        again.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        again.body
    );
    assert_eq!(again.code(), "PMS_VERIFY_LINK_INVALID");
    let page = h.page(&format!("/verify-email?token={token}"), None).await;
    assert!(page.body.contains("data-testid=\"verify-invalid\""));
}

#[tokio::test]
async fn resend_is_the_partners_own_throttled_and_refused_when_nothing_waits() {
    let h = mailing();
    let cookie = h.sign_up("acme").await;
    let anonymous = h.post("/api/partners/me/email/resend", "", None).await;
    assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED);
    for _ in 0..2 {
        let sent = h
            .post("/api/partners/me/email/resend", "", Some(&cookie))
            .await;
        assert_eq!(sent.status, StatusCode::OK, "{}", sent.body);
    }
    let fourth = h
        .post("/api/partners/me/email/resend", "", Some(&cookie))
        .await;
    assert_eq!(
        fourth.status,
        StatusCode::TOO_MANY_REQUESTS,
        "{}",
        fourth.body
    );
    assert_eq!(fourth.code(), "PMS_VERIFY_THROTTLED");
    let token = token_for(&h, "acme@example.org");
    h.post("/api/email/verify", &format!("token={token}"), None)
        .await;
    // Verified and no change waiting: nothing to send, nothing to withdraw.
    let cancel = h
        .post("/api/partners/me/email/cancel", "", Some(&cookie))
        .await;
    assert_eq!(cancel.status, StatusCode::CONFLICT, "{}", cancel.body);
    assert_eq!(cancel.code(), "PMS_VERIFY_NOTHING_PENDING");
}

#[tokio::test]
async fn without_mail_a_sign_up_is_pending_at_once() {
    let h = harness();
    let cookie = h.sign_up("acme").await;
    let mine = h.post("/api/partners/me", "", Some(&cookie)).await.json();
    assert_eq!(mine["partner"]["status"], "PENDING");
    assert!(mine["pending_email"].is_null());
    let resend = h
        .post("/api/partners/me/email/resend", "", Some(&cookie))
        .await;
    assert_eq!(resend.status, StatusCode::CONFLICT, "{}", resend.body);
    assert_eq!(resend.code(), "PMS_VERIFY_UNAVAILABLE");
}
