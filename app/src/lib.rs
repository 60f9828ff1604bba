//! The portal's Leptos application: shell, routes, pages and server functions.
// The policy editor's forms are deep view trees; their types outgrow the default limit.
#![recursion_limit = "256"]

pub mod api;
pub mod components;
pub mod pages;
pub mod routes;
pub mod util;

/// Mark `<body data-hydrated="true">` once hydration has settled: suspended branches hydrate
/// as their (serialized) data resolves, in tasks queued behind the first pass, so the mark
/// waits two macrotask turns after it. Tests (and people) tell from it that the page is
/// interactive; a panic aborts the WASM before it is set.
#[cfg(feature = "hydrate")]
pub fn mark_hydrated_when_settled() {
    leptos::task::spawn_local(async {
        for _ in 0..2 {
            gloo_timers::future::TimeoutFuture::new(0).await;
        }
        if let Some(body) = document().body() {
            let _ = body.set_attribute("data-hydrated", "true");
        }
    });
}

/// Where the browser's files are served from: `/assets/{build id}` once the server has set it
/// (files there are cached as immutable, see the server's `assets`), empty (plain `/pkg/`)
/// when it has not, as in router tests without a built site.
#[cfg(feature = "ssr")]
static ASSET_ROOT: std::sync::OnceLock<String> = std::sync::OnceLock::new();

/// Set the asset root once per process (later calls keep the first).
#[cfg(feature = "ssr")]
pub fn set_asset_root(root: String) {
    let _ = ASSET_ROOT.set(root);
}

/// The asset root, without a trailing slash.
#[cfg(feature = "ssr")]
pub fn asset_root() -> &'static str {
    ASSET_ROOT.get().map(String::as_str).unwrap_or_default()
}

#[cfg(feature = "ssr")]
pub mod guard;
#[cfg(feature = "ssr")]
pub mod state;

use leptos::prelude::*;
use leptos_meta::{provide_meta_context, Title};
use leptos_router::components::Router;

use crate::components::layout::Layout;
use crate::routes::PageRoutes;

/// The HTML document around the app, rendered on the server only.
#[cfg(feature = "ssr")]
pub fn shell(options: LeptosOptions) -> impl IntoView {
    #[cfg(feature = "ssr")]
    set_csp();
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <meta name="color-scheme" content="light"/>
                <link rel="icon" href="/favicon.ico" sizes="32x32"/>
                <link rel="stylesheet" id="leptos" href=format!("{}/pkg/pms.css", asset_root())/>
                <HydrationScripts options root=asset_root()/>
                <leptos_meta::MetaTags/>
            </head>
            <body>
                <App/>
            </body>
        </html>
    }
}

/// Content-Security-Policy with this response's nonce: only the app's own scripts and WASM run.
#[cfg(feature = "ssr")]
fn set_csp() {
    leptos::nonce::provide_nonce();
    if let (Some(nonce), Some(res)) = (
        leptos::nonce::use_nonce(),
        use_context::<leptos_axum::ResponseOptions>(),
    ) {
        let policy = format!(
            "default-src 'self'; script-src 'self' 'nonce-{}' 'wasm-unsafe-eval'; \
             style-src 'self'; img-src 'self' data:; connect-src 'self'; font-src 'self'; \
             object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'",
            &*nonce
        );
        if let Ok(value) = http::HeaderValue::from_str(&policy) {
            res.insert_header(http::header::CONTENT_SECURITY_POLICY, value);
        }
    }
}

/// Root component: the frame and the routes (see `routes`).
#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    components::layout::provide_auth();

    view! {
        <Title formatter=|text: String| if text.is_empty() { "Partner Management Portal".to_string() } else { format!("{text} · Partner Management Portal") }/>
        <Router>
            <Layout>
                <PageRoutes/>
            </Layout>
        </Router>
    }
}
