//! Partner storage and use cases (server only). Every change writes its audit row, its status
//! history and its PARTNER_UPDATED event in the same transaction as the change itself.

use super::*;
use crate::account::{self, check_password, normalize_email, CurrentUser};
use crate::audit::{self, Actor};
use crate::clock;
use crate::db::AnyConnection;
use crate::error::FieldErrors;
use crate::outbox;
use crate::page;
use crate::schema::{
    account_roles, accounts, partner_certificates, partner_contacts, partner_counts,
    partner_status_history, partner_types, partners, policy_groups,
};
use diesel::prelude::*;
use serde_json::json;

/// Topic of partner events for downstream services.
pub const PARTNER_UPDATED: &str = "PARTNER_UPDATED";

/// A stored partner row.
#[derive(Clone, Debug, Queryable, Selectable, Insertable)]
#[diesel(table_name = partners)]
pub struct PartnerRow {
    /// Partner id.
    pub id: String,
    /// Owning account.
    pub account_id: String,
    /// Organisation.
    pub organisation: String,
    /// Type code.
    pub partner_type: String,
    /// Policy group.
    pub policy_group_id: Option<String>,
    /// Contact email.
    pub email: String,
    /// Phone.
    pub phone: String,
    /// Address.
    pub address: String,
    /// Language.
    pub language: String,
    /// Status spelling.
    pub status: String,
    /// Reason of the last rejection / deactivation.
    pub status_reason: Option<String>,
    /// Created, UTC ms.
    pub created_at: i64,
    /// Updated, UTC ms.
    pub updated_at: i64,
    /// Creator account.
    pub created_by: Option<String>,
    /// Last updater account.
    pub updated_by: Option<String>,
}

fn status_of(s: &str) -> PartnerStatus {
    // The column is only ever written from PartnerStatus; an unknown value means a bad row.
    PartnerStatus::parse(s).unwrap_or(PartnerStatus::Pending)
}

type TypeRow = (String, String, bool, bool, Option<String>, String);

fn type_info(row: TypeRow) -> PartnerTypeInfo {
    PartnerTypeInfo {
        code: row.0,
        description: row.1,
        policy_required: row.2,
        self_registrable: row.3,
        portal_role: row.4.as_deref().and_then(Role::parse),
        cert_domain: row.5,
    }
}

fn type_columns() -> (
    partner_types::code,
    partner_types::description,
    partner_types::policy_required,
    partner_types::self_registrable,
    partner_types::portal_role,
    partner_types::cert_domain,
) {
    (
        partner_types::code,
        partner_types::description,
        partner_types::policy_required,
        partner_types::self_registrable,
        partner_types::portal_role,
        partner_types::cert_domain,
    )
}

/// Partner types with portal use: the self-registrable ones, plus the admin-only ones for admins.
pub fn partner_types(conn: &mut AnyConnection, admin: bool) -> AppResult<Vec<PartnerTypeInfo>> {
    let rows: Vec<TypeRow> = partner_types::table
        .filter(partner_types::active.eq(true))
        .filter(partner_types::portal_role.is_not_null())
        .order(partner_types::code.asc())
        .select(type_columns())
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(type_info)
        .filter(|t| admin || t.self_registrable)
        .collect())
}

/// What the sign-up (or admin create) form offers.
pub fn form_options(conn: &mut AnyConnection, admin: bool) -> AppResult<PartnerFormOptions> {
    Ok(PartnerFormOptions {
        types: partner_types(conn, admin)?,
        policy_groups: crate::policy_group::active_options(conn)?,
    })
}

fn load_type(conn: &mut AnyConnection, code: &str, admin: bool) -> AppResult<PartnerTypeInfo> {
    let row: Option<TypeRow> = partner_types::table
        .filter(partner_types::code.eq(code.trim()))
        .filter(partner_types::active.eq(true))
        .select(type_columns())
        .first(conn)
        .optional()?;
    let info = row.map(type_info).ok_or_else(|| {
        AppError::validation(
            "partner_type",
            "PMS_PARTNER_TYPE_UNKNOWN",
            "Choose one of the offered partner types.",
        )
    })?;
    if info.portal_role.is_none() {
        return Err(AppError::validation(
            "partner_type",
            "PMS_PARTNER_TYPE_NO_PORTAL",
            format!("{} partners do not use the portal.", info.code),
        ));
    }
    if !admin && !info.self_registrable {
        return Err(AppError::validation(
            "partner_type",
            "PMS_PARTNER_TYPE_ADMIN_ONLY",
            format!(
                "{} partners are registered by the operator; contact them.",
                info.code
            ),
        ));
    }
    Ok(info)
}

/// The policy group to store for a partner of `info`'s type: required, existing and active when
/// the type needs one; refused when it does not.
fn check_group(
    conn: &mut AnyConnection,
    info: &PartnerTypeInfo,
    group: Option<&str>,
) -> AppResult<Option<String>> {
    let group = group.map(str::trim).filter(|g| !g.is_empty());
    match (info.policy_required, group) {
        (false, None) => Ok(None),
        (false, Some(_)) => Err(AppError::validation(
            "policy_group_id",
            "PMS_POLICY_GROUP_NOT_USED",
            format!("{} partners do not belong to a policy group.", info.code),
        )),
        (true, None) => Err(AppError::validation(
            "policy_group_id",
            "PMS_POLICY_GROUP_REQUIRED",
            format!("{} partners must choose a policy group.", info.code),
        )),
        (true, Some(id)) => {
            let active: Option<bool> = policy_groups::table
                .find(id)
                .select(policy_groups::active)
                .first(conn)
                .optional()?;
            match active {
                Some(true) => Ok(Some(id.to_string())),
                Some(false) => Err(AppError::validation(
                    "policy_group_id",
                    "PMS_POLICY_GROUP_INACTIVE",
                    "This policy group is deactivated; choose another.",
                )),
                None => Err(AppError::validation(
                    "policy_group_id",
                    "PMS_POLICY_GROUP_UNKNOWN",
                    "Choose one of the offered policy groups.",
                )),
            }
        }
    }
}

/// Field checks that need no database, in the order of the form.
struct Checked {
    id: String,
    organisation: String,
    email: String,
    phone: String,
    address: String,
    language: String,
}

fn check_input(input: &PartnerInput) -> AppResult<Checked> {
    // Every field is checked, so one submit reports every problem.
    let mut errs = FieldErrors::new();
    let email = errs.take(normalize_email("email", &input.email));
    let id = errs.take(check_partner_id(&input.partner_id));
    let organisation = errs.take(check_organisation(&input.organisation));
    let phone = errs.take(check_phone("phone", &input.phone, true));
    let address = errs.take(check_address(&input.address));
    let language = errs.take(check_language(&input.language));
    errs.finish()?;
    // Past `finish`, every value is there.
    Ok(Checked {
        email: email.unwrap_or_default(),
        id: id.unwrap_or_default(),
        organisation: organisation.unwrap_or_default(),
        phone: phone.unwrap_or_default(),
        address: address.unwrap_or_default(),
        language: language.unwrap_or_default(),
    })
}

fn taken(field: &str, code: &str, message: &str) -> AppError {
    AppError::new(ErrorKind::Conflict, code, message).with_field(field)
}

fn ensure_unique(conn: &mut AnyConnection, id: &str, email: &str) -> AppResult<()> {
    ensure_unique_for(conn, id, email, None)
}

/// Partner id and email unused; an email held by `own_account` itself is not a clash.
fn ensure_unique_for(
    conn: &mut AnyConnection,
    id: &str,
    email: &str,
    own_account: Option<&str>,
) -> AppResult<()> {
    let id_taken: i64 = partners::table
        .filter(partners::id.eq(id))
        .count()
        .get_result(conn)?;
    if id_taken > 0 {
        return Err(taken(
            "partner_id",
            "PMS_PARTNER_ID_TAKEN",
            "This partner id is already registered; choose another.",
        ));
    }
    let email_taken: i64 = partners::table
        .filter(partners::email.eq(email))
        .count()
        .get_result(conn)?;
    let account_taken: i64 = accounts::table
        .filter(accounts::email.eq(email))
        .filter(accounts::id.ne(own_account.unwrap_or("")))
        .count()
        .get_result(conn)?;
    if email_taken + account_taken > 0 {
        return Err(taken(
            "email",
            "PMS_PARTNER_EMAIL_TAKEN",
            "This email is already registered.",
        ));
    }
    Ok(())
}

/// Register a partner: its account (with the role of its type) and its profile, in one
/// transaction. A self-registration (`by` = None) starts pending; a partner admin's creation
/// (any portal type, admin-only ones included) starts approved.
fn register(
    conn: &mut AnyConnection,
    by: Option<&Actor>,
    input: &PartnerInput,
    password: &str,
) -> AppResult<PartnerView> {
    let admin = by.is_some();
    let mut errs = FieldErrors::new();
    let c = errs.take_all(check_input(input));
    errs.take(check_password("password", password, input.email.trim()));
    // Checks that read the database come before the (slow) hash, so bad input costs little.
    let info = errs.take(load_type(conn, &input.partner_type, admin));
    let group = match &info {
        Some(info) => errs.take(check_group(conn, info, input.policy_group_id.as_deref())),
        None => None,
    };
    errs.finish()?;
    let (Some(c), Some(info), Some(group)) = (c, info, group) else {
        return Err(AppError::internal());
    };
    ensure_unique(conn, &c.id, &c.email)?;
    let hash = account::hash_password(password)?;
    let role = info.portal_role.ok_or_else(AppError::internal)?;
    crate::db::write_tx(conn, |conn| {
        // Checked again inside the transaction: another sign-up may have won meanwhile.
        ensure_unique(conn, &c.id, &c.email)?;
        let now = clock::now_ms();
        let account_id = uuid::Uuid::new_v4().to_string();
        let actor = match by {
            Some(a) => a.clone(),
            None => Actor::account(&account_id, &c.email),
        };
        diesel::insert_into(accounts::table)
            .values((
                accounts::id.eq(&account_id),
                accounts::email.eq(&c.email),
                accounts::display_name.eq(&c.organisation),
                accounts::password_hash.eq(&hash),
                accounts::active.eq(true),
                accounts::created_at.eq(now),
                accounts::updated_at.eq(now),
                accounts::created_by.eq(actor.id.as_deref()),
                accounts::updated_by.eq(actor.id.as_deref()),
            ))
            .execute(conn)?;
        audit::record(
            conn,
            &actor,
            "ACCOUNT_CREATED",
            "account",
            &account_id,
            json!({ "after": { "email": c.email, "display_name": c.organisation, "roles": [role.as_str()], "active": true, "partner_id": c.id } }),
        )?;
        let status = if admin {
            PartnerStatus::Approved
        } else {
            PartnerStatus::Pending
        };
        insert_profile(
            conn,
            &actor,
            &account_id,
            role,
            &c,
            &info.code,
            group.clone(),
            status,
        )
    })
}

/// Grant `role` to the account (when it lacks it) and store its partner profile with its
/// first status, history row, audit row and event. Runs inside the caller's transaction.
#[expect(
    clippy::too_many_arguments,
    reason = "one use case's checked parts, written together"
)]
fn insert_profile(
    conn: &mut AnyConnection,
    actor: &Actor,
    account_id: &str,
    role: Role,
    c: &Checked,
    partner_type: &str,
    group: Option<String>,
    status: PartnerStatus,
) -> AppResult<PartnerView> {
    let held: i64 = account_roles::table
        .filter(account_roles::account_id.eq(account_id))
        .filter(account_roles::role.eq(role.as_str()))
        .count()
        .get_result(conn)?;
    if held == 0 {
        diesel::insert_into(account_roles::table)
            .values((
                account_roles::account_id.eq(account_id),
                account_roles::role.eq(role.as_str()),
            ))
            .execute(conn)?;
    }
    let now = clock::now_ms();
    let row = PartnerRow {
        id: c.id.clone(),
        account_id: account_id.to_string(),
        organisation: c.organisation.clone(),
        partner_type: partner_type.to_string(),
        policy_group_id: group,
        email: c.email.clone(),
        phone: c.phone.clone(),
        address: c.address.clone(),
        language: c.language.clone(),
        status: status.as_str().to_string(),
        status_reason: None,
        created_at: now,
        updated_at: now,
        created_by: actor.id.clone(),
        updated_by: actor.id.clone(),
    };
    diesel::insert_into(partners::table)
        .values(&row)
        .execute(conn)?;
    history(conn, actor, &row.id, None, status, None)?;
    audit::record(
        conn,
        actor,
        "PARTNER_CREATED",
        "partner",
        &row.id,
        json!({ "after": profile_json(&row) }),
    )?;
    let view = load_view(conn, &row.id)?;
    outbox::enqueue(conn, PARTNER_UPDATED, event_data(&view))?;
    Ok(view)
}

/// A signed-in account registers its own partner profile (MOSIP's `POST /partners`: the user
/// exists first, in Keycloak). It starts pending and the account gains its type's role.
pub fn register_for_account(
    conn: &mut AnyConnection,
    actor: &Actor,
    account_id: &str,
    input: &PartnerInput,
) -> AppResult<PartnerView> {
    let c = check_input(input)?;
    let info = load_type(conn, &input.partner_type, false)?;
    let group = check_group(conn, &info, input.policy_group_id.as_deref())?;
    let role = info.portal_role.ok_or_else(AppError::internal)?;
    crate::db::write_tx(conn, |conn| {
        ensure_unique_for(conn, &c.id, &c.email, Some(account_id))?;
        if id_for_account(conn, account_id)?.is_some() {
            return Err(AppError::new(
                ErrorKind::Conflict,
                "PMS_ACCOUNT_HAS_PARTNER",
                "This account already has a partner profile.",
            ));
        }
        insert_profile(
            conn,
            actor,
            account_id,
            role,
            &c,
            &info.code,
            group.clone(),
            PartnerStatus::Pending,
        )
    })
}

/// A pending partner becomes approved by its first valid certificate (MOSIP's rule, when the
/// deployment chose it). Runs inside the upload's transaction.
pub fn activate_by_certificate(
    conn: &mut AnyConnection,
    actor: &Actor,
    id: &str,
) -> AppResult<PartnerView> {
    apply(
        conn,
        actor,
        id,
        Decision::Approve,
        Some("Approved by its first valid certificate (PMS_PARTNER_ACTIVATION=certificate)."),
    )
}

/// Public sign-up: account plus pending partner profile.
pub fn sign_up(
    conn: &mut AnyConnection,
    input: &PartnerInput,
    password: &str,
) -> AppResult<PartnerView> {
    register(conn, None, input, password)
}

/// A partner admin registers a partner (any portal type); it starts approved.
pub fn admin_create(
    conn: &mut AnyConnection,
    actor: &Actor,
    input: &PartnerInput,
    password: &str,
) -> AppResult<PartnerView> {
    register(conn, Some(actor), input, password)
}

fn profile_json(row: &PartnerRow) -> serde_json::Value {
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

fn history(
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

fn own_id(conn: &mut AnyConnection, user: &CurrentUser) -> AppResult<String> {
    id_for_account(conn, &user.id)?.ok_or_else(|| AppError::not_found("Your partner profile"))
}

/// The caller's partner id for a change it makes itself: a deactivated partner reads its
/// profile but changes nothing until a partner admin reactivates it.
fn own_writable_id(conn: &mut AnyConnection, user: &CurrentUser) -> AppResult<String> {
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
        policy_groups: crate::policy_group::active_options(conn)?,
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

/// Apply a decision, guarded against a concurrent change: the update only matches the status
/// the decision was checked against.
fn apply(
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
        use crate::notification::status::{announce, News, Outcome, Subject};
        let outcome = match decision {
            Decision::Approve => Some(Outcome::Approved),
            Decision::Reject => Some(Outcome::Rejected),
            Decision::Deactivate => Some(Outcome::Deactivated),
            Decision::Reactivate => Some(Outcome::Reactivated),
            Decision::Resubmit => None,
        };
        if let Some(outcome) = outcome {
            announce(
                conn,
                &News {
                    subject: Subject::Registration,
                    outcome,
                    partner_id: id,
                    entity_id: id,
                    name: &view.organisation,
                    reason: reason.as_deref(),
                },
            )?;
        }
        Ok(view)
    })
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
pub fn update_own_profile(
    conn: &mut AnyConnection,
    user: &CurrentUser,
    request_id: Option<String>,
    update: &ProfileUpdate,
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
        // The type's facts, even if an operator has since retired the type.
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
        let group = match wanted {
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
        };
        if email != row.email {
            let used: i64 = partners::table
                .filter(partners::email.eq(&email))
                .filter(partners::id.ne(&id))
                .count()
                .get_result(conn)?;
            if used > 0 {
                return Err(taken(
                    "email",
                    "PMS_PARTNER_EMAIL_TAKEN",
                    "This email is already registered.",
                ));
            }
        }
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
        // Guarded on the status read above: an approval meanwhile must not let a group
        // change through.
        let changed = diesel::update(
            partners::table
                .filter(partners::id.eq(&id))
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
        audit::record(
            conn,
            &actor,
            "PARTNER_PROFILE_UPDATED",
            "partner",
            &id,
            json!({ "before": profile_json(&row), "after": profile_json(&after) }),
        )?;
        let view = load_view(conn, &id)?;
        outbox::enqueue(conn, PARTNER_UPDATED, event_data(&view))?;
        Ok(view)
    })
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

/// The text columns MOSIP's list filters on.
#[derive(Clone, Copy)]
enum Column {
    Id,
    Organisation,
    Email,
    Type,
}

/// Sort keys that are not columns of `partners` (the same SQL on both databases).
const GROUP_NAME: &str =
    "(SELECT g.name FROM policy_groups g WHERE g.id = partners.policy_group_id)";
const HAS_CERT: &str = "EXISTS (SELECT 1 FROM partner_certificates c WHERE c.partner_id = partners.id AND c.is_current)";
const IS_ACTIVE: &str = "(partners.status = 'APPROVED')";

/// Partners, paged, filtered and sorted on the server, with the count of each status.
pub fn list(conn: &mut AnyConnection, query: &PartnerQuery) -> AppResult<PartnerList> {
    let (page_no, size, offset) = page::clamp(query.page, query.page_size);
    let pattern = page::search_pattern(query.q.as_deref())?;
    // (column, LIKE pattern, the trigram index's phrase where it serves the filter)
    let mut contains: Vec<(Column, String, Option<String>)> = Vec::new();
    for (column, text) in [
        (Column::Id, &query.id_contains),
        (Column::Organisation, &query.organisation_contains),
        (Column::Email, &query.email_contains),
        (Column::Type, &query.type_contains),
    ] {
        if let Some(p) = page::search_pattern(text.as_deref())? {
            let indexed = match column {
                Column::Id => Some("id"),
                Column::Organisation => Some("organisation"),
                Column::Email => Some("email"),
                Column::Type => None,
            };
            let phrase =
                indexed.and_then(|name| crate::search::column_phrase(conn, name, text.as_deref()));
            contains.push((column, p, phrase));
        }
    }
    let group_pattern = page::search_pattern(query.group_name_contains.as_deref())?;
    let phrase = crate::search::phrase(conn, query.q.as_deref());
    let mosip_filters = !contains.is_empty()
        || query.group_name_contains.is_some()
        || query.active.is_some()
        || query.certificate.is_some();
    let filtered = || {
        // Filters and sort touch partners' own columns only, so counting and choosing the
        // page read indexes alone; the group names are joined for the 50 rows shown.
        let mut q = partners::table.into_boxed();
        if let Some(status) = query.status {
            q = q.filter(partners::status.eq(status.as_str()));
        }
        if let Some(t) = query.partner_type.as_deref().filter(|t| !t.is_empty()) {
            q = q.filter(partners::partner_type.eq(t.to_string()));
        }
        if let Some(g) = query.policy_group.as_deref().filter(|g| !g.is_empty()) {
            q = q.filter(partners::policy_group_id.eq(g.to_string()));
        }
        for (column, p, phrase) in contains.iter().cloned() {
            if let Some(phrase) = phrase {
                q = q.filter(crate::search::matching(
                    crate::search::Index::Partners,
                    &phrase,
                ));
                continue;
            }
            q = match column {
                Column::Id => q.filter(account::lower(partners::id).like(p).escape('\\')),
                Column::Organisation => {
                    q.filter(account::lower(partners::organisation).like(p).escape('\\'))
                }
                Column::Email => q.filter(partners::email.like(p).escape('\\')),
                Column::Type => {
                    q.filter(account::lower(partners::partner_type).like(p).escape('\\'))
                }
            };
        }
        match (&query.group_name_contains, &group_pattern) {
            (_, Some(p)) => {
                let groups = policy_groups::table
                    .filter(
                        account::lower(policy_groups::name)
                            .like(p.clone())
                            .escape('\\'),
                    )
                    .select(policy_groups::id.nullable());
                q = q.filter(partners::policy_group_id.eq_any(groups));
            }
            (Some(_), None) => q = q.filter(partners::policy_group_id.is_not_null()),
            (None, None) => {}
        }
        if let Some(active) = query.active {
            let approved = PartnerStatus::Approved.as_str();
            q = if active {
                q.filter(partners::status.eq(approved))
            } else {
                q.filter(partners::status.ne(approved))
            };
        }
        if let Some(with) = query.certificate {
            let current = partner_certificates::table
                .filter(partner_certificates::is_current.eq(true))
                .select(partner_certificates::partner_id);
            q = if with {
                q.filter(partners::id.eq_any(current))
            } else {
                q.filter(partners::id.ne_all(current))
            };
        }
        if let Some(phrase) = &phrase {
            q = q.filter(crate::search::matching(
                crate::search::Index::Partners,
                phrase,
            ));
        } else if let Some(pattern) = pattern.clone() {
            q = q.filter(
                account::lower(partners::id)
                    .like(pattern.clone())
                    .escape('\\')
                    .or(account::lower(partners::organisation)
                        .like(pattern.clone())
                        .escape('\\'))
                    .or(partners::email.like(pattern).escape('\\')),
            );
        }
        q
    };
    let counted: Vec<(String, String, i64)> = partner_counts::table
        .select((
            partner_counts::status,
            partner_counts::partner_type,
            partner_counts::n,
        ))
        .load(conn)?;
    let counts: Vec<(PartnerStatus, i64)> = PartnerStatus::ALL
        .iter()
        .map(|s| {
            let n = counted
                .iter()
                .filter(|(k, _, _)| k == s.as_str())
                .map(|(_, _, n)| *n)
                .sum();
            (*s, n)
        })
        .collect();
    let wanted_type = query.partner_type.as_deref().filter(|t| !t.is_empty());
    let counts_answer = query.policy_group.as_deref().unwrap_or_default().is_empty()
        && query.q.as_deref().unwrap_or_default().trim().is_empty()
        && !mosip_filters;
    // Status and type filters take their total from the kept counts; a group or text filter
    // counts rows.
    let total: i64 = if counts_answer {
        counted
            .iter()
            .filter(|(s, t, _)| {
                query.status.is_none_or(|want| want.as_str() == s)
                    && wanted_type.is_none_or(|want| want == t)
            })
            .map(|(_, _, n)| n)
            .sum()
    } else {
        filtered().count().get_result(conn)?
    };
    let mut q = filtered();
    q = match query.sort.as_deref().unwrap_or("-created") {
        "id" => q.order(partners::id.asc()),
        "-id" => q.order(partners::id.desc()),
        "organisation" => q.order((partners::organisation.asc(), partners::id.asc())),
        "-organisation" => q.order((partners::organisation.desc(), partners::id.desc())),
        "type" => q.order((
            partners::partner_type.asc(),
            partners::created_at.desc(),
            partners::id.asc(),
        )),
        "-type" => q.order((
            partners::partner_type.desc(),
            partners::created_at.desc(),
            partners::id.asc(),
        )),
        "status" => q.order((
            partners::status.asc(),
            partners::created_at.desc(),
            partners::id.asc(),
        )),
        "-status" => q.order((
            partners::status.desc(),
            partners::created_at.desc(),
            partners::id.asc(),
        )),
        "created" => q.order((partners::created_at.asc(), partners::id.asc())),
        "email" => q.order((partners::email.asc(), partners::id.asc())),
        "-email" => q.order((partners::email.desc(), partners::id.desc())),
        "group" => q.order((partners::policy_group_id.asc(), partners::id.asc())),
        "-group" => q.order((partners::policy_group_id.desc(), partners::id.desc())),
        // Orders read one more row per partner (its group's name, its certificate).
        "group_name" => q.order((
            diesel::dsl::sql::<diesel::sql_types::Nullable<diesel::sql_types::Text>>(GROUP_NAME)
                .asc(),
            partners::id.asc(),
        )),
        "-group_name" => q.order((
            diesel::dsl::sql::<diesel::sql_types::Nullable<diesel::sql_types::Text>>(GROUP_NAME)
                .desc(),
            partners::id.desc(),
        )),
        "certificate" => q.order((
            diesel::dsl::sql::<diesel::sql_types::Bool>(HAS_CERT).desc(),
            partners::id.asc(),
        )),
        "-certificate" => q.order((
            diesel::dsl::sql::<diesel::sql_types::Bool>(HAS_CERT).asc(),
            partners::id.desc(),
        )),
        "active" => q.order((
            diesel::dsl::sql::<diesel::sql_types::Bool>(IS_ACTIVE).desc(),
            partners::id.asc(),
        )),
        "-active" => q.order((
            diesel::dsl::sql::<diesel::sql_types::Bool>(IS_ACTIVE).asc(),
            partners::id.desc(),
        )),
        _ => q.order((partners::created_at.desc(), partners::id.desc())),
    };
    let ids: Vec<String> = q
        .select(partners::id)
        .limit(size)
        .offset(offset)
        .load(conn)?;
    type ListRow = (
        String,
        String,
        String,
        Option<String>,
        Option<String>,
        String,
        String,
        i64,
    );
    let mut rows: Vec<ListRow> = partners::table
        .left_join(policy_groups::table)
        .filter(partners::id.eq_any(&ids))
        .select((
            partners::id,
            partners::organisation,
            partners::partner_type,
            partners::policy_group_id,
            policy_groups::name.nullable(),
            partners::email,
            partners::status,
            partners::created_at,
        ))
        .load(conn)?;
    rows.sort_by_key(|r| ids.iter().position(|id| *id == r.0));
    let with_certificate: Vec<String> = partner_certificates::table
        .filter(partner_certificates::partner_id.eq_any(&ids))
        .filter(partner_certificates::is_current.eq(true))
        .select(partner_certificates::partner_id)
        .load(conn)?;
    let items = rows
        .into_iter()
        .map(
            |(id, organisation, partner_type, group_id, group, email, status, at)| PartnerSummary {
                has_certificate: with_certificate.contains(&id),
                policy_group_id: group_id,
                id,
                organisation,
                partner_type,
                policy_group_name: group,
                email,
                status: status_of(&status),
                created_at: clock::rfc3339(at),
            },
        )
        .collect();
    Ok(PartnerList {
        page: Page {
            items,
            total,
            page: page_no,
            page_size: size,
        },
        counts,
    })
}
