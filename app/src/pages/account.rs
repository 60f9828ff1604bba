//! The caller's own account: details and password change.

use crate::api::ChangePassword;
use crate::components::form::{form_error, Field, FormError};
use crate::components::layout::RequireRole;
use domain::account::CurrentUser;
use leptos::prelude::*;
use leptos_meta::Title;

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
    }
}
