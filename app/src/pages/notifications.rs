//! The signed-in account's notifications: filters, mark read, dismiss.

use crate::api::triage::{
    notification_dismiss, notification_list, notification_read, run_notifications_now,
};
use crate::components::filter::{param_text as text, FilterSelect, QueryParams};
use crate::components::layout::{BellRefresh, RequireRole};
use crate::components::table::{ListState, PagedList};
use crate::util::{human_ms, ms_to_date};
use domain::account::CurrentUser;
use domain::notification::{NotificationKind, NotificationQuery, NotificationView};
use domain::Role;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::{Form, A};
use leptos_router::hooks::use_query_map;
use leptos_router::params::ParamsMap;

const NOTES: ListState = ListState {
    base: "/notifications",
    keys: &["kind", "state", "page"],
    default_sort: "-created",
};

fn query(q: &ParamsMap) -> NotificationQuery {
    NotificationQuery {
        kind: text(q, "kind"),
        state: text(q, "state"),
        page: text(q, "page").and_then(|p| p.parse().ok()),
        page_size: Some(20),
    }
}

/// The notifications page (any signed-in account).
#[component]
pub fn NotificationsPage() -> impl IntoView {
    view! {
        <Title text="Notifications"/>
        <RequireRole view=|u: CurrentUser| view! { <NotificationsBody admin=u.has(Role::PartnerAdmin)/> }/>
    }
}

/// The notifications (filtered, paged), with mark-read, dismiss and (partner admins) the
/// expiry check.
#[component]
fn NotificationsBody(admin: bool) -> impl IntoView {
    let params = use_query_map();
    let refresh = use_context::<BellRefresh>().map(|b| b.0);
    let version = RwSignal::new(0_u32);
    let list = Resource::new(
        move || (params.with(query), version.get()),
        |(q, _)| notification_list(q),
    );
    let change = Action::new(move |(id, dismiss): &(Option<String>, bool)| {
        let (id, dismiss) = (id.clone(), *dismiss);
        async move {
            match (id, dismiss) {
                (Some(id), true) => notification_dismiss(id).await,
                (id, _) => notification_read(id).await.map(|_| ()),
            }
        }
    });
    reload_after(move || change.value().get().is_some(), version, refresh);
    let run = Action::new(|_: &()| run_notifications_now());
    reload_after(move || run.value().get().is_some(), version, refresh);
    let error = move || change.value().get().and_then(|r| r.err());
    view! {
        <h1>"Notifications"</h1>
        <p class="muted">"Expiry warnings arrive 30, 15 and 10 days ahead and on each of the last 9 days. They are kept for 60 days."</p>
        <NotificationFilters/>
        <p><button type="button" data-testid="mark-all-read" on:click=move |_| { change.dispatch((None, false)); }>"Mark all read"</button></p>
        {admin.then(|| view! { <ExpiryCheck run/> })}
        <div role="alert">{move || error().map(|e| view! { <p class="alert">{e.message}</p> })}</div>
        <PagedList list state=NOTES loading="Loading notifications…" empty_id="notifications-empty" empty="No notifications."
            render={move |items| notification_items(items, change)}/>
    }
}

/// Reloads the list (and the bell's count) each time `answered` says an action has answered.
fn reload_after(
    answered: impl Fn() -> bool + 'static,
    version: RwSignal<u32>,
    refresh: Option<RwSignal<u32>>,
) {
    Effect::new(move |_| {
        if answered() {
            version.update(|v| *v += 1);
            if let Some(r) = refresh {
                r.update(|v| *v += 1);
            }
        }
    });
}

/// The filters: kind and read state.
#[component]
fn NotificationFilters() -> impl IntoView {
    let q = QueryParams::current();
    let kinds = NotificationKind::ALL
        .into_iter()
        .map(|k| (k.as_str().to_string(), k.label().to_string()))
        .collect();
    view! {
        <Form method="GET" action="/notifications" attr:class="filters" attr:role="search">
            <FilterSelect name="kind" label="Kind" any="Any" options=kinds/>
            <label>"Show"
                <select name="state" data-testid="filter-state" prop:value=q.get("state")>
                    <option value="">"All"</option>
                    <option value="unread" selected=q.is("state", "unread")>"Unread"</option>
                </select>
            </label>
            <button type="submit" data-testid="filter-apply">"Apply"</button>
        </Form>
    }
}

/// Partner admins' button that runs the daily expiry check now, and its report.
#[component]
fn ExpiryCheck(
    run: Action<(), Result<domain::notification::DailyReport, domain::AppError>>,
) -> impl IntoView {
    view! {
        <section class="panel">
            <p>"The expiry check runs daily. Run it now after changing dates; nothing already notified is sent twice."</p>
            <button type="button" data-testid="run-expiry-check" disabled=move || run.pending().get() on:click=move |_| { run.dispatch(()); }>"Run expiry check now"</button>
            <span role="status" data-testid="run-report">{move || run.value().get().map(|r| match r {
                Ok(r) => format!(" Done: {} notifications, {} mails queued, {} purged.", r.created, r.mails, r.purged),
                Err(e) => format!(" {}", e.message),
            })}</span>
        </section>
    }
}

/// The notifications of a page, each with mark-read and dismiss.
fn notification_items(
    items: Vec<NotificationView>,
    change: Action<(Option<String>, bool), Result<(), domain::AppError>>,
) -> impl IntoView {
    view! {
        <ul class="notifications" data-testid="notifications">
            {items.into_iter().map(|n| {
                let id = n.id.clone();
                let id2 = n.id.clone();
                view! {
                    <li class:unread=!n.read data-testid="notification">
                        <h2><A href=n.link.clone()>{n.title.clone()}</A></h2>
                        <p>{n.body.clone()}</p>
                        <p class="muted">{n.kind.label()} " · " {human_ms(n.created_at)}
                            {n.due_at.map(|d| format!(" · due {}", ms_to_date(d)))}</p>
                        <p class="actions">
                            {(!n.read).then(|| view! { <button type="button" class="link" data-testid="mark-read" on:click=move |_| { change.dispatch((Some(id.clone()), false)); }>"Mark read"</button> })}
                            <button type="button" class="link" data-testid="dismiss" on:click=move |_| { change.dispatch((Some(id2.clone()), true)); }>"Dismiss"</button>
                        </p>
                    </li>
                }
            }).collect_view()}
        </ul>
    }
}
