//! The partner admin's triage inbox: everything waiting for a decision in one list, the facts
//! of the current item beside it, decisions without leaving the page, keyboard shortcuts and
//! bulk decisions with a result per item.

use crate::api::triage::{get_inbox_detail, inbox_bulk, inbox_decide, inbox_list};
use crate::components::layout::{ErrorPanel, RequireRole};
use crate::components::table::{ListState, Pager};
use crate::util::human_ms;
use domain::account::CurrentUser;
use domain::inbox::{InboxDetail, InboxItem, InboxKind, InboxQuery, ItemOutcome, ItemRef};
use domain::partner::MAX_REASON_LEN;
use domain::{AppError, Role};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::{Form, A};
use leptos_router::hooks::use_query_map;
use leptos_router::params::ParamsMap;

const INBOX: ListState = ListState {
    base: "/admin/inbox",
    keys: &["kind", "partner", "type", "age", "sort", "page"],
    default_sort: "oldest",
};

/// Partner types a filter can name (those that submit items).
const TYPES: [&str; 9] = [
    "Auth_Partner",
    "Credential_Partner",
    "ABIS_Partner",
    "Manual_Adjudication",
    "Print_Partner",
    "Device_Provider",
    "FTM_Provider",
    "MISP_Partner",
    "Online_Verification_Partner",
];

fn text(q: &ParamsMap, k: &str) -> Option<String> {
    q.get(k).filter(|s| !s.trim().is_empty())
}

fn inbox_query(q: &ParamsMap) -> InboxQuery {
    InboxQuery {
        kind: text(q, "kind"),
        partner: text(q, "partner"),
        partner_type: text(q, "type"),
        min_age_days: text(q, "age").and_then(|a| a.parse().ok()),
        sort: text(q, "sort"),
        page: text(q, "page").and_then(|p| p.parse().ok()),
        page_size: Some(25),
    }
}

/// "3 days", "5 hours", "just now".
fn age(now: i64, at: i64) -> String {
    let mins = (now - at).max(0) / 60_000;
    match mins {
        0 => "just now".into(),
        m if m < 60 => format!("{m} min"),
        m if m < 48 * 60 => format!("{} h", m / 60),
        m => format!("{} days", m / (24 * 60)),
    }
}

/// The inbox page.
#[component]
pub fn InboxPage() -> impl IntoView {
    view! {
        <Title text="Inbox"/>
        <RequireRole roles=vec![Role::PartnerAdmin] view=|_u: CurrentUser| view! { <InboxBody/> }/>
    }
}

type Key = (String, String);

fn key_of(i: &InboxItem) -> Key {
    (i.kind.as_str().to_string(), i.id.clone())
}

/// What the last decision did, shown above the list.
#[derive(Clone)]
enum Outcome {
    Done(String),
    Refused(AppError),
}

#[component]
fn InboxBody() -> impl IntoView {
    let params = use_query_map();
    // Bumped after every decision: the list and the pane reload without a page load.
    let version = RwSignal::new(0_u32);
    let list = Resource::new(
        move || (params.with(inbox_query), version.get()),
        |(q, _)| inbox_list(q),
    );
    let items = RwSignal::new(Vec::<InboxItem>::new());
    let cursor = RwSignal::new(0_usize);
    let checked = RwSignal::new(Vec::<Key>::new());
    let help = RwSignal::new(false);
    let reason = RwSignal::new(String::new());
    let bulk_reason = RwSignal::new(String::new());
    let outcome = RwSignal::new(None::<Outcome>);
    let bulk_results = RwSignal::new(None::<Vec<(ItemOutcome, String)>>);
    let reason_ref = NodeRef::<leptos::html::Textarea>::new();

    Effect::new(move |_| {
        if let Some(Ok(page)) = list.get() {
            let n = page.page.items.len();
            items.set(page.page.items);
            if cursor.get_untracked() >= n {
                cursor.set(n.saturating_sub(1));
            }
            // Selections of items no longer listed are dropped.
            let keys: Vec<Key> = items.with_untracked(|v| v.iter().map(key_of).collect());
            checked.update(|c| c.retain(|k| keys.contains(k)));
        }
    });
    let selected = Memo::new(move |_| items.with(|v| v.get(cursor.get()).cloned()));
    let detail = Resource::new(
        move || (selected.get().map(|i| key_of(&i)), version.get()),
        |(sel, _)| async move {
            match sel {
                Some((kind, id)) => get_inbox_detail(kind, id).await.map(Some),
                None => Ok(None),
            }
        },
    );

    let decide = Action::new(
        move |(item, approve, why): &(InboxItem, bool, Option<String>)| {
            let (item, approve, why) = (item.clone(), *approve, why.clone());
            async move {
                let r = inbox_decide(
                    item.kind.as_str().to_string(),
                    item.id.clone(),
                    approve,
                    why,
                )
                .await;
                (item, approve, r)
            }
        },
    );
    Effect::new(move |_| {
        if let Some((item, approve, r)) = decide.value().get() {
            match r {
                Ok(()) => {
                    outcome.set(Some(Outcome::Done(format!(
                        "{} — {}: {}.",
                        item.title,
                        item.organisation,
                        if approve { "approved" } else { "rejected" }
                    ))));
                    reason.set(String::new());
                    version.update(|v| *v += 1);
                }
                Err(e) => {
                    let stale =
                        e.code.ends_with("ILLEGAL_TRANSITION") || e.code == "PMS_CHANGED_MEANWHILE";
                    if e.field.as_deref() == Some("reason") {
                        if let Some(el) = reason_ref.get_untracked() {
                            let _ = el.focus();
                        }
                    }
                    outcome.set(Some(Outcome::Refused(e)));
                    if stale {
                        // Someone else decided it: show the list as it is now.
                        version.update(|v| *v += 1);
                    }
                }
            }
        }
    });
    let bulk = Action::new(
        move |(refs, approve, why): &(Vec<ItemRef>, bool, Option<String>)| {
            let (refs, approve, why) = (refs.clone(), *approve, why.clone());
            async move { inbox_bulk(refs, approve, why).await }
        },
    );
    Effect::new(move |_| {
        if let Some(r) = bulk.value().get() {
            match r {
                Ok(results) => {
                    let titles = items.get_untracked();
                    let named = results
                        .into_iter()
                        .map(|o| {
                            let title = titles
                                .iter()
                                .find(|i| i.kind.as_str() == o.kind && i.id == o.id)
                                .map(|i| format!("{} — {}", i.title, i.organisation))
                                .unwrap_or_else(|| format!("{} {}", o.kind, o.id));
                            (o, title)
                        })
                        .collect();
                    bulk_results.set(Some(named));
                    checked.set(Vec::new());
                    bulk_reason.set(String::new());
                    outcome.set(None);
                    version.update(|v| *v += 1);
                }
                Err(e) => outcome.set(Some(Outcome::Refused(e))),
            }
        }
    });

    let act = move |approve: bool| {
        if let Some(item) = selected.get_untracked() {
            let why = reason.get_untracked();
            let why = (!why.trim().is_empty()).then_some(why);
            decide.dispatch((item, approve, why));
        }
    };
    let act_bulk = move |approve: bool| {
        let refs: Vec<ItemRef> = checked
            .get_untracked()
            .into_iter()
            .map(|(kind, id)| ItemRef { kind, id })
            .collect();
        let why = bulk_reason.get_untracked();
        let why = (!why.trim().is_empty()).then_some(why);
        bulk.dispatch((refs, approve, why));
    };

    #[cfg(feature = "hydrate")]
    {
        let handle = window_event_listener(leptos::ev::keydown, move |e| {
            if e.ctrl_key() || e.meta_key() || e.alt_key() {
                return;
            }
            // Typing a reason or a filter is not a shortcut.
            // A checkbox or button with focus still lets the shortcuts work.
            let typing = document()
                .active_element()
                .map(|el| match el.tag_name().as_str() {
                    "TEXTAREA" | "SELECT" => true,
                    "INPUT" => !matches!(
                        el.get_attribute("type").as_deref(),
                        Some("checkbox" | "radio" | "button" | "submit")
                    ),
                    _ => false,
                })
                .unwrap_or(false);
            let key = e.key();
            if typing {
                if key == "Escape" {
                    if let Some(el) = reason_ref.get_untracked() {
                        let _ = el.blur();
                    }
                }
                return;
            }
            let n = items.with_untracked(Vec::len);
            match key.as_str() {
                "j" | "ArrowDown" if n > 0 => {
                    cursor.update(|c| *c = (*c + 1).min(n - 1));
                    e.prevent_default();
                }
                "k" | "ArrowUp" if n > 0 => {
                    cursor.update(|c| *c = c.saturating_sub(1));
                    e.prevent_default();
                }
                "a" => act(true),
                "r" => {
                    if let Some(el) = reason_ref.get_untracked() {
                        let _ = el.focus();
                    }
                    e.prevent_default();
                }
                "x" | " " => {
                    if let Some(item) = selected.get_untracked() {
                        let k = key_of(&item);
                        checked.update(|c| {
                            if let Some(p) = c.iter().position(|x| *x == k) {
                                c.remove(p);
                            } else {
                                c.push(k);
                            }
                        });
                        e.prevent_default();
                    }
                }
                "?" => help.update(|h| *h = !*h),
                "Escape" => help.set(false),
                _ => {}
            }
        });
        on_cleanup(move || handle.remove());
    }

    let get = move |k: &'static str| move || params.with(|q| q.get(k)).unwrap_or_default();
    let is =
        move |k: &'static str, v: &str| params.with_untracked(|q| q.get(k)).as_deref() == Some(v);
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
        <Form method="GET" action="/admin/inbox" attr:class="filters" attr:role="search">
            <input type="hidden" name="kind" prop:value=get("kind")/>
            <label>"Partner id" <input type="search" name="partner" data-testid="filter-partner" value=get("partner")() prop:value=get("partner")/></label>
            <label>"Partner type"
                <select name="type" data-testid="filter-type" prop:value=get("type")>
                    <option value="">"Any"</option>
                    {TYPES.into_iter().map(|t| view! { <option value=t selected=is("type", t)>{t.replace('_', " ")}</option> }).collect_view()}
                </select>
            </label>
            <label>"Waiting"
                <select name="age" data-testid="filter-age" prop:value=get("age")>
                    <option value="">"Any time"</option>
                    {[1, 3, 7, 30].into_iter().map(|d| view! { <option value=d.to_string() selected=is("age", &d.to_string())>{format!("{d}+ days")}</option> }).collect_view()}
                </select>
            </label>
            <label>"Order"
                <select name="sort" data-testid="filter-sort" prop:value=get("sort")>
                    <option value="">"Oldest first"</option>
                    <option value="newest" selected=is("sort", "newest")>"Newest first"</option>
                </select>
            </label>
            <button type="submit" data-testid="filter-apply">"Apply"</button>
        </Form>
        <div role="status" aria-live="polite" data-testid="inbox-outcome">
            {move || outcome.get().map(|o| match o {
                Outcome::Done(m) => view! { <p class="notice">{m}</p> }.into_any(),
                Outcome::Refused(e) => {
                    let stale = e.code.ends_with("ILLEGAL_TRANSITION") || e.code == "PMS_CHANGED_MEANWHILE";
                    view! {
                        <p class="alert" data-testid="inbox-refused">
                            {if stale { "Not applied: it was decided meanwhile. " } else { "Not applied: " }}
                            {e.message}
                        </p>
                    }.into_any()
                }
            })}
        </div>
        <Show when=move || !checked.with(Vec::is_empty)>
            <section class="panel bulk" data-testid="bulk-bar" aria-label="Bulk decision">
                <strong>{move || format!("{} selected", checked.with(Vec::len))}</strong>
                " "
                <button type="button" data-testid="bulk-approve" on:click=move |_| act_bulk(true) disabled=move || bulk.pending().get()>"Approve selected"</button>
                <label>"Reason (for a rejection) "
                    <input type="text" data-testid="bulk-reason" maxlength=MAX_REASON_LEN.to_string()
                        prop:value=move || bulk_reason.get() on:input=move |e| bulk_reason.set(event_target_value(&e))/>
                </label>
                <button type="button" class="danger" data-testid="bulk-reject" on:click=move |_| act_bulk(false) disabled=move || bulk.pending().get()>"Reject selected"</button>
                <button type="button" class="link" on:click=move |_| checked.set(Vec::new())>"Clear"</button>
            </section>
        </Show>
        {move || bulk_results.get().map(|rs| view! {
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
        })}
        <div class="inbox">
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
                                            {page.page.items.into_iter().enumerate().map(|(idx, item)| {
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
                                                            on:change=move |_| { let k = k2.clone(); checked.update(|c| if let Some(p) = c.iter().position(|x| *x == k) { c.remove(p); } else { c.push(k); }) }/></td>
                                                        <td><span class="badge">{item.kind.singular()}</span> " " {item.title.clone()}</td>
                                                        <td>{item.organisation.clone()} <span class="muted">" " {item.partner_id.clone()}</span></td>
                                                        <td title=human_ms(item.created_at)>{age(now, item.created_at)}</td>
                                                    </tr>
                                                }
                                            }).collect_view()}
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
                        aria-invalid=move || outcome.with(|o| matches!(o, Some(Outcome::Refused(e)) if e.field.as_deref() == Some("reason"))).to_string()
                        prop:value=move || reason.get()
                        on:input=move |e| reason.set(event_target_value(&e))
                        on:keydown=move |e| if e.key() == "Enter" && !e.shift_key() { e.prevent_default(); act(false); }></textarea>
                    {move || outcome.with(|o| match o {
                        Some(Outcome::Refused(e)) if e.field.as_deref() == Some("reason") => Some(view! { <p class="field-error" data-testid="reason-error">{e.message.clone()}</p> }),
                        _ => None,
                    })}
                    <div class="actions">
                        <button type="button" data-testid="inbox-approve" disabled=move || selected.get().is_none() || decide.pending().get() on:click=move |_| act(true)>"Approve (a)"</button>
                        <button type="button" class="danger" data-testid="inbox-reject" disabled=move || selected.get().is_none() || decide.pending().get() on:click=move |_| act(false)>"Reject (r)"</button>
                    </div>
                </div>
            </aside>
        </div>
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
