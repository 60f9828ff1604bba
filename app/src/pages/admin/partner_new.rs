//! A partner admin registers a partner of any portal type (admin-only ones included).

use crate::api::partners::{get_partner_form_options, AdminCreatePartner};
use crate::components::form::{form_error, FormError};
use crate::components::layout::{ErrorPanel, RequireRole};
use crate::pages::partner::signup::PartnerFields;
use domain::account::CurrentUser;
use domain::Role;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;

/// New partner page.
#[component]
pub fn NewPartnerPage() -> impl IntoView {
    view! {
        <Title text="Register a partner"/>
        <RequireRole roles=vec![Role::PartnerAdmin] view=|_u: CurrentUser| view! { <NewPartnerBody/> }/>
    }
}

#[component]
fn NewPartnerBody() -> impl IntoView {
    let action = ServerAction::<AdminCreatePartner>::new();
    let error = form_error(move || action.value().get());
    let options = Resource::new(|| (), |_| get_partner_form_options());
    view! {
        <p><A href="/admin/partners">"‹ All partners"</A></p>
        <section class="panel form-wide">
            <h1>"Register a partner"</h1>
            <p class="muted">"Partners registered here are approved at once. Operator-only types (online verification, internal, binding) can only be registered here. Share the initial password safely."</p>
            <Suspense fallback=|| view! { <p class="loading" role="status">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match options.await {
                        Ok(options) => view! {
                            <ActionForm action attr:data-testid="new-partner-form">
                                <FormError error/>
                                <PartnerFields options error/>
                                <button type="submit" class="primary" data-testid="new-partner-submit" disabled=move || action.pending().get()>"Register partner"</button>
                            </ActionForm>
                        }.into_any(),
                        Err(e) => view! { <ErrorPanel error=e/> }.into_any(),
                    }
                })}
            </Suspense>
        </section>
    }
}
