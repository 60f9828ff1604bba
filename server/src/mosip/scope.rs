//! Whom a search or filter-value call serves: the roles that read policies, the columns MOSIP
//! refuses, and the rows a caller that is not an admin sees (its own partner's, its group's
//! policies).

use super::envelope::Fault;
use super::run;
use super::search::field;
use super::MosipState;
use domain::idp::Principal;
use domain::query::{Entity, Filter, Op, Value as Bound};
use domain::Role;

/// Who reads policies: the partner side and policy managers.
pub(super) const POLICY_READERS: [Role; 7] = [
    Role::PartnerAdmin,
    Role::AuthPartner,
    Role::CredentialPartner,
    Role::DeviceProvider,
    Role::FtmProvider,
    Role::MispPartner,
    Role::PolicyManager,
];

/// MOSIP keeps a partner's phone, e-mail and address encrypted and refuses them as columns
/// (`KER_PRT_391`).
pub(super) fn searchable(column: &str) -> Result<(), Fault> {
    if ["contactno", "emailid", "address"].contains(&column.trim().to_ascii_lowercase().as_str()) {
        return Err(Fault::new(
            "KER_PRT_391",
            format!("The column '{column}' is not supported due to system limitations."),
        ));
    }
    Ok(())
}

/// The caller's own partner id (partner roles), or `PMS_CERTIFICATE_ERROR_002`.
async fn own_partner(state: &MosipState, who: &Principal) -> Result<String, Fault> {
    let unknown = Fault::unknown_user;
    let account = who.account().ok_or_else(unknown)?.id.clone();
    run(state, move |conn| {
        domain::partner::id_for_account(conn, &account)
    })
    .await?
    .ok_or_else(unknown)
}

/// The caller's own rows (`column` holds the partner id), unless it is a partner admin.
pub(super) async fn own_scope(
    state: &MosipState,
    who: &Principal,
    entity: &'static Entity,
    column: &str,
) -> Result<Vec<Filter>, Fault> {
    if who.has_any(&[Role::PartnerAdmin]) {
        return Ok(Vec::new());
    }
    let own = own_partner(state, who).await?;
    Ok(vec![Filter {
        field: field(entity, column),
        op: Op::Equals(Bound::Text(own)),
    }])
}

/// The policies a partner sees: its group's published ones (policy authors see every one).
pub(super) async fn group_scope(
    state: &MosipState,
    who: &Principal,
    entity: &'static Entity,
) -> Result<Vec<Filter>, Fault> {
    if who.has_any(&[Role::PartnerAdmin, Role::PolicyManager]) {
        return Ok(Vec::new());
    }
    let own = own_partner(state, who).await?;
    let group = run(state, move |conn| domain::partner::load_view(conn, &own))
        .await?
        .policy_group_id
        .unwrap_or_default();
    Ok(vec![
        Filter {
            field: field(entity, "policyGroupId"),
            op: Op::Equals(Bound::Text(group)),
        },
        Filter {
            field: field(entity, "isActive"),
            op: Op::Equals(Bound::Bool(true)),
        },
    ])
}
