//! A partner's API keys: generate one for an approved policy (the secret is shown once, then
//! only its first characters), see every key with its validity and status, and deactivate one.
//! Also the pieces the other access pages share: the show-once secret panel, the copy button,
//! status badges, filter tabs and the deactivation confirmation.

use crate::api::access::{api_key_options, create_api_key, my_api_keys, DeactivateMyApiKey};
use crate::components::form::DeactivateRow;
use crate::components::layout::{ErrorPanel, RequireRole};
use crate::components::table::{ListState, Pager};
use crate::util::{human_ms, ms_to_date, now_ms};
use domain::access::{
    ApiKeyInput, ApiKeyView, ApprovedPolicy, KeyQuery, KeyStatus, RequestStatus, MAX_LABEL_LEN,
};
use domain::account::CurrentUser;
use domain::page::Page;
use domain::{AppError, Role};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use leptos_router::hooks::use_query_map;
use leptos_router::params::ParamsMap;

const LIST: ListState = ListState {
    base: "/partner/api-keys",
    keys: &["status", "page"],
    default_sort: "-created",
};

const DAY_MS: i64 = 86_400_000;

/// Status filters of key, client and license lists: (code, label).
pub(crate) const KEY_FILTERS: &[(&str, &str)] = &[
    ("ACTIVE", "Active"),
    ("DEACTIVATED", "Deactivated"),
    ("EXPIRED", "Expired"),
];

/// The list query of a key, client or license page from its URL (newest first).
pub(crate) fn key_query(q: &ParamsMap) -> KeyQuery {
    KeyQuery {
        status: q.get("status").filter(|s| !s.is_empty()),
        sort: Some("-created".into()),
        page: q.get("page").and_then(|p| p.parse().ok()),
        ..KeyQuery::default()
    }
}

/// Errors that say the partner cannot use this page yet (not an outage): shown as a notice.
pub(crate) fn is_unavailable(e: &AppError) -> bool {
    matches!(
        e.code.as_str(),
        "PMS_PARTNER_NOT_APPROVED" | "PMS_NO_POLICY_GROUP" | "PMS_PARTNER_TYPE"
    ) || (e.code == "PMS_NOT_FOUND" && e.message.starts_with("Your partner profile"))
}

/// A notice for an error that means "not yet", or the error panel for anything else.
#[component]
pub(crate) fn Unavailable(error: AppError) -> impl IntoView {
    if is_unavailable(&error) {
        view! {
            <section class="panel" role="status" data-testid="access-unavailable">
                <p>{error.message.clone()}</p>
            </section>
        }
        .into_any()
    } else {
        view! { <ErrorPanel error/> }.into_any()
    }
}

/// Whether `error` is about the partner's certificate (missing or expired).
pub(crate) fn is_certificate_error(error: &AppError) -> bool {
    matches!(
        error.code.as_str(),
        "PMS_CERT_REQUIRED" | "PMS_CERT_EXPIRED"
    )
}

/// A link to the certificate page when `error` is about the partner's certificate.
pub(crate) fn certificate_hint(error: &AppError) -> Option<impl IntoView> {
    is_certificate_error(error)
        .then(|| view! { " " <A href="/partner/certificate">"Go to My certificate"</A> })
}

/// An error banner for the errors of a form that are not about one of its `fields`.
#[component]
pub(crate) fn FormAlert(
    error: Signal<Option<AppError>>,
    fields: &'static [&'static str],
    test_id: &'static str,
) -> impl IntoView {
    move || {
        error
            .get()
            .filter(|e| e.field.as_deref().is_none_or(|f| !fields.contains(&f)))
            .map(|e| {
                let hint = certificate_hint(&e);
                view! {
                    <div class="alert" role="alert" data-testid=test_id>
                        {e.message.clone()}
                        {hint}
                        {e.request_id.clone().filter(|_| e.kind == domain::ErrorKind::Internal).map(|id| view! { <span class="muted">" (request id " {id} ")"</span> })}
                    </div>
                }
            })
    }
}

pub(crate) use crate::components::form::field_message;

/// The error line under a field (`id` is what the input's aria-describedby names).
#[component]
pub(crate) fn FieldError(
    error: Signal<Option<AppError>>,
    field: &'static str,
    #[prop(into)] id: String,
) -> impl IntoView {
    view! {
        <p class="field-error" id=id role="alert" data-testid=format!("error-{field}")>{move || field_message(error, field)}</p>
    }
}

/// Tabs over a list's status filter (links, so they work before the page is interactive).
#[component]
pub(crate) fn FilterTabs(
    state: ListState,
    label: &'static str,
    options: &'static [(&'static str, &'static str)],
) -> impl IntoView {
    let params = use_query_map();
    let current = move || params.with(|q| q.get("status")).unwrap_or_default();
    let tab = move |code: &'static str, name: &'static str| {
        let href = move || params.with(|q| state.href_with(q, "status", code));
        let here = move || current() == code;
        view! {
            <A href=href
                attr:class=move || if here() { "active" } else { "" }
                attr:aria-current=move || here().then_some("page")
                attr:data-testid=format!("filter-{}", if code.is_empty() { "all" } else { code })>
                {name}
            </A>
        }
    };
    view! {
        <nav class="tabs" aria-label=label>
            {tab("", "All")}
            {options.iter().map(|(code, name)| tab(code, name)).collect_view()}
        </nav>
    }
}

/// Badge of a key, client or license status.
#[component]
pub(crate) fn KeyBadge(status: KeyStatus) -> impl IntoView {
    let class = match status {
        KeyStatus::Active => "badge ok",
        KeyStatus::Deactivated => "badge off",
        KeyStatus::Expired => "badge bad",
    };
    view! { <span class=class data-testid="key-status">{status.label()}</span> }
}

/// Badge of a policy request status.
#[component]
pub(crate) fn RequestBadge(status: RequestStatus) -> impl IntoView {
    let class = match status {
        RequestStatus::Pending => "badge wait",
        RequestStatus::Approved => "badge ok",
        RequestStatus::Rejected => "badge bad",
    };
    view! { <span class=class data-testid="request-status">{status.label()}</span> }
}

/// A policy type spelling as people read it.
pub(crate) fn type_label(spelling: &str) -> String {
    domain::policy::PolicyType::parse(spelling)
        .map(|t| t.label().to_string())
        .unwrap_or_else(|| spelling.to_string())
}

/// Put `text` on the clipboard; false when the browser offers no clipboard here.
fn copy_to_clipboard(text: &str) -> bool {
    #[cfg(feature = "hydrate")]
    {
        use leptos::wasm_bindgen::{JsCast, JsValue};
        let win: JsValue = window().into();
        let Ok(nav) = js_sys::Reflect::get(&win, &JsValue::from_str("navigator")) else {
            return false;
        };
        let Ok(clip) = js_sys::Reflect::get(&nav, &JsValue::from_str("clipboard")) else {
            return false;
        };
        if clip.is_undefined() || clip.is_null() {
            return false;
        }
        let Ok(write) = js_sys::Reflect::get(&clip, &JsValue::from_str("writeText")) else {
            return false;
        };
        let Some(write) = write.dyn_ref::<js_sys::Function>() else {
            return false;
        };
        write.call1(&clip, &JsValue::from_str(text)).is_ok()
    }
    #[cfg(not(feature = "hydrate"))]
    {
        let _ = text;
        false
    }
}

/// A button that copies `text`, with a spoken confirmation.
#[component]
pub(crate) fn CopyButton(
    #[prop(into)] text: String,
    /// Accessible name ("Copy API key").
    label: &'static str,
    #[prop(into)] test_id: String,
) -> impl IntoView {
    let copied = RwSignal::new(None::<bool>);
    let text = StoredValue::new(text);
    view! {
        <button type="button" class="secondary" aria-label=label data-testid=test_id
            on:click=move |_| copied.set(Some(copy_to_clipboard(&text.get_value())))>
            "Copy"
        </button>
        <span class="muted" role="status">{move || match copied.get() {
            Some(true) => " Copied.",
            Some(false) => " Copying is not available here: select the text and copy it.",
            None => "",
        }}</span>
    }
}

/// A secret shown once: read-only, selected on display, with a copy button, the warning that
/// it cannot be shown again, and "Done" to remove it from the page.
#[component]
pub(crate) fn SecretOnce(
    /// Heading ("API key created").
    #[prop(into)]
    title: String,
    /// What it is, for the label ("API key").
    what: &'static str,
    secret: String,
    /// Test id of the read-only input.
    test_id: &'static str,
    on_done: Callback<()>,
) -> impl IntoView {
    let input = NodeRef::<leptos::html::Input>::new();
    // Bring it to the user's attention (and to the keyboard): focused and selected.
    Effect::new(move |_| {
        if let Some(el) = input.get() {
            let _ = el.focus();
            el.select();
        }
    });
    let id = format!("{test_id}-value");
    let size = secret.chars().count().clamp(20, 60);
    view! {
        <section class="panel secret" aria-labelledby=format!("{test_id}-title") data-testid=format!("{test_id}-panel")>
            <h2 id=format!("{test_id}-title")>{title}</h2>
            <p class="alert" role="alert" data-testid=format!("{test_id}-warning")>
                <strong>"Copy it now: this is the only time it is shown."</strong>
                " The portal keeps only a hash of it, so it cannot show it again. If it is lost, create a new one and deactivate this one."
            </p>
            <div class="field">
                <label for=id.clone()>{what}</label>
                <div class="secret-row">
                    <input id=id node_ref=input type="text" readonly class="mono" size=size value=secret.clone()
                        autocomplete="off" spellcheck="false" data-testid=test_id
                        on:focus=move |_| { if let Some(el) = input.get() { el.select(); } }/>
                    <CopyButton text=secret label="Copy to the clipboard" test_id=format!("{test_id}-copy")/>
                </div>
            </div>
            <button type="button" class="primary" data-testid=format!("{test_id}-done") on:click=move |_| on_done.run(())>
                "Done, I have stored it"
            </button>
        </section>
    }
}

/// The partner's API keys page.
#[component]
pub fn MyApiKeysPage() -> impl IntoView {
    view! {
        <Title text="API keys"/>
        <RequireRole roles=vec![Role::AuthPartner, Role::CredentialPartner] view=|_u: CurrentUser| view! { <KeysBody/> }/>
    }
}

#[component]
fn KeysBody() -> impl IntoView {
    let params = use_query_map();
    let create = Action::new(|input: &ApiKeyInput| create_api_key(input.clone()));
    let deactivate = ServerAction::<DeactivateMyApiKey>::new();
    let options = Resource::new(|| (), |_| api_key_options());
    let list = Resource::new(
        move || {
            (
                params.with(key_query),
                create.version().get(),
                deactivate.version().get(),
            )
        },
        |(q, _, _)| my_api_keys(q),
    );
    let form = KeyForm {
        policy: NodeRef::new(),
        label: RwSignal::new(String::new()),
        valid_to: RwSignal::new(String::new()),
    };
    let error = Signal::derive(move || create.value().get().and_then(|r| r.err()));
    // The secret lives in the action's answer only; "Done" (or leaving the page) drops it.
    let issued = move || create.value().get().and_then(|r| r.ok());
    Effect::new(move |_| {
        if issued().is_some() {
            form.label.set(String::new());
            form.valid_to.set(String::new());
        }
    });
    let deactivate_error = move || deactivate.value().get().and_then(|r| r.err());
    let deactivated = move || deactivate.value().get().and_then(|r| r.ok());
    view! {
        <h1>"API keys"</h1>
        <p class="muted">"An API key lets your systems call the authentication services under one of your approved policies. Keep it secret: the portal shows it once, when it is created."</p>
        {move || issued().map(|i| view! {
            <SecretOnce
                title=format!("API key \"{}\" created for {}", i.item.label, i.item.policy_name)
                what="API key"
                secret=i.secret
                test_id="apikey-secret"
                on_done=Callback::new(move |_| create.value().set(None))
            />
        })}
        <section class="panel form-wide">
            <h2>"Create an API key"</h2>
            <Transition fallback=|| view! { <p class="loading" role="status">"Loading your approved policies…"</p> }>
                {move || Suspend::new(async move {
                    match options.await {
                        Ok((policies, _)) if policies.is_empty() => view! {
                            <p class="empty" data-testid="apikey-no-policy">
                                "You have no approved policy yet. "
                                <A href="/partner/policy-requests">"Request a policy"</A>
                                " and create a key once a partner admin approves it."
                            </p>
                        }.into_any(),
                        Ok((policies, max_days)) => view! { <KeyFormView form policies max_days create error/> }.into_any(),
                        Err(e) => view! { <Unavailable error=e/> }.into_any(),
                    }
                })}
            </Transition>
        </section>
        <h2>"Your keys"</h2>
        <FilterTabs state=LIST label="Key status" options=KEY_FILTERS/>
        <div data-testid="apikey-action-result">
            {move || deactivate_error().map(|e| view! { <p class="alert" role="alert" data-testid="apikey-error">{e.message}</p> })}
            {move || deactivated().map(|k| view! { <p class="notice" role="status" data-testid="apikey-deactivated">{format!("Key \"{}\" is deactivated; services using it are refused from now on.", k.label)}</p> })}
        </div>
        <Transition fallback=|| view! { <p class="loading" role="status">"Loading keys…"</p> }>
            {move || Suspend::new(async move {
                match list.await {
                    Ok(page) => view! { <KeyTable page deactivate/> }.into_any(),
                    Err(e) if is_unavailable(&e) => ().into_any(),
                    Err(e) => view! { <ErrorPanel error=e/> }.into_any(),
                }
            })}
        </Transition>
    }
}

/// The create form's state, kept by the page so that it survives reloads of the options.
#[derive(Clone, Copy)]
struct KeyForm {
    policy: NodeRef<leptos::html::Select>,
    label: RwSignal<String>,
    valid_to: RwSignal<String>,
}

const KEY_FIELDS: &[&str] = &["policy_id", "label", "valid_to"];

#[component]
fn KeyFormView(
    form: KeyForm,
    policies: Vec<ApprovedPolicy>,
    max_days: i64,
    create: Action<ApiKeyInput, Result<domain::access::Issued<ApiKeyView>, AppError>>,
    error: Signal<Option<AppError>>,
) -> impl IntoView {
    let now = now_ms();
    let today = ms_to_date(now);
    let last = ms_to_date(now + max_days * DAY_MS);
    let help = format!("Optional. Without a date the key is valid for {max_days} days (until {last}), the longest allowed.");
    let only = policies.len() == 1;
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let policy_id = form.policy.get().map(|s| s.value()).unwrap_or_default();
        let valid_to = form.valid_to.get_untracked();
        create.dispatch(ApiKeyInput {
            policy_id,
            label: form.label.get_untracked(),
            valid_to: (!valid_to.trim().is_empty()).then_some(valid_to),
        });
    };
    let invalid = move |f: &'static str| move || field_message(error, f).is_some().to_string();
    view! {
        <form on:submit=submit data-testid="apikey-form" novalidate=false>
            <FormAlert error fields=KEY_FIELDS test_id="form-error"/>
            <div class="field">
                <label for="k-policy">"Policy"</label>
                <select id="k-policy" node_ref=form.policy required data-testid="input-policy_id"
                    aria-invalid=invalid("policy_id") aria-describedby="k-policy-error">
                    {(!only).then(|| view! { <option value="">"Choose an approved policy…"</option> })}
                    {policies.into_iter().map(|p| view! {
                        <option value=p.id.clone() selected=only>{format!("{} ({})", p.name, type_label(&p.policy_type))}</option>
                    }).collect_view()}
                </select>
                <FieldError error field="policy_id" id="k-policy-error"/>
            </div>
            <div class="field">
                <label for="k-label">"Label"</label>
                <input id="k-label" type="text" required maxlength=MAX_LABEL_LEN autocomplete="off"
                    prop:value=form.label on:input=move |ev| form.label.set(event_target_value(&ev))
                    aria-invalid=invalid("label") aria-describedby="k-label-help k-label-error" data-testid="input-label"/>
                <p class="help" id="k-label-help">{format!("To recognise the key, e.g. \"production\". At most {MAX_LABEL_LEN} characters; unique for the policy.")}</p>
                <FieldError error field="label" id="k-label-error"/>
            </div>
            <div class="field">
                <label for="k-valid-to">"Valid until"</label>
                <input id="k-valid-to" type="date" min=today max=last
                    prop:value=form.valid_to on:input=move |ev| form.valid_to.set(event_target_value(&ev))
                    aria-invalid=invalid("valid_to") aria-describedby="k-valid-to-help k-valid-to-error" data-testid="input-valid_to"/>
                <p class="help" id="k-valid-to-help">{help}</p>
                <FieldError error field="valid_to" id="k-valid-to-error"/>
            </div>
            <button type="submit" class="primary" disabled=move || create.pending().get() data-testid="apikey-submit">
                {move || if create.pending().get() { "Creating…" } else { "Create API key" }}
            </button>
        </form>
    }
}

#[component]
fn KeyTable(page: Page<ApiKeyView>, deactivate: ServerAction<DeactivateMyApiKey>) -> impl IntoView {
    let (page_no, pages, total) = (page.page, page.page_count(), page.total);
    if page.items.is_empty() {
        return view! { <p class="empty" data-testid="apikeys-empty">"No API keys here yet."</p> }
            .into_any();
    }
    view! {
        <table class="list" data-testid="apikeys-table">
            <caption class="muted">{format!("{total} key{}", if total == 1 { "" } else { "s" })}</caption>
            <thead><tr>
                <th>"Label"</th><th>"Policy"</th><th>"Key"</th><th>"Created"</th><th>"Expires"</th><th>"Status"</th><th><span class="sr-only">"Actions"</span></th>
            </tr></thead>
            <tbody>
                {page.items.into_iter().map(|k| {
                    let question = format!("Deactivate key \"{}\"? Services using it stop working.", k.label);
                    view! {
                        <tr data-testid="apikey-row" data-status=k.status.as_str()>
                            <td data-testid="apikey-label">{k.label.clone()}</td>
                            <td>{k.policy_name.clone()}</td>
                            <td class="mono nowrap" data-testid="apikey-prefix">{format!("{}…", k.prefix)}</td>
                            <td>{human_ms(k.created_at)}</td>
                            <td>{human_ms(k.valid_to)}</td>
                            <td><KeyBadge status=k.status/></td>
                            <td class="actions">
                                {(k.status == KeyStatus::Active).then(|| view! {
                                    <DeactivateRow action=deactivate id=k.id.clone() question test_id="apikey" lock=true/>
                                })}
                            </td>
                        </tr>
                    }
                }).collect_view()}
            </tbody>
        </table>
        <Pager state=LIST page=page_no pages/>
    }
    .into_any()
}
