//! Sign-in page.

use crate::components::form::{form_error, Field, FormError};
use crate::components::layout::use_auth;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::{Redirect, A};
use leptos_router::hooks::use_query_map;

/// Sign-in form; a signed-in visitor goes straight on (to `next` or the dashboard), which is
/// also where the sign-in's own redirect goes: page chunks load asynchronously, so two
/// different targets would race.
#[component]
pub fn LoginPage() -> impl IntoView {
    let auth = use_auth();
    let query = use_query_map();
    let next = move || query.with(|q| q.get("next")).unwrap_or_default();
    let setup_done = move || query.with(|q| q.get("setup").is_some());
    let reset_done = move || query.with(|q| q.get("reset").is_some());
    let idle = move || query.with(|q| q.get("idle").is_some());
    let login = auth.login;
    let error = form_error(move || login.value().get());
    let sso = Resource::new(|| (), |_| crate::api::sso::sso_button());
    let sso_error = move || {
        query.with(|q| {
            q.get("sso_error")
                .and_then(|c| domain::sso::Refusal::parse(&c))
        })
    };
    view! {
        <Title text="Sign in"/>
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                let path = crate::util::after_login(Some(&next()));
                matches!(auth.me.await, Ok(Some(_))).then(|| view! { <Redirect path/> })
            })}
        </Suspense>
        <section class="panel narrow">
            <h1>"Sign in"</h1>
            {move || setup_done().then(|| view! { <p class="notice" role="status">"The first partner admin was created. Sign in with it."</p> })}
            {move || idle().then(|| view! { <p class="notice" role="status" data-testid="idle-signed-out">"You were signed out because the portal was not used for a while. Sign in again to go on."</p> })}
            {move || reset_done().then(|| view! { <p class="notice" role="status" data-testid="reset-done">"Your password was changed and every session of your account was signed out. Sign in with the new password."</p> })}
            {move || sso_error().map(|r| view! { <p class="error" role="alert" data-testid="sso-error">{r.message()}</p> })}
            // A plain link (rel=external: the router leaves it to the browser), so it works
            // before the WASM loads; the flow is two server routes.
            <Suspense fallback=|| ()>
                {move || Suspend::new(async move {
                    sso.await.ok().flatten().map(|button| {
                        let href = format!("/auth/sso/start?next={}", crate::util::encode_query(&next()));
                        view! {
                            <p class="sso">
                                <a class="button" href=href rel="external" data-testid="sso-button">{button}</a>
                            </p>
                            <p class="muted">"Or sign in with your email and password:"</p>
                        }
                    })
                })}
            </Suspense>
            <ActionForm action=login attr:data-testid="login-form">
                <FormError error/>
                <Field name="email" label="Email" kind="email" autocomplete="username" error/>
                <Field name="password" label="Password" kind="password" autocomplete="current-password" error/>
                <input type="hidden" name="next" prop:value=next/>
                <button type="submit" class="primary" data-testid="login-submit" disabled=move || login.pending().get()>
                    {move || if login.pending().get() { "Signing in…" } else { "Sign in" }}
                </button>
            </ActionForm>
            <p class="muted"><A href="/forgot-password" attr:data-testid="forgot-link">"Forgot your password?"</A></p>
            <p class="muted">"New partner? " <A href="/signup" attr:data-testid="signup-link">"Register your organisation"</A></p>
        </section>
    }
}

/// The code step of a sign-in for an account with two-factor sign-in. A plain form post and
/// a full page load after it, like the terms: the frame's signed-in account starts again from
/// the new session.
#[component]
pub fn LoginVerifyPage() -> impl IntoView {
    let query = use_query_map();
    let next = move || query.with(|q| q.get("next")).unwrap_or_default();
    // Only a refused post comes back here (with its message).
    let error = form_error(|| None::<Result<(), domain::AppError>>);
    view! {
        <Title text="Two-factor sign-in"/>
        <section class="panel narrow">
            <h1>"Two-factor sign-in"</h1>
            <p>"Open the authenticator app on your phone and enter the 6-digit code it shows for the partner portal."</p>
            <form method="post" action="/api/login/verify" data-testid="verify-form">
                <FormError error/>
                <Field name="code" label="Code" autocomplete="one-time-code" error help="Lost your phone? Enter one of your recovery codes instead."/>
                <input type="hidden" name="next" prop:value=next/>
                <button type="submit" class="primary" data-testid="verify-submit">"Verify"</button>
            </form>
            <p class="muted"><a href="/login" data-testid="verify-restart">"Start again with your password"</a></p>
        </section>
    }
}
