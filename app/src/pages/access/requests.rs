//! A partner's policy requests: the published policies of its group with its latest request
//! for each, the form to request one with a use case, and its requests with the partner
//! admin's decision and comment.

use super::keys::{
    field_message, is_unavailable, type_label, FieldError, FilterTabs, FormAlert, RequestBadge,
    Unavailable,
};
use crate::api::access::{my_policy_requests, request_policy, requestable_policies};
use crate::components::layout::{ErrorPanel, RequireRole};
use crate::components::table::{ListState, Pager};
use crate::util::human_ms;
use domain::access::{
    RequestInput, RequestQuery, RequestStatus, RequestView, RequestablePolicy, MAX_USE_CASE_LEN,
};
use domain::account::CurrentUser;
use domain::page::Page;
use domain::{AppError, Role};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;
use leptos_router::params::ParamsMap;

const LIST: ListState = ListState {
    base: "/partner/policy-requests",
    keys: &["status", "page"],
    default_sort: "-created",
};

const FILTERS: &[(&str, &str)] = &[
    ("PENDING", "Pending"),
    ("APPROVED", "Approved"),
    ("REJECTED", "Rejected"),
];

fn query_from(q: &ParamsMap) -> RequestQuery {
    RequestQuery {
        status: q.get("status").filter(|s| !s.is_empty()),
        sort: Some("-created".into()),
        page: q.get("page").and_then(|p| p.parse().ok()),
        ..RequestQuery::default()
    }
}

/// The partner's policy requests page.
#[component]
pub fn MyPolicyRequestsPage() -> impl IntoView {
    view! {
        <Title text="Policy requests"/>
        <RequireRole roles=Role::PARTNER.to_vec() view=|_u: CurrentUser| view! { <RequestsBody/> }/>
    }
}

type RequestAction = Action<RequestInput, Result<RequestView, AppError>>;

/// The request form's state, kept by the page: which policy is being requested (id, name)
/// and the use case typed so far.
#[derive(Clone, Copy)]
struct Draft {
    open: RwSignal<Option<(String, String)>>,
    use_case: RwSignal<String>,
}

#[component]
fn RequestsBody() -> impl IntoView {
    let params = use_query_map();
    let request: RequestAction = Action::new(|input: &RequestInput| request_policy(input.clone()));
    let options = Resource::new(move || request.version().get(), |_| requestable_policies());
    let list = Resource::new(
        move || (params.with(query_from), request.version().get()),
        |(q, _)| my_policy_requests(q),
    );
    let draft = Draft {
        open: RwSignal::new(None),
        use_case: RwSignal::new(String::new()),
    };
    let sent = move || request.value().get().and_then(|r| r.ok());
    // A sent request closes its form and starts the next one empty.
    Effect::new(move |_| {
        if sent().is_some() {
            draft.open.set(None);
            draft.use_case.set(String::new());
        }
    });
    view! {
        <h1>"Policy requests"</h1>
        <p class="muted">"Request the policies of your policy group that your services need. A partner admin approves or rejects each request; API keys and OIDC clients need an approved policy."</p>
        {move || sent().map(|r| view! {
            <p class="notice" role="status" data-testid="request-sent">
                "Request for " <strong>{r.policy_name}</strong> " sent; a partner admin will decide on it."
            </p>
        })}
        <section class="panel">
            <h2>"Policies you can request"</h2>
            <Transition fallback=|| view! { <p class="loading" role="status">"Loading policies…"</p> }>
                {move || Suspend::new(async move {
                    match options.await {
                        Ok(policies) if policies.is_empty() => view! {
                            <p class="empty" data-testid="requestable-empty">"Your policy group has no published policy yet."</p>
                        }.into_any(),
                        Ok(policies) => view! { <Requestable policies draft request/> }.into_any(),
                        Err(e) => view! { <Unavailable error=e/> }.into_any(),
                    }
                })}
            </Transition>
        </section>
        <h2>"Your requests"</h2>
        <FilterTabs state=LIST label="Request status" options=FILTERS/>
        <Transition fallback=|| view! { <p class="loading" role="status">"Loading requests…"</p> }>
            {move || Suspend::new(async move {
                match list.await {
                    Ok(page) => view! { <RequestTable page/> }.into_any(),
                    // The notice above already says why.
                    Err(e) if is_unavailable(&e) => ().into_any(),
                    Err(e) => view! { <ErrorPanel error=e/> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn Requestable(
    policies: Vec<RequestablePolicy>,
    draft: Draft,
    request: RequestAction,
) -> impl IntoView {
    view! {
        <table class="list" data-testid="requestable-table">
            <thead><tr><th>"Policy"</th><th>"Type"</th><th>"Description"</th><th>"Your request"</th><th><span class="sr-only">"Actions"</span></th></tr></thead>
            <tbody>
                {policies.into_iter().map(|p| {
                    let can_request = !matches!(p.request, Some(RequestStatus::Pending | RequestStatus::Approved));
                    let id = p.id.clone();
                    let is_open = {
                        let id = id.clone();
                        move || draft.open.with(|o| o.as_ref().is_some_and(|(o, _)| *o == id))
                    };
                    let open = {
                        let (id, name) = (p.id.clone(), p.name.clone());
                        move |_: leptos::ev::MouseEvent| {
                            request.value().set(None);
                            draft.use_case.set(String::new());
                            draft.open.set(Some((id.clone(), name.clone())));
                        }
                    };
                    let verb = if p.request == Some(RequestStatus::Rejected) { "Request again" } else { "Request" };
                    let form_row = {
                        let is_open = is_open.clone();
                        move || is_open().then(|| view! {
                            <tr class="form-row"><td colspan="5"><RequestForm draft request/></td></tr>
                        })
                    };
                    view! {
                        <tr data-testid="requestable-row" data-policy=p.name.clone()>
                            <td data-testid="requestable-name">{p.name.clone()}</td>
                            <td>{type_label(&p.policy_type)}</td>
                            <td class="pre">{p.description.clone()}</td>
                            <td>{match p.request {
                                Some(s) => view! { <RequestBadge status=s/> }.into_any(),
                                None => view! { <span class="muted" data-testid="request-status">"Not requested"</span> }.into_any(),
                            }}</td>
                            <td class="actions">
                                {can_request.then(|| view! {
                                    <button type="button" class="primary" data-testid="request-open"
                                        aria-expanded=move || is_open().to_string() on:click=open>{verb}</button>
                                })}
                            </td>
                        </tr>
                        {form_row}
                    }
                }).collect_view()}
            </tbody>
        </table>
    }
}

const REQUEST_FIELDS: &[&str] = &["use_case"];

/// The use-case form of the policy being requested.
#[component]
fn RequestForm(draft: Draft, request: RequestAction) -> impl IntoView {
    let error = Signal::derive(move || request.value().get().and_then(|r| r.err()));
    let name = move || draft.open.get().map(|(_, n)| n).unwrap_or_default();
    let count = move || draft.use_case.with(|s| s.chars().count());
    let textarea = NodeRef::<leptos::html::Textarea>::new();
    Effect::new(move |_| {
        if let Some(t) = textarea.get() {
            let _ = t.focus();
        }
    });
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if let Some((policy_id, _)) = draft.open.get_untracked() {
            request.dispatch(RequestInput {
                policy_id,
                use_case: draft.use_case.get_untracked(),
            });
        }
    };
    view! {
        <form class="request-form" on:submit=submit data-testid="request-form">
            <h3>"Request " {name}</h3>
            <FormAlert error fields=REQUEST_FIELDS test_id="form-error"/>
            <div class="field">
                <label for="r-use-case">"Use case"</label>
                <textarea id="r-use-case" node_ref=textarea rows="5" required maxlength=MAX_USE_CASE_LEN
                    prop:value=move || draft.use_case.get()
                    on:input=move |ev| draft.use_case.set(event_target_value(&ev))
                    aria-invalid=move || field_message(error, "use_case").is_some().to_string()
                    aria-describedby="r-use-case-help r-use-case-count r-use-case-error"
                    data-testid="input-use_case"></textarea>
                <p class="help" id="r-use-case-help">"What your service does with this policy, for whom, and why it needs the data or authentication it allows."</p>
                <p class=move || { if count() > MAX_USE_CASE_LEN { "help counter over" } else { "help counter" } }
                    id="r-use-case-count" aria-live="polite" data-testid="use-case-count">
                    {move || format!("{} / {MAX_USE_CASE_LEN} characters", count())}
                </p>
                <FieldError error field="use_case" id="r-use-case-error"/>
            </div>
            <button type="submit" class="primary" disabled=move || request.pending().get() data-testid="request-submit">
                {move || if request.pending().get() { "Sending…" } else { "Send request" }}
            </button>
            " "
            <button type="button" class="secondary" data-testid="request-cancel" on:click=move |_| draft.open.set(None)>"Cancel"</button>
        </form>
    }
}

#[component]
fn RequestTable(page: Page<RequestView>) -> impl IntoView {
    let (page_no, pages, total) = (page.page, page.page_count(), page.total);
    if page.items.is_empty() {
        return view! { <p class="empty" data-testid="requests-empty">"No requests here."</p> }
            .into_any();
    }
    view! {
        <table class="list" data-testid="requests-table">
            <caption class="muted">{format!("{total} request{}", if total == 1 { "" } else { "s" })}</caption>
            <thead><tr><th>"Policy"</th><th>"Type"</th><th>"Status"</th><th>"Admin's comment"</th><th>"Requested"</th></tr></thead>
            <tbody>
                {page.items.into_iter().map(|r| view! {
                    <tr data-testid="my-request-row" data-status=r.status.as_str()>
                        <td>
                            <span data-testid="my-request-policy">{r.policy_name.clone()}</span>
                            <details>
                                <summary class="muted">"Use case"</summary>
                                <p class="pre" data-testid="my-request-use-case">{r.use_case.clone()}</p>
                            </details>
                        </td>
                        <td>{type_label(&r.policy_type)}</td>
                        <td><RequestBadge status=r.status/></td>
                        <td class="pre" data-testid="my-request-comment">{r.comment.clone().unwrap_or_default()}</td>
                        <td>{human_ms(r.created_at)}</td>
                    </tr>
                }).collect_view()}
            </tbody>
        </table>
        <Pager state=LIST page=page_no pages/>
    }
    .into_any()
}

#[cfg(test)]
mod tests {
    use super::super::keys::is_certificate_error;
    use super::*;

    #[test]
    fn the_list_query_comes_from_the_url() {
        let mut q = ParamsMap::new();
        q.insert("status", "PENDING".to_string());
        q.insert("page", "2".to_string());
        let query = query_from(&q);
        assert_eq!(query.status.as_deref(), Some("PENDING"));
        assert_eq!(query.page, Some(2));
        assert_eq!(query.sort.as_deref(), Some("-created"));
        assert_eq!(query_from(&ParamsMap::new()).status, None);
    }

    #[test]
    fn certificate_errors_link_to_the_certificate_page() {
        let e = AppError::new(domain::ErrorKind::Conflict, "PMS_CERT_REQUIRED", "Upload");
        assert!(is_certificate_error(&e));
        let e = AppError::new(domain::ErrorKind::Conflict, "PMS_REQUEST_EXISTS", "Taken");
        assert!(!is_certificate_error(&e));
    }
}
