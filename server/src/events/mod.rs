//! Events leave the portal here: the WebSub hub's HTTP side (`POST /websub/hub`,
//! `GET /websub/topics`) and the delivery engine that drains the outbox to every active
//! subscriber. What is due, claims, cursors, retries and dead letters are kept in the database
//! (`domain::events::store`), so any number of instances can run the engine and a crash only
//! re-sends the events that were in flight.

use app::state::AppState;
use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use domain::cert::seal::MasterKey;
use domain::events::store::{
    self, Attempt, HubRequest, LeaseLimits, Next, Receiver, RetryPolicy, Verification,
};
use domain::events::ReceiverKind;
use domain::outbox::PendingEvent;
use hmac::{Hmac, Mac};
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::{Duration, Instant};

mod addresses;
mod hub;
pub use addresses::*;
pub use hub::*;

mod run;
pub use run::*;

mod settings;
pub use settings::*;

/// Accepted events recorded in one transaction, at most (see `store::record_delivered`).
const RUN_EVENTS: usize = 32;
/// ... or this long after the first of them.
const RUN_TIME: Duration = Duration::from_millis(250);
/// Events read from the outbox at a time, per receiver.
const FETCH_EVENTS: i64 = 100;

/// A run of accepted events being recorded in the background, and its size.
struct Recording {
    task: tokio::task::JoinHandle<anyhow::Result<(bool, Receiver)>>,
    count: usize,
}

/// Most of a callback's answer that is read (a challenge echo is short).
const MAX_ANSWER_BYTES: usize = 4096;

/// A later step of a pass started at `now`: `now` plus the time spent (at most a minute),
/// so a claim extended then does not end early under a controlled clock.
fn later(now: i64) -> i64 {
    now.max(domain::clock::now_ms().min(now + 60_000))
}

/// The delivery engine of one instance.
#[derive(Clone)]
pub struct Engine {
    pool: domain::db::Pool,
    key: MasterKey,
    settings: Arc<EventSettings>,
    guarded: reqwest::Client,
    /// For the operator's own services (their addresses may be internal).
    plain: reqwest::Client,
    owner: Arc<str>,
    configured: Arc<std::sync::atomic::AtomicBool>,
}

/// What one pass did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Pass {
    /// Events delivered.
    pub delivered: usize,
    /// Attempts that failed.
    pub failed: usize,
    /// Verifications of intent made.
    pub verified: usize,
}

impl Engine {
    /// An engine with its own claim owner id.
    pub fn new(pool: domain::db::Pool, key: MasterKey, settings: EventSettings) -> Engine {
        let guarded = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .no_proxy()
            .connect_timeout(settings.connect_timeout)
            .timeout(settings.timeout)
            .dns_resolver(Arc::new(GuardedResolver {
                allow_hosts: settings.allow_hosts.clone(),
            }))
            .user_agent(concat!("pms-websub/", env!("CARGO_PKG_VERSION")))
            .build()
            .unwrap_or_default();
        let plain = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(settings.connect_timeout)
            .timeout(settings.timeout)
            .user_agent(concat!("pms-events/", env!("CARGO_PKG_VERSION")))
            .build()
            .unwrap_or_default();
        Engine {
            pool,
            key,
            settings: Arc::new(settings),
            guarded,
            plain,
            owner: Arc::from(uuid::Uuid::new_v4().to_string()),
            configured: Default::default(),
        }
    }

    /// Settings in force.
    pub fn settings(&self) -> &EventSettings {
        &self.settings
    }

    /// Work on everything due at `now`, receivers side by side (each in order); returns when
    /// done. Tests call it with a chosen clock; the background loop with the real one.
    pub async fn run_once(&self, now: i64) -> anyhow::Result<Pass> {
        use std::sync::atomic::Ordering;
        if !self.configured.load(Ordering::SeqCst) {
            self.configure(now).await?;
            self.configured.store(true, Ordering::SeqCst);
        }
        let mut kinds = vec![ReceiverKind::Websub];
        if self.settings.publish.is_some() {
            kinds.push(ReceiverKind::Hub);
        }
        if self.settings.esignet.is_some() {
            kinds.push(ReceiverKind::Esignet);
        }
        let due = domain::db::run(&self.pool, move |conn| store::due(conn, now, &kinds, 64))
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        let mut tasks = tokio::task::JoinSet::new();
        for id in due {
            let engine = self.clone();
            tasks.spawn(async move { engine.work_on(id, now).await });
        }
        let mut pass = Pass::default();
        while let Some(done) = tasks.join_next().await {
            match done {
                Ok(Ok(p)) => {
                    pass.delivered += p.delivered;
                    pass.failed += p.failed;
                    pass.verified += p.verified;
                }
                Ok(Err(e)) => tracing::warn!(error = %e, "event delivery step failed"),
                Err(e) => tracing::warn!(error = %e, "event delivery task ended"),
            }
        }
        Ok(pass)
    }

    /// Make the built-in receivers match the settings: the external hub and eSignet each get
    /// one (starting at the oldest event still kept); one no longer configured stops, so it no
    /// longer holds back the purge.
    pub async fn configure(&self, now: i64) -> anyhow::Result<()> {
        let publish = self.settings.publish.as_ref().map(|t| t.url.clone());
        let esignet = self.settings.esignet.as_ref().map(|t| t.url.clone());
        domain::db::run(&self.pool, move |conn| {
            for (kind, url) in [
                (ReceiverKind::Hub, publish),
                (ReceiverKind::Esignet, esignet),
            ] {
                match url {
                    Some(url) => {
                        store::ensure_receiver(conn, kind, &url, now)?;
                    }
                    None => {
                        store::retire_receivers(conn, kind, now)?;
                    }
                }
            }
            Ok(())
        })
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))
    }

    /// Send one event to receiver `r`, whatever its kind.
    async fn send(
        &self,
        r: &Receiver,
        event: &PendingEvent,
        secret: Option<&[u8]>,
        now: i64,
    ) -> Attempt {
        match (r.kind(), &self.settings.publish, &self.settings.esignet) {
            (ReceiverKind::Hub, Some(t), _) => {
                crate::outbound::publish(&self.pool, &self.plain, t, r, event, now).await
            }
            (ReceiverKind::Esignet, _, Some(t)) => {
                crate::outbound::esignet(&self.pool, &self.plain, t, event, now).await
            }
            (ReceiverKind::Websub, _, _) => self.post(r, event, secret).await,
            // Not configured here (another instance may be): not sent, tried again later.
            _ => Attempt {
                status: None,
                ok: false,
                error: Some("not configured on this instance".into()),
                latency_ms: 0,
            },
        }
    }

    /// Expire leases and purge what is past retention.
    pub async fn housekeeping(&self, now: i64) -> anyhow::Result<(usize, usize)> {
        let retention = self.settings.retention_ms;
        domain::db::run(&self.pool, move |conn| {
            Ok((
                store::expire_leases(conn, now)?,
                store::purge(conn, now, retention)?,
            ))
        })
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))
    }

    async fn work_on(&self, id: String, now: i64) -> anyhow::Result<Pass> {
        let owner = self.owner.clone();
        let ttl = self.settings.claim_ttl_ms;
        let claimed = {
            let id = id.clone();
            domain::db::run(&self.pool, move |conn| {
                store::claim(conn, &id, &owner, now, ttl)
            })
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?
        };
        let Some(mut r) = claimed else {
            return Ok(Pass::default());
        };
        let result = self.deliver_claimed(&mut r, now).await;
        let owner = self.owner.clone();
        domain::db::run(&self.pool, move |conn| store::release(conn, &id, &owner))
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        result
    }

    async fn deliver_claimed(&self, r: &mut Receiver, now: i64) -> anyhow::Result<Pass> {
        let mut pass = Pass::default();
        if r.verify_mode.is_some() {
            self.verify_now(r, now).await?;
            pass.verified += 1;
        }
        if !r.active() {
            return Ok(pass);
        }
        let secret = r.secret(&self.key);
        // Dead letters an operator asked for again go first.
        self.redeliver(r, secret.as_deref().map(|s| &s[..]), now, &mut pass)
            .await?;
        let mut left = self.settings.batch;
        // Accepted events not recorded yet: recorded together, at most RUN_EVENTS or RUN_MS
        // after the first (the claim is extended at each record, well within its TTL).
        let mut run: Vec<(PendingEvent, Attempt, i64)> = Vec::new();
        let mut run_started = Instant::now();
        // The database works while the network does: the next events are read while these
        // are sent, and a full run is recorded while the next one is sent. One record at a
        // time, each guarded by the cursor the previous one left.
        let mut recording: Option<Recording> = None;
        let mut fetching = Some(self.fetch(r, r.cursor));
        while left > 0 {
            let Some(fetch) = fetching.take() else { break };
            let batch = fetch.await??;
            if batch.is_empty() {
                break;
            }
            if left > batch.len() as i64 {
                fetching = batch.last().map(|e| self.fetch(r, e.id));
            }
            for event in batch {
                left -= 1;
                let attempt = self
                    .send(r, &event, secret.as_deref().map(|s| &s[..]), now)
                    .await;
                let at = later(now);
                if attempt.ok {
                    if run.is_empty() {
                        run_started = Instant::now();
                    }
                    run.push((event, attempt, at));
                    let full = run.len() >= RUN_EVENTS || run_started.elapsed() >= RUN_TIME;
                    if full && left > 0 {
                        if !self.settle(r, &mut recording, &mut pass).await? {
                            return Ok(pass);
                        }
                        recording = Some(self.start_record(r, std::mem::take(&mut run)));
                    }
                    if left == 0 {
                        break;
                    }
                    continue;
                }
                // The failure is recorded after the events accepted before it.
                if !self.settle(r, &mut recording, &mut pass).await?
                    || !self.record_run(r, &mut run, &mut pass).await?
                {
                    return Ok(pass);
                }
                match self.record_failure(r, event, attempt, at).await? {
                    Next::Continue => pass.delivered += 1,
                    Next::DeadLettered => pass.failed += 1,
                    Next::RetryAt(_) => {
                        pass.failed += 1;
                        return Ok(pass);
                    }
                    Next::LostClaim => return Ok(pass),
                }
                // What was read ahead followed the cursor before the failure; read again.
                fetching = (left > 0).then(|| self.fetch(r, r.cursor));
                break;
            }
        }
        if self.settle(r, &mut recording, &mut pass).await? {
            self.record_run(r, &mut run, &mut pass).await?;
        }
        Ok(pass)
    }

    /// Verify the receiver's intent now and record the answer.
    async fn verify_now(&self, r: &mut Receiver, now: i64) -> anyhow::Result<()> {
        let outcome = self.verify(r).await;
        let mut copy = r.clone();
        let retry = self.settings.retry;
        *r = domain::db::run(&self.pool, move |conn| {
            store::record_verification(conn, &mut copy, &outcome, &retry, now)?;
            Ok(copy)
        })
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
        Ok(())
    }

    /// Send again the dead letters an operator asked for, each recorded as it goes.
    async fn redeliver(
        &self,
        r: &Receiver,
        secret: Option<&[u8]>,
        now: i64,
        pass: &mut Pass,
    ) -> anyhow::Result<()> {
        let id = r.id.clone();
        let again = domain::db::run(&self.pool, move |conn| store::requeued(conn, &id))
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        for event in again {
            let attempt = self.send(r, &event, secret, now).await;
            if attempt.ok {
                pass.delivered += 1;
            } else {
                pass.failed += 1;
            }
            let id = r.id.clone();
            domain::db::run(&self.pool, move |conn| {
                store::record_redelivery(conn, &id, &event, &attempt, now)
            })
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        }
        Ok(())
    }

    /// Record a failed attempt (retry with back-off, or a dead letter); what it decided.
    async fn record_failure(
        &self,
        r: &mut Receiver,
        event: PendingEvent,
        attempt: Attempt,
        at: i64,
    ) -> anyhow::Result<Next> {
        tracing::info!(subscription = %r.id, event = %event.event_id,
            error = attempt.error.as_deref().unwrap_or(""), "event not delivered");
        let mut copy = r.clone();
        let owner = self.owner.clone();
        let (retry, ttl) = (self.settings.retry, self.settings.claim_ttl_ms);
        let jitter = rand::random::<f64>();
        let (next, copy) = domain::db::run(&self.pool, move |conn| {
            let next = store::record(
                conn, &mut copy, &owner, &event, &attempt, &retry, jitter, at, ttl,
            )?;
            Ok((next, copy))
        })
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
        *r = copy;
        Ok(next)
    }

    /// Read (in the background) the receiver's next events after `cursor`.
    fn fetch(
        &self,
        r: &Receiver,
        cursor: i64,
    ) -> tokio::task::JoinHandle<anyhow::Result<Vec<PendingEvent>>> {
        let pool = self.pool.clone();
        let (kind, topic) = (r.kind(), r.topic.clone());
        tokio::spawn(async move {
            domain::db::run(&pool, move |conn| {
                store::events_after(conn, kind, &topic, cursor, FETCH_EVENTS)
            })
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))
        })
    }

    /// Record a full run in the background (see [`Self::settle`]).
    fn start_record(&self, r: &Receiver, done: Vec<(PendingEvent, Attempt, i64)>) -> Recording {
        let pool = self.pool.clone();
        let mut copy = r.clone();
        let owner = self.owner.clone();
        let ttl = self.settings.claim_ttl_ms;
        let count = done.len();
        let task = tokio::spawn(async move {
            domain::db::run(&pool, move |conn| {
                let kept = store::record_delivered(conn, &mut copy, &owner, &done, ttl)?;
                Ok((kept, copy))
            })
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))
        });
        Recording { task, count }
    }

    /// Wait for the run being recorded, if any, and take its result; `false` when the claim
    /// was lost, so the caller stops.
    async fn settle(
        &self,
        r: &mut Receiver,
        recording: &mut Option<Recording>,
        pass: &mut Pass,
    ) -> anyhow::Result<bool> {
        let Some(Recording { task, count }) = recording.take() else {
            return Ok(true);
        };
        let (kept, copy) = task.await??;
        *r = copy;
        if kept {
            pass.delivered += count;
        }
        Ok(kept)
    }

    /// Record the accepted events of `run` (see [`store::record_delivered`]); `false` when
    /// the claim was lost, so the caller stops.
    async fn record_run(
        &self,
        r: &mut Receiver,
        run: &mut Vec<(PendingEvent, Attempt, i64)>,
        pass: &mut Pass,
    ) -> anyhow::Result<bool> {
        if run.is_empty() {
            return Ok(true);
        }
        let done = std::mem::take(run);
        let count = done.len();
        let mut copy = r.clone();
        let owner = self.owner.clone();
        let ttl = self.settings.claim_ttl_ms;
        let (kept, copy) = domain::db::run(&self.pool, move |conn| {
            let kept = store::record_delivered(conn, &mut copy, &owner, &done, ttl)?;
            Ok((kept, copy))
        })
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
        *r = copy;
        if kept {
            pass.delivered += count;
        }
        Ok(kept)
    }

    /// GET the callback with a challenge; confirmed only by a 2xx echoing it.
    async fn verify(&self, r: &Receiver) -> Verification {
        let mode = r.verify_mode.clone().unwrap_or_default();
        let Ok(mut url) = url::Url::parse(&r.callback) else {
            return Verification::Refused("the callback is not a URL".into());
        };
        if let Err(e) = check_literal(&url, &self.settings.allow_hosts) {
            return Verification::Refused(e);
        }
        let challenge = domain::session::new_token();
        let lease = r.verify_lease.unwrap_or(r.lease_seconds).to_string();
        url.query_pairs_mut()
            .append_pair("hub.mode", &mode)
            .append_pair("hub.topic", &r.topic)
            .append_pair("hub.challenge", &challenge);
        if mode == "subscribe" {
            url.query_pairs_mut()
                .append_pair("hub.lease_seconds", &lease);
        }
        let answer = match self.guarded.get(url).send().await {
            Ok(a) => a,
            Err(e) => return Verification::Unreachable(describe(&e)),
        };
        let status = answer.status();
        let body = read_limited(answer).await;
        if !status.is_success() {
            return Verification::Refused(format!("the callback answered {}", status.as_u16()));
        }
        if body.trim() != challenge {
            return Verification::Refused("the callback did not echo hub.challenge".into());
        }
        Verification::Confirmed
    }

    /// POST one event to a WebSub subscriber.
    async fn post(&self, r: &Receiver, event: &PendingEvent, secret: Option<&[u8]>) -> Attempt {
        let started = Instant::now();
        let fail = |status: Option<i32>, error: String| Attempt {
            status,
            ok: false,
            error: Some(error),
            latency_ms: started.elapsed().as_millis() as i64,
        };
        let url = match url::Url::parse(&r.callback) {
            Ok(u) => u,
            Err(_) => return fail(None, "the callback is not a URL".into()),
        };
        if let Err(e) = check_literal(&url, &self.settings.allow_hosts) {
            return fail(None, e);
        }
        let hub = format!(
            "{}/websub/hub",
            self.settings.public_url.trim_end_matches('/')
        );
        let mut req = self
            .guarded
            .post(url)
            .header(header::CONTENT_TYPE, "application/json")
            .header(
                header::LINK,
                format!("<{hub}>; rel=\"hub\", <{}>; rel=\"self\"", event.topic),
            )
            .header("X-Event-Id", &event.event_id)
            .body(event.payload.clone());
        if let Some(secret) = secret {
            req = req.header(
                "X-Hub-Signature",
                signature(secret, event.payload.as_bytes()),
            );
        }
        match req.send().await {
            Ok(answer) => {
                let status = answer.status();
                // Read (a little of) the body so the connection can be reused.
                let _ = read_limited(answer).await;
                let latency_ms = started.elapsed().as_millis() as i64;
                if status.is_success() {
                    Attempt {
                        status: Some(status.as_u16() as i32),
                        ok: true,
                        error: None,
                        latency_ms,
                    }
                } else {
                    fail(
                        Some(status.as_u16() as i32),
                        format!("the callback answered {}", status.as_u16()),
                    )
                }
            }
            Err(e) => fail(None, describe(&e)),
        }
    }
}
