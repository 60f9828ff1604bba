//! From the domain's errors to MOSIP's error codes: one table, so a rule's code is decided
//! once. A domain code without a MOSIP counterpart is passed through as it is (stable, and
//! documented with the portal's API).

use super::envelope::Fault;
use axum::http::StatusCode;
use domain::{AppError, ErrorKind};

/// MOSIP code and MOSIP's own message where it has one (clients search the body for some of
/// them; without one, the portal's message says what is wrong) ← the domain codes it answers.
const TABLE: &[(&str, Option<&str>, &[&str])] = &[
    // Mandatory fields.
    (
        "PMS_COR_001",
        None,
        &[
            "PMS_REQUIRED",
            "PMS_NAME_REQUIRED",
            "PMS_PARTNER_ID_REQUIRED",
            "PMS_ORGANISATION_REQUIRED",
            "PMS_EMAIL_REQUIRED",
            "PMS_PHONE_REQUIRED",
            "PMS_ADDRESS_REQUIRED",
            "PMS_POLICY_DOCUMENT_REQUIRED",
            "PMS_CERT_EMPTY",
        ],
    ),
    // Partners.
    (
        "PMS_PRT_051",
        Some("A Partner is already registered with the same Id"),
        &["PMS_PARTNER_ID_TAKEN"],
    ),
    (
        "PMS_PRT_055",
        Some("User not authorized."),
        &["PMS_ACCOUNT_HAS_PARTNER"],
    ),
    (
        "PMS_PRT_011",
        Some("Email is already exists."),
        &["PMS_PARTNER_EMAIL_TAKEN"],
    ),
    (
        "PMS_PRT_012",
        Some("Invalid emailId."),
        &["PMS_EMAIL_INVALID", "PMS_EMAIL_TOO_LONG"],
    ),
    (
        "PMS_PRT_013",
        Some("Invalid mobile number."),
        &["PMS_PHONE_INVALID"],
    ),
    (
        "PMS_PRT_013",
        Some("Invalid mobile number.Length should be less than .16"),
        &["PMS_PHONE_TOO_LONG"],
    ),
    (
        "PMS_PRT_010",
        Some("Partner Type does not exist"),
        &["PMS_PARTNER_TYPE_UNKNOWN"],
    ),
    (
        "PMS_PRT_010",
        None,
        &["PMS_PARTNER_TYPE_ADMIN_ONLY", "PMS_PARTNER_TYPE_NO_PORTAL"],
    ),
    (
        "PMS_PRT_002",
        Some("Policy group does not exist"),
        &["PMS_POLICY_GROUP_UNKNOWN"],
    ),
    (
        "PMS_PMP_023",
        Some("Policy group is not active."),
        &["PMS_POLICY_GROUP_INACTIVE"],
    ),
    (
        "PMS_PRT_108",
        None,
        &["PMS_POLICY_GROUP_REQUIRED", "PMS_POLICY_GROUP_NOT_USED"],
    ),
    (
        "PMS_PMP_016",
        Some("Partner is not active."),
        &[
            "PMS_PARTNER_NOT_APPROVED",
            "PMS_PARTNER_INACTIVE",
            "PMS_PARTNER_DEACTIVATED",
        ],
    ),
    (
        "PMS_PRT_054",
        Some("Policy group not mapped for given partner"),
        &["PMS_NO_POLICY_GROUP"],
    ),
    // Certificates (the trust store's own parse errors are KER-CRY-003, see `ca_fault`).
    (
        "KER-PCM-003",
        Some("Certificate already exists in store."),
        &["PMS_CERT_DUPLICATE"],
    ),
    (
        "KER-KMS-013",
        Some("Certificate Parsing Error."),
        &[
            "PMS_CERT_BAD_PEM",
            "PMS_CERT_UNREADABLE",
            "PMS_CERT_GARBAGE",
            "PMS_CERT_ENCODING",
            "PMS_CERT_UNKNOWN_PEM",
            "PMS_CERT_IS_CSR",
            "PMS_CERT_IS_PUBLIC_KEY",
            "PMS_CERT_PRIVATE_KEY",
            "PMS_CERT_BAD_BUNDLE",
            "PMS_CERT_TOO_LARGE",
            "PMS_CERT_NONE",
        ],
    ),
    ("KER-PCM-001", None, &["PMS_CERT_MANY", "PMS_CERT_IN_USE"]),
    (
        "KER-PCM-011",
        Some("Invalid Partner Domain."),
        &["PMS_CERT_DOMAIN"],
    ),
    (
        "PMS_PRT_120",
        None,
        &["PMS_CERT_REQUIRED", "PMS_CERT_EXPIRED"],
    ),
    // Policy groups and policies.
    (
        "PMS_POL_014",
        Some("Policy group exists with name"),
        &["PMS_POLICY_GROUP_NAME_TAKEN"],
    ),
    (
        "PMS_POL_016",
        Some("Policy Group ID does not exist"),
        &["PMS_POLICY_GROUP_NOT_FOUND"],
    ),
    (
        "PMS_POL_009",
        Some("Auth policy exists with name"),
        &["PMS_POLICY_NAME_TAKEN"],
    ),
    ("PMS_POL_023", None, &["PMS_POLICY_TYPE_UNKNOWN"]),
    (
        "PMS_POL_020",
        Some("Can not publish the published policy"),
        &["PMS_POLICY_ALREADY_PUBLISHED"],
    ),
    (
        "PMS_PMP_019",
        Some("Policy is not active."),
        &["PMS_POLICY_DEACTIVATED", "PMS_POLICY_NOT_PUBLISHED"],
    ),
    (
        "PMS_PRT_098",
        Some("Given policy doesn't exists under partner's policy group."),
        &["PMS_POLICY_NOT_REQUESTABLE"],
    ),
    (
        "PMS_PV_005",
        None,
        &[
            "PMS_POLICY_DOCUMENT_MALFORMED",
            "PMS_POLICY_DOCUMENT_TOO_LARGE",
            "PMS_POLICY_DOCUMENT_TOO_DEEP",
        ],
    ),
    // Policy requests and keys.
    (
        "PMS_PRT_109",
        Some("Given policy is not mapped to partner"),
        &["PMS_POLICY_NOT_APPROVED"],
    ),
    (
        "PMS_PRT_110",
        Some("Given label already exists.Provide unique label."),
        &["PMS_APIKEY_LABEL_TAKEN"],
    ),
    ("PMS_PRT_072", None, &["PMS_CREDENTIAL_TYPE"]),
    // OIDC clients.
    (
        "PMS_ESI_001",
        Some("Client public key already exists."),
        &["PMS_OIDC_KEY_TAKEN"],
    ),
    (
        "PMS_ESI_007",
        None,
        &[
            "PMS_JWK_INVALID",
            "PMS_JWK_KTY",
            "PMS_JWK_CURVE",
            "PMS_JWK_POINT",
            "PMS_JWK_KEY_SIZE",
            "PMS_JWK_MEMBER",
            "PMS_JWK_PRIVATE",
            "PMS_JWK_ALG",
            "PMS_JWK_USE",
        ],
    ),
    (
        "PMS_ESI_003",
        Some("Policy having mandatory auths. So client can't be created for the same."),
        &["PMS_OIDC_POLICY_MANDATORY"],
    ),
    (
        "PMS_ESI_005",
        Some("Partner has no user claims"),
        &["PMS_OIDC_POLICY_NO_CLAIMS"],
    ),
    (
        "PMS_ESI_006",
        Some("Partner has no Authentication Context Refrences"),
        &["PMS_OIDC_POLICY_NO_ACRS"],
    ),
    // Sign-in.
    (
        "KER-ATH-401",
        Some("Authentication Failed"),
        &["PMS_AUTH_REQUIRED"],
    ),
    ("KER-ATH-403", Some("Forbidden"), &["PMS_AUTH_FORBIDDEN"]),
];

/// MOSIP's code and message for a domain error. Unauthenticated and forbidden keep their
/// HTTP statuses; everything else the caller did wrong answers 200 as MOSIP does.
pub fn fault(err: &AppError) -> Fault {
    if err.kind == ErrorKind::Internal {
        return Fault::internal();
    }
    if err.code == "PMS_POLICY_DOCUMENT_INVALID" {
        return policy_document(err);
    }
    let found = TABLE
        .iter()
        .find(|(_, _, domain)| domain.contains(&err.code.as_str()));
    let (code, message) = match found {
        Some((code, Some(message), _)) => (*code, message.to_string()),
        Some((code, None, _)) => (*code, err.to_string()),
        None => (err.code.as_str(), err.to_string()),
    };
    let status = match err.kind {
        ErrorKind::Unauthenticated => StatusCode::UNAUTHORIZED,
        ErrorKind::Forbidden if code == "KER-ATH-403" => StatusCode::FORBIDDEN,
        _ => StatusCode::OK,
    };
    Fault {
        status,
        code: code.to_string(),
        message,
    }
}

/// A policy document against its schema: PMS_PV_006 when it lacks a required field,
/// PMS_PV_005 when a value is not allowed (MOSIP's two codes), naming the first problem.
fn policy_document(err: &AppError) -> Fault {
    let first = err.details.first();
    let missing = first.is_some_and(|v| v.message.contains("required"));
    let what = first
        .map(|v| format!("{} {}", v.path, v.message))
        .unwrap_or_else(|| err.message.clone());
    if missing {
        Fault::new(
            "PMS_PV_006",
            format!("Policy document lacks a required field: {what}"),
        )
    } else {
        Fault::new(
            "PMS_PV_005",
            format!("Policy document has a value not allowed: {what}"),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_domain_code_maps_once_and_unknown_codes_pass_through() {
        let mut seen: Vec<&str> = Vec::new();
        for domain in TABLE.iter().flat_map(|(_, _, domains)| domains.iter()) {
            assert!(!seen.contains(domain), "{domain} is in the table twice");
            seen.push(domain);
        }
        let taken = AppError::new(ErrorKind::Conflict, "PMS_POLICY_GROUP_NAME_TAKEN", "x");
        assert_eq!(fault(&taken).code, "PMS_POL_014");
        assert_eq!(fault(&taken).status, StatusCode::OK);
        let dup = AppError::new(ErrorKind::Conflict, "PMS_CERT_DUPLICATE", "It is there.");
        assert_eq!(fault(&dup).message, "Certificate already exists in store.");
        let other = AppError::new(ErrorKind::Validation, "PMS_SOMETHING_NEW", "y");
        assert_eq!(fault(&other).code, "PMS_SOMETHING_NEW");
        assert_eq!(
            fault(&AppError::unauthenticated()).status,
            StatusCode::UNAUTHORIZED
        );
        assert_eq!(fault(&AppError::forbidden()).status, StatusCode::FORBIDDEN);
        assert_eq!(fault(&AppError::internal()).code, "PMS_COR_500");
    }
}
