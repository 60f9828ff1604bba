//! MOSIP's default partners, policy groups, policies and credential-type mappings: what the
//! onboarder's print, abis and mobileid modules presuppose (MOSIP ships them in its PMS
//! database seed). Idempotent: a second run finds everything in place and changes nothing.

use crate::audit::Actor;
use crate::db::AnyConnection;
use crate::error::AppResult;
use crate::policy::PolicyStatus;
use serde_json::json;

/// One default partner: id, type, organisation, group, its policies and credential types.
struct DefaultPartner {
    id: &'static str,
    partner_type: &'static str,
    organisation: &'static str,
    group: &'static str,
    /// (policy name, credential types issued under it).
    policies: &'static [(&'static str, &'static [&'static str])],
}

const DEFAULTS: [DefaultPartner; 3] = [
    DefaultPartner {
        id: "mpartner-default-print",
        partner_type: "Credential_Partner",
        organisation: "IIITB",
        group: "mpolicygroup-default-print",
        policies: &[
            ("mpolicy-default-qrcode", &["qrcode"]),
            ("mpolicy-default-euin", &["euin"]),
            ("mpolicy-default-reprint", &["reprint"]),
            ("mpolicy-default-eUIN_with_QR", &[]),
            ("mpolicy-default-eUIN_with_faceQR", &[]),
        ],
    },
    DefaultPartner {
        id: "mpartner-default-abis",
        partner_type: "ABIS_Partner",
        organisation: "mpartner-default-abis",
        group: "mpolicygroup-default-abis",
        policies: &[("mpolicy-default-abis", &[])],
    },
    DefaultPartner {
        id: "mpartner-default-mobile",
        partner_type: "Credential_Partner",
        organisation: "residentapp-partner",
        group: "mpolicygroup-default-mobile",
        policies: &[("mpolicy-default-mobile", &["vercred"])],
    },
];

/// What a run created.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MosipSeedReport {
    /// Policy groups created.
    pub groups: usize,
    /// Policies created or published.
    pub policies: usize,
    /// Partners created.
    pub partners: usize,
    /// Policy mappings granted.
    pub mappings: usize,
    /// Credential types mapped.
    pub credential_types: usize,
}

impl std::fmt::Display for MosipSeedReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "MOSIP defaults: {} policy groups, {} policies, {} partners, {} policy mappings and {} credential types created (the rest were in place)",
            self.groups, self.policies, self.partners, self.mappings, self.credential_types
        )
    }
}

/// A data-share policy as MOSIP's defaults share credentials: partner-encrypted, from the ID
/// repository, through the data-share service.
fn datashare_document(attributes: &[&str]) -> String {
    let shareable: Vec<serde_json::Value> = attributes
        .iter()
        .map(|a| json!({ "attributeName": a, "source": [{ "attribute": a }], "encrypted": false }))
        .collect();
    json!({
        "dataSharePolicies": {
            "typeOfShare": "Data Share",
            "validForInMinutes": "30",
            "transactionsAllowed": "2",
            "encryptionType": "Partner Based",
            "shareDomain": "datashare.datashare",
            "source": "ID Repository"
        },
        "shareableAttributes": shareable
    })
    .to_string()
}

/// Create whatever of MOSIP's defaults is missing, as the system.
pub fn seed_mosip_defaults(conn: &mut AnyConnection) -> AppResult<MosipSeedReport> {
    let actor = Actor::system();
    let mut report = MosipSeedReport::default();
    let valid_to = crate::clock::now_ms() + 3650 * 24 * 3600 * 1000;
    for d in &DEFAULTS {
        let group_id = match crate::policy::group::id_by_name(conn, d.group)? {
            Some(id) => id,
            None => {
                report.groups += 1;
                crate::policy::group::create(
                    conn,
                    &actor,
                    d.group,
                    &format!("{} policy group", d.id),
                )?
                .id
            }
        };
        let mut policy_ids = Vec::new();
        for (name, _) in d.policies {
            let found = crate::policy::find_by_name(conn, Some(&group_id), name)?;
            let id = match found {
                Some(p) if p.status == PolicyStatus::Published => p.id,
                Some(p) => {
                    report.policies += 1;
                    crate::policy::publish(conn, &actor, &p.id, valid_to)?;
                    p.id
                }
                None => {
                    report.policies += 1;
                    let input = crate::policy::PolicyInput {
                        group_id: group_id.clone(),
                        name: name.to_string(),
                        description: format!("{name} data-share policy"),
                        policy_type: "DataShare".into(),
                        document: datashare_document(&["fullName", "dateOfBirth", "UIN", "face"]),
                    };
                    let created = crate::policy::create(conn, &actor, &input)?;
                    crate::policy::publish(conn, &actor, &created.summary.id, valid_to)?;
                    created.summary.id
                }
            };
            policy_ids.push(id);
        }
        if super::load_view(conn, d.id).is_err() {
            report.partners += 1;
            let input = super::PartnerInput {
                partner_id: d.id.into(),
                organisation: d.organisation.into(),
                partner_type: d.partner_type.into(),
                email: format!("{}@partners.invalid", d.id),
                phone: "+0000000000".into(),
                address: "MOSIP default partner".into(),
                language: "eng".into(),
                policy_group_id: Some(group_id.clone()),
            };
            // Nobody signs in as a default partner; its password is never given out.
            let password = format!("unusable-{}", uuid::Uuid::new_v4());
            super::admin_create(conn, &actor, &input, &password)?;
        }
        for ((name, types), policy_id) in d.policies.iter().zip(&policy_ids) {
            if crate::access::request::grant(
                conn,
                &actor,
                d.id,
                policy_id,
                &format!("MOSIP default mapping to {name}"),
            )? {
                report.mappings += 1;
            }
            for t in *types {
                if crate::access::credential_type::map(conn, &actor, d.id, t, policy_id)? {
                    report.credential_types += 1;
                }
            }
        }
    }
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_defaults_are_created_once() {
        let db = crate::testing::TestDb::new();
        let mut conn = db.conn();
        let first = seed_mosip_defaults(&mut conn).expect("first run");
        assert_eq!(
            first,
            MosipSeedReport {
                groups: 3,
                policies: 7,
                partners: 3,
                mappings: 7,
                credential_types: 4
            }
        );
        let view = super::super::load_view(&mut conn, "mpartner-default-mobile").expect("mobile");
        assert_eq!(view.status, super::super::PartnerStatus::Approved);
        assert_eq!(view.organisation, "residentapp-partner");
        let vercred = crate::access::credential_type::policy_of(
            &mut conn,
            "mpartner-default-mobile",
            "vercred",
        )
        .expect("read");
        assert!(vercred.is_some());
        let again = seed_mosip_defaults(&mut conn).expect("second run");
        assert_eq!(again, MosipSeedReport::default());
    }
}
