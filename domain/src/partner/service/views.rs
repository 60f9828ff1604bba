//! Reading partners: a profile, its history and contacts, the caller's own partner.

use super::*;

pub(super) fn profile_json(row: &PartnerRow) -> serde_json::Value {
    json!({
        "organisation": row.organisation,
        "partner_type": row.partner_type,
        "policy_group_id": row.policy_group_id,
        "email": row.email,
        "phone": row.phone,
        "address": row.address,
        "language": row.language,
        "status": row.status,
    })
}

/// The `data` of a PARTNER_UPDATED event (field names as the reference's partner data).
pub fn event_data(p: &PartnerView) -> serde_json::Value {
    json!({
        "partnerId": p.id,
        "partnerName": p.organisation,
        "partnerType": p.partner_type,
        "partnerStatus": p.status.as_str(),
        "isActive": p.status == PartnerStatus::Approved,
        "policyGroupId": p.policy_group_id,
        "policyGroupName": p.policy_group_name,
        "emailId": p.email,
    })
}

pub(super) fn history(
    conn: &mut AnyConnection,
    actor: &Actor,
    partner_id: &str,
    from: Option<PartnerStatus>,
    to: PartnerStatus,
    reason: Option<&str>,
) -> AppResult<()> {
    diesel::insert_into(partner_status_history::table)
        .values((
            partner_status_history::partner_id.eq(partner_id),
            partner_status_history::from_status.eq(from.map(|s| s.as_str())),
            partner_status_history::to_status.eq(to.as_str()),
            partner_status_history::reason.eq(reason),
            partner_status_history::actor_id.eq(actor.id.as_deref()),
            partner_status_history::actor_email.eq(actor.email.as_deref()),
            partner_status_history::at.eq(clock::now_ms()),
        ))
        .execute(conn)?;
    Ok(())
}

/// One partner with its type facts, group name and account email.
pub fn load_view(conn: &mut AnyConnection, id: &str) -> AppResult<PartnerView> {
    let found: Option<(PartnerRow, bool, String, Option<String>, String)> = partners::table
        .inner_join(partner_types::table)
        .inner_join(accounts::table)
        .left_join(policy_groups::table)
        .filter(partners::id.eq(id))
        .select((
            PartnerRow::as_select(),
            partner_types::policy_required,
            partner_types::cert_domain,
            policy_groups::name.nullable(),
            accounts::email,
        ))
        .first(conn)
        .optional()?;
    let (row, policy_required, cert_domain, group_name, account_email) =
        found.ok_or_else(|| AppError::not_found("The partner"))?;
    Ok(PartnerView {
        id: row.id,
        organisation: row.organisation,
        partner_type: row.partner_type,
        policy_required,
        cert_domain,
        policy_group_id: row.policy_group_id,
        policy_group_name: group_name,
        email: row.email,
        phone: row.phone,
        address: row.address,
        language: row.language,
        status: status_of(&row.status),
        status_reason: row.status_reason,
        account_email,
        created_at: clock::rfc3339(row.created_at),
        updated_at: clock::rfc3339(row.updated_at),
    })
}

/// The partner id owned by an account, if any.
pub fn id_for_account(conn: &mut AnyConnection, account_id: &str) -> AppResult<Option<String>> {
    Ok(partners::table
        .filter(partners::account_id.eq(account_id))
        .select(partners::id)
        .first(conn)
        .optional()?)
}

pub(super) fn own_id(conn: &mut AnyConnection, user: &CurrentUser) -> AppResult<String> {
    id_for_account(conn, &user.id)?.ok_or_else(|| AppError::not_found("Your partner profile"))
}

/// The caller's partner id for a change it makes itself: a deactivated partner reads its
/// profile but changes nothing until a partner admin reactivates it.
pub(super) fn own_writable_id(conn: &mut AnyConnection, user: &CurrentUser) -> AppResult<String> {
    let row: Option<(String, String)> = partners::table
        .filter(partners::account_id.eq(&user.id))
        .select((partners::id, partners::status))
        .first(conn)
        .optional()?;
    let (id, status) = row.ok_or_else(|| AppError::not_found("Your partner profile"))?;
    if status_of(&status) == PartnerStatus::Deactivated {
        return Err(AppError::new(
            ErrorKind::Forbidden,
            "PMS_PARTNER_DEACTIVATED",
            "Your organisation is deactivated: nothing can be changed until a partner admin reactivates it.",
        ));
    }
    Ok(id)
}

fn contacts_of(conn: &mut AnyConnection, id: &str) -> AppResult<Vec<ContactView>> {
    let rows: Vec<(i64, String, String, i64)> = partner_contacts::table
        .filter(partner_contacts::partner_id.eq(id))
        .order(partner_contacts::id.asc())
        .select((
            partner_contacts::id,
            partner_contacts::email,
            partner_contacts::phone,
            partner_contacts::created_at,
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(id, email, phone, at)| ContactView {
            id,
            email,
            phone,
            created_at: clock::rfc3339(at),
        })
        .collect())
}

/// What the signed-in partner sees about itself (None for accounts without a partner).
pub fn my_partner(conn: &mut AnyConnection, user: &CurrentUser) -> AppResult<Option<MyPartner>> {
    let Some(id) = id_for_account(conn, &user.id)? else {
        return Ok(None);
    };
    Ok(Some(MyPartner {
        partner: load_view(conn, &id)?,
        contacts: contacts_of(conn, &id)?,
        policy_groups: crate::policy::group::active_options(conn)?,
        pending_email: pending_email(conn, &id)?,
    }))
}

/// Everything a partner admin sees about one partner.
pub fn detail(conn: &mut AnyConnection, id: &str) -> AppResult<PartnerDetail> {
    let partner = load_view(conn, id)?;
    let contacts = contacts_of(conn, id)?;
    type HistoryRow = (Option<String>, String, Option<String>, Option<String>, i64);
    let rows: Vec<HistoryRow> = partner_status_history::table
        .filter(partner_status_history::partner_id.eq(id))
        .order((
            partner_status_history::at.desc(),
            partner_status_history::id.desc(),
        ))
        .limit(200)
        .select((
            partner_status_history::from_status,
            partner_status_history::to_status,
            partner_status_history::reason,
            partner_status_history::actor_email,
            partner_status_history::at,
        ))
        .load(conn)?;
    let history = rows
        .into_iter()
        .map(|(from, to, reason, actor_email, at)| StatusChange {
            from: from.as_deref().and_then(PartnerStatus::parse),
            to: status_of(&to),
            reason,
            actor_email,
            at: clock::rfc3339(at),
        })
        .collect();
    let audit = audit::for_entity(conn, "partner", id, 200)?;
    let cascade = crate::access::cascade::impact(conn, id)?;
    Ok(PartnerDetail {
        cascade,
        partner,
        contacts,
        history,
        audit,
    })
}
