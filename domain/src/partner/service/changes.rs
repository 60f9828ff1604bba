//! Changes to a partner: decisions, resubmission, profile updates and contacts.

use super::*;

/// Apply a decision, guarded against a concurrent change: the update only matches the status
/// the decision was checked against.
pub(super) fn apply(
    conn: &mut AnyConnection,
    actor: &Actor,
    id: &str,
    decision: Decision,
    reason: Option<&str>,
) -> AppResult<PartnerView> {
    let reason = check_reason(reason, decision.needs_reason())?;
    crate::db::write_tx(conn, |conn| {
        let current: String = partners::table
            .find(id)
            .select(partners::status)
            .first(conn)
            .optional()?
            .ok_or_else(|| AppError::not_found("The partner"))?;
        let from = status_of(&current);
        let to = transition(from, decision)?;
        let changed = diesel::update(
            partners::table
                .filter(partners::id.eq(id))
                .filter(partners::status.eq(from.as_str())),
        )
        .set((
            partners::status.eq(to.as_str()),
            partners::status_reason.eq(reason.as_deref()),
            partners::updated_at.eq(clock::now_ms()),
            partners::updated_by.eq(actor.id.as_deref()),
        ))
        .execute(conn)?;
        if changed != 1 {
            return Err(AppError::new(
                ErrorKind::Conflict,
                "PMS_PARTNER_CHANGED",
                "Someone else changed this partner meanwhile; reload and try again.",
            ));
        }
        history(conn, actor, id, Some(from), to, reason.as_deref())?;
        if to == PartnerStatus::Deactivated {
            // Its open sessions end with it: a cookie taken before must not keep writing.
            let account: String = partners::table
                .find(id)
                .select(partners::account_id)
                .first(conn)?;
            crate::session::delete_for_account(conn, &account)?;
            // Its keys, licenses and clients stop with it (each audited, with its event).
            crate::access::cascade::deactivate_all(conn, actor, id)?;
        }
        audit::record(
            conn,
            actor,
            decision.action(),
            "partner",
            id,
            json!({ "before": { "status": from.as_str() }, "after": { "status": to.as_str() }, "reason": reason }),
        )?;
        let view = load_view(conn, id)?;
        outbox::enqueue(conn, PARTNER_UPDATED, event_data(&view))?;
        announce_decision(conn, decision, id, &view.organisation, reason.as_deref())?;
        Ok(view)
    })
}

/// Tells the partner of a decision on its registration (a resubmission is its own doing).
fn announce_decision(
    conn: &mut AnyConnection,
    decision: Decision,
    id: &str,
    organisation: &str,
    reason: Option<&str>,
) -> AppResult<()> {
    use crate::notification::status::{announce, News, Outcome, Subject};
    let outcome = match decision {
        Decision::Approve => Outcome::Approved,
        Decision::Reject => Outcome::Rejected,
        Decision::Deactivate => Outcome::Deactivated,
        Decision::Reactivate => Outcome::Reactivated,
        Decision::Resubmit => return Ok(()),
    };
    announce(
        conn,
        &News {
            subject: Subject::Registration,
            outcome,
            partner_id: id,
            entity_id: id,
            name: organisation,
            reason,
        },
    )?;
    Ok(())
}

/// A partner admin's decision (approve, reject, deactivate, reactivate).
pub fn decide(
    conn: &mut AnyConnection,
    actor: &Actor,
    id: &str,
    decision: Decision,
    reason: Option<&str>,
) -> AppResult<PartnerView> {
    if decision == Decision::Resubmit {
        return Err(AppError::new(
            ErrorKind::BadRequest,
            "PMS_DECISION_INVALID",
            "Only the partner itself resubmits its registration.",
        ));
    }
    apply(conn, actor, id, decision, reason)
}

/// The partner resubmits its rejected registration for review.
pub fn resubmit_own(
    conn: &mut AnyConnection,
    user: &CurrentUser,
    request_id: Option<String>,
) -> AppResult<PartnerView> {
    let id = own_id(conn, user)?;
    let actor = Actor::account(&user.id, &user.email).with_request_id(request_id);
    apply(conn, &actor, &id, Decision::Resubmit, None)
}

/// The partner edits its contact details, address, language and (while not active) policy group.
/// A new contact email is used only once verified by a link mailed to it, when the portal can
/// send mail (an unverified registration's address changes at once and gets the new link).
pub fn update_own_profile(
    conn: &mut AnyConnection,
    user: &CurrentUser,
    request_id: Option<String>,
    update: &ProfileUpdate,
    mail: &PortalMail,
) -> AppResult<PartnerView> {
    let mut errs = FieldErrors::new();
    let email = errs.take(normalize_email("email", &update.email));
    let phone = errs.take(check_phone("phone", &update.phone, true));
    let address = errs.take(check_address(&update.address));
    let language = errs.take(check_language(&update.language));
    errs.finish()?;
    let (Some(email), Some(phone), Some(address), Some(language)) =
        (email, phone, address, language)
    else {
        return Err(AppError::internal());
    };
    let actor = Actor::account(&user.id, &user.email).with_request_id(request_id);
    crate::db::write_tx(conn, |conn| {
        let id = own_writable_id(conn, user)?;
        let row: PartnerRow = partners::table
            .find(&id)
            .select(PartnerRow::as_select())
            .first(conn)?;
        let group = group_after(conn, &row, update)?;
        let unverified = status_of(&row.status) == PartnerStatus::Unverified;
        let mut to_verify = None;
        if email != row.email {
            email_free(conn, &id, &email)?;
            if mail.enabled {
                to_verify = Some(email.clone());
            }
        }
        // A verified address waits for its link; an unverified registration's has none yet.
        let email = match &to_verify {
            Some(_) if !unverified => row.email.clone(),
            _ => email,
        };
        let after = PartnerRow {
            email,
            phone,
            address,
            language,
            policy_group_id: group,
            updated_at: clock::now_ms(),
            updated_by: Some(user.id.clone()),
            ..row.clone()
        };
        write_profile(conn, &row, &after)?;
        audit::record(
            conn,
            &actor,
            "PARTNER_PROFILE_UPDATED",
            "partner",
            &id,
            json!({ "before": profile_json(&row), "after": profile_json(&after) }),
        )?;
        if let Some(new_email) = to_verify {
            let purpose = if unverified {
                VerifyPurpose::Registration
            } else {
                VerifyPurpose::ContactChange
            };
            send_link(conn, &actor, &after, &new_email, purpose, mail)?;
        }
        let view = load_view(conn, &id)?;
        outbox::enqueue(conn, PARTNER_UPDATED, event_data(&view))?;
        Ok(view)
    })
}

/// The policy group after a profile update: a new group only while the partner is not
/// active, checked against its type (even if an operator has since retired the type).
fn group_after(
    conn: &mut AnyConnection,
    row: &PartnerRow,
    update: &ProfileUpdate,
) -> AppResult<Option<String>> {
    let info = type_info(
        partner_types::table
            .find(&row.partner_type)
            .select(type_columns())
            .first(conn)?,
    );
    let wanted = update
        .policy_group_id
        .as_deref()
        .map(str::trim)
        .filter(|g| !g.is_empty());
    Ok(match wanted {
        Some(g) if Some(g) != row.policy_group_id.as_deref() => {
            if status_of(&row.status) == PartnerStatus::Approved {
                return Err(AppError::validation(
                    "policy_group_id",
                    "PMS_POLICY_GROUP_LOCKED",
                    "The policy group can change only while the partner is not active.",
                ));
            }
            check_group(conn, &info, Some(g))?
        }
        _ => row.policy_group_id.clone(),
    })
}

/// Refuses a contact email another partner already uses.
pub(super) fn email_free(conn: &mut AnyConnection, id: &str, email: &str) -> AppResult<()> {
    let used: i64 = partners::table
        .filter(partners::email.eq(email))
        .filter(partners::id.ne(id))
        .count()
        .get_result(conn)?;
    if used > 0 {
        return Err(taken(
            "email",
            "PMS_PARTNER_EMAIL_TAKEN",
            "This email is already registered.",
        ));
    }
    Ok(())
}

/// Writes the updated profile, guarded on the status read before: an approval meanwhile must
/// not let a group change through.
fn write_profile(conn: &mut AnyConnection, row: &PartnerRow, after: &PartnerRow) -> AppResult<()> {
    let changed = diesel::update(
        partners::table
            .filter(partners::id.eq(&row.id))
            .filter(partners::status.eq(&row.status)),
    )
    .set((
        partners::email.eq(&after.email),
        partners::phone.eq(&after.phone),
        partners::address.eq(&after.address),
        partners::language.eq(&after.language),
        partners::policy_group_id.eq(after.policy_group_id.as_deref()),
        partners::updated_at.eq(after.updated_at),
        partners::updated_by.eq(after.updated_by.as_deref()),
    ))
    .execute(conn)?;
    if changed != 1 {
        return Err(AppError::new(
            ErrorKind::Conflict,
            "PMS_PARTNER_CHANGED",
            "Your organisation's status changed meanwhile; reload and try again.",
        ));
    }
    Ok(())
}

/// Add an extra contact (email unique per partner, phone optional).
pub fn add_contact(
    conn: &mut AnyConnection,
    user: &CurrentUser,
    request_id: Option<String>,
    email: &str,
    phone: &str,
) -> AppResult<ContactView> {
    let email = normalize_email("contact_email", email)?;
    let phone = check_phone("contact_phone", phone, false)?;
    let actor = Actor::account(&user.id, &user.email).with_request_id(request_id);
    crate::db::write_tx(conn, |conn| {
        let id = own_writable_id(conn, user)?;
        let main: String = partners::table
            .find(&id)
            .select(partners::email)
            .first(conn)?;
        if main == email {
            return Err(taken(
                "contact_email",
                "PMS_CONTACT_DUPLICATE",
                "This is already the partner's main email.",
            ));
        }
        let existing: Vec<String> = partner_contacts::table
            .filter(partner_contacts::partner_id.eq(&id))
            .select(partner_contacts::email)
            .load(conn)?;
        if existing.contains(&email) {
            return Err(taken(
                "contact_email",
                "PMS_CONTACT_DUPLICATE",
                "This contact is already listed.",
            ));
        }
        if existing.len() as i64 >= MAX_CONTACTS {
            return Err(AppError::validation(
                "contact_email",
                "PMS_CONTACTS_FULL",
                format!("A partner keeps at most {MAX_CONTACTS} extra contacts; remove one first."),
            ));
        }
        let now = clock::now_ms();
        diesel::insert_into(partner_contacts::table)
            .values((
                partner_contacts::partner_id.eq(&id),
                partner_contacts::email.eq(&email),
                partner_contacts::phone.eq(&phone),
                partner_contacts::created_at.eq(now),
                partner_contacts::created_by.eq(Some(&user.id)),
            ))
            .execute(conn)?;
        let contact_id: i64 = partner_contacts::table
            .filter(partner_contacts::partner_id.eq(&id))
            .filter(partner_contacts::email.eq(&email))
            .select(partner_contacts::id)
            .first(conn)?;
        audit::record(
            conn,
            &actor,
            "PARTNER_CONTACT_ADDED",
            "partner",
            &id,
            json!({ "after": { "contact_email": email, "contact_phone": phone } }),
        )?;
        Ok(ContactView {
            id: contact_id,
            email,
            phone,
            created_at: clock::rfc3339(now),
        })
    })
}

/// Remove one of the caller's own extra contacts.
pub fn remove_contact(
    conn: &mut AnyConnection,
    user: &CurrentUser,
    request_id: Option<String>,
    contact_id: i64,
) -> AppResult<()> {
    let actor = Actor::account(&user.id, &user.email).with_request_id(request_id);
    crate::db::write_tx(conn, |conn| {
        let id = own_writable_id(conn, user)?;
        let email: String = partner_contacts::table
            .filter(partner_contacts::id.eq(contact_id))
            .filter(partner_contacts::partner_id.eq(&id))
            .select(partner_contacts::email)
            .first(conn)
            .optional()?
            .ok_or_else(|| AppError::not_found("The contact"))?;
        diesel::delete(partner_contacts::table.filter(partner_contacts::id.eq(contact_id)))
            .execute(conn)?;
        audit::record(
            conn,
            &actor,
            "PARTNER_CONTACT_REMOVED",
            "partner",
            &id,
            json!({ "before": { "contact_email": email } }),
        )
    })
}
