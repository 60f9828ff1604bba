//! Placeholder; being written.

use leptos::prelude::*;

/// Page.
#[component]
pub fn AdminApiKeysPage() -> impl IntoView {
    view! { <h1>"Coming"</h1> }
}

/// Page.
#[component]
pub fn AdminClientsPage() -> impl IntoView {
    view! { <h1>"Coming"</h1> }
}

/// Page.
#[component]
pub fn AdminLicensesPage() -> impl IntoView {
    view! { <h1>"Coming"</h1> }
}

/// Page.
#[component]
pub fn PolicyRequestsQueuePage() -> impl IntoView {
    view! { <h1>"Coming"</h1> }
}
