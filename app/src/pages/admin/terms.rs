//! Partner admins publish the terms of use every account accepts.

use crate::api::identity::{get_terms, PublishTerms};
use crate::components::form::{form_error, textarea_text, FormError};
use crate::components::layout::{ErrorPanel, RequireRole};
use crate::pages::terms::TermsText;
use domain::account::TERMS_LEN;
use domain::Role;
use leptos::prelude::*;
use leptos_meta::Title;

/// Terms administration: the current version and a form for the next one.
#[component]
pub fn TermsAdminPage() -> impl IntoView {
    view! {
        <Title text="Terms of use"/>
        <RequireRole roles=vec![Role::PartnerAdmin] view=|_| view! { <TermsAdmin/> }/>
    }
}

#[component]
fn TermsAdmin() -> impl IntoView {
    let publish = ServerAction::<PublishTerms>::new();
    let status = Resource::new(move || publish.version().get(), |_| get_terms());
    let error = form_error(move || publish.value().get());
    let field_error = move || {
        error
            .get()
            .filter(|e| e.field.as_deref() == Some("body"))
            .map(|e| e.message)
    };
    view! {
        <h1>"Terms of use"</h1>
        <p class="muted">"Every account accepts the newest version before it uses the portal: at its first sign-in and again after each new version."</p>
        {move || matches!(publish.value().get(), Some(Ok(_))).then(|| view! {
            <p class="notice" role="status" data-testid="terms-published">"Published. Every other account will be asked to accept it at its next page."</p>
        })}
        <Suspense fallback=|| view! { <p class="loading" role="status">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match status.await {
                    Ok(s) => {
                        let current = s.current.clone().map(|t| t.body).unwrap_or_default();
                        view! {
                            {match s.current {
                                Some(terms) => view! { <h2>"Current version"</h2> <TermsText terms/> }.into_any(),
                                None => view! { <p class="muted" data-testid="terms-none">"No terms are published yet: nobody is asked to accept any."</p> }.into_any(),
                            }}
                            <section class="panel">
                                <h2>"Publish a new version"</h2>
                                <ActionForm action=publish attr:data-testid="terms-publish-form">
                                    <FormError error/>
                                    <div class="field">
                                        <label for="terms-body">"Text (paragraphs separated by a blank line)"</label>
                                        <textarea id="terms-body" name="body" rows="14" data-testid="terms-body"
                                            maxlength=TERMS_LEN.end().to_string()
                                            aria-invalid=move || field_error().is_some().to_string()
                                            aria-describedby="terms-body-error">{textarea_text(&current)}</textarea>
                                        <p class="field-error" id="terms-body-error" role="alert">{field_error}</p>
                                    </div>
                                    <button type="submit" class="primary" data-testid="terms-publish" disabled=move || publish.pending().get()>"Publish"</button>
                                </ActionForm>
                            </section>
                        }.into_any()
                    }
                    Err(e) => view! { <ErrorPanel error=e/> }.into_any(),
                }
            })}
        </Suspense>
    }
}
