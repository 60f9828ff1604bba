//! The terms of use an account accepts before using the portal.

use crate::api::identity::get_terms;
use crate::components::form::{form_error, FormError};
use crate::components::layout::RequireRole;
use domain::account::{CurrentUser, Terms};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

/// Terms page: the current terms, with "I accept" while the caller has not accepted them.
#[component]
pub fn TermsPage() -> impl IntoView {
    view! {
        <Title text="Terms of use"/>
        <RequireRole view=|user: CurrentUser| view! { <TermsBody user/> }/>
    }
}

#[component]
fn TermsBody(user: CurrentUser) -> impl IntoView {
    let status = Resource::new(|| (), |_| get_terms());
    let pending = user.terms_to_accept;
    view! {
        <h1>"Terms of use"</h1>
        <Suspense fallback=|| view! { <p class="loading" role="status">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match status.await {
                    Ok(s) => match s.current {
                        None => view! { <p class="muted" data-testid="terms-none">"No terms of use are published."</p> }.into_any(),
                        Some(terms) => {
                            let accepted = s.accepted.filter(|(v, _)| *v == terms.version && pending.is_none());
                            view! { <TermsText terms=terms.clone()/> <Acceptance terms accepted=accepted.map(|a| a.1)/> }.into_any()
                        }
                    },
                    Err(e) => view! { <crate::components::layout::ErrorPanel error=e/> }.into_any(),
                }
            })}
        </Suspense>
    }
}

/// The terms' text, paragraph by paragraph.
#[component]
pub fn TermsText(terms: Terms) -> impl IntoView {
    view! {
        <p class="muted">{format!("Version {}, published {}", terms.version, crate::util::human_time(&terms.published_at))}</p>
        <article class="panel terms" data-testid="terms-text">
            {terms.body.split("\n\n").map(|p| view! { <p>{p.to_string()}</p> }).collect_view()}
        </article>
    }
}

#[component]
fn Acceptance(terms: Terms, accepted: Option<String>) -> impl IntoView {
    let query = use_query_map();
    let next = move || query.with(|q| q.get("next")).unwrap_or_default();
    // Only a refused post comes back here (with its message).
    let error = form_error(|| None::<Result<(), domain::AppError>>);
    match accepted {
        Some(at) => view! {
            <p class="notice" role="status" data-testid="terms-accepted">
                {format!("You accepted these terms on {}.", crate::util::human_time(&at))}
            </p>
        }
        .into_any(),
        // A plain form post and a full page load after it, on purpose: every part of the page
        // (the signed-in account the frame holds included) starts again from the new state.
        None => view! {
            <form method="post" action="/api/terms/accept" data-testid="terms-form">
                <FormError error/>
                <input type="hidden" name="version" value=terms.version.to_string()/>
                <input type="hidden" name="next" prop:value=next/>
                <p>"You need to accept these terms to use the portal."</p>
                <button type="submit" class="primary" data-testid="terms-accept">"I accept these terms"</button>
            </form>
        }
        .into_any(),
    }
}
