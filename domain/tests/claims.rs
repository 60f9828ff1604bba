//! README claims about limits and timings, pinned with the README's own literals (never the
//! code's constants), so changing a behaviour the README promises fails here first.
//! `docs/claims.md` maps each claim to its test.

use diesel::prelude::*;
use domain::notification;
use domain::testing::TestDb;

const MINUTE: i64 = 60_000;
const HOUR: i64 = 60 * MINUTE;

/// README "Security in brief": "answers slow down after 2 failures, the email locks for 15
/// minutes after 5 and the address after 20".
#[test]
fn throttle_figures_are_the_readmes() {
    let p = domain::throttle::ThrottlePolicy::default();
    assert_eq!(p.slow_after, 2);
    assert_eq!(p.account_max_failures, 5);
    assert_eq!(p.address_max_failures, 20);
    assert_eq!(p.lock_ms, 15 * MINUTE);
}

/// README "Configuration": sessions end after 30 idle minutes and 12 hours after sign-in.
#[test]
fn session_lifetimes_are_the_readmes() {
    let p = domain::session::SessionPolicy::default();
    assert_eq!((p.idle_ms, p.absolute_ms), (30 * MINUTE, 12 * HOUR));
}

/// README "Mail": "retries failures with back-off (1 minute doubling to 6 hours, given up
/// after 16 attempts)"; a claim lasts 5 minutes.
#[test]
fn mail_retries_back_off_from_a_minute_to_six_hours_and_stop_after_16_attempts() {
    let series: Vec<i64> = (0..12).map(notification::backoff_ms).collect();
    assert_eq!(
        series,
        [1, 2, 4, 8, 16, 32, 64, 128, 256, 360, 360, 360]
            .iter()
            .map(|m| m * MINUTE)
            .collect::<Vec<_>>()
    );
    assert_eq!(notification::CLAIM_MS, 5 * MINUTE);
    let db = TestDb::new();
    let conn = &mut db.conn();
    let now = 1_800_000_000_000;
    notification::enqueue_mail(conn, None, "ops@example.org", "eng", "s", "b", now)
        .expect("queued");
    let status = |conn: &mut domain::db::AnyConnection| -> (String, i32) {
        domain::schema::mail_queue::table
            .select((
                domain::schema::mail_queue::status,
                domain::schema::mail_queue::attempts,
            ))
            .first(conn)
            .expect("row")
    };
    let mut t = now;
    for attempt in 1..=16 {
        let mail = notification::claim_due(conn, t, 10)
            .expect("claim")
            .pop()
            .expect("due");
        notification::mark_failed(conn, &mail, t, "refused").expect("failed");
        let (s, n) = status(conn);
        assert_eq!(n, attempt);
        assert_eq!(
            s,
            if attempt < 16 { "PENDING" } else { "FAILED" },
            "attempt {attempt}"
        );
        t += 7 * HOUR;
    }
    assert!(
        notification::claim_due(conn, t, 10)
            .expect("claim")
            .is_empty(),
        "given up"
    );
}

/// README "Security in brief": "Passwords: argon2id, at least 12 characters, not containing
/// the account's email".
#[test]
fn passwords_need_12_characters_and_not_the_email() {
    use domain::account::check_password;
    let code = |p: &str| {
        check_password("password", p, "rita@example.org")
            .err()
            .map(|e| e.code)
    };
    assert_eq!(code("elevenchars"), Some("PMS_PASSWORD_TOO_SHORT".into()));
    assert_eq!(code("twelve chars"), None);
    assert_eq!(
        code("my rita password"),
        Some("PMS_PASSWORD_CONTAINS_EMAIL".into())
    );
}

/// README "Policies": a policy is published "for at most 10 years"; documents over 256 KB
/// and nesting deeper than 32 levels get their own message.
#[test]
fn policy_limits_are_the_readmes() {
    use domain::policy::validate;
    let deep = format!("{}{}", "[".repeat(33), "]".repeat(33));
    let big = format!("{{\"x\":\"{}\"}}", "a".repeat(256 * 1024));
    let at_depth = format!("{}{}", "[".repeat(32), "]".repeat(32));
    let code = |d: &str| {
        validate::check(domain::policy::PolicyType::Misp, d)
            .err()
            .map(|e| e.code)
    };
    let (deep_code, big_code, ok_depth_code) = (code(&deep), code(&big), code(&at_depth));
    assert!(deep_code.is_some() && big_code.is_some());
    assert_ne!(deep_code, big_code, "each limit has its own message");
    // 32 levels is within the depth limit: refused, if at all, for the schema, not the depth.
    assert_ne!(ok_depth_code, deep_code);
}

/// README "Configuration": "SQLite runs in WAL mode with foreign keys on and a busy timeout".
#[test]
fn sqlite_runs_in_wal_mode_with_foreign_keys_and_a_busy_timeout() {
    let db = TestDb::new();
    if db.backend() != "sqlite" {
        return;
    }
    #[derive(QueryableByName)]
    struct Row {
        #[diesel(sql_type = diesel::sql_types::Text)]
        v: String,
    }
    let mut pooled = db.conn();
    let domain::db::AnyConnection::Sqlite(conn) = &mut *pooled else {
        panic!("a SQLite test database")
    };
    let mut pragma = |table: &str, column: &str| -> String {
        diesel::sql_query(format!(
            "SELECT CAST({column} AS TEXT) AS v FROM pragma_{table}"
        ))
        .get_result::<Row>(conn)
        .expect(table)
        .v
    };
    assert_eq!(pragma("journal_mode", "journal_mode").to_lowercase(), "wal");
    assert_eq!(pragma("foreign_keys", "foreign_keys"), "1");
    assert!(
        pragma("busy_timeout", "timeout")
            .parse::<i64>()
            .expect("number")
            >= 1000
    );
}

/// README "Policies": "Publishing sets the validity (from now to a chosen date, at most 10
/// years)": ten years of days (leap days included) pass, a day past ten leap years does not.
#[test]
fn a_policy_is_published_for_at_most_ten_years() {
    const DAY: i64 = 86_400_000;
    let db = TestDb::new();
    let conn = &mut db.conn();
    let pm = domain::audit::Actor::account("pm-id", "pm@example.org");
    let group = domain::policy::group::create(conn, &pm, "ten-years", "")
        .expect("group")
        .id;
    let policy = domain::policy::create(
        conn,
        &pm,
        &domain::policy::PolicyInput {
            group_id: group,
            name: "long".into(),
            description: String::new(),
            policy_type: "MISP".into(),
            document: domain::policy::PolicyType::Misp.template().into(),
        },
    )
    .expect("draft")
    .summary
    .id;
    let now = domain::clock::now_ms();
    let err = domain::policy::publish(conn, &pm, &policy, now + (10 * 366 + 1) * DAY)
        .expect_err("over ten years");
    assert_eq!(err.code, "PMS_POLICY_VALID_TO_TOO_FAR");
    domain::policy::publish(conn, &pm, &policy, now + (10 * 365) * DAY).expect("within ten years");
}

/// README "Partners": phone numbers have "at least 4 digits, at most 16 characters without
/// the separators (so `+33 1 23 45 67 89` is kept whole) and 32 as typed; never cut short".
/// Each limit on both sides (mutation testing found the boundaries unpinned).
#[test]
fn phone_limits_are_the_readmes() {
    let check = |v: &str| domain::partner::check_phone("phone", v, true).map_err(|e| e.code);
    let too_long = Err("PMS_PHONE_TOO_LONG".to_string());
    assert_eq!(
        check("+33 1 23 45 67 89").as_deref(),
        Ok("+33 1 23 45 67 89")
    );
    // 16 without separators (the '+' counts) is kept whole; 17 is refused.
    assert_eq!(check("+123456789012345").as_deref(), Ok("+123456789012345"));
    assert_eq!(check("+1234567890123456"), too_long);
    // 32 as typed is kept; 33 is refused, and so is 40, though only 14 digits.
    let typed_32 = "(1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6";
    assert_eq!(typed_32.chars().count(), 32);
    assert_eq!(check(typed_32).as_deref(), Ok(typed_32));
    assert_eq!(check(&format!("{typed_32})")), too_long);
    let typed_40 = "1  2  3  4  5  6  7  8  9  0  1  2  3  4";
    assert_eq!(typed_40.chars().count(), 40);
    assert_eq!(check(typed_40), too_long);
    // At least 4 digits.
    assert_eq!(check("1234").as_deref(), Ok("1234"));
    assert_eq!(check("123"), Err("PMS_PHONE_INVALID".to_string()));
}
