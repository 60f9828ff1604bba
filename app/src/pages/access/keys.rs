//! Placeholder; being written.

use leptos::prelude::*;

/// Page.
#[component]
pub fn MyApiKeysPage() -> impl IntoView {
    view! { <h1>"Coming"</h1> }
}
