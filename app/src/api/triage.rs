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
use crate::guard::{self, Caller, ADMIN};
#[cfg(feature = "ssr")]
use domain::Role;

// ---- inbox ----

/// A page of everything waiting for a decision, with counts per kind.
#[server(endpoint = "inbox/list")]
pub async fn inbox_list(#[server(default)] query: InboxQuery) -> Result<InboxPage, AppError> {
    guard::list::<domain::inbox::Inbox>(query).await
}

/// What a decision on one item needs.
#[server(endpoint = "inbox/detail")]
pub async fn get_inbox_detail(kind: String, id: String) -> Result<InboxDetail, AppError> {
    guard::call(ADMIN, move |conn, _| {
        domain::inbox::detail(conn, &kind, &id)
    })
    .await
}

/// Approve or reject (reason required) one item.
#[server(endpoint = "inbox/decide")]
pub async fn inbox_decide(
    kind: String,
    id: String,
    approve: bool,
    #[server(default)] reason: Option<String>,
) -> Result<(), AppError> {
    guard::call(ADMIN, move |conn, me| {
        domain::inbox::decide(conn, &me.actor, &kind, &id, approve, reason.as_deref())
    })
    .await
}

/// Approve or reject several items, each in its own transaction, with a result per item.
#[server(endpoint = "inbox/bulk")]
pub async fn inbox_bulk(
    items: Vec<ItemRef>,
    approve: bool,
    #[server(default)] reason: Option<String>,
) -> Result<Vec<ItemOutcome>, AppError> {
    guard::call(ADMIN, move |conn, me| {
        domain::inbox::decide_many(conn, &me.actor, &items, approve, reason.as_deref())
    })
    .await
}

// ---- dashboards ----

/// The partner admin's dashboard.
#[server(endpoint = "dashboard/admin")]
pub async fn get_admin_dashboard() -> Result<AdminDashboard, AppError> {
    guard::call(ADMIN, |conn, _| {
        domain::dashboard::admin(conn, domain::clock::now_ms())
    })
    .await
}

/// The policy manager's dashboard.
#[server(endpoint = "dashboard/policy")]
pub async fn get_policy_dashboard() -> Result<PolicyDashboard, AppError> {
    guard::call(&[Role::PolicyManager], |conn, _| {
        domain::dashboard::policy(conn)
    })
    .await
}

/// What needs the signed-in partner's attention (None without a partner profile).
#[server(endpoint = "dashboard/partner")]
pub async fn get_partner_dashboard() -> Result<Option<PartnerDashboard>, AppError> {
    guard::call(&Role::PARTNER, |conn, me| {
        domain::dashboard::partner(conn, &me.user, domain::clock::now_ms())
    })
    .await
}

// ---- notifications ----

/// Run the expiry check now (partner admins), e.g. after changing dates; what was already
/// notified is not notified again. Refused while the scheduled run is under way elsewhere.
#[server(endpoint = "notifications/run")]
pub async fn run_notifications_now() -> Result<domain::notification::DailyReport, AppError> {
    let me = Caller::with_role(ADMIN)?;
    let mail = guard::state()?.mail_enabled;
    let holder = format!("manual:{}", me.actor.id.clone().unwrap_or_default());
    guard::open(move |conn| {
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
}

/// Unread count and latest notifications of the signed-in account (empty when signed out, so
/// the bell can ask on every page).
#[server(endpoint = "notifications/bell")]
pub async fn notification_bell() -> Result<BellSummary, AppError> {
    let Some(session) = guard::session() else {
        return Ok(BellSummary::default());
    };
    guard::open(move |conn| domain::notification::bell(conn, &session.user.id)).await
}

/// The signed-in account's notifications.
#[server(endpoint = "notifications/list")]
pub async fn notification_list(
    #[server(default)] query: NotificationQuery,
) -> Result<Page<NotificationView>, AppError> {
    guard::signed_in(move |conn, me| domain::notification::list(conn, &me.user.id, &query)).await
}

/// Mark one (or, without id, every) notification of the account read.
#[server(endpoint = "notifications/read")]
pub async fn notification_read(#[server(default)] id: Option<String>) -> Result<usize, AppError> {
    guard::signed_in(move |conn, me| {
        domain::notification::mark_read(conn, &me.user.id, id.as_deref())
    })
    .await
}

/// Dismiss one of the account's notifications.
#[server(endpoint = "notifications/dismiss")]
pub async fn notification_dismiss(id: String) -> Result<(), AppError> {
    guard::signed_in(move |conn, me| {
        domain::notification::dismiss(conn, &me.actor, &me.user.id, &id)
    })
    .await
}
