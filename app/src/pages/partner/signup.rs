//! Public registration: an account and a partner profile in one form. Also provides the
//! fields a partner admin fills in to register a partner of any type.

use crate::api::partners::get_partner_form_options;
use crate::components::form::{form_error, Field, FormError, SelectField, TextAreaField};
use crate::components::layout::{use_auth, ErrorPanel};
use domain::partner::{
    PartnerFormOptions, LANGUAGES, MAX_ORGANISATION_LEN, MAX_PARTNER_ID_LEN, MAX_PHONE_TYPED_LEN,
};
use domain::AppError;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;

/// Registration page.
#[component]
pub fn SignUpPage() -> impl IntoView {
    let auth = use_auth();
    let action = auth.signup;
    let error = form_error(move || action.value().get());
    let options = Resource::new(|| (), |_| get_partner_form_options());
    view! {
        <Title text="Register your organisation"/>
        <section class="panel form-wide">
            <h1>"Register your organisation"</h1>
            <p class="muted">"Your registration is reviewed by the operator. You can sign in and edit it while it waits. Already registered? " <A href="/login">"Sign in"</A></p>
            <Suspense fallback=|| view! { <p class="loading" role="status">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match options.await {
                        Ok(options) => view! {
                            <ActionForm action attr:data-testid="signup-form">
                                <FormError error/>
                                <PartnerFields options error/>
                                <button type="submit" class="primary" data-testid="signup-submit" disabled=move || action.pending().get()>
                                    {move || if action.pending().get() { "Registering…" } else { "Register" }}
                                </button>
                            </ActionForm>
                        }.into_any(),
                        Err(e) => view! { <ErrorPanel error=e/> }.into_any(),
                    }
                })}
            </Suspense>
        </section>
    }
}

/// Account and profile fields of a registration (sign-up and admin creation).
#[component]
pub fn PartnerFields(
    options: PartnerFormOptions,
    error: Signal<Option<AppError>>,
) -> impl IntoView {
    let types = options.types.clone();
    let first = types.first().map(|t| t.code.clone()).unwrap_or_default();
    let (chosen, set_chosen) = signal(first);
    let needs_group = {
        let types = types.clone();
        Signal::derive(move || {
            chosen.with(|c| types.iter().any(|t| &t.code == c && t.policy_required))
        })
    };
    let no_groups = options.policy_groups.is_empty();
    let group_help = Signal::derive(move || {
        if !needs_group.get() {
            "Not used by this partner type.".to_string()
        } else if no_groups {
            "No policy group is available yet: partners of this type can register once the operator creates one. Device, FTM and MISP providers need none.".to_string()
        } else {
            "The group decides which policies you may request.".to_string()
        }
    });
    let type_options: Vec<(String, String)> = types
        .iter()
        .map(|t| {
            let suffix = if t.self_registrable {
                ""
            } else {
                " (operator only)"
            };
            (t.code.clone(), format!("{}{suffix}", t.description))
        })
        .collect();
    let group_options: Vec<(String, String)> = options
        .policy_groups
        .iter()
        .map(|g| (g.id.clone(), g.name.clone()))
        .collect();
    let languages: Vec<(String, String)> = LANGUAGES
        .iter()
        .map(|(c, l)| (c.to_string(), l.to_string()))
        .collect();
    view! {
        <fieldset>
            <legend>"Sign-in"</legend>
            <Field name="email" label="Email" kind="email" autocomplete="email" error help="Used to sign in and as the organisation's contact email."/>
            <Field name="password" label="Password" kind="password" autocomplete="new-password" error help="At least 12 characters, not containing your email."/>
            <Field name="confirm_password" label="Repeat password" kind="password" autocomplete="new-password" error/>
        </fieldset>
        <fieldset>
            <legend>"Organisation"</legend>
            <Field name="partner_id" label="Partner id" error maxlength=MAX_PARTNER_ID_LEN help="Up to 36 characters: letters, digits, '-', '_' and '.'. It cannot be changed later."/>
            <Field name="organisation" label="Organisation name" autocomplete="organization" error maxlength=MAX_ORGANISATION_LEN help="Exactly as in the O= field of your certificate."/>
            <SelectField name="partner_type" label="Partner type" error options=type_options on_change=Callback::new(move |v| set_chosen.set(v))/>
            <SelectField name="policy_group_id" label="Policy group" error options=group_options placeholder="Choose a policy group" help=group_help disabled=Signal::derive(move || !needs_group.get())/>
            <Field name="phone" label="Phone" kind="tel" autocomplete="tel" error maxlength=MAX_PHONE_TYPED_LEN/>
            <TextAreaField name="address" label="Address" error/>
            <SelectField name="language" label="Language" error options=languages/>
        </fieldset>
    }
}
