//! The claim and ACR mappings offered to clients.

use super::*;

/// Which mapping: KYC attribute -> claim, or auth type -> ACR value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MappingKind {
    /// KYC attribute -> OIDC claim.
    Claim,
    /// Auth type -> ACR value.
    Acr,
}

/// Every row of a mapping, by key (a few dozen at most).
pub fn mappings(conn: &mut AnyConnection, kind: MappingKind) -> AppResult<Vec<Mapping>> {
    let rows: Vec<(String, String)> = match kind {
        MappingKind::Claim => oidc_claim_mappings::table
            .order(oidc_claim_mappings::attribute.asc())
            .limit(1000)
            .load(conn)?,
        MappingKind::Acr => oidc_acr_mappings::table
            .order(oidc_acr_mappings::auth_type.asc())
            .limit(1000)
            .load(conn)?,
    };
    Ok(rows
        .into_iter()
        .map(|(key, value)| Mapping { key, value })
        .collect())
}

fn mapping_text(field: &str, label: &str, v: &str) -> AppResult<String> {
    let v = text(field, label, v, 128)?;
    if v.chars().any(char::is_whitespace) {
        return Err(AppError::validation(
            field,
            "PMS_MAPPING_SPACES",
            format!("{label} cannot contain spaces."),
        ));
    }
    Ok(v)
}

/// Add or change a mapping row (existing clients keep what they were created with).
pub fn set_mapping(
    conn: &mut AnyConnection,
    actor: &Actor,
    kind: MappingKind,
    key: &str,
    value: &str,
) -> AppResult<Vec<Mapping>> {
    let (key_label, value_label) = match kind {
        MappingKind::Claim => ("KYC attribute", "Claim"),
        MappingKind::Acr => ("Auth type", "ACR value"),
    };
    let key = mapping_text("key", key_label, key)?;
    let value = mapping_text("value", value_label, value)?;
    crate::db::write_tx(conn, |conn| {
        match kind {
            MappingKind::Claim => {
                diesel::delete(oidc_claim_mappings::table.find(&key)).execute(conn)?;
                diesel::insert_into(oidc_claim_mappings::table)
                    .values((
                        oidc_claim_mappings::attribute.eq(&key),
                        oidc_claim_mappings::claim.eq(&value),
                    ))
                    .execute(conn)?;
            }
            MappingKind::Acr => {
                diesel::delete(oidc_acr_mappings::table.find(&key)).execute(conn)?;
                diesel::insert_into(oidc_acr_mappings::table)
                    .values((
                        oidc_acr_mappings::auth_type.eq(&key),
                        oidc_acr_mappings::acr.eq(&value),
                    ))
                    .execute(conn)?;
            }
        }
        audit::record(
            conn,
            actor,
            "OIDC_MAPPING_SET",
            "oidc_mapping",
            &key,
            json!({ "kind": format!("{kind:?}"), "value": value }),
        )?;
        mappings(conn, kind)
    })
}

/// Remove a mapping row.
pub fn delete_mapping(
    conn: &mut AnyConnection,
    actor: &Actor,
    kind: MappingKind,
    key: &str,
) -> AppResult<Vec<Mapping>> {
    crate::db::write_tx(conn, |conn| {
        let n = match kind {
            MappingKind::Claim => {
                diesel::delete(oidc_claim_mappings::table.find(key)).execute(conn)?
            }
            MappingKind::Acr => diesel::delete(oidc_acr_mappings::table.find(key)).execute(conn)?,
        };
        if n == 0 {
            return Err(AppError::not_found("The mapping"));
        }
        audit::record(
            conn,
            actor,
            "OIDC_MAPPING_DELETED",
            "oidc_mapping",
            key,
            json!({ "kind": format!("{kind:?}") }),
        )?;
        mappings(conn, kind)
    })
}
