//! Dashboard: what the caller's roles let them do.

use crate::api::certificates::get_my_certificate;
use crate::api::partners::get_my_partner;
use crate::components::cert::expiry_words;
use crate::components::layout::RequireRole;
use crate::pages::partner::profile::StatusBadge;
use domain::account::CurrentUser;
use domain::partner::PartnerStatus;
use domain::Role;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;

/// Dashboard for any signed-in account, one card per role held.
#[component]
pub fn Dashboard() -> impl IntoView {
    view! {
        <Title text="Dashboard"/>
        <RequireRole view=|user: CurrentUser| view! { <DashboardBody user/> }/>
    }
}

#[component]
fn DashboardBody(user: CurrentUser) -> impl IntoView {
    view! {
        <h1>"Welcome, " {user.display_name.clone()}</h1>
        <p class="muted">"Signed in as " <strong>{user.email.clone()}</strong></p>
        {user.has_any(&Role::PARTNER).then(|| view! { <OrganisationCard/> <CertificateCard/> })}
        <div class="cards">
            {user.roles.iter().map(|role| view! {
                <section class="card" data-testid=format!("role-card-{}", role.as_str())>
                    <h2>{role.label()}</h2>
                    <p class="muted"><code>{role.as_str()}</code></p>
                    <ul>
                        {role.capabilities().iter().map(|c| view! { <li>{*c}</li> }).collect_view()}
                    </ul>
                </section>
            }).collect_view()}
        </div>
    }
}

/// A partner's status at a glance, and what it means for what it can do.
#[component]
fn OrganisationCard() -> impl IntoView {
    let mine = Resource::new(|| (), |_| get_my_partner());
    view! {
        <Transition fallback=|| ()>
            {move || Suspend::new(async move {
                mine.await.ok().flatten().map(|me| {
                    let p = me.partner;
                    let what = match p.status {
                        PartnerStatus::Pending => "Waiting for approval: policy requests, keys and devices open once a partner admin approves your registration. You can upload your certificate already.",
                        PartnerStatus::Approved => "Approved: your organisation can use every feature of its type.",
                        PartnerStatus::Rejected => "Rejected: correct your profile and resubmit it.",
                        PartnerStatus::Deactivated => "Deactivated: contact the operator.",
                    };
                    view! {
                        <section class="panel" data-testid="organisation-card">
                            <h2>{p.organisation.clone()} " " <StatusBadge status=p.status/></h2>
                            <p>{what}</p>
                            <p><A href="/partner">"Open my organisation"</A></p>
                        </section>
                    }
                })
            })}
        </Transition>
    }
}

/// The partner's certificate at a glance: missing, valid with days left, expiring or expired.
#[component]
fn CertificateCard() -> impl IntoView {
    let mine = Resource::new(|| (), |_| get_my_certificate());
    view! {
        <Transition fallback=|| ()>
            {move || Suspend::new(async move {
                // An account without a partner profile has no certificate to speak of.
                mine.await.ok().flatten().map(|(domain, cert)| {
                    let (badge, class, text) = match &cert {
                        None => ("Missing", "badge wait", format!("Upload your organisation's {} certificate.", domain.as_str())),
                        Some(c) if c.expired => ("Expired", "badge bad", format!("{}: upload a renewed certificate.", expiry_words(c.facts.not_after))),
                        Some(c) if c.days_left <= 30 => ("Expiring soon", "badge wait", format!("{}: renew it before it lapses.", expiry_words(c.facts.not_after))),
                        Some(c) => ("Valid", "badge ok", format!("{} ({} domain).", expiry_words(c.facts.not_after), domain.as_str())),
                    };
                    view! {
                        <section class="panel" data-testid="cert-card">
                            <h2>"Certificate " <span class=class>{badge}</span></h2>
                            <p>{text}</p>
                            <p><A href="/partner/certificate">"Open my certificate"</A></p>
                        </section>
                    }
                })
            })}
        </Transition>
    }
}
