//! MOSIP's searchable entities (its `POST …/search` calls): each field by MOSIP's name, over
//! the portal's tables. Fields MOSIP has and the portal does not (deletion, schema URLs) read
//! as null; booleans MOSIP stores are the portal's statuses.

use crate::query::{Entity, Field, Kind, Usage};

const fn f(name: &'static str, sql: &'static str, kind: Kind, usage: Usage) -> Field {
    Field {
        name,
        sql,
        kind,
        usage,
    }
}

use Kind::{Bool, Int, Text, Time};
use Usage::{Both, Filter, Show, Unsorted};

const NO_TEXT: &str = "CAST(NULL AS TEXT)";
const NO_TIME: &str = "CAST(NULL AS BIGINT)";
const FALSE: &str = "(1 = 0)";

/// An entity's fields: its own, then MOSIP's bookkeeping columns (`crBy`, `crDtimes`, `updBy`,
/// `updDtimes`, `isDeleted`, `delDtimes`), written once: `kept(t, usage)` where the portal's
/// table `t` records who changed a row and when, `untracked` where it records neither (null).
/// The portal deletes nothing MOSIP searches: never deleted.
macro_rules! fields {
    (kept($t:literal, $usage:ident), $($own:expr),+ $(,)?) => {
        &[
            $($own,)+
            f("crBy", concat!($t, ".created_by"), Text, $usage),
            f("crDtimes", concat!($t, ".created_at"), Time, $usage),
            f("updBy", concat!($t, ".updated_by"), Text, $usage),
            f("updDtimes", concat!($t, ".updated_at"), Time, $usage),
            f("isDeleted", FALSE, Bool, $usage),
            f("delDtimes", NO_TIME, Time, $usage),
        ]
    };
    (untracked, $($own:expr),+ $(,)?) => {
        &[
            $($own,)+
            f("crBy", NO_TEXT, Text, Both),
            f("crDtimes", NO_TIME, Time, Both),
            f("updBy", NO_TEXT, Text, Both),
            f("updDtimes", NO_TIME, Time, Both),
            f("isDeleted", FALSE, Bool, Both),
            f("delDtimes", NO_TIME, Time, Both),
        ]
    };
}

/// MOSIP's `Partner`: one row per partner. `address`, `contactNo` and `emailId` are shown but
/// MOSIP refuses to filter or sort by them.
pub static PARTNER: Entity = Entity {
    from: "partners p",
    id: "p.id",
    fields: fields![
        kept("p", Both),
        f("id", "p.id", Text, Both),
        f("address", "p.address", Text, Show),
        f("contactNo", "p.phone", Text, Show),
        f("emailId", "p.email", Text, Show),
        f("isActive", "(p.status = 'APPROVED')", Bool, Both),
        f("name", "p.organisation", Text, Both),
        f("policyGroupId", "p.policy_group_id", Text, Both),
        f(
            "certificateAlias",
            "(SELECT min(c.id) FROM partner_certificates c WHERE c.partner_id = p.id AND c.is_current)",
            Text,
            Both,
        ),
        f("partnerTypeCode", "p.partner_type", Text, Both),
        f(
            "approvalStatus",
            "(CASE p.status WHEN 'PENDING' THEN 'InProgress' WHEN 'REJECTED' THEN 'rejected' ELSE 'approved' END)",
            Text,
            Both,
        ),
        f(
            "userId",
            "(SELECT a.email FROM accounts a WHERE a.id = p.account_id)",
            Text,
            Both,
        ),
        f("langCode", "p.language", Text, Both),
        f("emailIdHash", NO_TEXT, Text, Filter),
        f("logoUrl", NO_TEXT, Text, Filter),
        f("additionalInfo", NO_TEXT, Text, Filter),
    ],
};

/// MOSIP's `PartnerType`.
pub static PARTNER_TYPE: Entity = Entity {
    from: "partner_types t",
    id: "t.code",
    fields: fields![
        untracked,
        f("code", "t.code", Text, Both),
        f("isActive", "t.active", Bool, Both),
        f("partnerDescription", "t.description", Text, Both),
        f("isPolicyRequired", "t.policy_required", Bool, Both),
    ],
};

/// MOSIP's `AuthPolicy` with its group: `policies` shows the policy's id where MOSIP shows its
/// policy file's, and `policyGroupName` filters but does not sort (as MOSIP).
pub static POLICY: Entity = Entity {
    from: "policies p JOIN policy_groups g ON g.id = p.policy_group_id",
    id: "p.id",
    fields: fields![
        kept("p", Both),
        f("id", "p.id", Text, Both),
        f("desc", "p.description", Text, Unsorted),
        f("isActive", "(p.status = 'PUBLISHED')", Bool, Both),
        f("name", "p.name", Text, Both),
        f("policyFileId", "p.id", Text, Filter),
        f("policies", "p.id", Text, Show),
        f("validFromDate", "p.valid_from", Time, Both),
        f("validToDate", "p.valid_to", Time, Both),
        f("version", "p.version", Int, Both),
        f("policyType", "p.policy_type", Text, Both),
        f("schema", NO_TEXT, Text, Both),
        f("policyGroupId", "p.policy_group_id", Text, Unsorted),
        f("policyGroupName", "g.name", Text, Unsorted),
    ],
};

/// MOSIP's `PolicyGroup`.
pub static POLICY_GROUP: Entity = Entity {
    from: "policy_groups g",
    id: "g.id",
    fields: fields![
        kept("g", Both),
        f("id", "g.id", Text, Both),
        f("desc", "g.description", Text, Both),
        f("isActive", "g.active", Bool, Both),
        f("name", "g.name", Text, Both),
    ],
};

/// MOSIP's `DeviceDetail` (a device model): `approvalStatus` stays `approved` for a
/// deactivated device, whose `isActive` is false (MOSIP's storage).
pub static DEVICE: Entity = Entity {
    from: "devices d JOIN partners p ON p.id = d.partner_id",
    id: "d.id",
    fields: fields![
        kept("d", Filter),
        f("id", "d.id", Text, Both),
        f("deviceProviderId", "d.partner_id", Text, Both),
        f("deviceTypeCode", "d.device_type", Text, Both),
        f("deviceSubTypeCode", "d.sub_type", Text, Both),
        f("make", "d.make", Text, Both),
        f("model", "d.model", Text, Both),
        f("partnerOrganizationName", "p.organisation", Text, Both),
        f("isActive", "(d.status = 'APPROVED')", Bool, Both),
        f(
            "approvalStatus",
            "(CASE WHEN d.status IN ('APPROVED', 'DEACTIVATED') THEN 'approved' ELSE lower(d.status) END)",
            Text,
            Both,
        ),
    ],
};

/// MOSIP's `RegistrationDeviceSubType` (a device type and sub-type), with MOSIP's own keys:
/// `desciption` as spelled there, `active` rather than `isActive`.
pub static DEVICE_SUB_TYPE: Entity = Entity {
    from: "device_subtypes s",
    id: "(s.device_type || '/' || s.sub_type)",
    fields: fields![
        untracked,
        f("code", "s.sub_type", Text, Both),
        f("deviceType", "s.device_type", Text, Both),
        f("name", "s.sub_type", Text, Both),
        f(
            "desciption",
            "(s.device_type || ' ' || s.sub_type)",
            Text,
            Both,
        ),
        f("active", "(1 = 1)", Bool, Both),
    ],
};

/// MOSIP's `SecureBiometricInterface`.
pub static SBI: Entity = Entity {
    from: "sbis s JOIN partners p ON p.id = s.partner_id",
    id: "s.id",
    fields: &[
        f("id", "s.id", Text, Both),
        f("swBinaryHash", "s.binary_hash", Text, Both),
        f("swVersion", "s.version", Text, Both),
        f("swCreateDateTime", "s.created_on", Time, Both),
        f("swExpiryDateTime", "s.expires_on", Time, Both),
        f(
            "approvalStatus",
            "(CASE WHEN s.status IN ('APPROVED', 'DEACTIVATED') THEN 'approved' ELSE lower(s.status) END)",
            Text,
            Both,
        ),
        f("isActive", "(s.status = 'APPROVED')", Bool, Both),
        f("providerId", "s.partner_id", Text, Both),
        f("partnerOrgName", "p.organisation", Text, Both),
        f("crDtimes", "s.created_at", Time, Both),
        f("updDtimes", "s.updated_at", Time, Both),
        f("isDeleted", FALSE, Bool, Both),
        f("delDtimes", NO_TIME, Time, Both),
    ],
};

/// MOSIP's `RegistrationDeviceType`: the device types of the sub-types table.
pub static DEVICE_TYPE: Entity = Entity {
    from: "(SELECT DISTINCT device_type FROM device_subtypes) t",
    id: "t.device_type",
    fields: fields![
        untracked,
        f("code", "t.device_type", Text, Both),
        f("name", "t.device_type", Text, Both),
        f("description", "t.device_type", Text, Both),
        f("isActive", "(1 = 1)", Bool, Both),
    ],
};

/// MOSIP's `PartnerPolicyRequest` (a partner's request for a policy).
pub static POLICY_REQUEST: Entity = Entity {
    from: "policy_requests r",
    id: "r.id",
    fields: fields![
        kept("r", Both),
        f("id", "r.id", Text, Both),
        f("partnerId", "r.partner_id", Text, Both),
        f("policyId", "r.policy_id", Text, Both),
        f("requestDetail", "r.use_case", Text, Both),
        f(
            "statusCode",
            "(CASE r.status WHEN 'PENDING' THEN 'InProgress' ELSE lower(r.status) END)",
            Text,
            Both,
        ),
        f("requestDatetimes", "r.created_at", Time, Both),
    ],
};

/// MOSIP's `MISPLicenseEntity`, without its key (only a hash is stored, and never shown).
pub static MISP_LICENSE: Entity = Entity {
    from: "misp_licenses l",
    id: "l.id",
    fields: fields![
        kept("l", Both),
        f("mispId", "l.partner_id", Text, Both),
        f("validFromDate", "l.valid_from", Time, Both),
        f("validToDate", "l.valid_to", Time, Both),
        f("isActive", "(l.status = 'ACTIVE')", Bool, Both),
    ],
};

#[cfg(test)]
mod tests {
    use super::*;

    /// Field names are what callers match on: each appears once per entity.
    #[test]
    fn field_names_are_unique_per_entity() {
        for e in [
            &PARTNER,
            &PARTNER_TYPE,
            &POLICY,
            &POLICY_GROUP,
            &DEVICE,
            &DEVICE_SUB_TYPE,
            &SBI,
            &DEVICE_TYPE,
            &POLICY_REQUEST,
            &MISP_LICENSE,
        ] {
            let mut names: Vec<String> = e.fields.iter().map(|f| f.name.to_lowercase()).collect();
            names.sort();
            let n = names.len();
            names.dedup();
            assert_eq!(names.len(), n, "{}", e.from);
        }
    }
}
