//! The partner's own organisation: status, profile, extra contacts.

use crate::api::partners::{
    get_my_partner, AddContact, CancelEmailChange, RemoveContact, ResendEmailVerification,
    Resubmit, UpdateProfile,
};
use crate::components::form::{form_error, Field, FormError, SelectField, TextAreaField};
use crate::components::layout::{ErrorPanel, RequireRole};
use crate::components::table::Time;
use domain::account::CurrentUser;
use domain::partner::{
    ContactView, MyPartner, PartnerStatus, PartnerView, PendingEmail, VerifyPurpose, LANGUAGES,
    MAX_PHONE_TYPED_LEN,
};
use domain::Role;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

/// "My organisation" page.
#[component]
pub fn PartnerProfilePage() -> impl IntoView {
    view! {
        <Title text="My organisation"/>
        <RequireRole roles=Role::PARTNER.to_vec() view=|_user: CurrentUser| view! { <ProfileBody/> }/>
    }
}

#[component]
fn ProfileBody() -> impl IntoView {
    let update = ServerAction::<UpdateProfile>::new();
    let add = ServerAction::<AddContact>::new();
    let remove = ServerAction::<RemoveContact>::new();
    let resubmit = ServerAction::<Resubmit>::new();
    let email = EmailActions {
        resend: ServerAction::<ResendEmailVerification>::new(),
        cancel: ServerAction::<CancelEmailChange>::new(),
    };
    let data = Resource::new(
        move || {
            (
                update.version().get(),
                add.version().get(),
                remove.version().get(),
                resubmit.version().get(),
                email.resend.version().get(),
                email.cancel.version().get(),
            )
        },
        |_| get_my_partner(),
    );
    let query = use_query_map();
    let registered = move || query.with(|q| q.get("registered").is_some());
    view! {
        <h1>"My organisation"</h1>
        {move || registered().then(|| view! { <p class="notice" role="status" data-testid="registered">"Registration received. A partner admin will review it; you can still edit your profile below."</p> })}
        <Transition fallback=|| view! { <p class="loading" role="status">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(Some(me)) => view! { <Organisation me update add remove resubmit email/> }.into_any(),
                    Ok(None) => view! { <p class="empty" data-testid="no-partner">"This account has no partner profile."</p> }.into_any(),
                    Err(e) => view! { <ErrorPanel error=e/> }.into_any(),
                }
            })}
        </Transition>
    }
}

/// Status of a partner as a badge.
#[component]
pub fn StatusBadge(status: PartnerStatus) -> impl IntoView {
    let class = match status {
        PartnerStatus::Approved => "badge ok",
        PartnerStatus::Pending | PartnerStatus::Unverified => "badge wait",
        PartnerStatus::Rejected => "badge bad",
        PartnerStatus::Deactivated => "badge off",
    };
    view! { <span class=class data-testid="status-badge">{status.label()}</span> }
}

#[component]
fn StatusBanner(partner: PartnerView, resubmit: ServerAction<Resubmit>) -> impl IntoView {
    let error = form_error(move || resubmit.value().get());
    let reason = partner.status_reason.clone().unwrap_or_default();
    let body = match partner.status {
        PartnerStatus::Unverified => view! {
            <p data-testid="verify-needed">"Verify your email first: open the link we mailed to " <bdi>{partner.email.clone()}</bdi> ". Your registration goes to a partner admin for review after that."</p>
        }.into_any(),
        PartnerStatus::Pending => view! {
            <p>"Your registration is waiting for a partner admin's approval. Until then you can edit your profile; certificates, policy requests, API keys, devices and chips become available once it is approved."</p>
        }.into_any(),
        PartnerStatus::Approved => view! { <p>"Your organisation is approved and active."</p> }.into_any(),
        PartnerStatus::Rejected => view! {
            <p>"Your registration was rejected. Reason: " <strong data-testid="status-reason">{reason}</strong></p>
            <p>"Correct your profile below, then send it for review again."</p>
            <ActionForm action=resubmit>
                <FormError error/>
                <button type="submit" class="primary" data-testid="resubmit">"Resubmit for review"</button>
            </ActionForm>
        }.into_any(),
        PartnerStatus::Deactivated => view! {
            <p>"Your organisation was deactivated. Reason: " <strong data-testid="status-reason">{reason}</strong></p>
            <p>"Certificates, keys and devices are unavailable. Contact the operator to be reactivated."</p>
        }.into_any(),
    };
    view! {
        <section class="panel" data-testid="partner-status" aria-live="polite">
            <h2>"Status " <StatusBadge status=partner.status/></h2>
            {body}
        </section>
    }
}

#[component]
fn Organisation(
    me: MyPartner,
    update: ServerAction<UpdateProfile>,
    add: ServerAction<AddContact>,
    remove: ServerAction<RemoveContact>,
    resubmit: ServerAction<Resubmit>,
    email: EmailActions,
) -> impl IntoView {
    let p = me.partner.clone();
    let update_error = form_error(move || update.value().get());
    let saved = move || matches!(update.value().get(), Some(Ok(_)));
    let languages: Vec<(String, String)> = LANGUAGES
        .iter()
        .map(|(c, l)| (c.to_string(), l.to_string()))
        .collect();
    let groups: Vec<(String, String)> = me
        .policy_groups
        .iter()
        .map(|g| (g.id.clone(), g.name.clone()))
        .collect();
    let group_locked = p.status == PartnerStatus::Approved;
    let group_help = Signal::derive(move || {
        if group_locked {
            "The policy group can change only while the organisation is not active.".to_string()
        } else {
            "You may change the group until your organisation is approved.".to_string()
        }
    });
    view! {
        <StatusBanner partner=p.clone() resubmit/>
        {me.pending_email.clone().map(|pending| view! { <PendingEmailPanel pending actions=email/> })}
        <section class="panel">
            <h2>"Profile"</h2>
            <dl class="facts">
                <dt>"Partner id"</dt><dd data-testid="partner-id">{p.id.clone()}</dd>
                <dt>"Organisation"</dt><dd>{p.organisation.clone()}</dd>
                <dt>"Partner type"</dt><dd>{p.partner_type.clone()}</dd>
                <dt>"Certificate domain"</dt><dd>{p.cert_domain.clone()}</dd>
                <dt>"Sign-in email"</dt><dd>{p.account_email.clone()}</dd>
                <dt>"Registered"</dt><dd><Time at=p.created_at.clone()/></dd>
            </dl>
            <ActionForm action=update attr:data-testid="profile-form">
                <FormError error=update_error/>
                {move || saved().then(|| view! { <p class="notice" role="status" data-testid="profile-saved">"Profile saved."</p> })}
                <Field name="email" label="Contact email" kind="email" error=update_error value=p.email.clone()/>
                <Field name="phone" label="Phone" kind="tel" error=update_error value=p.phone.clone() maxlength=MAX_PHONE_TYPED_LEN/>
                <TextAreaField name="address" label="Address" error=update_error value=p.address.clone()/>
                <SelectField name="language" label="Language" error=update_error options=languages selected=p.language.clone()/>
                {p.policy_required.then(|| view! {
                    <SelectField name="policy_group_id" label="Policy group" error=update_error options=groups.clone()
                        selected=p.policy_group_id.clone().unwrap_or_default() help=group_help disabled=Signal::derive(move || group_locked)/>
                })}
                <button type="submit" class="primary" data-testid="profile-save" disabled=move || update.pending().get()>"Save profile"</button>
            </ActionForm>
        </section>
        <Contacts contacts=me.contacts add remove/>
    }
}

#[component]
fn Contacts(
    contacts: Vec<ContactView>,
    add: ServerAction<AddContact>,
    remove: ServerAction<RemoveContact>,
) -> impl IntoView {
    let add_error = form_error(move || add.value().get());
    let remove_error = Signal::derive(move || match remove.value().get() {
        Some(Err(e)) => Some(e),
        _ => None,
    });
    view! {
        <section class="panel">
            <h2>"Other contacts"</h2>
            <FormError error=remove_error/>
            {if contacts.is_empty() {
                view! { <p class="empty" data-testid="contacts-empty">"No other contacts yet."</p> }.into_any()
            } else {
                view! {
                    <table class="list" data-testid="contacts-table">
                        <thead><tr><th>"Email"</th><th>"Phone"</th><th>"Added"</th><th><span class="sr-only">"Actions"</span></th></tr></thead>
                        <tbody>
                            {contacts.into_iter().map(|c| view! {
                                <tr data-testid="contact-row">
                                    <td>{c.email.clone()}</td>
                                    <td>{c.phone.clone()}</td>
                                    <td><Time at=c.created_at.clone()/></td>
                                    <td>
                                        <ActionForm action=remove attr:class="inline">
                                            <input type="hidden" name="id" value=c.id.to_string()/>
                                            <button type="submit" class="link" aria-label=format!("Remove {}", c.email)>"Remove"</button>
                                        </ActionForm>
                                    </td>
                                </tr>
                            }).collect_view()}
                        </tbody>
                    </table>
                }.into_any()
            }}
            <ActionForm action=add attr:class="inline-form" attr:data-testid="contact-form">
                <FormError error=add_error/>
                <Field name="contact_email" label="Email" kind="email" error=add_error/>
                <Field name="contact_phone" label="Phone (optional)" kind="tel" error=add_error required=false maxlength=MAX_PHONE_TYPED_LEN/>
                <button type="submit" data-testid="contact-add">"Add contact"</button>
            </ActionForm>
        </section>
    }
}

/// The two actions on an address waiting for verification.
#[derive(Clone, Copy)]
struct EmailActions {
    resend: ServerAction<ResendEmailVerification>,
    cancel: ServerAction<CancelEmailChange>,
}

/// An address waiting for its link: when it was sent, send again, withdraw a change.
#[component]
fn PendingEmailPanel(pending: PendingEmail, actions: EmailActions) -> impl IntoView {
    let resend_error = form_error(move || actions.resend.value().get());
    let cancel_error = form_error(move || actions.cancel.value().get());
    let sent = move || matches!(actions.resend.value().get(), Some(Ok(_)));
    let change = pending.purpose == VerifyPurpose::ContactChange;
    let what = if change {
        "Your new contact email is used once you open the link we mailed to it; until then the current one stays."
    } else {
        "Open the link we mailed to this address to send your registration for review."
    };
    view! {
        <section class="panel" data-testid="pending-email" aria-live="polite">
            <h2>"Email to verify"</h2>
            <dl class="facts">
                <dt>"Address"</dt><dd data-testid="pending-email-address"><bdi>{pending.email.clone()}</bdi></dd>
                <dt>"Link sent"</dt><dd><Time at=pending.sent_at.clone()/></dd>
                <dt>"Works until"</dt><dd><Time at=pending.expires_at.clone()/></dd>
            </dl>
            <p>{what}</p>
            {move || sent().then(|| view! { <p class="notice" role="status" data-testid="verify-resent">"A new link is on its way; earlier links no longer work."</p> })}
            <div class="decisions">
                <ActionForm action=actions.resend attr:class="inline">
                    <FormError error=resend_error/>
                    <button type="submit" data-testid="verify-resend" disabled=move || actions.resend.pending().get()>"Send the link again"</button>
                </ActionForm>
                {change.then(|| view! {
                    <ActionForm action=actions.cancel attr:class="inline">
                        <FormError error=cancel_error/>
                        <button type="submit" class="link" data-testid="verify-cancel">"Keep the current email"</button>
                    </ActionForm>
                })}
            </div>
        </section>
    }
}
