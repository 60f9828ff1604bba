//! The caller's two-factor sign-in: set-up with a QR code, recovery codes, turning it off.

use crate::api::two_factor::{
    get_two_factor, BeginTwoFactor, ConfirmTwoFactor, DisableTwoFactor, RenewRecoveryCodes,
};
use crate::components::form::{form_error, Field, FormError};
use crate::components::layout::{ErrorPanel, RequireRole};
use domain::account::{CurrentUser, TwoFactorEnrolment, TwoFactorStatus};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

/// Two-factor page (also where an account whose role needs a second factor is sent first).
#[component]
pub fn TwoFactorPage() -> impl IntoView {
    view! {
        <Title text="Two-factor sign-in"/>
        <RequireRole view=|user: CurrentUser| view! { <TwoFactorBody user/> }/>
    }
}

#[component]
fn TwoFactorBody(user: CurrentUser) -> impl IntoView {
    let disable = ServerAction::<DisableTwoFactor>::new();
    let status = Resource::new(move || disable.version().get(), |_| get_two_factor());
    view! {
        <h1>"Two-factor sign-in"</h1>
        {user.two_factor_setup_needed.then(|| view! {
            <p class="notice" role="status" data-testid="two-factor-needed">
                "Your role needs two-factor sign-in. Set it up to continue: you will need a code from an authenticator app each time you sign in."
            </p>
        })}
        <Suspense fallback=|| view! { <p class="loading" role="status">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match status.await {
                    Ok(s) if s.enabled => view! { <Enabled status=s disable/> }.into_any(),
                    Ok(_) => view! { <SetUp/> }.into_any(),
                    Err(e) => view! { <ErrorPanel error=e/> }.into_any(),
                }
            })}
        </Suspense>
    }
}

/// Off: start, scan, confirm, then the recovery codes.
#[component]
fn SetUp() -> impl IntoView {
    let begin = ServerAction::<BeginTwoFactor>::new();
    let confirm = ServerAction::<ConfirmTwoFactor>::new();
    let begin_error = form_error(move || begin.value().get());
    view! {
        {move || match (confirm.value().get(), begin.value().get()) {
            (Some(Ok(codes)), _) => view! { <RecoveryCodes codes first=true/> }.into_any(),
            (_, Some(Ok(enrolment))) => view! { <Scan enrolment confirm/> }.into_any(),
            _ => view! {
                <section class="panel narrow">
                    <p>"Two-factor sign-in is off. With it on, signing in needs your password and a 6-digit code from an authenticator app on your phone (any app for TOTP codes)."</p>
                    <ActionForm action=begin attr:data-testid="two-factor-begin-form">
                        <FormError error=begin_error/>
                        <button type="submit" class="primary" data-testid="two-factor-begin" disabled=move || begin.pending().get()>"Set up two-factor sign-in"</button>
                    </ActionForm>
                </section>
            }.into_any(),
        }}
    }
}

/// The QR code (and the secret for typing) with the confirming code.
#[component]
fn Scan(enrolment: TwoFactorEnrolment, confirm: ServerAction<ConfirmTwoFactor>) -> impl IntoView {
    let error = form_error(move || confirm.value().get());
    view! {
        <section class="panel narrow">
            <h2>"1. Scan the code"</h2>
            <p>"In your authenticator app, add an account and scan this code."</p>
            // The SVG is drawn by the portal's server from the otpauth address; no user text.
            <div class="qr" role="img" aria-label="QR code to add the portal to your authenticator app" data-testid="two-factor-qr" inner_html=enrolment.qr_svg.clone()></div>
            <p>"Cannot scan? Enter this key in the app instead:"</p>
            <p><code class="secret" data-testid="two-factor-secret">{enrolment.secret.clone()}</code></p>
            <h2>"2. Enter a code"</h2>
            <ActionForm action=confirm attr:data-testid="two-factor-confirm-form">
                <FormError error/>
                <Field name="code" label="Code from the app" autocomplete="one-time-code" error/>
                <button type="submit" class="primary" data-testid="two-factor-confirm" disabled=move || confirm.pending().get()>"Turn on"</button>
            </ActionForm>
        </section>
    }
}

/// Recovery codes, shown once, and the way on.
#[component]
fn RecoveryCodes(codes: Vec<String>, first: bool) -> impl IntoView {
    let query = use_query_map();
    let next = move || crate::util::after_login(query.with(|q| q.get("next")).as_deref());
    view! {
        <section class="panel narrow" data-testid="recovery-codes">
            {first.then(|| view! { <p class="notice" role="status" data-testid="two-factor-on">"Two-factor sign-in is on."</p> })}
            <h2>"Recovery codes"</h2>
            <p>"Keep these codes somewhere safe (a password manager or on paper). Each one signs you in once if you lose your phone. They are shown only now."</p>
            <ul class="codes">
                {codes.into_iter().map(|c| view! { <li><code data-testid="recovery-code">{c}</code></li> }).collect_view()}
            </ul>
            // A full page load: the frame's signed-in account starts again from the new state.
            <p><a href=next rel="external" class="button primary" data-testid="two-factor-continue">"I saved them, continue"</a></p>
        </section>
    }
}

/// On: when, recovery codes left, new codes, and turning it off.
#[component]
fn Enabled(status: TwoFactorStatus, disable: ServerAction<DisableTwoFactor>) -> impl IntoView {
    let renew = ServerAction::<RenewRecoveryCodes>::new();
    let renew_error = form_error(move || renew.value().get());
    let disable_error = form_error(move || disable.value().get());
    let since = status
        .enabled_at
        .as_deref()
        .map(crate::util::human_time)
        .unwrap_or_default();
    view! {
        <dl class="facts">
            <dt>"Status"</dt><dd data-testid="two-factor-status">{format!("On since {since}")}</dd>
            <dt>"Recovery codes left"</dt><dd data-testid="recovery-left">{status.recovery_codes_left}</dd>
        </dl>
        {move || match renew.value().get() {
            Some(Ok(codes)) => view! { <RecoveryCodes codes first=false/> }.into_any(),
            _ => view! {
                <section class="panel narrow">
                    <h2>"New recovery codes"</h2>
                    <p>"Makes ten new codes; the old ones stop working."</p>
                    <ActionForm action=renew attr:data-testid="renew-form">
                        <FormError error=renew_error/>
                        <Field name="code" label="Code from the app" autocomplete="one-time-code" error=renew_error/>
                        <button type="submit" data-testid="renew-submit" disabled=move || renew.pending().get()>"Make new codes"</button>
                    </ActionForm>
                </section>
            }.into_any(),
        }}
        {(!status.required).then(|| view! {
            <section class="panel narrow">
                <h2>"Turn off"</h2>
                <details class="confirm">
                    <summary data-testid="disable-toggle">"Turn off two-factor sign-in"</summary>
                    <ActionForm action=disable attr:data-testid="disable-form">
                        <FormError error=disable_error/>
                        <p>"Signing in will need only your password. Your recovery codes stop working."</p>
                        <Field name="password" label="Password" kind="password" autocomplete="current-password" error=disable_error/>
                        <button type="submit" class="danger" data-testid="disable-confirm">"Yes, turn it off"</button>
                    </ActionForm>
                </details>
            </section>
        })}
        {status.required.then(|| view! { <p class="muted">"Your role needs two-factor sign-in, so it cannot be turned off. If you lose your phone and your recovery codes, a partner admin can reset it."</p> })}
    }
}
