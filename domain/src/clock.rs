//! Time: stored as UTC milliseconds, shown as RFC 3339.

use std::sync::atomic::{AtomicI64, Ordering};

static LAST: AtomicI64 = AtomicI64::new(0);

/// Milliseconds since the epoch, UTC, strictly increasing within the process: two changes in
/// the same millisecond get distinct times, so "newest first" is the order they were made in
/// (lists also sort by id last, so their order is total across processes too). A burst
/// runs at most a few milliseconds ahead of the wall clock.
pub fn now_ms() -> i64 {
    let wall = chrono::Utc::now().timestamp_millis();
    let prev = LAST
        .fetch_update(Ordering::AcqRel, Ordering::Acquire, |last| {
            Some(wall.max(last + 1))
        })
        .unwrap_or(wall);
    wall.max(prev + 1)
}

/// RFC 3339 (UTC, seconds) for a stored time.
pub fn rfc3339(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    #[test]
    fn times_are_distinct_and_increasing() {
        let times: Vec<i64> = (0..1000).map(|_| super::now_ms()).collect();
        assert!(times.windows(2).all(|w| w[0] < w[1]));
    }
}
