//! The partner manager's calls about one partner: registration, certificates, policy mappings, API keys, OIDC clients.

use super::{Answer, Auth, Body, Op, ADMIN, PARTNER_SIDE, S};

pub(super) const UPLOAD_CA: Op = Op {
    method: "post",
    path: "/v1/partnermanager/partners/certificate/ca/upload",
    tag: "Partner manager",
    summary: "Add a root or intermediate CA to the trust store of a domain.",
    auth: Auth::Token(ADMIN),
    query: &[],
    body: Body::Envelope(&[
        ("certificateData", S, true, "PEM"),
        ("partnerDomain", S, true, "AUTH, DEVICE or FTM (any case)"),
    ]),
    answer: Answer::Envelope(&[
        ("status", S, true, "Upload Success."),
        ("timestamp", S, true, "UTC"),
    ]),
    codes: &[
        "KER-PCM-003",
        "KER-CRY-003",
        "KER-PCM-001",
        "KER-PCM-004",
        "KER-PCM-005",
        "KER-PCM-011",
        "PMS_COR_001",
    ],
};

pub(super) const UPLOAD_CERTIFICATE: Op = Op {
    method: "post",
    path: "/v1/partnermanager/partners/certificate/upload",
    tag: "Partner manager",
    summary: "Upload a partner's certificate; the answer holds the portal's re-signed certificate for the same key.",
    auth: Auth::Token(PARTNER_SIDE),
    query: &[],
    body: Body::Envelope(&[("certificateData", S, true, "PEM"), ("partnerDomain", S, true, "the partner type's domain"), ("partnerId", S, true, "partner id (own, or any for a partner admin)")]),
    answer: Answer::Envelope(&[("certificateId", S, true, "upload id"), ("signedCertificateData", S, true, "re-signed certificate, PEM"), ("timestamp", S, true, "UTC")]),
    codes: &["PMS_PRT_005", "PMS_PRT_055", "KER-PCM-011", "KER-KMS-013", "KER-PCM-001", "KER-PCM-004", "KER-PCM-006", "KER-PCM-008", "KER-PCM-013", "KER-PCM-015", "PMS_PMP_016", "PMS_COR_001"],
};

pub(super) const REGISTER: Op = Op {
    method: "post",
    path: "/v1/partnermanager/partners",
    tag: "Partner manager",
    summary: "The signed-in user registers its partner; it starts InProgress (pending).",
    auth: Auth::Token(PARTNER_SIDE),
    query: &[],
    body: Body::Envelope(&[
        ("partnerId", S, true, "partner id"),
        (
            "partnerType",
            S,
            true,
            "Auth_Partner, Credential_Partner, Device_Provider...",
        ),
        (
            "organizationName",
            S,
            true,
            "organisation (must equal the certificate's O=)",
        ),
        (
            "policyGroup",
            S,
            false,
            "policy group name, for types that need one",
        ),
        ("emailId", S, true, "contact email"),
        ("contactNumber", S, true, "phone"),
        ("address", S, true, "address"),
        ("langCode", S, false, "eng, fra, ara... (default eng)"),
    ]),
    answer: Answer::Envelope(&[
        ("partnerId", S, true, "partner id"),
        ("status", S, true, "InProgress"),
    ]),
    codes: &[
        "PMS_PRT_051",
        "PMS_PRT_011",
        "PMS_PRT_012",
        "PMS_PRT_013",
        "PMS_PRT_010",
        "PMS_PRT_002",
        "PMS_PMP_023",
        "PMS_PRT_108",
        "PMS_PRT_055",
        "PMS_COR_001",
    ],
};

pub(super) const MAP_POLICY: Op = Op {
    method: "post",
    path: "/v1/partnermanager/partners/{partnerId}/policy/map",
    tag: "Partner manager",
    summary: "The partner requests a published policy of its group.",
    auth: Auth::Token(PARTNER_SIDE),
    query: &[],
    body: Body::Envelope(&[
        ("policyName", S, true, "policy name"),
        ("useCaseDescription", S, true, "why"),
    ]),
    answer: Answer::Envelope(&[
        ("mappingkey", S, true, "request id"),
        (
            "message",
            S,
            true,
            "Policy mapping request submitted successfully.",
        ),
    ]),
    codes: &[
        "PMS_PRT_005",
        "PMS_PRT_055",
        "PMS_PRT_073",
        "PMS_PRT_098",
        "PMS_PMP_019",
        "PMS_PMP_016",
        "PMS_PRT_053",
        "PMS_PRT_060",
        "PMS_PRT_120",
        "PMS_COR_001",
    ],
};

pub(super) const DECIDE_MAPPING: Op = Op {
    method: "put",
    path: "/v1/partnermanager/partners/policy/{mappingkey}",
    tag: "Partner manager",
    summary: "A partner admin approves or rejects a policy request.",
    auth: Auth::Token(ADMIN),
    query: &[],
    body: Body::Envelope(&[("status", S, true, "Approved or Rejected")]),
    answer: Answer::EnvelopeText,
    codes: &[
        "PMS_PMP_007",
        "PMS_PM_034",
        "PMS_PM_035",
        "PMS_PM_045",
        "PMS_COR_001",
    ],
};

pub(super) const GENERATE_API_KEY: Op = Op {
    method: "patch",
    path: "/v1/partnermanager/partners/{partnerId}/generate/apikey",
    tag: "Partner manager",
    summary: "An API key for an approved policy; its secret is in this answer only.",
    auth: Auth::Token(PARTNER_SIDE),
    query: &[],
    body: Body::Envelope(&[
        ("policyName", S, true, "policy name"),
        ("label", S, true, "label, unique per partner and policy"),
    ]),
    answer: Answer::Envelope(&[
        ("apiKey", S, true, "the key (shown once)"),
        ("label", S, true, "label"),
        ("policyId", S, true, "policy id"),
        ("partnerId", S, true, "partner id"),
    ]),
    codes: &[
        "PMS_PRT_005",
        "PMS_PRT_055",
        "PMS_PRT_073",
        "PMS_PRT_098",
        "PMS_PRT_109",
        "PMS_PRT_110",
        "PMS_PMP_016",
        "PMS_COR_001",
    ],
};

pub(super) const MAP_CREDENTIAL_TYPE: Op = Op {
    method: "post",
    path: "/v1/partnermanager/partners/{partnerId}/credentialtype/{credentialType}/policies/{policyName}",
    tag: "Partner manager",
    summary: "Map a credential type of a partner to a policy of its group (again: the same answer).",
    auth: Auth::Token(ADMIN),
    query: &[],
    body: Body::None,
    answer: Answer::EnvelopeText,
    codes: &["PMS_PRT_005", "PMS_PRT_072", "PMS_PRT_073", "PMS_PRT_098", "PMS_PMP_019", "PMS_PMP_016"],
};

pub(super) const PARTNERS_V3: Op = Op {
    method: "get",
    path: "/v1/partnermanager/partners/v3",
    tag: "Partner manager",
    summary: "The caller's partners in a status (MOSIP's spelling, exactly), with their policy group when policyGroupAvailable=true. Second envelope, id mosip.pms.partners.v3.get; response an array.",
    auth: Auth::Token(PARTNER_SIDE),
    query: &[
        ("status", S, true, "approved, InProgress or rejected"),
        ("partnerType", S, false, "a type code, exactly"),
        ("policyGroupAvailable", "boolean", false, "true: partners with a group (its fields filled); false: without"),
    ],
    body: Body::None,
    answer: Answer::EnvelopeArray(&[("partnerId", S, true, "id"), ("partnerType", S, true, "type code"), ("policyGroupId", S, false, "when asked"), ("policyGroupName", S, false, "when asked"), ("policyGroupDescription", S, false, "when asked")]),
    codes: &["PMS_COR_001", "PMS_CERTIFICATE_ERROR_002"],
};

pub(super) const CERTIFICATE: Op = Op {
    method: "get",
    path: "/v1/partnermanager/partners/{partnerId}/certificate",
    tag: "Partner manager",
    summary: "The partner's certificate as the ID system trusts it (re-signed by the portal's CA): the partner itself or a partner admin. Old envelope (responsetime).",
    auth: Auth::Token(PARTNER_SIDE),
    query: &[],
    body: Body::None,
    answer: Answer::Envelope(&[("certificateData", S, true, "PEM"), ("timestamp", S, true, "when it was uploaded")]),
    codes: &["PMS_PRT_005", "PMS_PRT_055", "PMS_PRT_108"],
};

pub(super) const OIDC_CLIENT: Op = Op {
    method: "post",
    path: "/v1/partnermanager/oauth/client",
    tag: "Partner manager",
    summary: "An authentication partner's OIDC client, by the portal's own client rules: its JWK identifies it, its approved Auth policy gives its claims and ACRs. For the caller's own partner only.",
    auth: Auth::Token(PARTNER_SIDE),
    query: &[],
    body: Body::Envelope(&[("name", S, true, "client name"), ("policyId", S, true, "an approved Auth policy"), ("publicKey", "object", true, "the client's public JWK (RSA or EC)"), ("authPartnerId", S, true, "the caller's partner"), ("logoUri", S, true, "https URL"), ("redirectUris", "array", true, "1 to 5"), ("grantTypes", "array", true, "1 to 3"), ("clientAuthMethods", "array", true, "1 to 3"), ("clientNameLangMap", "object", true, "names by language")]),
    answer: Answer::Envelope(&[("clientId", S, true, "the key's thumbprint"), ("status", S, true, "ACTIVE")]),
    codes: &["PMS_COR_001", "PMS_CERTIFICATE_ERROR_002", "PMS_POLICY_ERROR_009", "PMS_ESI_007", "PMS_ESI_001", "PMS_PRT_109", "PMS_ESI_003", "PMS_ESI_005", "PMS_ESI_006"],
};
