//! The partner admins' queue of policy requests: approve, or reject with a comment.

use super::REQUESTS;
use crate::api::access::{all_policy_requests, DecidePolicyRequest};
use crate::components::filter::{FilterSelect, OrderSelect, QueryParams};
use crate::components::layout::RequireRole;
use crate::components::table::{export_href, query_of, ExportLink, PagedList};
use crate::pages::access::keys::RequestBadge;
use crate::util::human_ms;
use domain::access::{RequestQuery, RequestStatus, RequestView};
use domain::account::CurrentUser;
use domain::partner::MAX_REASON_LEN;
use domain::policy::PolicyType;
use domain::Role;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::{Form, A};
use leptos_router::hooks::use_query_map;
use leptos_router::params::ParamsMap;

/// The policy request queue.
#[component]
pub fn PolicyRequestsQueuePage() -> impl IntoView {
    view! {
        <Title text="Policy requests"/>
        <RequireRole roles=vec![Role::PartnerAdmin] view=|_u: CurrentUser| view! { <RequestsBody/> }/>
    }
}

fn request_query(q: &ParamsMap) -> RequestQuery {
    query_of::<domain::access::PolicyRequests>(q)
}

/// The queue of policy requests (filtered, paged) with the last decision's answer.
#[component]
fn RequestsBody() -> impl IntoView {
    let params = use_query_map();
    let decide = ServerAction::<DecidePolicyRequest>::new();
    let list = Resource::new(
        move || (params.with(request_query), decide.version().get()),
        |(q, _)| all_policy_requests(q),
    );
    let error = move || decide.value().get().and_then(|r| r.err());
    let done = move || decide.value().get().and_then(|r| r.ok());
    view! {
        <h1>"Policy requests"</h1>
        <ExportLink href=Signal::derive(move || export_href("policy-requests", &params.with(request_query)))/>
        <p class="muted">"Partners ask to use a published policy of their group. Approve, or reject with a comment the partner reads."</p>
        <RequestFilters/>
        <div role="alert" data-testid="decision-error">{move || error().map(|e| view! { <p class="alert">{e.message}</p> })}</div>
        {move || done().map(|r| view! {
            <p class="notice" role="status" data-testid="decision-done">
                {format!("{}'s request for {} is now {}.", r.organisation, r.policy_name, r.status.label().to_lowercase())}
            </p>
        })}
        <PagedList list state=REQUESTS loading="Loading requests…" empty_id="queue-empty" empty="Nothing here."
            render={move |items: Vec<RequestView>| view! {
                <table class="list" data-testid="request-queue">
                    <thead><tr><th>"Partner"</th><th>"Policy"</th><th>"Use case"</th><th>"Requested"</th><th>"Status"</th><th>"Decision"</th></tr></thead>
                    <tbody>
                        {items.into_iter().map(|r| view! { <RequestRow r decide/> }).collect_view()}
                    </tbody>
                </table>
            }}/>
    }
}

/// The queue's filters: status (pending by default), partner, policy, policy type, order.
#[component]
fn RequestFilters() -> impl IntoView {
    let q = QueryParams::current();
    let types = PolicyType::ALL
        .into_iter()
        .map(|t| (t.as_str().to_string(), t.label().to_string()))
        .collect();
    view! {
        <Form method="GET" action="/admin/policy-requests" attr:class="filters" attr:role="search">
            <label>"Status"
                <select name="status" data-testid="filter-status" prop:value=q.get("status")>
                    <option value="">"Pending"</option>
                    <option value="any" selected=q.is("status", "any")>"Any"</option>
                    <option value="APPROVED" selected=q.is("status", "APPROVED")>"Approved"</option>
                    <option value="REJECTED" selected=q.is("status", "REJECTED")>"Rejected"</option>
                </select>
            </label>
            <label>"Partner id" <input type="search" name="partner" data-testid="filter-partner" value=q.get("partner")() prop:value=q.get("partner")/></label>
            <label>"Policy id" <input type="search" name="policy" data-testid="filter-policy" value=q.get("policy")() prop:value=q.get("policy")/></label>
            <FilterSelect name="type" label="Policy type" any="Any" options=types/>
            <OrderSelect newest="-created"/>
            <button type="submit" data-testid="filter-apply">"Apply"</button>
        </Form>
    }
}

#[component]
fn RequestRow(r: RequestView, decide: ServerAction<DecidePolicyRequest>) -> impl IntoView {
    // Which decision is being prepared: Some(true) approve, Some(false) reject.
    let mode = RwSignal::new(None::<bool>);
    let comment = RwSignal::new(String::new());
    let short: String = r.use_case.chars().take(80).collect();
    let long = r.use_case.chars().count() > 80;
    let id = StoredValue::new(r.id.clone());
    let comment_error = move || {
        decide
            .value()
            .get()
            .and_then(|res| res.err())
            .filter(|e| e.field.as_deref() == Some("comment") && mode.get().is_some())
            .map(|e| e.message)
    };
    view! {
        <tr data-testid="request-row">
            <td><A href=format!("/admin/partners/{}", r.partner_id)>{r.organisation.clone()}</A>
                <span class="muted">" " {r.partner_id.clone()} " · " {r.partner_type.clone()}</span></td>
            <td><A href=format!("/policies/{}", r.policy_id)>{r.policy_name.clone()}</A>
                <span class="muted">" " {crate::pages::access::keys::type_label(&r.policy_type)} " · " {r.group_name.clone()}</span></td>
            <td>{if long {
                view! { <details><summary>{format!("{short}…")}</summary><p class="pre">{r.use_case.clone()}</p></details> }.into_any()
            } else {
                view! { <span class="pre">{r.use_case.clone()}</span> }.into_any()
            }}</td>
            <td>{human_ms(r.created_at)}</td>
            <td><RequestBadge status=r.status/> {r.comment.clone().map(|c| view! { <span class="muted">" " {c}</span> })}</td>
            <td class="actions">
                {(r.status == RequestStatus::Pending).then(|| view! {
                    <button type="button" class="primary" data-testid="request-approve" on:click=move |_| mode.set(Some(true))>"Approve"</button>
                    <button type="button" class="danger" data-testid="request-reject" on:click=move |_| mode.set(Some(false))>"Reject"</button>
                    {move || mode.get().map(|approve| view! {
                        <div class="confirm-box" data-testid="request-decision">
                            <label>{if approve { "Comment (optional, the partner sees it)" } else { "Comment (required, the partner sees it)" }}
                                <textarea maxlength=MAX_REASON_LEN data-testid="request-comment" aria-label="Comment" prop:value=move || comment.get()
                                    on:input=move |ev| comment.set(event_target_value(&ev))></textarea></label>
                            <p class="field-error" role="alert">{comment_error}</p>
                            <button type="button" class=if approve { "primary" } else { "danger" } data-testid="request-confirm"
                                disabled=move || decide.pending().get()
                                on:click=move |_| {
                                    let c = comment.get_untracked();
                                    decide.dispatch(DecidePolicyRequest {
                                        id: id.get_value(),
                                        approve,
                                        comment: (!c.trim().is_empty()).then_some(c),
                                    });
                                }>{if approve { "Approve request" } else { "Reject request" }}</button>
                            <button type="button" class="secondary" data-testid="request-cancel" on:click=move |_| mode.set(None)>"Cancel"</button>
                        </div>
                    })}
                })}
            </td>
        </tr>
    }
}
