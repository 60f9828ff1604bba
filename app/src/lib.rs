//! The portal's Leptos application: shell, routes, pages and server functions.
// The policy editor's forms are deep view trees; their types outgrow the default limit.
#![recursion_limit = "256"]

pub mod api;
pub mod components;
pub mod pages;
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

#[cfg(feature = "ssr")]
pub mod guard;
#[cfg(feature = "ssr")]
pub mod state;

use leptos::prelude::*;
use leptos_meta::{provide_meta_context, MetaTags, Stylesheet, Title};
use leptos_router::components::{Route, Router, Routes};
use leptos_router::{path, SsrMode};

use crate::components::layout::Layout;
use crate::pages::access::{
    AdminApiKeysPage, AdminClientsPage, AdminLicensesPage, MyApiKeysPage, MyClientsPage,
    MyLicensesPage, MyPolicyRequestsPage, PolicyRequestsQueuePage,
};
use crate::pages::admin::{
    accounts::AccountsPage,
    audit::AuditPage,
    events::{EventReceiverPage, EventsPage},
    inbox::InboxPage,
    partner_detail::PartnerDetailPage,
    partner_new::NewPartnerPage,
    partners::PartnersPage,
};
use crate::pages::cert::{
    detail::CaCertificatePage, mine::MyCertificatePage, trust::TrustStorePage,
};
use crate::pages::device::{
    admin::DeviceApprovalsPage,
    chips::MyChipsPage,
    provider::{MyDevicesPage, MySbiPage, MySbisPage},
};
use crate::pages::partner::{profile::PartnerProfilePage, signup::SignUpPage};
use crate::pages::policy::{
    detail::PolicyPage,
    groups::PolicyGroupsPage,
    list::PoliciesPage,
    mine::{MyPoliciesPage, MyPolicyPage},
    new::NewPolicyPage,
};
use crate::pages::{
    account::AccountPage, dashboard::Dashboard, login::LoginPage, not_found::NotFound,
    notifications::NotificationsPage, setup::SetupPage,
};

/// The HTML document around the app, rendered on the server only.
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
                <HydrationScripts options/>
                <MetaTags/>
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

/// Root component: routes. Every route renders fully on the server before answering (async
/// mode) so that sign-in redirects and 403/404 statuses are real HTTP answers.
#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    components::layout::provide_auth();

    view! {
        <Stylesheet id="leptos" href="/pkg/pms.css"/>
        <Title formatter=|text: String| if text.is_empty() { "Partner Management Portal".to_string() } else { format!("{text} · Partner Management Portal") }/>
        <Router>
            <Layout>
                <Routes fallback=|| view! { <NotFound/> }>
                    <Route path=path!("/") view=Dashboard ssr=SsrMode::Async/>
                    <Route path=path!("/login") view=LoginPage ssr=SsrMode::Async/>
                    <Route path=path!("/setup") view=SetupPage ssr=SsrMode::Async/>
                    <Route path=path!("/account") view=AccountPage ssr=SsrMode::Async/>
                    <Route path=path!("/signup") view=SignUpPage ssr=SsrMode::Async/>
                    <Route path=path!("/partner") view=PartnerProfilePage ssr=SsrMode::Async/>
                    <Route path=path!("/admin/accounts") view=AccountsPage ssr=SsrMode::Async/>
                    <Route path=path!("/admin/inbox") view=InboxPage ssr=SsrMode::Async/>
                    <Route path=path!("/notifications") view=NotificationsPage ssr=SsrMode::Async/>
                    <Route path=path!("/admin/partners") view=PartnersPage ssr=SsrMode::Async/>
                    <Route path=path!("/admin/partners/new") view=NewPartnerPage ssr=SsrMode::Async/>
                    <Route path=path!("/admin/partners/:id") view=PartnerDetailPage ssr=SsrMode::Async/>
                    <Route path=path!("/admin/audit") view=AuditPage ssr=SsrMode::Async/>
                    <Route path=path!("/admin/events") view=EventsPage ssr=SsrMode::Async/>
                    <Route path=path!("/admin/events/:id") view=EventReceiverPage ssr=SsrMode::Async/>
                    <Route path=path!("/admin/certificates") view=TrustStorePage ssr=SsrMode::Async/>
                    <Route path=path!("/admin/certificates/:id") view=CaCertificatePage ssr=SsrMode::Async/>
                    <Route path=path!("/partner/certificate") view=MyCertificatePage ssr=SsrMode::Async/>
                    <Route path=path!("/provider/sbis") view=MySbisPage ssr=SsrMode::Async/>
                    <Route path=path!("/provider/sbis/:id") view=MySbiPage ssr=SsrMode::Async/>
                    <Route path=path!("/provider/devices") view=MyDevicesPage ssr=SsrMode::Async/>
                    <Route path=path!("/provider/chips") view=MyChipsPage ssr=SsrMode::Async/>
                    <Route path=path!("/admin/devices") view=DeviceApprovalsPage ssr=SsrMode::Async/>
                    <Route path=path!("/policies") view=PoliciesPage ssr=SsrMode::Async/>
                    <Route path=path!("/policies/groups") view=PolicyGroupsPage ssr=SsrMode::Async/>
                    <Route path=path!("/policies/new") view=NewPolicyPage ssr=SsrMode::Async/>
                    <Route path=path!("/policies/:id") view=PolicyPage ssr=SsrMode::Async/>
                    <Route path=path!("/partner/policies") view=MyPoliciesPage ssr=SsrMode::Async/>
                    <Route path=path!("/partner/policies/:id") view=MyPolicyPage ssr=SsrMode::Async/>
                    <Route path=path!("/partner/policy-requests") view=MyPolicyRequestsPage ssr=SsrMode::Async/>
                    <Route path=path!("/partner/api-keys") view=MyApiKeysPage ssr=SsrMode::Async/>
                    <Route path=path!("/partner/oidc-clients") view=MyClientsPage ssr=SsrMode::Async/>
                    <Route path=path!("/partner/license") view=MyLicensesPage ssr=SsrMode::Async/>
                    <Route path=path!("/admin/policy-requests") view=PolicyRequestsQueuePage ssr=SsrMode::Async/>
                    <Route path=path!("/admin/api-keys") view=AdminApiKeysPage ssr=SsrMode::Async/>
                    <Route path=path!("/admin/oidc-clients") view=AdminClientsPage ssr=SsrMode::Async/>
                    <Route path=path!("/admin/licenses") view=AdminLicensesPage ssr=SsrMode::Async/>
                </Routes>
            </Layout>
        </Router>
    }
}
