//! The inbox's parts: the head, the counts per kind, the filters, the decisions' outcome, the
//! bulk bar and results, the list and the pane that decides the current item.

use super::state::Inbox;
use super::{age, key_of, stale, Outcome, INBOX, TYPES};
use crate::components::filter::{FilterSelect, OrderSelect, QueryParams};
use crate::components::layout::ErrorPanel;
use crate::components::table::Pager;
use crate::util::human_ms;
use domain::inbox::{InboxDetail, InboxItem, InboxKind};
use domain::partner::MAX_REASON_LEN;
use leptos::prelude::*;
use leptos_router::components::{Form, A};

/// The title, the no-JavaScript notice, the CSV export and the keyboard shortcuts' help.
#[component]
pub(super) fn InboxHead(inbox: Inbox) -> impl IntoView {
    let Inbox { params, help, .. } = inbox;
    let export = move || {
        let q = INBOX.href_with(&params.get(), "page", "");
        format!(
            "/admin/export/inbox.csv{}",
            q.trim_start_matches(INBOX.base)
        )
    };
    view! {
        <div class="page-head">
            <h1>"Inbox"</h1>
            <noscript><p class="notice" data-testid="inbox-noscript">"Deciding from the inbox needs JavaScript, which is off. Partners can still be decided on their own page under Partners."</p></noscript>
            <p class="muted">"Everything waiting for a decision, oldest first. "
                <button type="button" class="link" data-testid="shortcuts-toggle" on:click=move |_| help.update(|h| *h = !*h)>"Keyboard shortcuts (?)"</button>
                " · " <a href=export data-testid="inbox-export" download>"Export CSV"</a>
            </p>
        </div>
        <Show when=move || help.get()>
            <section class="panel" role="dialog" aria-label="Keyboard shortcuts" data-testid="shortcuts">
                <h2>"Keyboard shortcuts"</h2>
                <dl class="facts">
                    <dt><kbd>"j"</kbd>" / "<kbd>"↓"</kbd></dt><dd>"next item"</dd>
                    <dt><kbd>"k"</kbd>" / "<kbd>"↑"</kbd></dt><dd>"previous item"</dd>
                    <dt><kbd>"a"</kbd></dt><dd>"approve the current item"</dd>
                    <dt><kbd>"r"</kbd></dt><dd>"reject: write the reason, then Enter"</dd>
                    <dt><kbd>"x"</kbd></dt><dd>"select for a bulk decision"</dd>
                    <dt><kbd>"Esc"</kbd></dt><dd>"leave the reason field / close this help"</dd>
                    <dt><kbd>"?"</kbd></dt><dd>"show or hide this help"</dd>
                </dl>
            </section>
        </Show>
    }
}

/// Tabs per kind with the number waiting and the oldest's age.
#[component]
pub(super) fn KindCounts(inbox: Inbox) -> impl IntoView {
    let Inbox { params, list, .. } = inbox;
    view! {
        <Transition fallback=|| ()>
            {move || Suspend::new(async move {
                list.await.ok().map(|page| {
                    let now = page.now;
                    let all: i64 = page.counts.iter().map(|c| c.count).sum();
                    let current = params.with_untracked(|q| q.get("kind")).unwrap_or_default();
                    view! {
                        <nav class="tabs" aria-label="Kinds" data-testid="inbox-counts">
                            <A href=INBOX.href_with(&params.get_untracked(), "kind", "") attr:aria-current=(current.is_empty()).then_some("page")>
                                {format!("All ({all})")}
                            </A>
                            {page.counts.into_iter().map(|c| {
                                let here = current == c.kind.as_str();
                                let oldest = c.oldest.map(|o| format!(" · oldest {}", age(now, o))).unwrap_or_default();
                                view! {
                                    <A href=INBOX.href_with(&params.get_untracked(), "kind", c.kind.as_str())
                                        attr:aria-current=here.then_some("page")
                                        attr:data-testid=format!("count-{}", c.kind.as_str())>
                                        {format!("{} ({}){oldest}", c.kind.label(), c.count)}
                                    </A>
                                }
                            }).collect_view()}
                        </nav>
                    }
                })
            })}
        </Transition>
    }
}

/// The filters: partner, partner type, time waiting, order (the kind stays as chosen).
#[component]
pub(super) fn InboxFilters() -> impl IntoView {
    let q = QueryParams::current();
    let types = TYPES
        .into_iter()
        .map(|t| (t.to_string(), t.replace('_', " ")))
        .collect();
    let ages = [1, 3, 7, 30]
        .into_iter()
        .map(|d| (d.to_string(), format!("{d}+ days")))
        .collect();
    view! {
        <Form method="GET" action="/admin/inbox" attr:class="filters" attr:role="search">
            <input type="hidden" name="kind" prop:value=q.get("kind")/>
            <label>"Partner id" <input type="search" name="partner" data-testid="filter-partner" value=q.get("partner")() prop:value=q.get("partner")/></label>
            <FilterSelect name="type" label="Partner type" any="Any" options=types/>
            <FilterSelect name="age" label="Waiting" any="Any time" options=ages/>
            <OrderSelect newest="newest"/>
            <button type="submit" data-testid="filter-apply">"Apply"</button>
        </Form>
    }
}

/// What the last decision did, or why it was refused.
#[component]
pub(super) fn OutcomeNote(inbox: Inbox) -> impl IntoView {
    let outcome = inbox.outcome;
    view! {
        <div role="status" aria-live="polite" data-testid="inbox-outcome">
            {move || outcome.get().map(|o| match o {
                Outcome::Done(m) => view! { <p class="notice">{m}</p> }.into_any(),
                Outcome::Refused(e) => {
                    let stale = stale(&e);
                    view! {
                        <p class="alert" data-testid="inbox-refused">
                            {if stale { "Not applied: it was decided meanwhile. " } else { "Not applied: " }}
                            {e.message}
                        </p>
                    }.into_any()
                }
            })}
        </div>
    }
}

/// The bulk decision bar, shown while items are selected.
#[component]
pub(super) fn BulkBar(inbox: Inbox) -> impl IntoView {
    let Inbox {
        checked,
        bulk,
        bulk_reason,
        ..
    } = inbox;
    view! {
        <Show when=move || !checked.with(Vec::is_empty)>
            <section class="panel bulk" data-testid="bulk-bar" aria-label="Bulk decision">
                <strong>{move || format!("{} selected", checked.with(Vec::len))}</strong>
                " "
                <button type="button" data-testid="bulk-approve" on:click=move |_| inbox.act_bulk(true) disabled=move || bulk.pending().get()>"Approve selected"</button>
                <label>"Reason (for a rejection) "
                    <input type="text" data-testid="bulk-reason" maxlength=MAX_REASON_LEN.to_string()
                        prop:value=move || bulk_reason.get() on:input=move |e| bulk_reason.set(event_target_value(&e))/>
                </label>
                <button type="button" class="danger" data-testid="bulk-reject" on:click=move |_| inbox.act_bulk(false) disabled=move || bulk.pending().get()>"Reject selected"</button>
                <button type="button" class="link" on:click=move |_| checked.set(Vec::new())>"Clear"</button>
            </section>
        </Show>
    }
}

/// The last bulk decision's result, item by item, until dismissed.
#[component]
pub(super) fn BulkResults(inbox: Inbox) -> impl IntoView {
    let bulk_results = inbox.bulk_results;
    move || {
        bulk_results.get().map(|rs| view! {
        <section class="panel" data-testid="bulk-results" aria-label="Bulk results">
            <h2>"Bulk decision"</h2>
            <ul>
                {rs.into_iter().map(|(o, title)| view! {
                    <li data-testid="bulk-result" class=if o.applied { "ok" } else { "bad" }>
                        <strong>{if o.applied { "Done" } else { "Refused" }}</strong>
                        " " {title} ": " {o.message}
                    </li>
                }).collect_view()}
            </ul>
            <button type="button" class="link" on:click=move |_| bulk_results.set(None)>"Dismiss"</button>
        </section>
    })
    }
}

/// The items waiting, with the cursor and the selection boxes, and the pager.
#[component]
pub(super) fn InboxList(inbox: Inbox) -> impl IntoView {
    let list = inbox.list;
    view! {
        <Transition fallback=|| view! { <p class="loading" role="status">"Loading the inbox…"</p> }>
            {move || Suspend::new(async move {
                match list.await {
                    Ok(page) if page.page.items.is_empty() => view! {
                        <p class="empty" data-testid="inbox-empty">"Nothing waits for a decision under these filters."</p>
                    }.into_any(),
                    Ok(page) => {
                        let now = page.now;
                        let (page_no, pages, total) = (page.page.page, page.page.page_count(), page.page.total);
                        view! {
                            <div class="inbox-list">
                                <p class="muted" data-testid="inbox-total">{format!("{total} waiting")}</p>
                                <table class="list" data-testid="inbox-list" aria-label="Items waiting">
                                    <thead><tr><th><span class="sr-only">"Select"</span></th><th>"Item"</th><th>"Partner"</th><th>"Waiting"</th></tr></thead>
                                    <tbody>
                                        {page.page.items.into_iter().enumerate().map(|(idx, item)| inbox_row(inbox, idx, item, now)).collect_view()}
                                    </tbody>
                                </table>
                                <Pager state=INBOX page=page_no pages/>
                            </div>
                        }.into_any()
                    }
                    Err(e) => view! { <ErrorPanel error=e/> }.into_any(),
                }
            })}
        </Transition>
    }
}

/// One item waiting: the cursor follows a click, the box selects it for a bulk decision.
fn inbox_row(inbox: Inbox, idx: usize, item: InboxItem, now: i64) -> impl IntoView {
    let Inbox {
        cursor, checked, ..
    } = inbox;
    let k = key_of(&item);
    let k2 = k.clone();
    view! {
        <tr data-testid="inbox-row" data-kind=item.kind.as_str() data-id=item.id.clone()
            class:current=move || cursor.get() == idx
            aria-selected=move || (cursor.get() == idx).to_string()
            on:click=move |_| cursor.set(idx)>
            <td><input type="checkbox" data-testid="inbox-check" aria-label=format!("Select {}", item.title)
                prop:checked=move || checked.with(|c| c.contains(&k))
                on:click=|e| e.stop_propagation()
                on:change=move |_| inbox.toggle(k2.clone())/></td>
            <td><span class="badge">{item.kind.singular()}</span> " " {item.title.clone()}</td>
            <td>{item.organisation.clone()} <span class="muted">" " {item.partner_id.clone()}</span></td>
            <td title=human_ms(item.created_at)>{age(now, item.created_at)}</td>
        </tr>
    }
}

/// The current item's facts and the decision on it: a reason, approve and reject.
#[component]
pub(super) fn DecidePane(inbox: Inbox) -> impl IntoView {
    let Inbox {
        detail,
        reason,
        reason_ref,
        outcome,
        selected,
        decide,
        ..
    } = inbox;
    view! {
        <aside class="inbox-detail panel" aria-label="Item details" data-testid="inbox-detail">
            <Transition fallback=|| view! { <p class="loading" role="status">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match detail.await {
                        Ok(Some(d)) => view! { <Detail d/> }.into_any(),
                        Ok(None) => view! { <p class="muted">"Select an item."</p> }.into_any(),
                        Err(e) => view! { <ErrorPanel error=e/> }.into_any(),
                    }
                })}
            </Transition>
            <div class="decide">
                <label for="inbox-reason">"Reason (required to reject; the partner reads it)"</label>
                <textarea id="inbox-reason" node_ref=reason_ref data-testid="inbox-reason" rows="3" maxlength=MAX_REASON_LEN.to_string()
                    aria-invalid=move || inbox.reason_refused().to_string()
                    prop:value=move || reason.get()
                    on:input=move |e| reason.set(event_target_value(&e))
                    on:keydown=move |e| if e.key() == "Enter" && !e.shift_key() { e.prevent_default(); inbox.act(false); }></textarea>
                {move || outcome.with(|o| match o {
                    Some(Outcome::Refused(e)) if e.field.as_deref() == Some("reason") => Some(view! { <p class="field-error" data-testid="reason-error">{e.message.clone()}</p> }),
                    _ => None,
                })}
                <div class="actions">
                    <button type="button" data-testid="inbox-approve" disabled=move || selected.get().is_none() || decide.pending().get() on:click=move |_| inbox.act(true)>"Approve (a)"</button>
                    <button type="button" class="danger" data-testid="inbox-reject" disabled=move || selected.get().is_none() || decide.pending().get() on:click=move |_| inbox.act(false)>"Reject (r)"</button>
                </div>
            </div>
        </aside>
    }
}

/// The facts of one item: partner, certificate, the item itself, the policy or SBIs.
#[component]
fn Detail(d: InboxDetail) -> impl IntoView {
    let p = d.partner;
    let cert = match &d.certificate {
        None => view! { <span class="badge bad">"Missing"</span> }.into_any(),
        Some(c) if c.expired => view! { <span class="badge bad">"Expired"</span> " " {c.subject.clone()} }.into_any(),
        Some(c) if c.days_left <= 30 => view! { <span class="badge wait">{format!("{} days left", c.days_left)}</span> " " {c.subject.clone()} }.into_any(),
        Some(c) => view! { <span class="badge ok">{format!("Valid, {} days left", c.days_left)}</span> " " {c.subject.clone()} }.into_any(),
    };
    view! {
        <h2 data-testid="detail-title">{d.item.title.clone()}</h2>
        <p class="muted">{d.item.kind.singular()} " · submitted " {human_ms(d.item.created_at)}</p>
        <h3>"Partner"</h3>
        <dl class="facts">
            <dt>"Organisation"</dt><dd><A href=format!("/admin/partners/{}", p.id)>{p.organisation.clone()}</A> " (" {p.id.clone()} ")"</dd>
            <dt>"Type"</dt><dd>{p.partner_type.clone()}</dd>
            <dt>"Status"</dt><dd>{p.status.label()}</dd>
            <dt>"Policy group"</dt><dd>{p.policy_group_name.clone().unwrap_or_else(|| "—".into())}</dd>
            <dt>"Contact"</dt><dd>{p.email.clone()} " · " {p.phone.clone()}</dd>
            <dt>"Certificate"</dt><dd data-testid="detail-cert">{cert}</dd>
        </dl>
        {(!d.facts.is_empty()).then(|| view! {
            <h3>{d.item.kind.singular()}</h3>
            <dl class="facts" data-testid="detail-facts">
                {d.facts.into_iter().map(|(k, v)| view! { <dt>{k}</dt><dd class="pre">{v}</dd> }).collect_view()}
            </dl>
        })}
        {(!d.sbis.is_empty()).then(|| view! {
            <h3>"Linked SBIs"</h3>
            <ul data-testid="detail-sbis">
                {d.sbis.into_iter().map(|s| view! {
                    <li>{format!("{} — {} — expires {}", s.version, s.status.label(), crate::util::ms_to_date(s.expires_on))}</li>
                }).collect_view()}
            </ul>
        })}
        {d.document.map(|doc| view! {
            <h3>"Policy document"</h3>
            <pre class="json" data-testid="detail-document">{doc}</pre>
        })}
        {(d.item.kind == InboxKind::Partner).then(|| view! {
            <p class="muted">"Approving lets the partner use every feature of its type."</p>
        })}
    }
}
