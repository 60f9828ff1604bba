//! Server functions of the events page (partner admins only): every receiver of the outbox
//! (WebSub subscribers, the external hub, eSignet) with its delivery log and dead letters, and
//! the operator's three remedies: deliver a dead letter again, deactivate, replay from an event.
//! Each remedy is audited by the domain.

use domain::events::{ReceiverFilter, SubscriptionDetail, SubscriptionView};
use domain::page::Page;
use domain::AppError;
use leptos::prelude::*;

#[cfg(feature = "ssr")]
use crate::guard::{self, ADMIN};

/// One page of receivers, newest first.
#[server(endpoint = "events/receivers")]
pub async fn list_receivers(
    #[server(default)] filter: ReceiverFilter,
) -> Result<Page<SubscriptionView>, AppError> {
    guard::call(ADMIN, move |conn, _| {
        domain::events::store::list(conn, &filter)
    })
    .await
}

/// One receiver with its newest attempts and dead letters.
#[server(endpoint = "events/receiver")]
pub async fn get_receiver(id: String) -> Result<SubscriptionDetail, AppError> {
    guard::call(ADMIN, move |conn, _| {
        domain::events::store::detail(conn, &id)
    })
    .await
}

/// Deliver a dead letter again, before the receiver's next event.
#[server(endpoint = "events/redeliver")]
pub async fn redeliver_dead_letter(
    subscription_id: String,
    letter_id: String,
) -> Result<(), AppError> {
    guard::call(ADMIN, move |conn, me| {
        domain::events::store::requeue(
            conn,
            &me.actor,
            &subscription_id,
            &letter_id,
            domain::clock::now_ms(),
        )
    })
    .await
    .map(|_| ())
}

/// Stop a receiver for good.
#[server(endpoint = "events/deactivate")]
pub async fn deactivate_receiver(id: String) -> Result<SubscriptionView, AppError> {
    guard::call(ADMIN, move |conn, me| {
        domain::events::store::deactivate(conn, &me.actor, &id, domain::clock::now_ms())
    })
    .await
}

/// Deliver again from `event_id` (inclusive), for a receiver that lost data.
#[server(endpoint = "events/replay")]
pub async fn replay_receiver(id: String, event_id: String) -> Result<SubscriptionView, AppError> {
    guard::call(ADMIN, move |conn, me| {
        domain::events::store::replay(conn, &me.actor, &id, &event_id, domain::clock::now_ms())
    })
    .await
}
