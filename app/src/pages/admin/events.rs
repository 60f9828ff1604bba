//! Events (PARTNER_ADMIN): who receives the outbox (WebSub subscribers of the portal's hub, the
//! external hub, eSignet), how far each has got, and per receiver the delivery log and dead
//! letters, with "deliver again", deactivation and replay from an event id.

use crate::api::events::{
    get_receiver, list_receivers, DeactivateReceiver, RedeliverDeadLetter, ReplayReceiver,
};
use crate::components::form::{form_error, Field, FormError};
use crate::components::layout::{ErrorPanel, RequireRole};
use crate::components::table::{ListState, Pager};
use crate::util::{human_ms, human_ms_seconds};
use domain::account::CurrentUser;
use domain::events::{
    DeadLetterView, DeliveryView, ReceiverFilter, ReceiverKind, SubscriptionDetail,
    SubscriptionState, SubscriptionView, WAITING_CAP,
};
use domain::Role;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::{Form, A};
use leptos_router::hooks::{use_params_map, use_query_map};
use leptos_router::params::ParamsMap;

const LIST: ListState = ListState {
    base: "/admin/events",
    keys: &["kind", "state", "page"],
    default_sort: "-created",
};

const KINDS: [ReceiverKind; 3] = [
    ReceiverKind::Websub,
    ReceiverKind::Hub,
    ReceiverKind::Esignet,
];

const STATES: [SubscriptionState; 6] = [
    SubscriptionState::Active,
    SubscriptionState::Pending,
    SubscriptionState::Refused,
    SubscriptionState::Expired,
    SubscriptionState::Unsubscribed,
    SubscriptionState::Deactivated,
];

fn state_label(s: SubscriptionState) -> &'static str {
    match s {
        SubscriptionState::Pending => "Awaiting confirmation",
        SubscriptionState::Active => "Active",
        SubscriptionState::Refused => "Refused",
        SubscriptionState::Expired => "Lease ended",
        SubscriptionState::Unsubscribed => "Unsubscribed",
        SubscriptionState::Deactivated => "Deactivated",
    }
}

/// The state as a badge; an active receiver that is failing is shown as such.
#[component]
fn StateBadge(s: SubscriptionState, failing: bool) -> impl IntoView {
    let class = match s {
        SubscriptionState::Active if failing => "badge wait",
        SubscriptionState::Active => "badge ok",
        SubscriptionState::Pending => "badge wait",
        SubscriptionState::Refused => "badge bad",
        _ => "badge off",
    };
    let label = if s == SubscriptionState::Active && failing {
        "Active, retrying"
    } else {
        state_label(s)
    };
    view! { <span class=class data-testid="receiver-state">{label}</span> }
}

fn waiting_text(n: i64) -> String {
    if n >= WAITING_CAP {
        format!("{WAITING_CAP}+")
    } else {
        n.to_string()
    }
}

fn filter_from(q: &ParamsMap) -> ReceiverFilter {
    ReceiverFilter {
        kind: q.get("kind").and_then(|k| ReceiverKind::parse(&k)),
        state: q.get("state").and_then(|s| SubscriptionState::parse(&s)),
        page: q.get("page").and_then(|p| p.parse().ok()),
        page_size: Some(20),
    }
}

/// The receivers list.
#[component]
pub fn EventsPage() -> impl IntoView {
    view! {
        <Title text="Events"/>
        <RequireRole roles=vec![Role::PartnerAdmin] view=|_u: CurrentUser| view! { <ListBody/> }/>
    }
}

#[component]
fn ListBody() -> impl IntoView {
    let params = use_query_map();
    let refresh = RwSignal::new(0u32);
    let list = Resource::new(
        move || (params.with(filter_from), refresh.get()),
        |(f, _)| list_receivers(f),
    );
    let is = move |k: &'static str, v: &str| params.with(|q| q.get(k)).as_deref() == Some(v);
    view! {
        <div class="title-row">
            <h1>"Events"</h1>
            <button type="button" on:click=move |_| refresh.update(|n| *n += 1) data-testid="events-refresh">"Refresh"</button>
        </div>
        <p class="muted">
            "Every change is an event in the outbox. Each receiver below reads it in order from its own position: "
            "WebSub subscribers of this portal's hub (" <code>"/websub/hub"</code> ", with a service token from the "
            <A href="/admin/api-keys">"API keys"</A> " page), the external hub and eSignet when they are configured. "
            "A failing event is retried with growing pauses and holds that receiver's later events; after the retry window it becomes a dead letter."
        </p>
        <Form method="GET" action="/admin/events" attr:class="filters" attr:role="search">
            <label>"Receiver"
                <select name="kind" data-testid="filter-kind">
                    <option value="">"Any"</option>
                    {KINDS.into_iter().map(|k| view! { <option value=k.as_str() selected=move || is("kind", k.as_str())>{k.label()}</option> }).collect_view()}
                </select>
            </label>
            <label>"State"
                <select name="state" data-testid="filter-state">
                    <option value="">"Any"</option>
                    {STATES.into_iter().map(|s| view! { <option value=s.as_str() selected=move || is("state", s.as_str())>{state_label(s)}</option> }).collect_view()}
                </select>
            </label>
            <button type="submit" data-testid="filter-apply">"Apply"</button>
            <A href="/admin/events">"Clear"</A>
        </Form>
        <Transition fallback=|| view! { <p class="loading" role="status">"Loading receivers…"</p> }>
            {move || Suspend::new(async move {
                match list.await {
                    Ok(page) if page.items.is_empty() => view! {
                        <p class="empty" data-testid="receivers-empty">"No receivers match. Downstream services appear here once they subscribe."</p>
                    }.into_any(),
                    Ok(page) => {
                        let (page_no, pages, total) = (page.page, page.page_count(), page.total);
                        view! {
                            <p class="muted">{format!("{total} receiver{}", if total == 1 { "" } else { "s" })}</p>
                            <table class="list" data-testid="receivers">
                                <thead><tr>
                                    <th>"Receiver"</th><th>"Topic"</th><th>"Callback host"</th><th>"State"</th>
                                    <th>"Lease ends"</th><th>"Last delivery"</th><th>"Waiting"</th><th>"Delivered"</th>
                                    <th>"Failures"</th><th>"Dead letters"</th>
                                </tr></thead>
                                <tbody>{page.items.into_iter().map(|r| view! { <ReceiverRow r/> }).collect_view()}</tbody>
                            </table>
                            <Pager state=LIST page=page_no pages/>
                        }.into_any()
                    }
                    Err(e) => view! { <ErrorPanel error=e/> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn ReceiverRow(r: SubscriptionView) -> impl IntoView {
    let failing = r.attempts > 0;
    view! {
        <tr data-testid="receiver-row">
            <td><A href=format!("/admin/events/{}", r.id) attr:data-testid="receiver-link">{r.kind.label()}</A></td>
            <td><code>{r.topic.clone()}</code></td>
            <td>{r.callback_host.clone()}</td>
            <td><StateBadge s=r.state failing/>{r.verifying.clone().map(|m| view! { <span class="muted">{format!(" ({m} awaiting confirmation)")}</span> })}</td>
            <td>{r.lease_ends_at.map(human_ms).unwrap_or_else(|| "—".into())}</td>
            <td>{r.last_delivery_at.map(human_ms).unwrap_or_else(|| "never".into())}</td>
            <td data-testid="receiver-waiting">{waiting_text(r.waiting)}</td>
            <td data-testid="receiver-delivered">{r.delivered}</td>
            <td data-testid="receiver-failures">{r.failures}</td>
            <td data-testid="receiver-dead">{r.dead_letters}</td>
        </tr>
    }
}

/// One receiver.
#[component]
pub fn EventReceiverPage() -> impl IntoView {
    view! {
        <Title text="Event receiver"/>
        <RequireRole roles=vec![Role::PartnerAdmin] view=|_u: CurrentUser| view! { <ReceiverBody/> }/>
    }
}

/// The three remedies, shared by the detail's parts.
#[derive(Clone, Copy)]
struct Remedies {
    redeliver: ServerAction<RedeliverDeadLetter>,
    deactivate: ServerAction<DeactivateReceiver>,
    replay: ServerAction<ReplayReceiver>,
}

#[component]
fn ReceiverBody() -> impl IntoView {
    let params = use_params_map();
    let refresh = RwSignal::new(0u32);
    let remedies = Remedies {
        redeliver: ServerAction::new(),
        deactivate: ServerAction::new(),
        replay: ServerAction::new(),
    };
    let detail = Resource::new(
        move || {
            (
                params.with(|p| p.get("id")).unwrap_or_default(),
                refresh.get(),
                remedies.redeliver.version().get(),
                remedies.deactivate.version().get(),
                remedies.replay.version().get(),
            )
        },
        |(id, ..)| get_receiver(id),
    );
    let error = move || {
        remedies
            .redeliver
            .value()
            .get()
            .and_then(|r| r.err())
            .or_else(|| remedies.deactivate.value().get().and_then(|r| r.err()))
    };
    let redelivered = move || remedies.redeliver.value().get().is_some_and(|r| r.is_ok());
    view! {
        <p><A href="/admin/events">"‹ Events"</A></p>
        <div role="alert" data-testid="receiver-action-error">
            {move || error().map(|e| view! { <p class="alert">{e.message}</p> })}
        </div>
        <div role="status">
            {move || redelivered().then(|| view! { <p class="notice" data-testid="redeliver-done">"The event will be delivered again before this receiver's next one."</p> })}
        </div>
        <Transition fallback=|| view! { <p class="loading" role="status">"Loading receiver…"</p> }>
            {move || Suspend::new(async move {
                match detail.await {
                    Ok(d) => view! { <Detail d remedies refresh/> }.into_any(),
                    Err(e) => view! { <ErrorPanel error=e/> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn Detail(d: SubscriptionDetail, remedies: Remedies, refresh: RwSignal<u32>) -> impl IntoView {
    let s = d.subscription;
    let failing = s.attempts > 0;
    let id = s.id.clone();
    let title = match s.kind {
        ReceiverKind::Websub => format!("WebSub subscriber of {}", s.topic),
        ReceiverKind::Hub => "External hub".to_string(),
        ReceiverKind::Esignet => "eSignet client management".to_string(),
    };
    view! {
        <div class="title-row">
            <h1 data-testid="receiver-title">{title}</h1>
            <button type="button" on:click=move |_| refresh.update(|n| *n += 1) data-testid="receiver-refresh">"Refresh"</button>
        </div>
        <p><StateBadge s=s.state failing/>
            {s.verifying.clone().map(|m| view! { <span class="muted">{format!(" A {m} request awaits the callback's confirmation.")}</span> })}
        </p>
        <dl class="facts" data-testid="receiver-facts">
            <dt>"Callback"</dt><dd><code class="wrap">{s.callback.clone()}</code></dd>
            <dt>"Topic"</dt><dd><code>{s.topic.clone()}</code></dd>
            {(s.kind == ReceiverKind::Websub).then(|| view! {
                <dt>"Signed"</dt><dd>{if s.signed { "Yes (X-Hub-Signature, HMAC-SHA256)" } else { "No secret given" }}</dd>
                <dt>"Lease"</dt><dd>{format!("{} s", s.lease_seconds)}{s.lease_ends_at.map(|t| format!(", ends {}", human_ms(t)))}</dd>
            })}
            <dt>"Since"</dt><dd>{human_ms(s.created_at)}</dd>
            <dt>"Last delivery"</dt><dd>{s.last_delivery_at.map(human_ms_seconds).unwrap_or_else(|| "never".into())}</dd>
            <dt>"Delivered"</dt><dd data-testid="receiver-delivered">{s.delivered}</dd>
            <dt>"Waiting"</dt><dd data-testid="receiver-waiting">{waiting_text(s.waiting)}</dd>
            <dt>"Position"</dt><dd>{format!("outbox #{}", s.cursor)}</dd>
            <dt>"Failures"</dt><dd data-testid="receiver-failures">{s.failures}</dd>
            {failing.then(|| view! {
                <dt>"Current event"</dt>
                <dd data-testid="receiver-retrying">{format!("{} failed attempt{}", s.attempts, if s.attempts == 1 { "" } else { "s" })}
                    {s.next_attempt_at.map(|t| format!(", next try {}", human_ms_seconds(t)))}</dd>
            })}
            {s.last_error.clone().map(|e| view! { <dt>"Last error"</dt><dd class="pre" data-testid="receiver-last-error">{e}</dd> })}
        </dl>
        <Remedy s=s.clone() remedies/>
        <h2>"Dead letters"</h2>
        <DeadLetters id=id.clone() letters=d.dead_letters redeliver=remedies.redeliver/>
        <h2>"Delivery log"</h2>
        <p class="muted">"The newest 50 attempts. Times are UTC."</p>
        <Deliveries items=d.deliveries/>
    }
}

/// Replay and deactivation.
#[component]
fn Remedy(s: SubscriptionView, remedies: Remedies) -> impl IntoView {
    let replay_error = form_error(move || remedies.replay.value().get());
    let replayed = move || remedies.replay.value().get().and_then(|r| r.ok());
    let active = s.state == SubscriptionState::Active;
    let stoppable = s.state != SubscriptionState::Deactivated;
    let id = StoredValue::new(s.id.clone());
    view! {
        {active.then(|| view! {
            <section class="panel">
                <h2>"Replay"</h2>
                <p class="muted">"For a receiver that lost data: its position moves back to just before this event, and it gets that event and every later one again."</p>
                <ActionForm action=remedies.replay attr:data-testid="replay-form">
                    <FormError error=replay_error/>
                    <input type="hidden" name="id" value=id.get_value()/>
                    <Field name="event_id" label="First event id" error=replay_error maxlength=64/>
                    <button type="submit" disabled=move || remedies.replay.pending().get() data-testid="replay-submit">"Replay from this event"</button>
                </ActionForm>
                {move || replayed().map(|v| view! { <p class="notice" role="status" data-testid="replay-done">{format!("Replaying: {} event(s) waiting.", waiting_text(v.waiting))}</p> })}
            </section>
        })}
        {stoppable.then(|| view! {
            <details class="confirm">
                <summary data-testid="receiver-deactivate">"Deactivate"</summary>
                <ActionForm action=remedies.deactivate>
                    <p>"It gets no more events; a WebSub subscriber must subscribe again to receive them. Deactivate it?"</p>
                    <input type="hidden" name="id" value=id.get_value()/>
                    <button type="submit" class="danger" data-testid="receiver-deactivate-confirm">"Yes, deactivate"</button>
                </ActionForm>
            </details>
        })}
    }
}

#[component]
fn DeadLetters(
    id: String,
    letters: Vec<DeadLetterView>,
    redeliver: ServerAction<RedeliverDeadLetter>,
) -> impl IntoView {
    if letters.is_empty() {
        return view! { <p class="empty" data-testid="dead-letters-empty">"None."</p> }.into_any();
    }
    let id = StoredValue::new(id);
    view! {
        <table class="list" data-testid="dead-letters">
            <thead><tr><th>"Event"</th><th>"Topic"</th><th>"Attempts"</th><th>"Last error"</th><th>"Given up"</th><th></th></tr></thead>
            <tbody>
                {letters.into_iter().map(|l| {
                    let action = if let Some(at) = l.redelivered_at {
                        view! { <span class="badge ok">{format!("Delivered again {}", human_ms_seconds(at))}</span> }.into_any()
                    } else if l.requeued_at.is_some() {
                        view! { <span class="badge wait" data-testid="dead-letter-queued">"Queued to deliver again"</span> }.into_any()
                    } else {
                        view! {
                            <ActionForm action=redeliver attr:class="inline">
                                <input type="hidden" name="subscription_id" value=id.get_value()/>
                                <input type="hidden" name="letter_id" value=l.id.clone()/>
                                <button type="submit" data-testid="dead-letter-redeliver">"Deliver again"</button>
                            </ActionForm>
                        }.into_any()
                    };
                    view! {
                        <tr data-testid="dead-letter-row">
                            <td><code>{l.event_id.clone()}</code><span class="muted">{format!(" #{}", l.outbox_id)}</span></td>
                            <td><code>{l.topic.clone()}</code></td>
                            <td>{l.attempts}</td>
                            <td class="pre">{l.error.clone()}</td>
                            <td>{human_ms_seconds(l.dead_at)}</td>
                            <td>{action}</td>
                        </tr>
                    }
                }).collect_view()}
            </tbody>
        </table>
    }
    .into_any()
}

#[component]
fn Deliveries(items: Vec<DeliveryView>) -> impl IntoView {
    if items.is_empty() {
        return view! { <p class="empty" data-testid="deliveries-empty">"No attempts yet."</p> }
            .into_any();
    }
    view! {
        <table class="list" data-testid="deliveries">
            <thead><tr><th>"When"</th><th>"Event"</th><th>"Attempt"</th><th>"Result"</th><th>"Status"</th><th>"Latency"</th><th>"Error"</th><th>"Next try"</th></tr></thead>
            <tbody>
                {items.into_iter().map(|a| view! {
                    <tr data-testid="delivery-row" data-ok=a.ok.to_string()>
                        <td><time>{human_ms_seconds(a.at)}</time></td>
                        <td>{if a.events > 1 {
                            view! { <span data-testid="delivery-run">{format!("{} events, #{}–#{} (last ", a.events, a.first_outbox_id.unwrap_or(a.outbox_id), a.outbox_id)}<code>{a.event_id.clone()}</code>")"</span> }.into_any()
                        } else {
                            view! { <span><code>{a.event_id.clone()}</code><span class="muted">{format!(" #{}", a.outbox_id)}</span></span> }.into_any()
                        }}</td>
                        <td>{a.attempt}</td>
                        <td>{if a.ok { view! { <span class="badge ok">"Delivered"</span> } } else { view! { <span class="badge bad">"Failed"</span> } }}</td>
                        <td>{a.status.map(|s| s.to_string()).unwrap_or_else(|| "—".into())}</td>
                        <td>{if a.events > 1 { format!("≤ {} ms", a.latency_ms) } else { format!("{} ms", a.latency_ms) }}</td>
                        <td class="pre">{a.error.clone().unwrap_or_default()}</td>
                        <td>{a.next_try_at.map(human_ms_seconds).unwrap_or_default()}</td>
                    </tr>
                }).collect_view()}
            </tbody>
        </table>
    }
    .into_any()
}
