//! The route table. Every page is a lazy route: its view (and the server-function stubs only
//! it calls) compiles into its own WASM chunk, so a first load fetches the shared core plus
//! the one page it shows. The same table drives prefetching on hover and focus.

use leptos::prelude::*;
use leptos_router::components::{Route, Routes};
use leptos_router::{path, Lazy, LazyRoute, SsrMode};

use crate::pages::access::{MyApiKeysPage, MyClientsPage, MyLicensesPage, MyPolicyRequestsPage};
use crate::pages::admin::{
    access::{AdminApiKeysPage, AdminClientsPage, AdminLicensesPage, PolicyRequestsQueuePage},
    accounts::AccountsPage,
    api_clients::ApiClientsPage,
    audit::AuditPage,
    ca_certificate::CaCertificatePage,
    devices::DeviceApprovalsPage,
    events::{EventReceiverPage, EventsPage},
    inbox::InboxPage,
    partner_detail::PartnerDetailPage,
    partner_new::NewPartnerPage,
    partners::PartnersPage,
    terms::TermsAdminPage,
    trust::TrustStorePage,
};
use crate::pages::cert::mine::MyCertificatePage;
use crate::pages::device::{
    chips::MyChipsPage,
    provider::{MyDevicesPage, MySbiPage, MySbisPage},
};
use crate::pages::login::LoginVerifyPage;
use crate::pages::partner::{profile::PartnerProfilePage, signup::SignUpPage};
use crate::pages::password::{ForgotPasswordPage, ResetPasswordPage};
use crate::pages::policy::{
    detail::PolicyPage,
    groups::PolicyGroupsPage,
    list::PoliciesPage,
    mine::{MyPoliciesPage, MyPolicyPage},
    new::NewPolicyPage,
};
use crate::pages::terms::TermsPage;
use crate::pages::two_factor::TwoFactorPage;
use crate::pages::verify_email::VerifyEmailPage;
use crate::pages::{
    account::AccountPage, dashboard::Dashboard, login::LoginPage, not_found::NotFound,
    notifications::NotificationsPage, setup::SetupPage,
};

/// Declares, from one list, the `<Routes>`, a lazy route type per page and the prefetch table.
///
/// Pages are split in a few groups, one WASM chunk each (plus chunks for code some groups
/// share), not one per page: the splitter makes a chunk for every set of split points that
/// shares code, so 37 pages became over a thousand chunks and a page needed 130 to 450
/// requests. A group loads once, on the first visit to any of its pages.
///
/// Order matters where patterns overlap (`/admin/partners/new` before `/admin/partners/:id`):
/// the prefetch table takes the first match, as the list reads.
macro_rules! pages {
    ($($group:ident { $($pattern:tt => $route:ident($page:ident),)* })*) => {
        $(
            #[allow(non_snake_case)]
            mod $group {
                use super::*;

                /// The pages of this group (named after their route types).
                #[derive(Clone, Copy)]
                #[allow(clippy::enum_variant_names)]
                pub enum Page {
                    $($route,)*
                }

                /// Renders one page of the group: the group's chunk.
                #[leptos::lazy($group)]
                pub fn view(page: Page) -> AnyView {
                    match page {
                        $(Page::$route => view! { <$page/> }.into_any(),)*
                    }
                }
            }

            $(
                #[doc = concat!("`", $pattern, "`, loaded with its group's chunk.")]
                pub struct $route;

                impl LazyRoute for $route {
                    fn data() -> Self {
                        $route
                    }

                    async fn view(_this: Self) -> AnyView {
                        $group::view($group::Page::$route).await
                    }

                    async fn preload() {
                        #[cfg(feature = "hydrate")]
                        $group::__preload_view().await;
                    }
                }
            )*
        )*

        /// Every page, each rendered in full on the server before answering (async mode) so
        /// that sign-in redirects and 403/404 statuses are real HTTP answers.
        #[component]
        pub fn PageRoutes() -> impl IntoView {
            view! {
                <Routes fallback=|| view! { <NotFound/> }>
                    $($(<Route path=path!($pattern) view={Lazy::<$route>::new()} ssr=SsrMode::Async/>)*)*
                </Routes>
            }
        }

        /// Starts loading the chunk of the page at `path` (a pathname) if it has one.
        #[cfg(feature = "hydrate")]
        pub async fn preload(path: &str) {
            $($(
                if matches(path, $pattern) {
                    return <$route as LazyRoute>::preload().await;
                }
            )*)*
        }
    };
}

pages! {
    // Signed out: the first load of most visits.
    public {
        "/login" => LoginRoute(LoginPage),
        "/signup" => SignUpRoute(SignUpPage),
        "/setup" => SetupRoute(SetupPage),
        "/forgot-password" => ForgotPasswordRoute(ForgotPasswordPage),
        "/reset-password" => ResetPasswordRoute(ResetPasswordPage),
        "/login/verify" => LoginVerifyRoute(LoginVerifyPage),
    }
    // Every role's first page after signing in.
    home {
        "/" => DashboardRoute(Dashboard),
    }
    // Partner admins.
    operator {
        "/admin/accounts" => AccountsRoute(AccountsPage),
        "/admin/api-clients" => ApiClientsRoute(ApiClientsPage),
        "/admin/inbox" => InboxRoute(InboxPage),
        "/admin/partners" => PartnersRoute(PartnersPage),
        "/admin/partners/new" => NewPartnerRoute(NewPartnerPage),
        "/admin/partners/:id" => PartnerDetailRoute(PartnerDetailPage),
        "/admin/audit" => AuditRoute(AuditPage),
        "/admin/events" => EventsRoute(EventsPage),
        "/admin/events/:id" => EventReceiverRoute(EventReceiverPage),
        "/admin/certificates" => TrustStoreRoute(TrustStorePage),
        "/admin/certificates/:id" => CaCertificateRoute(CaCertificatePage),
        "/admin/devices" => DeviceApprovalsRoute(DeviceApprovalsPage),
        "/admin/policy-requests" => PolicyRequestsQueueRoute(PolicyRequestsQueuePage),
        "/admin/api-keys" => AdminApiKeysRoute(AdminApiKeysPage),
        "/admin/oidc-clients" => AdminClientsRoute(AdminClientsPage),
        "/admin/licenses" => AdminLicensesRoute(AdminLicensesPage),
        "/admin/terms" => TermsAdminRoute(TermsAdminPage),
    }
    // Policy managers (the editor is the largest page).
    policy {
        "/policies" => PoliciesRoute(PoliciesPage),
        "/policies/groups" => PolicyGroupsRoute(PolicyGroupsPage),
        "/policies/new" => NewPolicyRoute(NewPolicyPage),
        "/policies/:id" => PolicyRoute(PolicyPage),
    }
    // Partners and providers, and every account's own pages (the terms and the second
    // factor's set-up included: rarely seen, so not in every dashboard's first load). The
    // email link's page is public but opened once per partner, so not in the sign-in's load.
    partner {
        "/verify-email" => VerifyEmailRoute(VerifyEmailPage),
        "/account" => AccountRoute(AccountPage),
        "/account/two-factor" => TwoFactorRoute(TwoFactorPage),
        "/terms" => TermsRoute(TermsPage),
        "/notifications" => NotificationsRoute(NotificationsPage),
        "/partner" => PartnerProfileRoute(PartnerProfilePage),
        "/partner/certificate" => MyCertificateRoute(MyCertificatePage),
        "/partner/policies" => MyPoliciesRoute(MyPoliciesPage),
        "/partner/policies/:id" => MyPolicyRoute(MyPolicyPage),
        "/partner/policy-requests" => MyPolicyRequestsRoute(MyPolicyRequestsPage),
        "/partner/api-keys" => MyApiKeysRoute(MyApiKeysPage),
        "/partner/oidc-clients" => MyClientsRoute(MyClientsPage),
        "/partner/license" => MyLicensesRoute(MyLicensesPage),
        "/provider/sbis" => MySbisRoute(MySbisPage),
        "/provider/sbis/:id" => MySbiRoute(MySbiPage),
        "/provider/devices" => MyDevicesRoute(MyDevicesPage),
        "/provider/chips" => MyChipsRoute(MyChipsPage),
    }
}

/// Prefetch a page's chunk when the pointer rests on, or the keyboard focuses, a link to it,
/// so that following the link does not wait for the download.
#[cfg(feature = "hydrate")]
pub fn prefetch_on_intent() {
    use leptos::wasm_bindgen::JsCast;

    fn intent(event: &web_sys::Event) {
        let link = event
            .target()
            .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
            .and_then(|el| el.closest("a[href]").ok().flatten())
            .and_then(|a| a.get_attribute("href"));
        // Only the portal's own pages: a path, not another origin.
        if let Some(href) = link.filter(|h| h.starts_with('/') && !h.starts_with("//")) {
            let path = href
                .split(['?', '#'])
                .next()
                .unwrap_or_default()
                .to_string();
            leptos::task::spawn_local(async move { preload(&path).await });
        }
    }
    let over = window_event_listener(leptos::ev::pointerover, |e| intent(&e));
    let focus = window_event_listener(leptos::ev::focusin, |e| intent(&e));
    on_cleanup(move || {
        over.remove();
        focus.remove();
    });
}

/// Whether a pathname fits a route pattern: same segments, `:name` matching any one.
#[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
fn matches(path: &str, pattern: &str) -> bool {
    let mut path = path.trim_end_matches('/').split('/');
    let mut pattern = pattern.trim_end_matches('/').split('/');
    loop {
        match (path.next(), pattern.next()) {
            (None, None) => return true,
            (Some(p), Some(q)) if (q.starts_with(':') && !p.is_empty()) || p == q => {}
            _ => return false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::matches;

    #[test]
    fn patterns_match_whole_paths_segment_by_segment() {
        assert!(matches("/", "/"));
        assert!(matches("/admin/partners", "/admin/partners"));
        assert!(matches("/admin/partners/", "/admin/partners"));
        assert!(matches("/admin/partners/p-1", "/admin/partners/:id"));
        assert!(!matches("/admin/partners", "/admin/partners/:id"));
        assert!(!matches("/admin/partners/p-1/x", "/admin/partners/:id"));
        assert!(!matches("/admin", "/"));
        assert!(!matches("/policies/7", "/policies"));
    }
}
