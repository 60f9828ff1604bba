//! The API key lookup alone, in process, on a real database: the verification's one indexed
//! read through the two-backend connection (`AnyConnection`, as every other query runs) next
//! to the same statement on the backend's own connection (as `apikey::verify` runs it).
//!
//! `cargo bench -p domain --features server --bench apikey_lookup` (SQLite in a temp dir; set
//! TEST_DATABASE_URL for PostgreSQL). KEYS (default 20,000) keys, LOOKUPS (default 200,000)
//! lookups of random keys on one connection, one thread.

use diesel::prelude::*;
use domain::access::apikey;
use domain::db::AnyConnection;
use domain::schema::{api_keys, partners, policies};
use domain::testing::TestDb;
use std::time::Instant;

type KeyRow = (
    (String, i64, i64),
    (String, String, String),
    (String, String, String, String, String),
);

/// The lookup as it ran before: the same statement through the two-backend connection.
fn through_any(conn: &mut AnyConnection, hash: &str) -> Option<KeyRow> {
    api_keys::table
        .inner_join(partners::table)
        .inner_join(policies::table)
        .filter(api_keys::key_hash.eq(hash))
        .select((
            (api_keys::status, api_keys::valid_from, api_keys::valid_to),
            (partners::id, partners::organisation, partners::status),
            (
                policies::id,
                policies::name,
                policies::policy_type,
                policies::status,
                policies::document,
            ),
        ))
        .first::<KeyRow>(conn)
        .optional()
        .expect("lookup")
}

fn env(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn main() {
    let keys = env("KEYS", 20_000);
    let lookups = env("LOOKUPS", 200_000);
    let db = TestDb::new();
    let mut conn = db.conn();
    let secrets =
        domain::access::seed::seed_api_keys(&mut conn, keys, "correct horse battery", |_| {})
            .expect("seed");
    let hashes: Vec<String> = secrets
        .iter()
        .map(|s| domain::access::token::hash(s))
        .collect();
    let now = domain::clock::now_ms();
    // A cheap deterministic spread over the keys (xorshift), the same for both runs.
    let picks = |n: usize| {
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        (0..n).map(move |_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x % keys as u64) as usize
        })
    };
    for round in 1..=2 {
        let start = Instant::now();
        for i in picks(lookups) {
            assert!(through_any(&mut conn, &hashes[i]).is_some());
        }
        let any = start.elapsed();
        let start = Instant::now();
        for i in picks(lookups) {
            let v = apikey::verify(&mut conn, &secrets[i], None, now).expect("verify");
            assert!(v.is_some_and(|v| v.valid));
        }
        let own = start.elapsed();
        let per = |d: std::time::Duration| d.as_secs_f64() * 1e6 / lookups as f64;
        println!(
            "round {round}: {lookups} lookups of {keys} keys — two-backend connection {:.2} µs each ({:.0}/s); verify on the backend's own connection {:.2} µs each ({:.0}/s)",
            per(any),
            lookups as f64 / any.as_secs_f64(),
            per(own),
            lookups as f64 / own.as_secs_f64(),
        );
    }
}
