//! Server functions for the triage inbox, the dashboards and notifications. The inbox and the
//! admin dashboard are for partner admins; notifications belong to the signed-in account and
//! are reached only through it.

use domain::dashboard::{AdminDashboard, PartnerDashboard, PolicyDashboard};
use domain::inbox::{InboxDetail, InboxPage, InboxQuery, ItemOutcome, ItemRef};
use domain::notification::{BellSummary, NotificationQuery, NotificationView};
use domain::page::Page;
use domain::AppError;
use leptos::prelude::*;

#[cfg(feature = "ssr")]
use crate::guard::require_admin as admin;
#[cfg(feature = "ssr")]
use crate::guard::{self, fail};
#[cfg(feature = "ssr")]
use domain::audit::Actor;
#[cfg(feature = "ssr")]
use domain::Role;

// ---- inbox ----

/// A page of everything waiting for a decision, with counts per kind.
#[server(endpoint = "inbox/list")]
pub async fn inbox_list(#[server(default)] query: InboxQuery) -> Result<InboxPage, AppError> {
    admin()?;
    guard::db(move |conn| domain::inbox::list(conn, &query))
        .await
        .map_err(fail)
}

/// What a decision on one item needs.
#[server(endpoint = "inbox/detail")]
pub async fn get_inbox_detail(kind: String, id: String) -> Result<InboxDetail, AppError> {
    admin()?;
    guard::db(move |conn| domain::inbox::detail(conn, &kind, &id))
        .await
        .map_err(fail)
}

/// Approve or reject (reason required) one item.
#[server(endpoint = "inbox/decide")]
pub async fn inbox_decide(
    kind: String,
    id: String,
    approve: bool,
    #[server(default)] reason: Option<String>,
) -> Result<(), AppError> {
    let actor = admin()?;
    guard::db(move |conn| {
        domain::inbox::decide(conn, &actor, &kind, &id, approve, reason.as_deref())
    })
    .await
    .map_err(fail)
}

/// Approve or reject several items, each in its own transaction, with a result per item.
#[server(endpoint = "inbox/bulk")]
pub async fn inbox_bulk(
    items: Vec<ItemRef>,
    approve: bool,
    #[server(default)] reason: Option<String>,
) -> Result<Vec<ItemOutcome>, AppError> {
    let actor = admin()?;
    guard::db(move |conn| {
        domain::inbox::decide_many(conn, &actor, &items, approve, reason.as_deref())
    })
    .await
    .map_err(fail)
}

// ---- dashboards ----

/// The partner admin's dashboard.
#[server(endpoint = "dashboard/admin")]
pub async fn get_admin_dashboard() -> Result<AdminDashboard, AppError> {
    admin()?;
    guard::db(|conn| domain::dashboard::admin(conn, domain::clock::now_ms()))
        .await
        .map_err(fail)
}

/// The policy manager's dashboard.
#[server(endpoint = "dashboard/policy")]
pub async fn get_policy_dashboard() -> Result<PolicyDashboard, AppError> {
    guard::require_role(&[Role::PolicyManager]).map_err(fail)?;
    guard::db(domain::dashboard::policy).await.map_err(fail)
}

/// What needs the signed-in partner's attention (None without a partner profile).
#[server(endpoint = "dashboard/partner")]
pub async fn get_partner_dashboard() -> Result<Option<PartnerDashboard>, AppError> {
    let user = guard::require_role(&Role::PARTNER).map_err(fail)?;
    guard::db(move |conn| domain::dashboard::partner(conn, &user, domain::clock::now_ms()))
        .await
        .map_err(fail)
}

// ---- notifications ----

/// Run the expiry check now (partner admins), e.g. after changing dates; what was already
/// notified is not notified again. Refused while the scheduled run is under way elsewhere.
#[server(endpoint = "notifications/run")]
pub async fn run_notifications_now() -> Result<domain::notification::DailyReport, AppError> {
    let actor = admin()?;
    let mail = guard::state()?.mail_enabled;
    let holder = format!("manual:{}", actor.id.clone().unwrap_or_default());
    guard::db(move |conn| {
        use domain::notification as n;
        let now = domain::clock::now_ms();
        if !n::acquire_lease(conn, n::DAILY_JOB, &holder, now, 5 * 60_000)? {
            return Err(AppError::new(
                domain::ErrorKind::Conflict,
                "PMS_JOB_RUNNING",
                "The expiry check is running right now; try again in a minute.",
            ));
        }
        let report = n::run_daily(conn, now, mail);
        n::release_lease(conn, n::DAILY_JOB, &holder)?;
        report
    })
    .await
    .map_err(fail)
}

/// Unread count and latest notifications of the signed-in account (empty when signed out, so
/// the bell can ask on every page).
#[server(endpoint = "notifications/bell")]
pub async fn notification_bell() -> Result<BellSummary, AppError> {
    let Some(session) = guard::session() else {
        return Ok(BellSummary::default());
    };
    guard::db(move |conn| domain::notification::bell(conn, &session.user.id))
        .await
        .map_err(fail)
}

/// The signed-in account's notifications.
#[server(endpoint = "notifications/list")]
pub async fn notification_list(
    #[server(default)] query: NotificationQuery,
) -> Result<Page<NotificationView>, AppError> {
    let user = guard::require_user().map_err(fail)?;
    guard::db(move |conn| domain::notification::list(conn, &user.id, &query))
        .await
        .map_err(fail)
}

/// Mark one (or, without id, every) notification of the account read.
#[server(endpoint = "notifications/read")]
pub async fn notification_read(#[server(default)] id: Option<String>) -> Result<usize, AppError> {
    let user = guard::require_user().map_err(fail)?;
    guard::db(move |conn| domain::notification::mark_read(conn, &user.id, id.as_deref()))
        .await
        .map_err(fail)
}

/// Dismiss one of the account's notifications.
#[server(endpoint = "notifications/dismiss")]
pub async fn notification_dismiss(id: String) -> Result<(), AppError> {
    let user = guard::require_user().map_err(fail)?;
    let actor = Actor::account(&user.id, &user.email).with_request_id(guard::request_id());
    guard::db(move |conn| domain::notification::dismiss(conn, &actor, &user.id, &id))
        .await
        .map_err(fail)
}
