//! Time: stored as UTC milliseconds, shown as RFC 3339.

use std::cell::Cell;
use std::sync::atomic::{AtomicI64, Ordering};

static LAST: AtomicI64 = AtomicI64::new(0);

thread_local! {
    /// A test's own clock for this thread (see [`pin`]).
    static PINNED: Cell<Option<i64>> = const { Cell::new(None) };
}

/// Pins this thread's clock at `ms`, or unpins it with `None`. For tests whose assertions
/// read "today" (the decisions chart, date inputs): a fixed noon keeps them away from the UTC
/// midnight edge. Each reading moves a pinned clock on by a millisecond, so times stay
/// strictly increasing. Domain services are synchronous, so their reads stay on the thread.
#[doc(hidden)]
pub fn pin(ms: Option<i64>) {
    PINNED.with(|p| p.set(ms));
}

/// Milliseconds since the epoch, UTC, strictly increasing within the process: two changes in
/// the same millisecond get distinct times, so "newest first" is the order they were made in
/// (lists also sort by id last, so their order is total across processes too). A burst
/// runs at most a few milliseconds ahead of the wall clock.
pub fn now_ms() -> i64 {
    if let Some(t) = PINNED.with(|p| {
        let t = p.get();
        p.set(t.map(|t| t + 1));
        t
    }) {
        return t;
    }
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

    #[test]
    fn a_pinned_clock_reads_its_own_time_on_its_thread_only() {
        super::pin(Some(1_000));
        assert_eq!((super::now_ms(), super::now_ms()), (1_000, 1_001));
        let other = std::thread::spawn(super::now_ms).join().expect("thread");
        assert!(
            other > 1_700_000_000_000,
            "another thread reads the wall clock"
        );
        super::pin(None);
        assert!(super::now_ms() > 1_700_000_000_000);
    }
}
