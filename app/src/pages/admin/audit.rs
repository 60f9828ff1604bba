//! Audit log (PARTNER_ADMIN): every state change, filterable by actor, entity type and time.

use crate::api::partners::list_audit;
use crate::components::layout::{ErrorPanel, RequireRole};
use crate::components::table::{query_of, ListState, Pager};
use crate::util::human_ms;
use domain::account::CurrentUser;
use domain::history::{AuditEntry, AuditQuery, ENTITY_TYPES};
use domain::Role;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::{Form, A};
use leptos_router::hooks::use_query_map;
use leptos_router::params::ParamsMap;

const LIST: ListState = ListState::of::<domain::history::AuditLog>();

/// Audit page.
#[component]
pub fn AuditPage() -> impl IntoView {
    view! {
        <Title text="Audit log"/>
        <RequireRole roles=vec![Role::PartnerAdmin] view=|_u: CurrentUser| view! { <AuditBody/> }/>
    }
}

fn query_from(q: &ParamsMap) -> AuditQuery {
    query_of::<domain::history::AuditLog>(q)
}

#[component]
fn AuditBody() -> impl IntoView {
    let params = use_query_map();
    let entries = Resource::new(move || params.with(query_from), list_audit);
    let get = move |k: &'static str| move || params.with(|q| q.get(k)).unwrap_or_default();
    view! {
        <h1>"Audit log"</h1>
        <crate::components::table::ExportLink href=Signal::derive(move || crate::components::table::export_href("audit", &params.with(query_from)))/>
        <p class="muted">"Every change in the portal: who, what, when, with the values before and after. Times are UTC."</p>
        <Form method="GET" action="/admin/audit" attr:class="filters" attr:role="search">
            <label>"Actor email" <input type="search" name="actor" data-testid="filter-actor" value=get("actor") prop:value=get("actor")/></label>
            <label>"Entity"
                <select name="type" data-testid="filter-type" prop:value=get("type")>
                    <option value="">"Any"</option>
                    {ENTITY_TYPES.iter().map(|t| view! { <option value=*t selected=params.with_untracked(|q| q.get("type")).as_deref() == Some(*t)>{*t}</option> }).collect_view()}
                </select>
            </label>
            <label>"From" <input type="date" name="from" data-testid="filter-from" value=get("from") prop:value=get("from")/></label>
            <label>"To" <input type="date" name="to" data-testid="filter-to" value=get("to") prop:value=get("to")/></label>
            <button type="submit" data-testid="filter-apply">"Apply"</button>
            <A href="/admin/audit">"Clear"</A>
        </Form>
        <Transition fallback=|| view! { <p class="loading" role="status">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match entries.await {
                    Ok(page) => {
                        let (page_no, pages, total) = (page.page, page.page_count(), page.total);
                        view! {
                            <p class="muted">{format!("{total} entr{}", if total == 1 { "y" } else { "ies" })}</p>
                            <AuditTable items=page.items/>
                            <Pager state=LIST page=page_no pages/>
                        }.into_any()
                    }
                    Err(e) => view! { <ErrorPanel error=e/> }.into_any(),
                }
            })}
        </Transition>
    }
}

/// Changes as compact `key: before → after` lines, from the details JSON.
fn changes(details: &str) -> Vec<String> {
    let Ok(value) = serde_json::from_str::<serde_json::Value>(details) else {
        return vec![details.to_string()];
    };
    let show = |v: Option<&serde_json::Value>| match v {
        None | Some(serde_json::Value::Null) => "—".to_string(),
        Some(serde_json::Value::String(s)) => s.clone(),
        Some(other) => other.to_string(),
    };
    let before = value.get("before").and_then(|b| b.as_object());
    let after = value.get("after").and_then(|a| a.as_object());
    let mut keys: Vec<&String> = before
        .iter()
        .chain(after.iter())
        .flat_map(|m| m.keys())
        .collect();
    keys.sort();
    keys.dedup();
    let mut lines: Vec<String> = keys
        .into_iter()
        .filter_map(|k| {
            let b = before.and_then(|m| m.get(k));
            let a = after.and_then(|m| m.get(k));
            match (b, a) {
                (Some(b), Some(a)) if b == a => None,
                (Some(_), Some(_)) => Some(format!("{k}: {} → {}", show(b), show(a))),
                (None, Some(_)) => Some(format!("{k}: {}", show(a))),
                _ => Some(format!("{k}: {} → —", show(b))),
            }
        })
        .collect();
    if let Some(obj) = value.as_object() {
        for (k, v) in obj {
            if k != "before" && k != "after" && !v.is_null() {
                lines.push(format!("{k}: {}", show(Some(v))));
            }
        }
    }
    lines
}

/// Audit rows as a table (the audit page and a partner's trail).
#[component]
pub fn AuditTable(items: Vec<AuditEntry>) -> impl IntoView {
    if items.is_empty() {
        return view! { <p class="empty" data-testid="audit-empty">"No entries match."</p> }
            .into_any();
    }
    view! {
        <table class="list audit" data-testid="audit-table">
            <thead><tr><th>"When"</th><th>"Actor"</th><th>"Action"</th><th>"Entity"</th><th>"Changes"</th></tr></thead>
            <tbody>
                {items.into_iter().map(|a| {
                    let entity = if a.entity_type == "partner" {
                        view! { <A href=format!("/admin/partners/{}", a.entity_id)>{format!("partner {}", a.entity_id)}</A> }.into_any()
                    } else if a.entity_type == "policy" {
                        view! { <A href=format!("/policies/{}", a.entity_id)>{format!("policy {}", a.entity_id)}</A> }.into_any()
                    } else if a.entity_type == "ca_certificate" {
                        view! { <A href=format!("/admin/certificates/{}", a.entity_id)>{format!("CA certificate {}", a.entity_id)}</A> }.into_any()
                    } else if a.entity_type == "event_subscription" {
                        view! { <A href=format!("/admin/events/{}", a.entity_id)>{format!("event receiver {}", a.entity_id)}</A> }.into_any()
                    } else {
                        view! { <span>{format!("{} {}", a.entity_type, a.entity_id)}</span> }.into_any()
                    };
                    view! {
                        <tr data-testid="audit-row">
                            <td><time>{human_ms(a.at)}</time></td>
                            <td>{a.actor_email.clone().unwrap_or_else(|| "system".into())}</td>
                            <td><code>{a.action.clone()}</code></td>
                            <td>{entity}</td>
                            <td><ul class="changes">{changes(&a.details).into_iter().map(|l| view! { <li>{l}</li> }).collect_view()}</ul></td>
                        </tr>
                    }
                }).collect_view()}
            </tbody>
        </table>
    }
    .into_any()
}
