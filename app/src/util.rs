//! Small helpers used on both sides.

/// Percent-encode a query value.
pub fn encode_query(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// Accept a post-login destination only if it is a path on this site (no open redirect).
pub fn safe_next(next: &str) -> Option<String> {
    let next = next.trim();
    let ok = next.starts_with('/')
        && !next.starts_with("//")
        && !next.starts_with("/\\")
        && !next.chars().any(|c| c.is_control() || c == '\\');
    ok.then(|| next.to_string())
}

/// Where a sign-in goes: `next` when it is a safe local path other than the sign-in page,
/// else the dashboard. The server's redirect and the page's own (for a visitor already signed
/// in) use this one rule, so the two never send the browser to different places.
pub fn after_login(next: Option<&str>) -> String {
    next.and_then(safe_next)
        .filter(|n| !n.starts_with("/login"))
        .unwrap_or_else(|| "/".to_string())
}

/// An RFC 3339 UTC timestamp shown as `2026-11-28 08:14 UTC`.
pub fn human_time(rfc3339: &str) -> String {
    match rfc3339.get(..16) {
        Some(head) if rfc3339.ends_with('Z') => format!("{} UTC", head.replace('T', " ")),
        _ => rfc3339.to_string(),
    }
}

/// UTC milliseconds shown as `2026-11-28 08:14 UTC`.
pub fn human_ms(ms: i64) -> String {
    let days = ms.div_euclid(86_400_000);
    let rest = ms.rem_euclid(86_400_000) / 60_000;
    let (y, m, d) = civil_from_days(days);
    format!("{y:04}-{m:02}-{d:02} {:02}:{:02} UTC", rest / 60, rest % 60)
}

/// UTC milliseconds with seconds, `2026-11-28 08:14:05 UTC` (delivery logs).
pub fn human_ms_seconds(ms: i64) -> String {
    let minutes = human_ms(ms);
    let secs = ms.rem_euclid(60_000) / 1000;
    format!("{}:{secs:02} UTC", minutes.trim_end_matches(" UTC"))
}

pub use domain::list::{civil_from_days, date_to_ms};

/// `YYYY-MM-DD` to UTC milliseconds at the last millisecond of that day (an "until" date).
pub fn end_of_day_ms(date: &str) -> Option<i64> {
    date_to_ms(date).map(|ms| ms + 86_400_000 - 1)
}

/// UTC milliseconds as `YYYY-MM-DD` (an `<input type=date>` value).
pub fn ms_to_date(ms: i64) -> String {
    let (y, m, d) = civil_from_days(ms.div_euclid(86_400_000));
    format!("{y:04}-{m:02}-{d:02}")
}

/// Now, UTC milliseconds (server clock in SSR, browser clock after hydration).
pub fn now_ms() -> i64 {
    #[cfg(feature = "hydrate")]
    {
        js_sys::Date::now() as i64
    }
    #[cfg(not(feature = "hydrate"))]
    {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_millis() as i64)
            .unwrap_or(0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn until_dates_and_back() {
        let ms = date_to_ms("2027-02-28").expect("date");
        assert_eq!(ms_to_date(ms), "2027-02-28");
        assert_eq!(end_of_day_ms("2027-02-28"), Some(ms + 86_399_999));
        assert_eq!(end_of_day_ms("2027-02-30"), None);
    }

    #[test]
    fn next_must_be_a_local_path() {
        assert_eq!(
            safe_next("/admin/accounts?page=2").as_deref(),
            Some("/admin/accounts?page=2")
        );
        for bad in [
            "https://evil.example",
            "//evil.example",
            "/\\evil",
            "",
            "javascript:alert(1)",
            "/a\nb",
        ] {
            assert_eq!(safe_next(bad), None, "{bad}");
        }
        assert_eq!(after_login(Some("/account")), "/account");
        for back_home in [
            None,
            Some(""),
            Some("/login?next=/x"),
            Some("//evil.example"),
        ] {
            assert_eq!(after_login(back_home), "/", "{back_home:?}");
        }
    }

    #[test]
    fn query_values_are_encoded() {
        assert_eq!(encode_query("a b&c=d/é"), "a%20b%26c%3Dd%2F%C3%A9");
    }

    #[test]
    fn dates_round_trip() {
        assert_eq!(date_to_ms("1970-01-01"), Some(0));
        assert_eq!(date_to_ms("2026-11-28"), Some(1_795_824_000_000));
        assert_eq!(
            human_ms(1_795_824_000_000 + 8 * 3_600_000 + 14 * 60_000),
            "2026-11-28 08:14 UTC"
        );
        assert_eq!(date_to_ms("2026-02-30"), None);
        assert_eq!(date_to_ms("nonsense"), None);
        assert_eq!(
            human_time("2026-11-28T08:14:07.123Z"),
            "2026-11-28 08:14 UTC"
        );
    }
}

/// The day `years` after the day of `ms`, as YYYY-MM-DD (29 February becomes 28 February in a
/// common year, as the server's month arithmetic does).
pub fn date_plus_years(ms: i64, years: i64) -> String {
    let (y, m, d) = civil_from_days(ms.div_euclid(86_400_000));
    let y = y + years;
    let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let d = if m == 2 && d == 29 && !leap { 28 } else { d };
    format!("{y:04}-{m:02}-{d:02}")
}
