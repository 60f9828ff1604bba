//! An authentication partner's OIDC clients: register one against an approved Auth policy with
//! its public key (the client id is the key's thumbprint), see the claims and ACR values the
//! policy gives it, edit an active client and deactivate one.

use super::keys::{
    field_message, is_unavailable, key_query, type_label, CopyButton, FieldError, FilterTabs,
    FormAlert, KeyBadge, Unavailable, KEY_FILTERS,
};
use crate::api::access::{
    client_policy_options, create_client, my_clients, update_client, DeactivateMyClient,
};
use crate::components::form::DeactivateRow;
use crate::components::layout::{ErrorPanel, RequireRole};
use crate::components::table::{ListState, Pager};
use crate::util::human_ms;
use domain::access::{
    ApprovedPolicy, ClientInput, ClientUpdate, ClientView, KeyStatus, AUTH_METHODS, GRANT_TYPES,
    MAX_CLIENT_NAME_LEN, MAX_LOGO_URI_LEN, MAX_REDIRECT_URIS,
};
use domain::account::CurrentUser;
use domain::page::Page;
use domain::{AppError, Role};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use leptos_router::hooks::use_query_map;

const LIST: ListState = ListState {
    base: "/partner/oidc-clients",
    keys: &["status", "page"],
    default_sort: "-created",
};

const CREATE_FIELDS: &[&str] = &[
    "policy_id",
    "name",
    "logo_uri",
    "redirect_uris",
    "grant_types",
    "auth_methods",
    "public_key",
];
const EDIT_FIELDS: &[&str] = &[
    "name",
    "logo_uri",
    "redirect_uris",
    "grant_types",
    "auth_methods",
];

type CreateAction = Action<ClientInput, Result<ClientView, AppError>>;
type UpdateAction = Action<(String, ClientUpdate), Result<ClientView, AppError>>;

/// The partner's OIDC clients page.
#[component]
pub fn MyClientsPage() -> impl IntoView {
    view! {
        <Title text="OIDC clients"/>
        <RequireRole roles=vec![Role::AuthPartner] view=|_u: CurrentUser| view! { <ClientsBody/> }/>
    }
}

/// What both the create and the edit form hold.
#[derive(Clone, Copy)]
struct ClientFields {
    name: RwSignal<String>,
    logo_uri: RwSignal<String>,
    /// One URI per line.
    redirect_uris: RwSignal<String>,
    grant_types: RwSignal<Vec<String>>,
    auth_methods: RwSignal<Vec<String>>,
}

impl ClientFields {
    fn new() -> Self {
        ClientFields {
            name: RwSignal::new(String::new()),
            logo_uri: RwSignal::new(String::new()),
            redirect_uris: RwSignal::new(String::new()),
            grant_types: RwSignal::new(vec![GRANT_TYPES[0].to_string()]),
            auth_methods: RwSignal::new(vec![AUTH_METHODS[0].to_string()]),
        }
    }

    fn of(c: &ClientView) -> Self {
        ClientFields {
            name: RwSignal::new(c.name.clone()),
            logo_uri: RwSignal::new(c.logo_uri.clone()),
            redirect_uris: RwSignal::new(c.redirect_uris.join("\n")),
            grant_types: RwSignal::new(c.grant_types.clone()),
            auth_methods: RwSignal::new(c.auth_methods.clone()),
        }
    }

    fn reset(&self) {
        self.name.set(String::new());
        self.logo_uri.set(String::new());
        self.redirect_uris.set(String::new());
        self.grant_types.set(vec![GRANT_TYPES[0].to_string()]);
        self.auth_methods.set(vec![AUTH_METHODS[0].to_string()]);
    }

    /// Redirect URIs as typed: one per non-empty line.
    fn uris(&self) -> Vec<String> {
        lines(&self.redirect_uris.get_untracked())
    }

    /// The checked values in the order the portal lists them.
    fn chosen(all: &[&str], chosen: RwSignal<Vec<String>>) -> Vec<String> {
        chosen.with_untracked(|c| {
            all.iter()
                .filter(|a| c.iter().any(|x| x == *a))
                .map(|a| a.to_string())
                .collect()
        })
    }
}

/// Non-empty trimmed lines.
fn lines(text: &str) -> Vec<String> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_string)
        .collect()
}

/// Whether a pasted JWK looks like it holds private key material.
fn looks_private(jwk: &str) -> bool {
    serde_json::from_str::<serde_json::Value>(jwk)
        .ok()
        .and_then(|v| {
            v.as_object().map(|o| {
                ["d", "p", "q", "dp", "dq", "qi"]
                    .iter()
                    .any(|k| o.contains_key(*k))
            })
        })
        .unwrap_or(false)
}

/// The partner's OIDC clients: registration, the list, edits and deactivations.
#[component]
fn ClientsBody() -> impl IntoView {
    let params = use_query_map();
    let create: CreateAction = Action::new(|input: &ClientInput| create_client(input.clone()));
    let update: UpdateAction = Action::new(|(id, input): &(String, ClientUpdate)| {
        update_client(id.clone(), input.clone())
    });
    let deactivate = ServerAction::<DeactivateMyClient>::new();
    let options = Resource::new(|| (), |_| client_policy_options());
    let list = Resource::new(
        move || {
            (
                params.with(key_query),
                create.version().get(),
                update.version().get(),
                deactivate.version().get(),
            )
        },
        |(q, _, _, _)| my_clients(q),
    );
    let form = NewClient {
        policy: NodeRef::new(),
        fields: ClientFields::new(),
        public_key: RwSignal::new(String::new()),
    };
    let editing = RwSignal::new(None::<String>);
    let created = move || create.value().get().and_then(|r| r.ok());
    let updated = move || update.value().get().and_then(|r| r.ok());
    Effect::new(move |_| {
        if created().is_some() {
            form.fields.reset();
            form.public_key.set(String::new());
        }
    });
    Effect::new(move |_| {
        if updated().is_some() {
            editing.set(None);
        }
    });
    let deactivate_error = move || deactivate.value().get().and_then(|r| r.err());
    let deactivated = move || deactivate.value().get().and_then(|r| r.ok());
    view! {
        <h1>"OIDC clients"</h1>
        <p class="muted">"Register the applications that sign people in through the identity provider. Each client uses its own public key and one of your approved authentication policies, which decides the claims and authentication levels (ACR values) it gets."</p>
        <RegisterClient form create options/>
        <h2>"Your clients"</h2>
        <FilterTabs state=LIST label="Client status" options=KEY_FILTERS/>
        <div data-testid="client-action-result">
            {move || deactivate_error().map(|e| view! { <p class="alert" role="alert" data-testid="client-error">{e.message}</p> })}
            {move || deactivated().map(|c| view! { <p class="notice" role="status" data-testid="client-deactivated">{format!("Client \"{}\" is deactivated.", c.name)}</p> })}
            {move || updated().map(|c| view! { <p class="notice" role="status" data-testid="client-updated">{format!("Client \"{}\" saved.", c.name)}</p> })}
        </div>
        <Transition fallback=|| view! { <p class="loading" role="status">"Loading clients…"</p> }>
            {move || Suspend::new(async move {
                match list.await {
                    Ok(page) => view! { <ClientTable page editing update deactivate/> }.into_any(),
                    Err(e) if is_unavailable(&e) => ().into_any(),
                    Err(e) => view! { <ErrorPanel error=e/> }.into_any(),
                }
            })}
        </Transition>
    }
}

/// The registration section: the client just registered, and the form once the partner has an
/// approved authentication policy.
#[component]
fn RegisterClient(
    form: NewClient,
    create: CreateAction,
    options: Resource<Result<Vec<ApprovedPolicy>, AppError>>,
) -> impl IntoView {
    let created = move || create.value().get().and_then(|r| r.ok());
    view! {
        <section class="panel form-wide">
            <h2>"Register a client"</h2>
            {move || created().map(|c| view! {
                <p class="notice" role="status" data-testid="client-created">
                    "Client " <strong>{c.name.clone()}</strong> " registered. Client id: "
                    <code class="mono" data-testid="client-created-id">{c.id.clone()}</code> " "
                    <CopyButton text=c.id.clone() label="Copy the client id" test_id="client-created-copy"/>
                </p>
            })}
            <Transition fallback=|| view! { <p class="loading" role="status">"Loading your approved policies…"</p> }>
                {move || Suspend::new(async move {
                    match options.await {
                        Ok(policies) if policies.is_empty() => view! {
                            <p class="empty" data-testid="client-no-policy">
                                "You have no approved authentication policy yet. "
                                <A href="/partner/policy-requests">"Request a policy"</A>
                                " and register clients once a partner admin approves it."
                            </p>
                        }.into_any(),
                        Ok(policies) => view! { <CreateForm form policies create/> }.into_any(),
                        Err(e) => view! { <Unavailable error=e/> }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}

/// The registration form's state, kept by the page.
#[derive(Clone, Copy)]
struct NewClient {
    policy: NodeRef<leptos::html::Select>,
    fields: ClientFields,
    public_key: RwSignal<String>,
}

#[component]
fn CreateForm(
    form: NewClient,
    policies: Vec<ApprovedPolicy>,
    create: CreateAction,
) -> impl IntoView {
    let error = Signal::derive(move || create.value().get().and_then(|r| r.err()));
    let only = policies.len() == 1;
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let f = form.fields;
        create.dispatch(ClientInput {
            policy_id: form.policy.get().map(|s| s.value()).unwrap_or_default(),
            name: f.name.get_untracked(),
            logo_uri: f.logo_uri.get_untracked(),
            redirect_uris: f.uris(),
            grant_types: ClientFields::chosen(&GRANT_TYPES, f.grant_types),
            auth_methods: ClientFields::chosen(&AUTH_METHODS, f.auth_methods),
            public_key: form.public_key.get_untracked(),
        });
    };
    let private = move || form.public_key.with(|k| looks_private(k));
    view! {
        <form class="client-form" on:submit=submit data-testid="client-form">
            <FormAlert error fields=CREATE_FIELDS test_id="form-error"/>
            <div class="field">
                <label for="c-policy">"Policy"</label>
                <select id="c-policy" node_ref=form.policy required data-testid="client-policy"
                    aria-invalid=move || field_message(error, "policy_id").is_some().to_string()
                    aria-describedby="c-policy-help c-policy-error">
                    {(!only).then(|| view! { <option value="">"Choose an approved policy…"</option> })}
                    {policies.into_iter().map(|p| view! {
                        <option value=p.id.clone() selected=only>{format!("{} ({})", p.name, type_label(&p.policy_type))}</option>
                    }).collect_view()}
                </select>
                <p class="help" id="c-policy-help">"Its KYC attributes become the client's claims and its auth types its ACR values; it must not make an auth type mandatory."</p>
                <FieldError error field="policy_id" id="c-policy-error"/>
            </div>
            <CommonFields prefix="client" fields=form.fields error/>
            <div class="field">
                <label for="client-public-key">"Public key (JWK)"</label>
                <textarea id="client-public-key" class="code" rows="5" required spellcheck="false"
                    prop:value=move || form.public_key.get()
                    on:input=move |ev| form.public_key.set(event_target_value(&ev))
                    aria-invalid=move || field_message(error, "public_key").is_some().to_string()
                    aria-describedby="client-public-key-help client-public-key-warning client-public-key-error"
                    data-testid="client-public_key"></textarea>
                <p class="help" id="client-public-key-help">"The client's public key as a JSON Web Key, e.g. {\"kty\":\"EC\",\"crv\":\"P-256\",\"x\":\"…\",\"y\":\"…\"}. The client id is its thumbprint, so each client needs its own key."</p>
                <p class="field-error" id="client-public-key-warning" data-testid="client-private-warning">
                    {move || private().then_some("This key contains private parts (such as \"d\"). Paste only the public key, and treat this private key as leaked.")}
                </p>
                <FieldError error field="public_key" id="client-public-key-error"/>
            </div>
            <button type="submit" class="primary" disabled=move || create.pending().get() data-testid="client-submit">
                {move || if create.pending().get() { "Registering…" } else { "Register client" }}
            </button>
        </form>
    }
}

/// Name, logo, redirect URIs, grant types and auth methods (create and edit forms).
#[component]
fn CommonFields(
    /// Prefix of ids and test ids ("client" or "edit").
    prefix: &'static str,
    fields: ClientFields,
    error: Signal<Option<AppError>>,
) -> impl IntoView {
    let id = move |f: &str| format!("{prefix}-{f}");
    let invalid = move |f: &'static str| move || field_message(error, f).is_some().to_string();
    let uri_count = move || fields.redirect_uris.with(|t| lines(t).len());
    view! {
        <div class="field">
            <label for=id("name")>"Name"</label>
            <input id=id("name") type="text" required maxlength=MAX_CLIENT_NAME_LEN autocomplete="off"
                prop:value=move || fields.name.get() on:input=move |ev| fields.name.set(event_target_value(&ev))
                aria-invalid=invalid("name") aria-describedby=id("name-error") data-testid=id("name")/>
            <FieldError error field="name" id=id("name-error")/>
        </div>
        <div class="field">
            <label for=id("logo_uri")>"Logo URI"</label>
            <input id=id("logo_uri") type="url" required maxlength=MAX_LOGO_URI_LEN autocomplete="off" placeholder="https://"
                prop:value=move || fields.logo_uri.get() on:input=move |ev| fields.logo_uri.set(event_target_value(&ev))
                aria-invalid=invalid("logo_uri") aria-describedby=format!("{prefix}-logo_uri-help {prefix}-logo_uri-error") data-testid=id("logo_uri")/>
            <p class="help" id=id("logo_uri-help")>"An https:// address of the logo shown on the sign-in page."</p>
            <FieldError error field="logo_uri" id=id("logo_uri-error")/>
        </div>
        <div class="field">
            <label for=id("redirect_uris")>"Redirect URIs"</label>
            <textarea id=id("redirect_uris") rows="3" required spellcheck="false"
                prop:value=move || fields.redirect_uris.get() on:input=move |ev| fields.redirect_uris.set(event_target_value(&ev))
                aria-invalid=invalid("redirect_uris") aria-describedby=format!("{prefix}-redirect_uris-help {prefix}-redirect_uris-error") data-testid=id("redirect_uris")></textarea>
            <p class="help" id=id("redirect_uris-help")>
                {move || format!("One per line, at most {MAX_REDIRECT_URIS} ({} given): exact https:// addresses or your app's own scheme, without wildcards or #fragments.", uri_count())}
            </p>
            <FieldError error field="redirect_uris" id=id("redirect_uris-error")/>
        </div>
        <Choices prefix field="grant_types" legend="Grant types" options=&GRANT_TYPES chosen=fields.grant_types error/>
        <Choices prefix field="auth_methods" legend="Client authentication methods" options=&AUTH_METHODS chosen=fields.auth_methods error/>
    }
}

/// A group of checkboxes over fixed values; the first is the default.
#[component]
fn Choices(
    prefix: &'static str,
    field: &'static str,
    legend: &'static str,
    options: &'static [&'static str],
    chosen: RwSignal<Vec<String>>,
    error: Signal<Option<AppError>>,
) -> impl IntoView {
    let err_id = format!("{prefix}-{field}-error");
    let described = err_id.clone();
    view! {
        <fieldset aria-describedby=described data-testid=format!("{prefix}-{field}")>
            <legend>{legend}</legend>
            {options.iter().map(|o| {
                let o: &'static str = o;
                let id = format!("{prefix}-{field}-{o}");
                let label_for = id.clone();
                view! {
                    <div class="field checkbox">
                        <label for=label_for>
                            <input type="checkbox" id=id value=o
                                prop:checked=move || chosen.with(|c| c.iter().any(|x| x == o))
                                on:change=move |ev| {
                                    let on = event_target_checked(&ev);
                                    chosen.update(|c| {
                                        c.retain(|x| x != o);
                                        if on {
                                            c.push(o.to_string());
                                        }
                                    });
                                }
                                data-testid=format!("{prefix}-{field}-{o}")/>
                            " " <span class="mono">{o}</span>
                            {(o == options[0]).then_some(view! { <span class="muted">" (default)"</span> })}
                        </label>
                    </div>
                }
            }).collect_view()}
            <FieldError error field id=err_id/>
        </fieldset>
    }
}

#[component]
fn ClientTable(
    page: Page<ClientView>,
    editing: RwSignal<Option<String>>,
    update: UpdateAction,
    deactivate: ServerAction<DeactivateMyClient>,
) -> impl IntoView {
    let (page_no, pages, total) = (page.page, page.page_count(), page.total);
    if page.items.is_empty() {
        return view! { <p class="empty" data-testid="clients-empty">"No OIDC clients here yet."</p> }
            .into_any();
    }
    view! {
        <table class="list" data-testid="clients-table">
            <caption class="muted">{format!("{total} client{}", if total == 1 { "" } else { "s" })}</caption>
            <thead><tr>
                <th>"Name"</th><th>"Client id"</th><th>"Policy"</th><th>"Claims"</th><th>"ACR values"</th><th>"Status"</th><th>"Created"</th><th><span class="sr-only">"Actions"</span></th>
            </tr></thead>
            <tbody>
                {page.items.into_iter().map(|c| {
                    let active = c.status == KeyStatus::Active;
                    let is_editing = {
                        let id = c.id.clone();
                        move || editing.with(|e| e.as_deref() == Some(id.as_str()))
                    };
                    let edit_row = {
                        let is_editing = is_editing.clone();
                        let c = c.clone();
                        move || is_editing().then(|| view! {
                            <tr class="form-row"><td colspan="8"><EditForm client=c.clone() editing update/></td></tr>
                        })
                    };
                    let start_edit = {
                        let id = c.id.clone();
                        move |_: leptos::ev::MouseEvent| {
                            update.value().set(None);
                            editing.set(Some(id.clone()));
                        }
                    };
                    let question = format!("Deactivate client \"{}\"? People can no longer sign in to it, and this cannot be undone.", c.name);
                    view! {
                        <tr data-testid="client-row" data-status=c.status.as_str()>
                            <td>
                                <span data-testid="client-name">{c.name.clone()}</span>
                                <ul class="plain muted small">
                                    {c.redirect_uris.iter().map(|u| view! { <li class="mono" data-testid="client-redirect">{u.clone()}</li> }).collect_view()}
                                </ul>
                            </td>
                            <td>
                                <code class="mono" data-testid="client-id">{c.id.clone()}</code>
                                <br/>
                                <CopyButton text=c.id.clone() label="Copy the client id" test_id="client-id-copy"/>
                            </td>
                            <td>{c.policy_name.clone()}</td>
                            <td data-testid="client-claims">{c.claims.join(", ")}</td>
                            <td class="mono" data-testid="client-acrs">{c.acr_values.join(", ")}</td>
                            <td><KeyBadge status=c.status/><EsignetNote state=c.esignet.clone()/></td>
                            <td>{human_ms(c.created_at)}</td>
                            <td class="actions">
                                {active.then(|| view! {
                                    <button type="button" class="link" data-testid="client-edit"
                                        aria-expanded=move || is_editing().to_string() on:click=start_edit>"Edit"</button>
                                    " "
                                    <DeactivateRow action=deactivate id=c.id.clone() question test_id="client" lock=true/>
                                })}
                            </td>
                        </tr>
                        {edit_row}
                    }
                }).collect_view()}
            </tbody>
        </table>
        <Pager state=LIST page=page_no pages/>
    }
    .into_any()
}

/// The inline edit form of an active client, prefilled; it sends the last change it saw so a
/// concurrent edit is reported rather than overwritten.
#[component]
fn EditForm(
    client: ClientView,
    editing: RwSignal<Option<String>>,
    update: UpdateAction,
) -> impl IntoView {
    let error = Signal::derive(move || update.value().get().and_then(|r| r.err()));
    let fields = ClientFields::of(&client);
    let (id, seen) = (client.id.clone(), client.updated_at);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        update.dispatch((
            id.clone(),
            ClientUpdate {
                name: fields.name.get_untracked(),
                logo_uri: fields.logo_uri.get_untracked(),
                redirect_uris: fields.uris(),
                grant_types: ClientFields::chosen(&GRANT_TYPES, fields.grant_types),
                auth_methods: ClientFields::chosen(&AUTH_METHODS, fields.auth_methods),
                updated_at: seen,
            },
        ));
    };
    view! {
        <form class="client-form" on:submit=submit data-testid="client-edit-form">
            <h3>"Edit " {client.name.clone()}</h3>
            <p class="muted">"The policy and the public key cannot change; register a new client for another key."</p>
            <FormAlert error fields=EDIT_FIELDS test_id="edit-error"/>
            <CommonFields prefix="edit" fields error/>
            <button type="submit" class="primary" disabled=move || update.pending().get() data-testid="client-save">
                {move || if update.pending().get() { "Saving…" } else { "Save" }}
            </button>
            " "
            <button type="button" class="secondary" data-testid="client-edit-cancel" on:click=move |_| editing.set(None)>"Cancel"</button>
        </form>
    }
}

/// Whether eSignet has the client's latest version, and why not (nothing when eSignet sync is
/// not configured).
#[component]
pub fn EsignetNote(state: Option<domain::events::EsignetState>) -> impl IntoView {
    state.map(|s| {
        let text = if s.in_sync {
            "eSignet: up to date".to_string()
        } else {
            match &s.last_error {
                Some(e) => format!("eSignet: not updated ({e})"),
                None => "eSignet: update pending".to_string(),
            }
        };
        view! {
            <span class="small muted esignet-state" data-testid="client-esignet" data-in-sync=s.in_sync.to_string()>{text}</span>
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redirect_uris_are_the_non_empty_lines() {
        assert_eq!(
            lines(" https://a.example/cb \n\n  app://cb\r\n"),
            vec!["https://a.example/cb".to_string(), "app://cb".to_string()]
        );
    }

    #[test]
    fn private_jwks_are_noticed() {
        assert!(looks_private(
            r#"{"kty":"EC","crv":"P-256","x":"a","y":"b","d":"c"}"#
        ));
        assert!(!looks_private(
            r#"{"kty":"EC","crv":"P-256","x":"a","y":"b"}"#
        ));
        assert!(!looks_private("not json"));
    }
}
