//! One-time set-up: create the first partner admin. Gone (404) once one exists.

use crate::api::{setup_needed, SetupAdmin};
use crate::components::form::{form_error, Field, FormError};
use crate::pages::not_found::NotFound;
use leptos::prelude::*;
use leptos_meta::Title;

/// Set-up page.
#[component]
pub fn SetupPage() -> impl IntoView {
    let needed = Resource::new(|| (), |_| setup_needed());
    view! {
        <Title text="Set up"/>
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                match needed.await {
                    Ok(true) => view! { <SetupForm/> }.into_any(),
                    _ => view! { <NotFound/> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn SetupForm() -> impl IntoView {
    let setup = ServerAction::<SetupAdmin>::new();
    let error = form_error(move || setup.value().get());
    view! {
        <section class="panel narrow">
            <h1>"Create the first partner admin"</h1>
            <p class="muted">"The set-up token is printed in the server log when the portal starts without an admin."</p>
            <ActionForm action=setup>
                <FormError error/>
                <Field name="token" label="Set-up token" kind="password" error/>
                <Field name="email" label="Email" kind="email" autocomplete="username" error/>
                <Field name="display_name" label="Name" autocomplete="name" error/>
                <Field name="password" label="Password" kind="password" autocomplete="new-password" error help="At least 12 characters, not containing your email."/>
                <Field name="confirm_password" label="Repeat password" kind="password" autocomplete="new-password" error/>
                <button type="submit" class="primary" disabled=move || setup.pending().get()>"Create admin"</button>
            </ActionForm>
        </section>
    }
}
