//! Verification of a partner's contact email by a mailed link. A self-registration waits in
//! `UNVERIFIED` until its address is verified and only then reaches a partner admin's queue; a
//! changed contact email is used only once the new address is verified. Links are single use,
//! stored as their SHA-256, work for 24 hours, and at most three are mailed to a partner an
//! hour. Without a mail server nothing can be verified, so nothing waits for it.

use super::*;
use crate::error::{AppError, AppResult, ErrorKind};
use crate::notification::enqueue_mail;
use crate::schema::email_verifications;
use crate::session;

/// How long a verification link works.
pub const VERIFY_TTL_MS: i64 = 24 * 3_600_000;
/// Verification mails to one partner at most per hour (sign-up, resends and changes together).
pub const VERIFY_MAILS_PER_HOUR: i64 = 3;

fn invalid_link() -> AppError {
    AppError::validation(
        "token",
        "PMS_VERIFY_LINK_INVALID",
        "This verification link is not valid: it was used already, has expired or is incomplete. Sign in and send a new one from “My organisation”.",
    )
}

fn mail_unavailable() -> AppError {
    AppError::new(
        ErrorKind::Conflict,
        "PMS_VERIFY_UNAVAILABLE",
        "This portal cannot send mail, so there is nothing to verify.",
    )
}

/// Mail a new verification link for `email`, store and audit it; runs in the caller's
/// transaction. Earlier open links with the same purpose stop working (only the newest
/// address counts).
pub(super) fn send_link(
    conn: &mut AnyConnection,
    actor: &Actor,
    row: &PartnerRow,
    email: &str,
    purpose: VerifyPurpose,
    mail: &PortalMail,
) -> AppResult<()> {
    let now = clock::now_ms();
    let sent: i64 = email_verifications::table
        .filter(email_verifications::partner_id.eq(&row.id))
        .filter(email_verifications::created_at.gt(now - 3_600_000))
        .count()
        .get_result(conn)?;
    if sent >= VERIFY_MAILS_PER_HOUR {
        return Err(AppError::new(
            ErrorKind::RateLimited,
            "PMS_VERIFY_THROTTLED",
            "Three verification mails were sent in the last hour. Check your mailbox (and its spam folder), or try again later.",
        ));
    }
    spend_open(conn, &row.id, Some(purpose), now)?;
    let token = session::new_token();
    diesel::insert_into(email_verifications::table)
        .values((
            email_verifications::token_hash.eq(session::hash_token(&token)),
            email_verifications::partner_id.eq(&row.id),
            email_verifications::email.eq(email),
            email_verifications::purpose.eq(purpose.as_str()),
            email_verifications::created_at.eq(now),
            email_verifications::expires_at.eq(now + VERIFY_TTL_MS),
        ))
        .execute(conn)?;
    let link = mail.url(&format!("/verify-email?token={token}"));
    let (subject, body) = mail_text(&row.language, &row.organisation, email, purpose, &link);
    enqueue_mail(conn, None, email, &row.language, &subject, &body, now)?;
    audit::record(
        conn,
        actor,
        "PARTNER_EMAIL_VERIFICATION_SENT",
        "partner",
        &row.id,
        json!({ "email": email, "purpose": purpose.as_str() }),
    )
}

/// Marks the partner's open links (of one purpose, or all) as used.
fn spend_open(
    conn: &mut AnyConnection,
    partner_id: &str,
    purpose: Option<VerifyPurpose>,
    now: i64,
) -> AppResult<()> {
    let mut open = diesel::update(email_verifications::table)
        .filter(email_verifications::partner_id.eq(partner_id))
        .filter(email_verifications::used_at.is_null())
        .into_boxed();
    if let Some(p) = purpose {
        open = open.filter(email_verifications::purpose.eq(p.as_str()));
    }
    open.set(email_verifications::used_at.eq(now))
        .execute(conn)?;
    Ok(())
}

/// The verification mail in the partner's language (English, French, Arabic).
fn mail_text(
    language: &str,
    organisation: &str,
    email: &str,
    purpose: VerifyPurpose,
    link: &str,
) -> (String, String) {
    use VerifyPurpose as P;
    match (language, purpose) {
        ("fra", P::Registration) => (
            "Confirmez votre adresse e-mail".into(),
            format!("Bonjour,\n\n« {organisation} » s'est inscrite sur le portail des partenaires avec l'adresse {email}.\nPour confirmer cette adresse et transmettre l'inscription à un administrateur, ouvrez ce lien dans les 24 heures :\n\n{link}\n\nLe lien ne fonctionne qu'une fois. Si vous n'êtes pas à l'origine de cette inscription, ignorez ce message.\n"),
        ),
        ("fra", P::ContactChange) => (
            "Confirmez votre nouvelle adresse de contact".into(),
            format!("Bonjour,\n\n« {organisation} » souhaite utiliser {email} comme adresse de contact sur le portail des partenaires.\nPour la confirmer, ouvrez ce lien dans les 24 heures :\n\n{link}\n\nD'ici là, l'ancienne adresse reste utilisée. Si vous n'êtes pas à l'origine de ce changement, ignorez ce message.\n"),
        ),
        ("ara", P::Registration) => (
            "أكّد عنوان بريدك الإلكتروني".into(),
            format!("مرحبًا،\n\nسجّلت «{organisation}» في بوابة الشركاء بالعنوان {email}.\nلتأكيد هذا العنوان وإرسال التسجيل إلى مسؤول الشركاء، افتح هذا الرابط خلال 24 ساعة:\n\n{link}\n\nيعمل الرابط مرة واحدة. إذا لم تقم بهذا التسجيل، فتجاهل هذه الرسالة.\n"),
        ),
        ("ara", P::ContactChange) => (
            "أكّد عنوان الاتصال الجديد".into(),
            format!("مرحبًا،\n\nتريد «{organisation}» استخدام {email} عنوانًا للاتصال في بوابة الشركاء.\nلتأكيده، افتح هذا الرابط خلال 24 ساعة:\n\n{link}\n\nحتى ذلك الحين يبقى العنوان القديم مستخدمًا. إذا لم تطلب هذا التغيير، فتجاهل هذه الرسالة.\n"),
        ),
        (_, P::Registration) => (
            "Verify your email address".into(),
            format!("Hello,\n\n\"{organisation}\" registered on the partner portal with the address {email}.\nTo verify this address and send the registration to a partner admin for review, open this link within 24 hours:\n\n{link}\n\nThe link works once. If you did not register, ignore this mail.\n"),
        ),
        (_, P::ContactChange) => (
            "Verify your new contact email".into(),
            format!("Hello,\n\n\"{organisation}\" wants to use {email} as its contact email on the partner portal.\nTo verify it, open this link within 24 hours:\n\n{link}\n\nUntil then the old address stays in use. If you did not ask for this change, ignore this mail.\n"),
        ),
    }
}

/// The partner's newest open link (None when nothing waits for verification).
pub fn pending_email(
    conn: &mut AnyConnection,
    partner_id: &str,
) -> AppResult<Option<PendingEmail>> {
    let now = clock::now_ms();
    let row: Option<(String, String, i64, i64)> = email_verifications::table
        .filter(email_verifications::partner_id.eq(partner_id))
        .filter(email_verifications::used_at.is_null())
        .filter(email_verifications::expires_at.gt(now))
        .order(email_verifications::created_at.desc())
        .select((
            email_verifications::email,
            email_verifications::purpose,
            email_verifications::created_at,
            email_verifications::expires_at,
        ))
        .first(conn)
        .optional()?;
    Ok(row.map(|(email, purpose, sent, expires)| PendingEmail {
        email,
        purpose: VerifyPurpose::parse(&purpose),
        sent_at: clock::rfc3339(sent),
        expires_at: clock::rfc3339(expires),
    }))
}

/// The signed-in partner asks for its link again: the registration's while unverified, else
/// the pending contact change's (refused when nothing waits, and throttled).
pub fn resend_verification(
    conn: &mut AnyConnection,
    user: &CurrentUser,
    request_id: Option<String>,
    mail: &PortalMail,
) -> AppResult<PendingEmail> {
    if !mail.enabled {
        return Err(mail_unavailable());
    }
    let actor = Actor::account(&user.id, &user.email).with_request_id(request_id);
    crate::db::write_tx(conn, |conn| {
        let id = own_writable_id(conn, user)?;
        let row: PartnerRow = partners::table
            .find(&id)
            .select(PartnerRow::as_select())
            .first(conn)?;
        let (email, purpose) = if status_of(&row.status) == PartnerStatus::Unverified {
            (row.email.clone(), VerifyPurpose::Registration)
        } else {
            let open: Option<String> = email_verifications::table
                .filter(email_verifications::partner_id.eq(&id))
                .filter(email_verifications::purpose.eq(VerifyPurpose::ContactChange.as_str()))
                .filter(email_verifications::used_at.is_null())
                .order(email_verifications::created_at.desc())
                .select(email_verifications::email)
                .first(conn)
                .optional()?;
            let email = open.ok_or_else(|| {
                AppError::new(
                    ErrorKind::Conflict,
                    "PMS_VERIFY_NOTHING_PENDING",
                    "Your contact email is verified; there is nothing to send.",
                )
            })?;
            (email, VerifyPurpose::ContactChange)
        };
        send_link(conn, &actor, &row, &email, purpose, mail)?;
        pending_email(conn, &id)?.ok_or_else(AppError::internal)
    })
}

/// The signed-in partner withdraws its pending contact email change.
pub fn cancel_email_change(
    conn: &mut AnyConnection,
    user: &CurrentUser,
    request_id: Option<String>,
) -> AppResult<()> {
    let actor = Actor::account(&user.id, &user.email).with_request_id(request_id);
    crate::db::write_tx(conn, |conn| {
        let id = own_id(conn, user)?;
        let now = clock::now_ms();
        let withdrawn = diesel::update(email_verifications::table)
            .filter(email_verifications::partner_id.eq(&id))
            .filter(email_verifications::purpose.eq(VerifyPurpose::ContactChange.as_str()))
            .filter(email_verifications::used_at.is_null())
            .set(email_verifications::used_at.eq(now))
            .execute(conn)?;
        if withdrawn == 0 {
            return Err(AppError::new(
                ErrorKind::Conflict,
                "PMS_VERIFY_NOTHING_PENDING",
                "No contact email change is waiting.",
            ));
        }
        audit::record(
            conn,
            &actor,
            "PARTNER_EMAIL_CHANGE_CANCELLED",
            "partner",
            &id,
            json!({}),
        )
    })
}

/// The open link's row: (partner, email, purpose).
fn open_link(
    conn: &mut AnyConnection,
    token: &str,
) -> AppResult<Option<(String, String, VerifyPurpose)>> {
    let token = token.trim();
    if token.is_empty() || token.len() > 128 {
        return Ok(None);
    }
    let row: Option<(String, String, String)> = email_verifications::table
        .find(session::hash_token(token))
        .filter(email_verifications::used_at.is_null())
        .filter(email_verifications::expires_at.gt(clock::now_ms()))
        .select((
            email_verifications::partner_id,
            email_verifications::email,
            email_verifications::purpose,
        ))
        .first(conn)
        .optional()?;
    Ok(row.map(|(p, e, purpose)| (p, e, VerifyPurpose::parse(&purpose))))
}

/// What a link would verify, or None when it is not usable (nothing changes).
pub fn verification_link(conn: &mut AnyConnection, token: &str) -> AppResult<Option<EmailLink>> {
    let Some((partner_id, email, purpose)) = open_link(conn, token)? else {
        return Ok(None);
    };
    let organisation: String = partners::table
        .find(&partner_id)
        .select(partners::organisation)
        .first(conn)?;
    Ok(Some(EmailLink {
        email,
        purpose,
        organisation,
    }))
}

/// Verify an address with its link (signed in or not: the link proves the mailbox). A
/// registration moves to `PENDING`, a contact change takes effect; either is audited with its
/// event. The link is spent; a used, expired or unknown link changes nothing.
pub fn verify_email(
    conn: &mut AnyConnection,
    token: &str,
    request_id: Option<String>,
) -> AppResult<EmailLink> {
    crate::db::write_tx(conn, |conn| {
        let (partner_id, email, purpose) = open_link(conn, token)?.ok_or_else(invalid_link)?;
        let now = clock::now_ms();
        let spent =
            diesel::update(email_verifications::table.find(session::hash_token(token.trim())))
                .filter(email_verifications::used_at.is_null())
                .set(email_verifications::used_at.eq(now))
                .execute(conn)?;
        if spent != 1 {
            return Err(invalid_link());
        }
        let row: PartnerRow = partners::table
            .find(&partner_id)
            .select(PartnerRow::as_select())
            .first(conn)?;
        let owner: String = accounts::table
            .find(&row.account_id)
            .select(accounts::email)
            .first(conn)?;
        let actor = Actor::account(&row.account_id, &owner).with_request_id(request_id);
        match purpose {
            VerifyPurpose::Registration => verify_registration(conn, &actor, &row, &email)?,
            VerifyPurpose::ContactChange => change_contact(conn, &actor, &row, &email)?,
        }
        Ok(EmailLink {
            email,
            purpose,
            organisation: row.organisation,
        })
    })
}

/// The registration's address is verified: UNVERIFIED -> PENDING (guarded), audited, event.
fn verify_registration(
    conn: &mut AnyConnection,
    actor: &Actor,
    row: &PartnerRow,
    email: &str,
) -> AppResult<()> {
    if status_of(&row.status) != PartnerStatus::Unverified || row.email != email {
        // Verified meanwhile by another link, or the address changed since: nothing to do.
        return Ok(());
    }
    let moved = diesel::update(
        partners::table
            .filter(partners::id.eq(&row.id))
            .filter(partners::status.eq(PartnerStatus::Unverified.as_str())),
    )
    .set((
        partners::status.eq(PartnerStatus::Pending.as_str()),
        partners::updated_at.eq(clock::now_ms()),
        partners::updated_by.eq(actor.id.as_deref()),
    ))
    .execute(conn)?;
    if moved != 1 {
        return Ok(());
    }
    spend_open(
        conn,
        &row.id,
        Some(VerifyPurpose::Registration),
        clock::now_ms(),
    )?;
    history(
        conn,
        actor,
        &row.id,
        Some(PartnerStatus::Unverified),
        PartnerStatus::Pending,
        None,
    )?;
    audit::record(
        conn,
        actor,
        "PARTNER_EMAIL_VERIFIED",
        "partner",
        &row.id,
        json!({ "email": email, "before": { "status": "UNVERIFIED" }, "after": { "status": "PENDING" } }),
    )?;
    let view = load_view(conn, &row.id)?;
    outbox::enqueue(conn, PARTNER_UPDATED, event_data(&view))?;
    Ok(())
}

/// A verified new contact email replaces the old one (still free: checked again now).
fn change_contact(
    conn: &mut AnyConnection,
    actor: &Actor,
    row: &PartnerRow,
    email: &str,
) -> AppResult<()> {
    if row.email == email {
        return Ok(());
    }
    email_free(conn, &row.id, email)?;
    diesel::update(partners::table.find(&row.id))
        .set((
            partners::email.eq(email),
            partners::updated_at.eq(clock::now_ms()),
            partners::updated_by.eq(actor.id.as_deref()),
        ))
        .execute(conn)?;
    spend_open(
        conn,
        &row.id,
        Some(VerifyPurpose::ContactChange),
        clock::now_ms(),
    )?;
    audit::record(
        conn,
        actor,
        "PARTNER_PROFILE_UPDATED",
        "partner",
        &row.id,
        json!({ "before": { "email": row.email }, "after": { "email": email }, "verified_by": "email link" }),
    )?;
    let view = load_view(conn, &row.id)?;
    outbox::enqueue(conn, PARTNER_UPDATED, event_data(&view))?;
    Ok(())
}
