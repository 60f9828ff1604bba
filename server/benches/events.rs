//! Event delivery figures for docs/benchmarks.md: deliveries per second to 10 WebSub
//! subscribers on loopback, the lag from commit to receipt at 200 changes/s, and a bare
//! reqwest POST loop to the same receivers in the same run (the figure that travels between
//! machines is the ratio).
//!
//!   cargo bench -p pms --bench events                 # SQLite in a temp directory
//!   TEST_DATABASE_URL=postgres://… cargo bench -p pms --bench events
//!
//! Settings: EVENTS (events per receiver in the throughput runs, default 5000), RATE and
//! SECONDS of the lag run (default 200/s for 20 s).

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;
use axum::Router;
use domain::audit::Actor;
use domain::events::store::{HubRequest, LeaseLimits};
use domain::testing::TestDb;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const TOPIC: &str = "PARTNER_UPDATED";
const RECEIVERS: usize = 10;

#[derive(Clone, Default)]
struct Sink {
    count: Arc<AtomicU64>,
    /// Commit-to-receipt lags (µs) of events that carry their commit time.
    lags: Arc<Mutex<Vec<u64>>>,
}

fn now_us() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_micros() as u64)
        .unwrap_or(0)
}

async fn receive(State(s): State<Sink>, body: axum::body::Bytes) -> StatusCode {
    let at = now_us();
    // The bare loop sends the same envelope; only events with a commit time count for lag.
    if let Ok(v) = serde_json::from_slice::<serde_json::Value>(&body) {
        if let Some(t) = v["event"]["data"]["t"].as_u64() {
            s.lags.lock().expect("lags").push(at.saturating_sub(t));
        }
    }
    s.count.fetch_add(1, Ordering::Relaxed);
    StatusCode::OK
}

async fn confirm(
    axum::extract::Query(q): axum::extract::Query<std::collections::HashMap<String, String>>,
) -> String {
    q.get("hub.challenge").cloned().unwrap_or_default()
}

async fn sink() -> (Sink, String) {
    let s = Sink::default();
    let app = Router::new()
        .route("/cb", get(confirm).post(receive))
        .with_state(s.clone());
    let l = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let port = l.local_addr().expect("addr").port();
    tokio::spawn(async move { axum::serve(l, app).await });
    (s, format!("http://127.0.0.1:{port}/cb"))
}

fn env_or(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn percentile(sorted: &[u64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i] as f64 / 1000.0
}

async fn wait_for(sinks: &[Sink], each: u64) {
    while sinks.iter().any(|s| s.count.load(Ordering::Relaxed) < each) {
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
}

fn enqueue(db: &TestDb, n: u64) {
    let mut conn = db.conn();
    for i in 0..n {
        domain::outbox::enqueue(&mut conn, TOPIC, serde_json::json!({ "n": i })).expect("event");
    }
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let events = env_or("EVENTS", 5000);
    let rate = env_or("RATE", 200);
    let seconds = env_or("SECONDS", 20);
    let db = TestDb::new();
    let key = domain::cert::seal::MasterKey::from_base64(
        &domain::cert::seal::MasterKey::generate_base64().expect("randomness"),
    )
    .expect("key");
    let settings = pms::events::EventSettings {
        allow_hosts: vec!["127.0.0.1".into()],
        ..Default::default()
    };
    let mut sinks = Vec::new();
    let mut urls = Vec::new();
    {
        let mut conn = db.conn();
        let token =
            domain::access::token::issue(&mut conn, &Actor::system(), "bench", &[]).expect("token");
        for _ in 0..RECEIVERS {
            let (s, cb) = sink().await;
            urls.push(cb.clone());
            domain::events::store::request(
                &mut conn,
                &Actor::system(),
                &token.item.id,
                "*",
                &HubRequest {
                    mode: Some("subscribe".into()),
                    topic: Some(TOPIC.into()),
                    callback: Some(cb),
                    secret: Some("bench-secret".into()),
                    lease_seconds: None,
                },
                LeaseLimits::default(),
                &settings.allow_hosts,
                &key,
                domain::clock::now_ms(),
            )
            .expect("subscribe");
            sinks.push(s);
        }
    }
    let engine = pms::events::Engine::new(db.pool.clone(), key, settings);
    let pass = engine
        .run_once(domain::clock::now_ms())
        .await
        .expect("verify");
    assert_eq!(pass.verified, RECEIVERS);
    println!(
        "# event delivery, {} ({RECEIVERS} subscribers, signed, {events} events each)",
        db.backend()
    );

    // 1. Throughput: a backlog drained by the engine (every attempt recorded in the database).
    enqueue(&db, events);
    let started = Instant::now();
    pms::events::spawn(engine, Duration::from_millis(100));
    wait_for(&sinks, events).await;
    let portal_rate = (RECEIVERS as u64 * events) as f64 / started.elapsed().as_secs_f64();
    println!("portal engine: {portal_rate:.0} deliveries/s");

    // 2. The same number of POSTs of the same envelope, one loop per receiver, no database.
    let body = serde_json::json!({
        "publisher": "PARTNER_MANAGEMENT_SERVICE", "publishedOn": "2026-12-03T00:00:00.000Z",
        "topic": TOPIC, "event": { "id": uuid::Uuid::new_v4().to_string(),
        "timestamp": "2026-12-03T00:00:00.000Z", "type": TOPIC, "data": { "n": 0 } }
    })
    .to_string();
    let base: Vec<u64> = sinks
        .iter()
        .map(|s| s.count.load(Ordering::Relaxed))
        .collect();
    let client = reqwest::Client::new();
    let started = Instant::now();
    let mut loops = tokio::task::JoinSet::new();
    for url in urls.clone() {
        let (client, body) = (client.clone(), body.clone());
        loops.spawn(async move {
            for _ in 0..events {
                let r = client
                    .post(&url)
                    .header("Content-Type", "application/json")
                    .body(body.clone())
                    .send()
                    .await
                    .expect("post");
                assert!(r.status().is_success());
            }
        });
    }
    while loops.join_next().await.is_some() {}
    let bare_rate = (RECEIVERS as u64 * events) as f64 / started.elapsed().as_secs_f64();
    for (s, b) in sinks.iter().zip(&base) {
        assert_eq!(s.count.load(Ordering::Relaxed), b + events);
    }
    println!(
        "bare reqwest loop: {bare_rate:.0} POSTs/s; portal/bare = {:.2}",
        portal_rate / bare_rate
    );

    // 3. Lag: RATE changes per second for SECONDS, each stamped with its time of commit.
    for s in &sinks {
        s.lags.lock().expect("lags").clear();
    }
    let before: Vec<u64> = sinks
        .iter()
        .map(|s| s.count.load(Ordering::Relaxed))
        .collect();
    let total = rate * seconds;
    let pool = db.pool.clone();
    let producer = tokio::task::spawn_blocking(move || {
        let mut conn = pool.get().expect("conn");
        let start = Instant::now();
        for i in 0..total {
            let due = start + Duration::from_micros(i * 1_000_000 / rate);
            if let Some(wait) = due.checked_duration_since(Instant::now()) {
                std::thread::sleep(wait);
            }
            domain::outbox::enqueue(
                &mut conn,
                TOPIC,
                serde_json::json!({ "n": i, "t": now_us() }),
            )
            .expect("event");
        }
    });
    producer.await.expect("producer");
    while sinks
        .iter()
        .zip(&before)
        .any(|(s, b)| s.count.load(Ordering::Relaxed) < b + total)
    {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let mut lags: Vec<u64> = sinks
        .iter()
        .flat_map(|s| s.lags.lock().expect("lags").clone())
        .collect();
    lags.sort_unstable();
    println!(
        "lag at {rate} changes/s for {seconds} s ({} deliveries): p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
        lags.len(),
        percentile(&lags, 0.50),
        percentile(&lags, 0.99),
        percentile(&lags, 1.0)
    );
}
