//! Placeholder; being written.

use leptos::prelude::*;

/// Page.
#[component]
pub fn MyLicensesPage() -> impl IntoView {
    view! { <h1>"Coming"</h1> }
}
