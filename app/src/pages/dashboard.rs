//! Dashboard: what the caller's roles let them do.

use crate::api::certificates::get_my_certificate;
use crate::api::partners::get_my_partner;
use crate::api::triage::{get_admin_dashboard, get_partner_dashboard, get_policy_dashboard};
use crate::components::cert::expiry_words;
use crate::components::chart::DecisionsChart;
use crate::components::layout::ErrorPanel;
use crate::components::layout::RequireRole;
use crate::pages::partner::profile::StatusBadge;
use crate::util::{human_ms, ms_to_date};
use domain::account::CurrentUser;
use domain::dashboard::Urgency;
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
        {user.has(Role::PartnerAdmin).then(|| view! { <AdminBoard/> })}
        {user.has(Role::PolicyManager).then(|| view! { <PolicyBoard/> })}
        {user.has_any(&Role::PARTNER).then(|| view! { <OrganisationCard/> <CertificateCard/> <AttentionCard/> })}
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
                        PartnerStatus::Unverified => "Verify your email: open the link we mailed you. Your registration goes to a partner admin after that.",
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
                        // The re-signed certificate (what downstream trusts) lasts a year at most.
                        Some(c) if c.resigned_expired => ("Re-signing needed", "badge bad", format!("The portal's re-signed certificate {}: upload your certificate again to have it re-signed.", expiry_words(c.resigned_not_after))),
                        Some(c) if c.days_left <= 30 && c.resigned_not_after < c.facts.not_after => ("Expiring soon", "badge wait", format!("{}, and the portal's re-signed certificate {}: upload a renewed certificate.", expiry_words(c.facts.not_after), expiry_words(c.resigned_not_after))),
                        Some(c) if c.days_left <= 30 => ("Expiring soon", "badge wait", format!("{}: renew it before it lapses.", expiry_words(c.facts.not_after))),
                        Some(c) if domain::cert::days_until(crate::util::now_ms(), c.resigned_not_after) <= 30 => ("Re-signing due", "badge wait", format!("The portal's re-signed certificate: {}. Upload your certificate again before then.", expiry_words(c.resigned_not_after))),
                        Some(c) => ("Valid", "badge ok", format!("{} ({} domain); re-signed certificate: {}.", expiry_words(c.facts.not_after), domain.as_str(), expiry_words(c.resigned_not_after))),
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

/// The partner admin's overview: the queue, decisions over time, what expires, recent changes.
#[component]
fn AdminBoard() -> impl IntoView {
    let board = Resource::new(|| (), |_| get_admin_dashboard());
    let wide = RwSignal::new(false);
    view! {
        <Transition fallback=|| view! { <p class="loading" role="status">"Loading the overview…"</p> }>
            {move || Suspend::new(async move {
                match board.await {
                    Ok(b) => {
                        let total: i64 = b.pending.iter().map(|c| c.count).sum();
                        let now = b.now;
                        let decisions = b.decisions.clone();
                        view! {
                            <section class="panel" data-testid="admin-board">
                                <h2>"Waiting for a decision: " {total} " " <A href="/admin/inbox">"Open the inbox"</A></h2>
                                <div class="tiles">
                                    {b.pending.into_iter().map(|c| view! {
                                        <A href=format!("/admin/inbox?kind={}", c.kind.as_str()) attr:class="tile" attr:data-testid=format!("pending-{}", c.kind.as_str())>
                                            <strong>{c.count}</strong>
                                            <span>{c.kind.label()}</span>
                                            {c.oldest.map(|o| view! { <span class="muted">{format!("oldest {} days", (now - o) / 86_400_000)}</span> })}
                                        </A>
                                    }).collect_view()}
                                </div>
                                <p class="muted">{format!("{} partners registered.", b.partners)}</p>
                            </section>
                            <section class="panel">
                                <h2>"Approvals and rejections"</h2>
                                <p role="group" aria-label="Period">
                                    <button type="button" class="link" aria-pressed=move || (!wide.get()).to_string() data-testid="chart-30" on:click=move |_| wide.set(false)>"Last 30 days"</button>
                                    " · "
                                    <button type="button" class="link" aria-pressed=move || wide.get().to_string() data-testid="chart-90" on:click=move |_| wide.set(true)>"Last 90 days"</button>
                                </p>
                                {move || {
                                    let days = if wide.get() { decisions.clone() } else { decisions[decisions.len().saturating_sub(30)..].to_vec() };
                                    let title = format!("Decisions per day, last {} days", days.len());
                                    view! { <DecisionsChart title days/> }
                                }}
                            </section>
                            <section class="panel" data-testid="expiring">
                                <h2>{format!("Expiring within 30 days: {}", b.expiring_total)}</h2>
                                {if b.expiring.is_empty() {
                                    view! { <p class="muted">"Nothing expires in the next 30 days."</p> }.into_any()
                                } else {
                                    view! {
                                        <table class="list">
                                            <thead><tr><th>"What"</th><th>"Name"</th><th>"Partner"</th><th>"Expires"</th></tr></thead>
                                            <tbody>
                                                {b.expiring.into_iter().map(|e| view! {
                                                    <tr><td>{e.what}</td><td><A href=e.link>{e.name}</A></td><td>{e.partner_id.unwrap_or_default()}</td><td>{ms_to_date(e.due_at)}</td></tr>
                                                }).collect_view()}
                                            </tbody>
                                        </table>
                                    }.into_any()
                                }}
                            </section>
                            <section class="panel" data-testid="recent-audit">
                                <h2>"Recent changes " <A href="/admin/audit">"Audit log"</A></h2>
                                <ul>
                                    {b.recent.into_iter().map(|a| view! {
                                        <li><code>{a.action}</code> " " {a.entity_type} " " {a.entity_id}
                                            <span class="muted">" by " {a.actor_email.unwrap_or_default()} " · " {human_ms(a.at)}</span></li>
                                    }).collect_view()}
                                </ul>
                            </section>
                        }.into_any()
                    }
                    Err(e) => view! { <ErrorPanel error=e/> }.into_any(),
                }
            })}
        </Transition>
    }
}

/// The policy manager's overview.
#[component]
fn PolicyBoard() -> impl IntoView {
    let board = Resource::new(|| (), |_| get_policy_dashboard());
    view! {
        <Transition fallback=|| ()>
            {move || Suspend::new(async move {
                match board.await {
                    Ok(b) => view! {
                        <section class="panel" data-testid="policy-board">
                            <h2>"Policies by status and type"</h2>
                            {if b.counts.is_empty() {
                                view! { <p class="muted">"No policies yet. " <A href="/policies/new">"Write one"</A></p> }.into_any()
                            } else {
                                view! {
                                    <table class="list">
                                        <thead><tr><th>"Status"</th><th>"Type"</th><th>"Policies"</th></tr></thead>
                                        <tbody>
                                            {b.counts.into_iter().map(|c| view! {
                                                <tr><td>{c.status.clone()}</td><td>{c.policy_type.clone()}</td>
                                                    <td><A href=format!("/policies?status={}&type={}", c.status, c.policy_type)>{c.count}</A></td></tr>
                                            }).collect_view()}
                                        </tbody>
                                    </table>
                                }.into_any()
                            }}
                            <h2>"Recently published"</h2>
                            <ul>
                                {b.recently_published.into_iter().map(|p| view! {
                                    <li><A href=format!("/policies/{}", p.id)>{p.name}</A>
                                        <span class="muted">" " {p.policy_type} " · " {p.group_name} " · " {human_ms(p.at)}</span></li>
                                }).collect_view()}
                            </ul>
                            <h2>"Groups without policies"</h2>
                            {if b.active_groups == 0 {
                                view! { <p class="muted" data-testid="no-groups">"There is no active policy group yet. " <A href="/policies/groups">"Create the first group"</A> " to write policies in it."</p> }.into_any()
                            } else if b.empty_groups.is_empty() {
                                view! { <p class="muted">"Every active group has a policy."</p> }.into_any()
                            } else {
                                view! {
                                    <ul data-testid="empty-groups">
                                        {b.empty_groups.into_iter().map(|(_, name)| view! { <li>{name}</li> }).collect_view()}
                                    </ul>
                                }.into_any()
                            }}
                        </section>
                    }.into_any(),
                    Err(e) => view! { <ErrorPanel error=e/> }.into_any(),
                }
            })}
        </Transition>
    }
}

/// What needs the partner's attention, most urgent first, and its figures.
#[component]
fn AttentionCard() -> impl IntoView {
    let board = Resource::new(|| (), |_| get_partner_dashboard());
    view! {
        <Transition fallback=|| ()>
            {move || Suspend::new(async move {
                board.await.ok().flatten().map(|b| view! {
                    <section class="panel" data-testid="attention">
                        <h2>"Needs your attention"</h2>
                        {if b.attention.is_empty() {
                            view! { <p class="muted" data-testid="attention-none">"Nothing needs your attention."</p> }.into_any()
                        } else {
                            view! {
                                <ul class="attention">
                                    {b.attention.into_iter().map(|a| {
                                        let class = match a.urgency { Urgency::Act => "badge bad", Urgency::Soon => "badge wait", Urgency::Info => "badge" };
                                        let word = match a.urgency { Urgency::Act => "Act", Urgency::Soon => "Soon", Urgency::Info => "Info" };
                                        view! {
                                            <li data-testid="attention-item"><span class=class>{word}</span> " "
                                                <A href=a.link>{a.title}</A>
                                                {(!a.detail.is_empty()).then(|| view! { <span class="muted">" — " {a.detail.clone()}</span> })}
                                            </li>
                                        }
                                    }).collect_view()}
                                </ul>
                            }.into_any()
                        }}
                        {(!b.figures.is_empty()).then(|| view! {
                            <div class="tiles">
                                {b.figures.into_iter().map(|(label, n, link)| view! {
                                    <A href=link attr:class="tile"><strong>{n}</strong><span>{label}</span></A>
                                }).collect_view()}
                            </div>
                        })}
                    </section>
                })
            })}
        </Transition>
    }
}
