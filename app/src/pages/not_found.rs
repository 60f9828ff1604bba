//! 404 page.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;

/// Shown for unknown paths, with a 404 status and the request id when rendered on the server.
#[component]
pub fn NotFound() -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(res) = use_context::<leptos_axum::ResponseOptions>() {
        res.set_status(http::StatusCode::NOT_FOUND);
    }
    // Computed on the server and carried to the browser so hydration matches.
    let request_id = SharedValue::new(|| {
        #[cfg(feature = "ssr")]
        {
            crate::guard::request_id().unwrap_or_default()
        }
        #[cfg(not(feature = "ssr"))]
        {
            String::new()
        }
    });
    let rid = request_id.into_inner();
    view! {
        <Title text="Page not found"/>
        <section class="panel" data-testid="not-found">
            <h1>"Page not found"</h1>
            <p>"There is nothing at this address. Check the link, or go back to your dashboard."</p>
            <p><A href="/">"Go to the dashboard"</A></p>
            {(!rid.is_empty()).then(|| view! { <p class="muted">"Request id: " <code>{rid.clone()}</code></p> })}
        </section>
    }
}
