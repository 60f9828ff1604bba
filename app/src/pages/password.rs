//! Forgotten password: ask for a reset link, then choose a new password with it.

use crate::api::identity::{reset_link_usable, RequestPasswordReset, ResetPassword};
use crate::components::form::{form_error, Field, FormError};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use leptos_router::hooks::use_query_map;

/// "Forgot password": an email field; afterwards the same notice whether or not the email
/// has an account.
#[component]
pub fn ForgotPasswordPage() -> impl IntoView {
    let query = use_query_map();
    let sent = move || query.with(|q| q.get("sent").is_some());
    let ask = ServerAction::<RequestPasswordReset>::new();
    let error = form_error(move || ask.value().get());
    view! {
        <Title text="Forgot password"/>
        <section class="panel narrow">
            <h1>"Forgot your password?"</h1>
            {move || if sent() {
                view! {
                    <p class="notice" role="status" data-testid="reset-sent">
                        "If an account exists for this email, we sent it a link to choose a new password. The link works once, for 30 minutes."
                    </p>
                    <p><A href="/login">"Back to sign-in"</A></p>
                }.into_any()
            } else {
                view! {
                    <p class="muted">"Enter the email you sign in with. We will mail you a link to choose a new password."</p>
                    <ActionForm action=ask attr:data-testid="forgot-form">
                        <FormError error/>
                        <Field name="email" label="Email" kind="email" autocomplete="username" error/>
                        <button type="submit" class="primary" disabled=move || ask.pending().get()>"Send reset link"</button>
                    </ActionForm>
                    <p class="muted"><A href="/login">"Back to sign-in"</A></p>
                }.into_any()
            }}
        </section>
    }
}

/// The page a reset link opens: the new password twice, or why the link no longer works.
#[component]
pub fn ResetPasswordPage() -> impl IntoView {
    let query = use_query_map();
    let token = move || query.with(|q| q.get("token")).unwrap_or_default();
    let usable = Resource::new(token, reset_link_usable);
    view! {
        <Title text="Choose a new password"/>
        <section class="panel narrow">
            <h1>"Choose a new password"</h1>
            <Suspense fallback=|| view! { <p class="loading" role="status">"Checking the link…"</p> }>
                {move || Suspend::new(async move {
                    match usable.await {
                        Ok(true) => view! { <ResetForm token=token()/> }.into_any(),
                        _ => view! {
                            <p class="error" role="alert" data-testid="reset-invalid">
                                "This link is not valid: it was used already, has expired or is incomplete."
                            </p>
                            <p><A href="/forgot-password">"Ask for a new link"</A></p>
                        }.into_any(),
                    }
                })}
            </Suspense>
        </section>
    }
}

#[component]
fn ResetForm(token: String) -> impl IntoView {
    let reset = ServerAction::<ResetPassword>::new();
    let error = form_error(move || reset.value().get());
    view! {
        <ActionForm action=reset attr:data-testid="reset-form">
            <FormError error/>
            <input type="hidden" name="token" value=token/>
            <Field name="new_password" label="New password" kind="password" autocomplete="new-password" error help="At least 12 characters, not containing your email."/>
            <Field name="confirm_password" label="Repeat new password" kind="password" autocomplete="new-password" error/>
            <button type="submit" class="primary" disabled=move || reset.pending().get()>"Set new password"</button>
        </ActionForm>
    }
}
