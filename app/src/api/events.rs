//! Server functions of the events page (partner admins only): every receiver of the outbox
//! (WebSub subscribers, the external hub, eSignet) with its delivery log and dead letters, and
//! the operator's three remedies: deliver a dead letter again, deactivate, replay from an event.
//! Each remedy is audited by the domain.

use domain::events::{ReceiverFilter, SubscriptionDetail, SubscriptionView};
use domain::page::Page;
use domain::AppError;
use leptos::prelude::*;

#[cfg(feature = "ssr")]
use crate::guard::require_admin as admin;
#[cfg(feature = "ssr")]
use crate::guard::{self, fail};

/// One page of receivers, newest first.
#[server(endpoint = "events/receivers")]
pub async fn list_receivers(
    #[server(default)] filter: ReceiverFilter,
) -> Result<Page<SubscriptionView>, AppError> {
    admin()?;
    guard::db(move |conn| domain::events::store::list(conn, &filter))
        .await
        .map_err(fail)
}

/// One receiver with its newest attempts and dead letters.
#[server(endpoint = "events/receiver")]
pub async fn get_receiver(id: String) -> Result<SubscriptionDetail, AppError> {
    admin()?;
    guard::db(move |conn| domain::events::store::detail(conn, &id))
        .await
        .map_err(fail)
}

/// Deliver a dead letter again, before the receiver's next event.
#[server(endpoint = "events/redeliver")]
pub async fn redeliver_dead_letter(
    subscription_id: String,
    letter_id: String,
) -> Result<(), AppError> {
    let actor = admin()?;
    guard::db(move |conn| {
        domain::events::store::requeue(
            conn,
            &actor,
            &subscription_id,
            &letter_id,
            domain::clock::now_ms(),
        )
    })
    .await
    .map(|_| ())
    .map_err(fail)
}

/// Stop a receiver for good.
#[server(endpoint = "events/deactivate")]
pub async fn deactivate_receiver(id: String) -> Result<SubscriptionView, AppError> {
    let actor = admin()?;
    guard::db(move |conn| {
        domain::events::store::deactivate(conn, &actor, &id, domain::clock::now_ms())
    })
    .await
    .map_err(fail)
}

/// Deliver again from `event_id` (inclusive), for a receiver that lost data.
#[server(endpoint = "events/replay")]
pub async fn replay_receiver(id: String, event_id: String) -> Result<SubscriptionView, AppError> {
    let actor = admin()?;
    guard::db(move |conn| {
        domain::events::store::replay(conn, &actor, &id, &event_id, domain::clock::now_ms())
    })
    .await
    .map_err(fail)
}
