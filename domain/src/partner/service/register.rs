//! Registration: partner types, the checks of a profile, sign-up and creation by an admin.

use super::*;

type TypeRow = (String, String, bool, bool, Option<String>, String);

pub(super) fn type_info(row: TypeRow) -> PartnerTypeInfo {
    PartnerTypeInfo {
        code: row.0,
        description: row.1,
        policy_required: row.2,
        self_registrable: row.3,
        portal_role: row.4.as_deref().and_then(Role::parse),
        cert_domain: row.5,
    }
}

crate::db::columns_fn! {
    pub(super) fn type_columns() -> (
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
        policy_groups: crate::policy::group::active_options(conn)?,
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
pub(super) fn check_group(
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

pub(super) fn taken(field: &str, code: &str, message: &str) -> AppError {
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
/// transaction. A self-registration (`by` = None) starts pending, or unverified with its
/// verification link mailed when the portal can send mail; a partner admin's creation (any
/// portal type, admin-only ones included) starts approved.
fn register(
    conn: &mut AnyConnection,
    by: Option<&Actor>,
    input: &PartnerInput,
    password: &str,
    mail: Option<&PortalMail>,
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
        let verify = mail.filter(|m| m.enabled && !admin);
        let status = match (admin, verify) {
            (true, _) => PartnerStatus::Approved,
            (false, Some(_)) => PartnerStatus::Unverified,
            (false, None) => PartnerStatus::Pending,
        };
        let view = insert_profile(
            conn,
            &actor,
            &account_id,
            role,
            &c,
            &info.code,
            group.clone(),
            status,
        )?;
        if let Some(mail) = verify {
            let row: PartnerRow = partners::table
                .find(&view.id)
                .select(PartnerRow::as_select())
                .first(conn)?;
            send_link(
                conn,
                &actor,
                &row,
                &row.email,
                VerifyPurpose::Registration,
                mail,
            )?;
        }
        Ok(view)
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

/// Public sign-up: account plus partner profile, which waits for its email's verification
/// when `mail` can be sent, then for a partner admin.
pub fn sign_up(
    conn: &mut AnyConnection,
    input: &PartnerInput,
    password: &str,
    mail: &PortalMail,
) -> AppResult<PartnerView> {
    register(conn, None, input, password, Some(mail))
}

/// A partner admin registers a partner (any portal type); it starts approved.
pub fn admin_create(
    conn: &mut AnyConnection,
    actor: &Actor,
    input: &PartnerInput,
    password: &str,
) -> AppResult<PartnerView> {
    register(conn, Some(actor), input, password, None)
}
