//! Signatures of deliveries, short reasons for failed calls, and the engine's background loop.

use super::*;

/// `sha256=<hex HMAC-SHA256 of body>`, the `X-Hub-Signature` value.
pub fn signature(secret: &[u8], body: &[u8]) -> String {
    let Ok(mut mac) = Hmac::<sha2::Sha256>::new_from_slice(secret) else {
        return String::new();
    };
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

/// A short reason for a failed call (no URL query: it may carry a token).
pub(crate) fn describe(e: &reqwest::Error) -> String {
    let what = if e.is_timeout() {
        "timed out"
    } else if e.is_connect() {
        "could not connect"
    } else if e.is_redirect() {
        "redirects are not followed"
    } else {
        "request failed"
    };
    let mut source = std::error::Error::source(e);
    let mut detail = String::new();
    while let Some(s) = source {
        detail = s.to_string();
        source = s.source();
    }
    if detail.is_empty() {
        what.to_string()
    } else {
        format!("{what}: {}", domain::text::clip(&detail, 200))
    }
}

pub(crate) async fn read_limited(mut answer: reqwest::Response) -> String {
    let mut body = Vec::new();
    while let Ok(Some(chunk)) = answer.chunk().await {
        let room = MAX_ANSWER_BYTES.saturating_sub(body.len());
        body.extend_from_slice(&chunk[..chunk.len().min(room)]);
        if body.len() >= MAX_ANSWER_BYTES {
            break;
        }
    }
    String::from_utf8_lossy(&body).into_owned()
}

/// Run the engine in the background: a pass every `poll`, housekeeping every minute.
pub fn spawn(engine: Engine, poll: Duration) {
    tokio::spawn(async move {
        let mut every = tokio::time::interval(poll);
        every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut last_housekeeping = Instant::now() - Duration::from_secs(3600);
        let mut busy = false;
        loop {
            // A pass that delivered may have stopped at its batch limit: go on at once
            // rather than leave a backlog waiting for the next tick.
            if !busy {
                every.tick().await;
            }
            busy = match engine.run_once(domain::clock::now_ms()).await {
                Ok(pass) => pass.delivered > 0,
                Err(e) => {
                    tracing::warn!(error = %e, "event delivery pass failed");
                    false
                }
            };
            if last_housekeeping.elapsed() >= Duration::from_secs(60) {
                last_housekeeping = Instant::now();
                match engine.housekeeping(domain::clock::now_ms()).await {
                    Ok((0, 0)) => {}
                    Ok((expired, purged)) => {
                        tracing::info!(expired, purged, "event housekeeping")
                    }
                    Err(e) => tracing::warn!(error = %e, "event housekeeping failed"),
                }
            }
        }
    });
}
