//! Page frame: header, role-aware navigation, sign-out, and the guard that pages sit behind.

use crate::api::partners::SignUp;
use crate::api::{get_me, Login, Logout};
use domain::account::CurrentUser;
use domain::{AppError, Role};
use leptos::prelude::*;
use leptos_router::components::{Redirect, A};
use leptos_router::hooks::use_location;

/// Who is signed in, plus the actions that change it (so `me` refetches after them).
#[derive(Clone, Copy)]
pub struct Auth {
    /// The signed-in account.
    pub me: Resource<Result<Option<CurrentUser>, AppError>>,
    /// Sign-in action.
    pub login: ServerAction<Login>,
    /// Sign-out action.
    pub logout: ServerAction<Logout>,
    /// Partner registration (signs the new partner in).
    pub signup: ServerAction<SignUp>,
}

/// Create the auth context; called once by `App`.
pub fn provide_auth() {
    let login = ServerAction::<Login>::new();
    let logout = ServerAction::<Logout>::new();
    let signup = ServerAction::<SignUp>::new();
    let me = Resource::new(
        move || {
            (
                login.version().get(),
                logout.version().get(),
                signup.version().get(),
            )
        },
        |_| get_me(),
    );
    provide_context(Auth {
        me,
        login,
        logout,
        signup,
    });
}

/// The auth context.
pub fn use_auth() -> Auth {
    expect_context::<Auth>()
}

/// Bumped when notifications change (read, dismissed) so the bell refreshes at once.
#[derive(Clone, Copy)]
pub struct BellRefresh(pub RwSignal<u32>);

/// Header, navigation and main area.
#[component]
pub fn Layout(children: Children) -> impl IntoView {
    let auth = use_auth();
    let location = use_location();
    // The bell refreshes on navigation, every three minutes and after changes on the
    // notifications page.
    let tick = RwSignal::new(0_u32);
    provide_context(BellRefresh(tick));
    #[cfg(feature = "hydrate")]
    {
        crate::routes::prefetch_on_intent();
        if let Ok(handle) = set_interval_with_handle(
            move || tick.update(|t| *t += 1),
            std::time::Duration::from_secs(180),
        ) {
            on_cleanup(move || handle.clear());
        }
    }
    let bell = Resource::new(
        move || (location.pathname.get(), tick.get(), auth.me.get().is_some()),
        |_| crate::api::triage::notification_bell(),
    );
    view! {
        <a class="skip" href="#main">"Skip to content"</a>
        <header class="topbar">
            <A href="/" attr:class="brand">"Partner Management Portal"</A>
            // The bell's Transition is made here, not inside the branch that waits for the
            // user: a boundary or resource created in a branch that resolves on the server in
            // whatever order the page's own branches do would take its hydration id in that
            // order, while the browser takes ids in tree order (a hydration panic on about
            // one load in five). Branches that wait on data create neither.
            <Transition fallback=|| ()>
                {move || Suspend::new(async move {
                    match auth.me.await {
                        Ok(Some(user)) => view! { <Nav user/> }.into_any(),
                        _ => ().into_any(),
                    }
                })}
            </Transition>
            <Bell bell/>
        </header>
        <main id="main" class="content">{children()}</main>
        <crate::components::idle::IdleWarning/>
    }
}

/// The notification bell: unread count and the latest few.
#[component]
fn Bell(bell: Resource<Result<domain::notification::BellSummary, AppError>>) -> impl IntoView {
    view! {
        <Transition fallback=|| ()>
            {move || Suspend::new(async move {
                bell.await.ok().map(|b| {
                    let unread = b.unread;
                    let label = format!("Notifications, {unread} unread");
                    view! {
                        <details class="bell" data-testid="bell">
                            <summary aria-label=label>
                                // Drawn, not an emoji: servers and kiosks often lack an emoji font.
                                <svg class="bell-icon" aria-hidden="true" width="18" height="18" viewBox="0 0 24 24">
                                    <path fill="currentColor" d="M12 22a2.5 2.5 0 0 0 2.45-2h-4.9A2.5 2.5 0 0 0 12 22zm7-6V11a7 7 0 0 0-5.5-6.84V3.5a1.5 1.5 0 0 0-3 0v.66A7 7 0 0 0 5 11v5l-2 2v1h18v-1l-2-2z"/>
                                </svg>
                                {(unread > 0).then(|| view! { <span class="bell-count" data-testid="bell-count">{unread}</span> })}
                            </summary>
                            <div class="bell-menu">
                                {if b.latest.is_empty() {
                                    view! { <p class="muted">"No notifications."</p> }.into_any()
                                } else {
                                    view! {
                                        <ul>
                                            {b.latest.into_iter().map(|n| view! {
                                                <li class:unread=!n.read data-testid="bell-item">
                                                    <A href=n.link.clone()>{n.title.clone()}</A>
                                                    <span class="muted">" " {crate::util::human_ms(n.created_at)}</span>
                                                </li>
                                            }).collect_view()}
                                        </ul>
                                    }.into_any()
                                }}
                                <p><A href="/notifications">"All notifications"</A></p>
                            </div>
                        </details>
                    }
                })
            })}
        </Transition>
    }
}

/// Navigation for the caller's roles only (the server checks every call regardless).
#[component]
fn Nav(user: CurrentUser) -> impl IntoView {
    let auth = use_auth();
    let is_admin = user.has(Role::PartnerAdmin);
    let is_partner = user.has_any(&Role::PARTNER);
    let is_operator = user.has_any(&Role::OPERATOR);
    view! {
        <nav aria-label="Main" data-testid="main-nav">
            <ul>
                <li><A href="/" exact=true>"Dashboard"</A></li>
                {is_partner.then(|| view! {
                    <li><A href="/partner" exact=true>"My organisation"</A></li>
                    <li><A href="/partner/policies">"Policies"</A></li>
                    <li><A href="/partner/certificate">"Certificate"</A></li>
                    <li><A href="/partner/policy-requests">"Policy requests"</A></li>
                })}
                {user.has_any(&[Role::AuthPartner, Role::CredentialPartner]).then(|| view! {
                    <li><A href="/partner/api-keys">"API keys"</A></li>
                })}
                {user.has(Role::AuthPartner).then(|| view! {
                    <li><A href="/partner/oidc-clients">"OIDC clients"</A></li>
                })}
                {user.has(Role::MispPartner).then(|| view! {
                    <li><A href="/partner/license">"License"</A></li>
                })}
                {user.has(Role::DeviceProvider).then(|| view! {
                    <li><A href="/provider/sbis">"SBIs"</A></li>
                    <li><A href="/provider/devices">"Devices"</A></li>
                })}
                {user.has(Role::FtmProvider).then(|| view! {
                    <li><A href="/provider/chips">"Chips"</A></li>
                })}
                {is_operator.then(|| view! {
                    <li><A href="/policies" exact=true>"Policies"</A></li>
                    <li><A href="/policies/groups">"Policy groups"</A></li>
                })}
                {is_admin.then(|| view! {
                    <li><A href="/admin/inbox">"Inbox"</A></li>
                    <li><A href="/admin/partners">"Partners"</A></li>
                    <li><A href="/admin/certificates">"Trust store"</A></li>
                    <li><A href="/admin/devices">"Devices"</A></li>
                    <li><A href="/admin/policy-requests">"Policy requests"</A></li>
                    <li><A href="/admin/api-keys">"API keys"</A></li>
                    <li><A href="/admin/oidc-clients">"OIDC clients"</A></li>
                    <li><A href="/admin/api-clients">"API clients"</A></li>
                    <li><A href="/admin/licenses">"Licenses"</A></li>
                    <li><A href="/admin/events">"Events"</A></li>
                    <li><A href="/admin/audit">"Audit log"</A></li>
                    <li><A href="/admin/accounts">"Accounts"</A></li>
                    <li><A href="/admin/terms">"Terms"</A></li>
                })}
                <li><A href="/account">"My account"</A></li>
            </ul>
        </nav>
        <div class="user">
            <span data-testid="user-email">{user.email.clone()}</span>
            <ActionForm action=auth.logout attr:class="inline">
                <button type="submit" class="link" data-testid="logout">"Sign out"</button>
            </ActionForm>
        </div>
    }
}

/// Where an account sets up its second factor.
const TWO_FACTOR_PATH: &str = "/account/two-factor";

/// Render `view` for a signed-in caller holding one of `roles` (any signed-in caller when
/// empty); otherwise send to sign-in or show 403.
#[component]
pub fn RequireRole<F, V>(#[prop(optional)] roles: Vec<Role>, view: F) -> impl IntoView
where
    F: Fn(CurrentUser) -> V + Clone + Send + Sync + 'static,
    V: IntoView + 'static,
{
    let auth = use_auth();
    let location = use_location();
    view! {
        <Suspense fallback=|| view! { <p class="loading" role="status">"Loading…"</p> }>
            {
                let roles = roles.clone();
                let view = view.clone();
                move || {
                    let roles = roles.clone();
                    let view = view.clone();
                    Suspend::new(async move {
                        let here = || format!("{}{}", location.pathname.get_untracked(), location.search.get_untracked());
                        match auth.me.await {
                            // New terms come first, on every page but the terms page itself.
                            Ok(Some(user)) if user.terms_to_accept.is_some() && location.pathname.get_untracked() != "/terms" => {
                                let next = crate::util::encode_query(&here());
                                view! { <Redirect path=format!("/terms?next={next}")/> }.into_any()
                            }
                            // Then a second factor the role needs, where it is set up.
                            Ok(Some(user)) if user.two_factor_setup_needed && user.terms_to_accept.is_none() && location.pathname.get_untracked() != TWO_FACTOR_PATH => {
                                let next = crate::util::encode_query(&here());
                                view! { <Redirect path=format!("{TWO_FACTOR_PATH}?next={next}")/> }.into_any()
                            }
                            Ok(Some(user)) if roles.is_empty() || user.has_any(&roles) => view(user).into_any(),
                            Ok(Some(_)) => view! { <Forbidden/> }.into_any(),
                            Ok(None) => {
                                let next = crate::util::encode_query(&here());
                                view! { <Redirect path=format!("/login?next={next}")/> }.into_any()
                            }
                            Err(e) => view! { <ErrorPanel error=e/> }.into_any(),
                        }
                    })
                }
            }
        </Suspense>
    }
}

/// 403 page (with a real 403 status when rendered on the server).
#[component]
pub fn Forbidden() -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(res) = use_context::<leptos_axum::ResponseOptions>() {
        res.set_status(http::StatusCode::FORBIDDEN);
    }
    view! {
        <section class="panel" data-testid="forbidden">
            <h1>"Access denied"</h1>
            <p>"Your account does not have the role this page needs."</p>
            <p><A href="/">"Back to your dashboard"</A></p>
        </section>
    }
}

/// An error that stopped a page, with the request id to quote.
#[component]
pub fn ErrorPanel(error: AppError) -> impl IntoView {
    // A missing (or someone else's) item is the not-found panel, with a way back.
    let (heading, testid) = match error.kind {
        domain::ErrorKind::NotFound => ("Not found", "not-found"),
        domain::ErrorKind::Forbidden => ("Access denied", "error-panel"),
        _ => ("Something went wrong", "error-panel"),
    };
    let not_found = error.kind == domain::ErrorKind::NotFound;
    view! {
        <section class="panel error" role="alert" data-testid=testid>
            <h1>{heading}</h1>
            <p>{error.message.clone()}</p>
            {not_found.then(|| view! { <p><A href="/">"Back to your dashboard"</A></p> })}
            {error.request_id.clone().map(|id| view! { <p class="muted">"Request id: " <code>{id}</code></p> })}
        </section>
    }
}
