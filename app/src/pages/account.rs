//! The caller's own account: details, password change, sessions and the accepted terms.

use crate::api::identity::{get_terms, my_sessions, EndMySession};
use crate::api::ChangePassword;
use crate::components::form::{form_error, Field, FormError};
use crate::components::layout::{ErrorPanel, RequireRole};
use domain::account::{AccountSession, CurrentUser};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;

/// Account page.
#[component]
pub fn AccountPage() -> impl IntoView {
    view! {
        <Title text="My account"/>
        <RequireRole view=|user: CurrentUser| view! { <AccountBody user/> }/>
    }
}

#[component]
fn AccountBody(user: CurrentUser) -> impl IntoView {
    let change = ServerAction::<ChangePassword>::new();
    let error = form_error(move || change.value().get());
    let done = move || matches!(change.value().get(), Some(Ok(())));
    view! {
        <h1>"My account"</h1>
        <dl class="facts">
            <dt>"Email"</dt><dd>{user.email.clone()}</dd>
            <dt>"Name"</dt><dd>{user.display_name.clone()}</dd>
            <dt>"Roles"</dt><dd>{user.roles.iter().map(|r| r.as_str()).collect::<Vec<_>>().join(", ")}</dd>
            <TermsFact/>
            <dt>"Two-factor sign-in"</dt>
            <dd data-testid="account-two-factor">{if user.two_factor { "On" } else { "Off" }}" " <A href="/account/two-factor">"Manage"</A></dd>
        </dl>
        <section class="panel narrow">
            <h2>"Change password"</h2>
            {move || done().then(|| view! { <p class="notice" role="status" data-testid="password-changed">"Password changed. Your other sessions were signed out."</p> })}
            <ActionForm action=change>
                <FormError error/>
                <Field name="current_password" label="Current password" kind="password" autocomplete="current-password" error/>
                <Field name="new_password" label="New password" kind="password" autocomplete="new-password" error help="At least 12 characters, not containing your email."/>
                <Field name="confirm_password" label="Repeat new password" kind="password" autocomplete="new-password" error/>
                <button type="submit" class="primary" disabled=move || change.pending().get()>"Change password"</button>
            </ActionForm>
        </section>
        <Sessions refresh=change.version()/>
    }
}

/// The terms the account accepted (when any are published).
#[component]
fn TermsFact() -> impl IntoView {
    let status = Resource::new(|| (), |_| get_terms());
    view! {
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                status.await.ok().and_then(|s| s.current.map(|current| {
                    let newer = (s.accepted.as_ref().map(|a| a.0) != Some(current.version)).then_some(" (a newer version is published)");
                    let text = match s.accepted {
                        Some((v, at)) => format!("Version {v} accepted {}", crate::util::human_time(&at)),
                        None => "Not accepted".to_string(),
                    };
                    view! { <dt>"Terms of use"</dt><dd data-testid="account-terms">{text}{newer}" " <A href="/terms">"Read"</A></dd> }
                }))
            })}
        </Suspense>
    }
}

/// The account's sessions, each but this one with "Sign out".
#[component]
fn Sessions(refresh: RwSignal<usize>) -> impl IntoView {
    let end = ServerAction::<EndMySession>::new();
    let sessions = Resource::new(
        move || (refresh.get(), end.version().get()),
        |_| my_sessions(),
    );
    let error = form_error(move || end.value().get());
    view! {
        <section class="panel">
            <h2>"Sessions"</h2>
            <p class="muted">"Where your account is signed in. Sign out any you do not recognise, then change your password."</p>
            <FormError error/>
            <Transition fallback=|| view! { <p class="loading" role="status">"Loading sessions…"</p> }>
                {move || Suspend::new(async move {
                    match sessions.await {
                        Ok(list) => view! { <SessionTable list end/> }.into_any(),
                        Err(e) => view! { <ErrorPanel error=e/> }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}

#[component]
fn SessionTable(list: Vec<AccountSession>, end: ServerAction<EndMySession>) -> impl IntoView {
    view! {
        <table class="list" data-testid="sessions-table">
            <thead><tr>
                <th>"Browser"</th><th>"Address"</th><th>"Signed in"</th><th>"Last used"</th>
                <th><span class="sr-only">"Actions"</span></th>
            </tr></thead>
            <tbody>
                {list.into_iter().map(|s| view! {
                    <tr data-testid="session-row">
                        <td>{s.user_agent.clone().unwrap_or_else(|| "Unknown".into())}</td>
                        <td><bdi>{s.ip.clone().unwrap_or_else(|| "—".into())}</bdi></td>
                        <td>{crate::util::human_time(&s.created_at)}</td>
                        <td>{crate::util::human_time(&s.last_seen_at)}</td>
                        <td>{if s.current {
                            view! { <span class="badge ok" data-testid="session-current">"This session"</span> }.into_any()
                        } else {
                            view! {
                                <ActionForm action=end>
                                    <input type="hidden" name="id" value=s.id.clone()/>
                                    <button type="submit" class="danger" data-testid="session-end">"Sign out"</button>
                                </ActionForm>
                            }.into_any()
                        }}</td>
                    </tr>
                }).collect_view()}
            </tbody>
        </table>
    }
}
