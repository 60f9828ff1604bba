//! Server functions for partners: public sign-up, the partner's own profile, and partner
//! administration. Ownership is by construction: a partner's calls act on the partner owned by
//! the signed-in account, never on an id sent by the browser.
// Registration takes one argument per form field (so plain form posts work); the server macro
// generates client stubs that an item-level allow does not reach.
#![allow(clippy::too_many_arguments)]

use domain::history::{AuditEntry, AuditQuery};
use domain::page::Page;
use domain::partner::{
    ContactView, EmailLink, MyPartner, PartnerDetail, PartnerFormOptions, PartnerList,
    PartnerQuery, PartnerView, PendingEmail,
};
use domain::AppError;
use leptos::prelude::*;

#[cfg(feature = "ssr")]
use crate::guard::{self, fail, Caller, ADMIN};
#[cfg(feature = "ssr")]
use domain::partner::{Decision, PartnerInput, ProfileUpdate};
#[cfg(feature = "ssr")]
use domain::Role;

#[cfg(feature = "ssr")]
fn passwords_match(password: &str, confirm: &str) -> Result<(), AppError> {
    if password != confirm {
        return Err(fail(AppError::validation(
            "confirm_password",
            "PMS_PASSWORD_MISMATCH",
            "The two passwords do not match.",
        )));
    }
    Ok(())
}

/// Partner types and active policy groups for the registration form (admin-only types too
/// when a partner admin asks).
#[server(endpoint = "partners/options")]
pub async fn get_partner_form_options() -> Result<PartnerFormOptions, AppError> {
    let admin = guard::session()
        .map(|s| s.user.has(Role::PartnerAdmin))
        .unwrap_or(false);
    guard::open(move |conn| domain::partner::form_options(conn, admin)).await
}

/// Public sign-up: an account and a pending partner, then signed in.
#[server(endpoint = "partners/sign_up")]
pub async fn sign_up(
    email: String,
    password: String,
    confirm_password: String,
    partner_id: String,
    organisation: String,
    partner_type: String,
    #[server(default)] policy_group_id: Option<String>,
    phone: String,
    address: String,
    language: String,
) -> Result<PartnerView, AppError> {
    let state = guard::state()?;
    passwords_match(&password, &confirm_password)?;
    let input = PartnerInput {
        partner_id,
        organisation,
        partner_type,
        email,
        phone,
        address,
        language,
        policy_group_id,
    };
    let client = guard::client_info();
    let policy = state.sessions;
    let mail = state.mail();
    let _permit = guard::hashing_permit().await?;
    // Registration and its first session commit together: a failure leaves neither.
    let (view, token) = guard::open(move |conn| {
        domain::db::write_tx(conn, |conn| {
            let view = domain::partner::sign_up(conn, &input, &password, &mail)?;
            let account = domain::account::find_by_email(conn, &view.account_email)?
                .ok_or_else(AppError::internal)?;
            let token = domain::session::create(
                conn,
                &account.id,
                client.ip.as_deref(),
                client.user_agent.as_deref(),
                &policy,
            )?;
            Ok((view, token))
        })
    })
    .await?;
    guard::set_header(
        http::header::SET_COOKIE,
        &crate::api::session_cookie(&token, state.secure_cookies, false),
    );
    leptos_axum::redirect("/partner?registered=1");
    Ok(view)
}

/// The signed-in partner's own profile and contacts (None for an account without a partner).
#[server(endpoint = "partners/me")]
pub async fn get_my_partner() -> Result<Option<MyPartner>, AppError> {
    // The sign-in check's error is not passed through `fail` here (no form redirect).
    let user = guard::require_user()?;
    guard::open(move |conn| domain::partner::my_partner(conn, &user)).await
}

/// The partner edits its contact details, address, language and (while not active) group.
#[server(endpoint = "partners/me/update")]
pub async fn update_profile(
    email: String,
    phone: String,
    address: String,
    language: String,
    #[server(default)] policy_group_id: Option<String>,
) -> Result<PartnerView, AppError> {
    let update = ProfileUpdate {
        email,
        phone,
        address,
        language,
        policy_group_id,
    };
    let mail = guard::state()?.mail();
    guard::signed_in(move |conn, me| {
        let rid = me.actor.request_id.clone();
        domain::partner::update_own_profile(conn, &me.user, rid, &update, &mail)
    })
    .await
}

/// Mail the caller's verification link again (its registration's, or its new contact email's).
#[server(endpoint = "partners/me/email/resend")]
pub async fn resend_email_verification() -> Result<PendingEmail, AppError> {
    let mail = guard::state()?.mail();
    guard::signed_in(move |conn, me| {
        let rid = me.actor.request_id.clone();
        domain::partner::resend_verification(conn, &me.user, rid, &mail)
    })
    .await
}

/// Withdraw the caller's pending contact email change (the current address stays).
#[server(endpoint = "partners/me/email/cancel")]
pub async fn cancel_email_change() -> Result<(), AppError> {
    guard::signed_in(move |conn, me| {
        let rid = me.actor.request_id.clone();
        domain::partner::cancel_email_change(conn, &me.user, rid)
    })
    .await
}

/// What a verification link would verify (None: it is not usable). Anyone holding the link
/// may ask: it names only the address it was mailed to and the organisation.
#[server(endpoint = "email/link")]
pub async fn get_email_link(
    #[server(default)] token: String,
) -> Result<Option<EmailLink>, AppError> {
    guard::open(move |conn| domain::partner::verification_link(conn, &token)).await
}

/// Verify an address with its link (the link is the proof; no session needed).
#[server(endpoint = "email/verify")]
pub async fn verify_email(#[server(default)] token: String) -> Result<EmailLink, AppError> {
    let rid = guard::request_id();
    let link = guard::open(move |conn| domain::partner::verify_email(conn, &token, rid)).await?;
    // The page says what happened; the spent token leaves the address bar.
    let done = match link.purpose {
        domain::partner::VerifyPurpose::Registration => "registration",
        domain::partner::VerifyPurpose::ContactChange => "contact",
    };
    leptos_axum::redirect(&format!("/verify-email?verified={done}"));
    Ok(link)
}

/// Add an extra contact to the caller's partner.
#[server(endpoint = "partners/me/contacts/add")]
pub async fn add_contact(
    contact_email: String,
    #[server(default)] contact_phone: String,
) -> Result<ContactView, AppError> {
    guard::signed_in(move |conn, me| {
        let rid = me.actor.request_id.clone();
        domain::partner::add_contact(conn, &me.user, rid, &contact_email, &contact_phone)
    })
    .await
}

/// Remove one of the caller's extra contacts.
#[server(endpoint = "partners/me/contacts/remove")]
pub async fn remove_contact(id: i64) -> Result<(), AppError> {
    guard::signed_in(move |conn, me| {
        let rid = me.actor.request_id.clone();
        domain::partner::remove_contact(conn, &me.user, rid, id)
    })
    .await
}

/// The partner resubmits its rejected registration.
#[server(endpoint = "partners/me/resubmit")]
pub async fn resubmit() -> Result<PartnerView, AppError> {
    guard::signed_in(|conn, me| {
        let rid = me.actor.request_id.clone();
        domain::partner::resubmit_own(conn, &me.user, rid)
    })
    .await
}

/// Partners list (PARTNER_ADMIN).
#[server(endpoint = "partners")]
pub async fn list_partners(
    #[server(default)] query: PartnerQuery,
) -> Result<PartnerList, AppError> {
    guard::list::<domain::partner::Partners>(query).await
}

/// One partner with contacts, status history and audit trail (PARTNER_ADMIN).
#[server(endpoint = "partners/detail")]
pub async fn get_partner_detail(id: String) -> Result<PartnerDetail, AppError> {
    // The role check's error is not passed through `fail` here (no form redirect).
    guard::require_role(ADMIN)?;
    guard::open(move |conn| domain::partner::detail(conn, &id)).await
}

/// Approve, reject, deactivate or reactivate a partner (PARTNER_ADMIN).
#[server(endpoint = "partners/decide")]
pub async fn decide_partner(
    id: String,
    decision: String,
    #[server(default)] reason: Option<String>,
) -> Result<PartnerView, AppError> {
    let me = Caller::with_role(ADMIN)?;
    let decision = Decision::parse(&decision).ok_or_else(|| {
        fail(AppError::new(
            domain::ErrorKind::BadRequest,
            "PMS_DECISION_INVALID",
            "Decision must be approve, reject, deactivate or reactivate.",
        ))
    })?;
    guard::open(move |conn| {
        domain::partner::decide(conn, &me.actor, &id, decision, reason.as_deref())
    })
    .await
}

/// A partner admin registers a partner of any portal type; it starts approved.
#[server(endpoint = "partners/create")]
pub async fn admin_create_partner(
    email: String,
    password: String,
    confirm_password: String,
    partner_id: String,
    organisation: String,
    partner_type: String,
    #[server(default)] policy_group_id: Option<String>,
    phone: String,
    address: String,
    language: String,
) -> Result<PartnerView, AppError> {
    let me = Caller::with_role(ADMIN)?;
    passwords_match(&password, &confirm_password)?;
    let input = PartnerInput {
        partner_id,
        organisation,
        partner_type,
        email,
        phone,
        address,
        language,
        policy_group_id,
    };
    let _permit = guard::hashing_permit().await?;
    let view =
        guard::open(move |conn| domain::partner::admin_create(conn, &me.actor, &input, &password))
            .await?;
    leptos_axum::redirect(&format!("/admin/partners/{}?created=1", view.id));
    Ok(view)
}

/// The audit log, filtered and paged (PARTNER_ADMIN).
#[server(endpoint = "audit")]
pub async fn list_audit(
    #[server(default)] query: AuditQuery,
) -> Result<Page<AuditEntry>, AppError> {
    guard::list::<domain::history::AuditLog>(query).await
}
