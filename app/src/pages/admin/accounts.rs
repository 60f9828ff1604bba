//! Accounts (PARTNER_ADMIN): every account, operator or partner; list with server-side paging, sorting and filtering whose
//! state lives in the URL, creation, deactivation, reactivation and forced password resets.

use crate::api::identity::ForcePasswordReset;
use crate::api::two_factor::ResetTwoFactor;
use crate::api::{list_accounts, CreateOperator, SetAccountActive};
use crate::components::filter::QueryParams;
use crate::components::form::{form_error, Field, FormError};
use crate::components::layout::{ErrorPanel, RequireRole};
use crate::components::table::{query_of, ListState, Pager, SortHeader, Time};
use domain::account::{AccountQuery, AccountView, CurrentUser};
use domain::page::Page;
use domain::Role;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::Form;
use leptos_router::hooks::use_query_map;
use leptos_router::params::ParamsMap;

/// Accounts page.
#[component]
pub fn AccountsPage() -> impl IntoView {
    view! {
        <Title text="Accounts"/>
        <RequireRole roles=vec![Role::PartnerAdmin] view=|user: CurrentUser| view! { <AccountsBody me=user/> }/>
    }
}

fn query_from(q: &ParamsMap) -> AccountQuery {
    query_of::<domain::account::Accounts>(q)
}

const LIST: ListState = ListState::of::<domain::account::Accounts>();

/// The accounts (filtered, sorted, paged) and the form that creates an operator account.
#[component]
fn AccountsBody(me: CurrentUser) -> impl IntoView {
    let params = use_query_map();
    let create = ServerAction::<CreateOperator>::new();
    let set_active = ServerAction::<SetAccountActive>::new();
    let reset = ServerAction::<ForcePasswordReset>::new();
    let reset_2fa = ServerAction::<ResetTwoFactor>::new();
    let accounts = Resource::new(
        move || {
            (
                params.with(query_from),
                create.version().get(),
                set_active.version().get(),
                reset_2fa.version().get(),
            )
        },
        |(query, ..)| list_accounts(query),
    );
    let create_error = form_error(move || create.value().get());
    let status_error = Signal::derive(move || {
        match (
            set_active.value().get(),
            reset.value().get(),
            reset_2fa.value().get(),
        ) {
            (Some(Err(e)), _, _) | (_, Some(Err(e)), _) | (_, _, Some(Err(e))) => Some(e),
            _ => None,
        }
    });
    let reset_done = move || matches!(reset.value().get(), Some(Ok(())));
    let reset_2fa_done = move || matches!(reset_2fa.value().get(), Some(Ok(())));
    let created = move || match create.value().get() {
        Some(Ok(a)) => Some(a.email),
        _ => None,
    };
    let me_id = me.id.clone();

    view! {
        <h1>"Accounts"</h1>
        <p class="muted">"Every account that signs in: partner admins and policy managers (created here) and partner accounts (created by partner sign-up). Deactivating locks an account out at once; reactivating lets it sign in again."</p>

        <AccountFilters/>

        <FormError error=status_error/>
        {move || reset_done().then(|| view! { <p class="notice" role="status" data-testid="reset-forced">"The password no longer works and the account's sessions ended. A link to choose a new one was mailed (or give one from pms admin reset-password)."</p> })}
        {move || reset_2fa_done().then(|| view! { <p class="notice" role="status" data-testid="two-factor-reset">"The second factor was removed and the account's sessions ended. Where the role needs one, it sets up a new one at its next sign-in."</p> })}
        <Transition fallback=|| view! { <p class="loading" role="status">"Loading accounts…"</p> }>
            {
                let me_id = me_id.clone();
                move || {
                    let me_id = me_id.clone();
                    Suspend::new(async move {
                        match accounts.await {
                            Ok(page) => view! { <AccountsTable page me_id set_active reset reset_2fa/> }.into_any(),
                            Err(e) => view! { <ErrorPanel error=e/> }.into_any(),
                        }
                    })
                }
            }
        </Transition>

        <section class="panel narrow">
            <h2>"New operator account"</h2>
            {move || created().map(|email| view! { <p class="notice" role="status" data-testid="account-created">"Account created for " {email} "."</p> })}
            <ActionForm action=create attr:data-testid="create-account-form">
                <FormError error=create_error/>
                <Field name="email" label="Email" kind="email" error=create_error/>
                <Field name="display_name" label="Name" error=create_error/>
                <div class="field">
                    <label for="f-role">"Role"</label>
                    <select id="f-role" name="role" data-testid="input-role">
                        {Role::OPERATOR.iter().map(|r| view! { <option value=r.as_str()>{r.label()}</option> }).collect_view()}
                    </select>
                </div>
                <Field name="password" label="Initial password" kind="password" autocomplete="new-password" error=create_error help="At least 12 characters. Share it safely; the person should change it."/>
                <button type="submit" class="primary" disabled=move || create.pending().get()>"Create account"</button>
            </ActionForm>
        </section>
    }
}

/// The list's filters: search, role, status (the sort stays).
#[component]
fn AccountFilters() -> impl IntoView {
    let q = QueryParams::current();
    view! {
        <Form method="GET" action="/admin/accounts" attr:class="filters" attr:role="search">
            <label>"Search" <input type="search" name="q" data-testid="filter-q" value=q.get("q") prop:value=q.get("q")/></label>
            <label>"Role"
                <select name="role" data-testid="filter-role" prop:value=q.get("role")>
                    <option value="">"Any"</option>
                    {Role::ALL.iter().map(|r| view! { <option value=r.as_str()>{r.label()}</option> }).collect_view()}
                </select>
            </label>
            <label>"Status"
                <select name="status" data-testid="filter-status" prop:value=q.get("status")>
                    <option value="">"Any"</option>
                    <option value="active">"Active"</option>
                    <option value="inactive">"Deactivated"</option>
                </select>
            </label>
            <input type="hidden" name="sort" value=q.get("sort") prop:value=q.get("sort")/>
            <button type="submit">"Apply"</button>
        </Form>
    }
}

#[component]
fn AccountsTable(
    page: Page<AccountView>,
    me_id: String,
    set_active: ServerAction<SetAccountActive>,
    reset: ServerAction<ForcePasswordReset>,
    reset_2fa: ServerAction<ResetTwoFactor>,
) -> impl IntoView {
    let page_no = page.page;
    let pages = page.page_count();
    let total = page.total;
    if page.items.is_empty() {
        return view! { <p class="empty" data-testid="accounts-empty">"No accounts match these filters."</p> }.into_any();
    }
    view! {
        <table class="list" data-testid="accounts-table">
            <caption class="muted">{format!("{total} account{}", if total == 1 { "" } else { "s" })}</caption>
            <thead><tr>
                <SortHeader state=LIST key="email" label="Email"/>
                <SortHeader state=LIST key="name" label="Name"/>
                <th>"Roles"</th>
                <th>"Status"</th>
                <th>"Two-factor"</th>
                <SortHeader state=LIST key="created" label="Created"/>
                <th><span class="sr-only">"Actions"</span></th>
            </tr></thead>
            <tbody>
                {page.items.into_iter().map(|a| {
                    let is_me = a.id == me_id;
                    view! {
                        <tr data-testid="account-row">
                            <td>{a.email.clone()}</td>
                            <td>{a.display_name.clone()}</td>
                            <td>{a.roles.iter().map(|r| r.as_str()).collect::<Vec<_>>().join(", ")}</td>
                            <td><span class=if a.active { "badge ok" } else { "badge off" }>{if a.active { "Active" } else { "Deactivated" }}</span></td>
                            <td data-testid="account-two-factor">{if a.two_factor { "On" } else { "Off" }}</td>
                            <td><Time at=a.created_at.clone()/></td>
                            <td>{(!is_me).then(|| view! {
                                <StatusAction account=a.clone() action=set_active/>
                                {a.active.then(|| view! { <ResetAction account=a.clone() action=reset/> })}
                                {a.two_factor.then(|| view! { <TwoFactorResetAction account=a.clone() action=reset_2fa/> })}
                            })}</td>
                        </tr>
                    }
                }).collect_view()}
            </tbody>
        </table>
        <Pager state=LIST page=page_no pages/>
    }
    .into_any()
}

/// Deactivate / reactivate behind a disclosure: works as a confirmation without any script.
#[component]
fn StatusAction(account: AccountView, action: ServerAction<SetAccountActive>) -> impl IntoView {
    let (verb, confirm) = if account.active {
        (
            "Deactivate",
            format!(
                "Deactivate {}? They are signed out and cannot sign in.",
                account.email
            ),
        )
    } else {
        ("Reactivate", format!("Reactivate {}?", account.email))
    };
    view! {
        <details class="confirm">
            <summary data-testid="status-toggle">{verb}</summary>
            <ActionForm action=action>
                <p>{confirm}</p>
                <input type="hidden" name="id" value=account.id.clone()/>
                <input type="hidden" name="active" value=(!account.active).to_string()/>
                <button type="submit" class="danger" data-testid="status-confirm">{format!("Yes, {}", verb.to_lowercase())}</button>
            </ActionForm>
        </details>
    }
}

/// Force a password reset, behind a disclosure like the status change.
#[component]
fn ResetAction(account: AccountView, action: ServerAction<ForcePasswordReset>) -> impl IntoView {
    view! {
        <details class="confirm">
            <summary data-testid="reset-toggle">"Force password reset"</summary>
            <ActionForm action=action>
                <p>{format!("Force {} to choose a new password? The current one stops working and their sessions end.", account.email)}</p>
                <input type="hidden" name="id" value=account.id.clone()/>
                <button type="submit" class="danger" data-testid="reset-confirm">"Yes, force a reset"</button>
            </ActionForm>
        </details>
    }
}

/// Reset a lost second factor, behind a disclosure like the other account actions.
#[component]
fn TwoFactorResetAction(
    account: AccountView,
    action: ServerAction<ResetTwoFactor>,
) -> impl IntoView {
    view! {
        <details class="confirm">
            <summary data-testid="two-factor-reset-toggle">"Reset two-factor"</summary>
            <ActionForm action=action>
                <p>{format!("Remove the second factor of {}? Their sessions end; they sign in with the password and set up a new one where the role needs it.", account.email)}</p>
                <input type="hidden" name="id" value=account.id.clone()/>
                <button type="submit" class="danger" data-testid="two-factor-reset-confirm">"Yes, reset two-factor"</button>
            </ActionForm>
        </details>
    }
}
