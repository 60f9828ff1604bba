//! The page a verification link opens: what the link verifies and a button to confirm it (a
//! mail scanner fetching the link changes nothing), then what happened.

use crate::api::partners::{get_email_link, VerifyEmail};
use crate::components::form::{form_error, FormError};
use domain::partner::VerifyPurpose;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

/// "/verify-email?token=…" (and "?verified=registration|contact" after confirming). Links are
/// plain anchors (the router still routes them): after the confirmation's redirect, the
/// link check's pending branch can finish in a disposed owner, where `<A>` has no router.
#[component]
pub fn VerifyEmailPage() -> impl IntoView {
    let query = use_query_map();
    let token = move || query.with(|q| q.get("token")).unwrap_or_default();
    let verified = move || query.with(|q| q.get("verified"));
    let link = Resource::new(token, get_email_link);
    view! {
        <Title text="Verify your email"/>
        <section class="panel narrow">
            <h1>"Verify your email"</h1>
            {move || match verified().as_deref() {
                Some("registration") => view! {
                    <p class="notice" role="status" data-testid="email-verified">
                        "Your email is verified. Your registration is now with a partner admin for review; you will be told of the decision."
                    </p>
                    <p><a href="/partner">"Open my organisation"</a></p>
                }.into_any(),
                Some(_) => view! {
                    <p class="notice" role="status" data-testid="email-verified">
                        "Your new contact email is verified and now in use."
                    </p>
                    <p><a href="/partner">"Open my organisation"</a></p>
                }.into_any(),
                None => view! {
                    <Suspense fallback=|| view! { <p class="loading" role="status">"Checking the link…"</p> }>
                        {move || Suspend::new(async move {
                            match link.await {
                                Ok(Some(l)) => view! { <ConfirmForm token=token() email=l.email organisation=l.organisation purpose=l.purpose/> }.into_any(),
                                _ => view! {
                                    <p class="error" role="alert" data-testid="verify-invalid">
                                        "This link is not valid: it was used already, has expired or is incomplete."
                                    </p>
                                    <p>"Sign in and send a new link from " <a href="/partner">"My organisation"</a> "."</p>
                                }.into_any(),
                            }
                        })}
                    </Suspense>
                }.into_any(),
            }}
        </section>
    }
}

#[component]
fn ConfirmForm(
    token: String,
    email: String,
    organisation: String,
    purpose: VerifyPurpose,
) -> impl IntoView {
    let verify = ServerAction::<VerifyEmail>::new();
    let error = form_error(move || verify.value().get());
    let what = match purpose {
        VerifyPurpose::Registration => {
            "Confirm that this address belongs to the organisation that registered. Its registration then goes to a partner admin for review."
        }
        VerifyPurpose::ContactChange => {
            "Confirm this address as the organisation's new contact email. It replaces the current one."
        }
    };
    view! {
        <dl class="facts">
            <dt>"Email"</dt><dd data-testid="verify-email-address"><bdi>{email}</bdi></dd>
            <dt>"Organisation"</dt><dd>{organisation}</dd>
        </dl>
        <p>{what}</p>
        <ActionForm action=verify attr:data-testid="verify-email-form">
            <FormError error/>
            <input type="hidden" name="token" value=token/>
            <button type="submit" class="primary" data-testid="verify-email-confirm" disabled=move || verify.pending().get()>"Verify this email"</button>
        </ActionForm>
    }
}
