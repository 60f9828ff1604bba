//! The OpenAPI 3.1 document of the portal's machine API (MOSIP's REST door, API key
//! verification, WebSub, the signing CAs, probes), generated from one table of operations,
//! and a readable reference page made from the same table. A router test checks that every
//! operation in the table is routed and every machine route is in the table.

use axum::http::header;
use axum::response::{IntoResponse, Response};
use serde_json::{json, Map, Value};

/// How a call proves who it is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Auth {
    /// Nothing.
    None,
    /// A JWT from MOSIP's sign-in, in an `Authorization` cookie or a Bearer header, with one of
    /// these roles.
    Token(&'static [&'static str]),
    /// A service token (`Authorization: Bearer pst_…`).
    ServiceToken,
}

/// A request body.
#[derive(Clone, Copy, Debug)]
pub enum Body {
    /// None.
    None,
    /// MOSIP's envelope around a `request` object with these fields.
    Envelope(&'static [Field]),
    /// A JSON object with these fields (not enveloped).
    Json(&'static [Field]),
    /// A JSON array of objects with these fields.
    JsonArray(&'static [Field]),
    /// A form with these fields.
    Form(&'static [Field]),
}

/// A field: name, JSON type, required, what it is.
pub type Field = (&'static str, &'static str, bool, &'static str);

/// An answer.
#[derive(Clone, Copy, Debug)]
pub enum Answer {
    /// MOSIP's envelope, `response` an object with these fields.
    Envelope(&'static [Field]),
    /// MOSIP's envelope, `response` a message string.
    EnvelopeText,
    /// MOSIP's envelope, `response` the boolean `true`.
    EnvelopeTrue,
    /// MOSIP's envelope, `response` an array of objects with these fields.
    EnvelopeArray(&'static [Field]),
    /// A bare JSON object with these fields.
    Json(&'static [Field]),
    /// A JSON array of objects with these fields.
    JsonArray(&'static [Field]),
    /// Plain text (or PEM).
    Text(&'static str),
    /// No body, this status.
    Empty(u16),
}

/// One operation.
#[derive(Clone, Copy, Debug)]
pub struct Op {
    /// HTTP method, lower case.
    pub method: &'static str,
    /// Path with `{parameters}`.
    pub path: &'static str,
    /// Group in the reference.
    pub tag: &'static str,
    /// What it does.
    pub summary: &'static str,
    /// Who may call it.
    pub auth: Auth,
    /// Query parameters.
    pub query: &'static [Field],
    /// Request body.
    pub body: Body,
    /// Success answer.
    pub answer: Answer,
    /// Error codes it answers with (besides KER-ATH-401/403 for guarded calls).
    pub codes: &'static [&'static str],
}

const ADMIN: &[&str] = &["PARTNER_ADMIN"];
const AUTHORS: &[&str] = &["POLICYMANAGER", "PARTNER_ADMIN"];
const PARTNER_SIDE: &[&str] = &[
    "PARTNER_ADMIN",
    "AUTH_PARTNER",
    "CREDENTIAL_PARTNER",
    "DEVICE_PROVIDER",
    "FTM_PROVIDER",
    "MISP_PARTNER",
];

const S: &str = "string";
const KC_USER: &[Field] = &[
    ("id", S, false, "user id (answers only)"),
    (
        "username",
        S,
        true,
        "user name (lower case; MOSIP's partner id)",
    ),
    ("firstName", S, false, "given name"),
    ("lastName", S, false, "family name"),
    ("email", S, false, "email"),
    ("enabled", "boolean", false, "may sign in (default true)"),
    (
        "credentials",
        "array",
        false,
        "[{type: password, value, temporary}]",
    ),
];
const ROLE: &[Field] = &[
    ("id", S, true, "role id (its name)"),
    ("name", S, true, "role name"),
];

/// The `request` of MOSIP's deactivation calls.
const REVAMP_DEACTIVATE: &[Field] = &[("status", S, true, "De-Activate (exactly)")];

/// Every machine operation of the portal.
pub const OPS: &[Op] = &[
    Op {
        method: "post",
        path: "/v1/authmanager/authenticate/clientidsecretkey",
        tag: "MOSIP sign-in",
        summary: "An API client signs in; the JWT comes in Set-Cookie: Authorization.",
        auth: Auth::None,
        query: &[],
        body: Body::Envelope(&[("clientId", S, true, "client id"), ("secretKey", S, true, "client secret"), ("appId", S, false, "MOSIP application id (ida, partner...)")]),
        answer: Answer::Envelope(&[("status", S, true, "Success"), ("message", S, true, "Clientid and Token combination had been validated successfully")]),
        codes: &["KER-ATH-401", "PMS_AUTH_LOCKED", "PMS_COR_001", "PMS_COR_003"],
    },
    Op {
        method: "post",
        path: "/v1/authmanager/authenticate/internal/useridPwd",
        tag: "MOSIP sign-in",
        summary: "A user signs in with its user name (or email) and password; the JWT is in response.token and Set-Cookie.",
        auth: Auth::None,
        query: &[],
        body: Body::Envelope(&[("userName", S, true, "user name or email"), ("password", S, true, "password"), ("appId", S, false, "application id"), ("clientId", S, false, "client the token is for (mosip-pms-client)"), ("clientSecret", S, false, "not checked: the user's password authenticates")]),
        answer: Answer::Envelope(&[("token", S, true, "the JWT"), ("message", S, true, "Username and password combination had been validated successfully"), ("expiryTime", "integer", true, "lifetime, ms"), ("userId", S, true, "who signed in"), ("status", S, true, "Success")]),
        codes: &["KER-ATH-401", "PMS_AUTH_LOCKED", "PMS_COR_001", "PMS_COR_003"],
    },
    Op {
        method: "post",
        path: "/auth/realms/{realm}/protocol/openid-connect/token",
        tag: "Keycloak",
        summary: "Keycloak's token endpoint (realm master or mosip): password and client-credentials grants.",
        auth: Auth::None,
        query: &[],
        body: Body::Form(&[("grant_type", S, true, "password or client_credentials"), ("client_id", S, true, "admin-cli, mosip-pms-client, or an API client"), ("username", S, false, "password grant"), ("password", S, false, "password grant"), ("client_secret", S, false, "client-credentials grant")]),
        answer: Answer::Json(&[("access_token", S, true, "the JWT"), ("expires_in", "integer", true, "seconds"), ("token_type", S, true, "Bearer")]),
        codes: &["invalid_grant", "unsupported_grant_type", "invalid_request"],
    },
    Op {
        method: "post",
        path: "/auth/admin/realms/{realm}/users",
        tag: "Keycloak",
        summary: "Create a user (a portal account that signs in at once); 201 with Location. A deleted user's partner passes to a new user of its name.",
        auth: Auth::Token(ADMIN),
        query: &[],
        body: Body::Json(KC_USER),
        answer: Answer::Empty(201),
        codes: &["409 User exists with same username", "409 User exists with same email", "400"],
    },
    Op {
        method: "get",
        path: "/auth/admin/realms/{realm}/users",
        tag: "Keycloak",
        summary: "The user of that exact user name (or email), as a list.",
        auth: Auth::Token(ADMIN),
        query: &[("username", S, false, "user name"), ("email", S, false, "email")],
        body: Body::None,
        answer: Answer::JsonArray(KC_USER),
        codes: &["400"],
    },
    Op {
        method: "delete",
        path: "/auth/admin/realms/{realm}/users/{id}",
        tag: "Keycloak",
        summary: "Delete a user: its sessions and tokens end, its name and email are freed; its partner stays.",
        auth: Auth::Token(ADMIN),
        query: &[],
        body: Body::None,
        answer: Answer::Empty(204),
        codes: &["404 User not found", "409 your own account"],
    },
    Op {
        method: "post",
        path: "/auth/admin/realms/{realm}/users/{id}/role-mappings/realm",
        tag: "Keycloak",
        summary: "Grant realm roles; MOSIP's roles the portal does not enforce are accepted and grant nothing.",
        auth: Auth::Token(ADMIN),
        query: &[],
        body: Body::JsonArray(ROLE),
        answer: Answer::Empty(204),
        codes: &["404 Could not find role", "404 The user was not found"],
    },
    Op {
        method: "get",
        path: "/auth/admin/realms/{realm}/users/{id}/role-mappings/realm",
        tag: "Keycloak",
        summary: "The user's realm roles.",
        auth: Auth::Token(ADMIN),
        query: &[],
        body: Body::None,
        answer: Answer::JsonArray(ROLE),
        codes: &["404 User not found"],
    },
    Op {
        method: "get",
        path: "/auth/admin/realms/{realm}/roles",
        tag: "Keycloak",
        summary: "Realm roles: the portal's and MOSIP's others.",
        auth: Auth::Token(ADMIN),
        query: &[],
        body: Body::None,
        answer: Answer::JsonArray(ROLE),
        codes: &[],
    },
    Op {
        method: "post",
        path: "/v1/partnermanager/partners/certificate/ca/upload",
        tag: "Partner manager",
        summary: "Add a root or intermediate CA to the trust store of a domain.",
        auth: Auth::Token(ADMIN),
        query: &[],
        body: Body::Envelope(&[("certificateData", S, true, "PEM"), ("partnerDomain", S, true, "AUTH, DEVICE or FTM (any case)")]),
        answer: Answer::Envelope(&[("status", S, true, "Upload Success."), ("timestamp", S, true, "UTC")]),
        codes: &["KER-PCM-003", "KER-CRY-003", "KER-PCM-001", "KER-PCM-004", "KER-PCM-005", "KER-PCM-011", "PMS_COR_001"],
    },
    Op {
        method: "post",
        path: "/v1/partnermanager/partners/certificate/upload",
        tag: "Partner manager",
        summary: "Upload a partner's certificate; the answer holds the portal's re-signed certificate for the same key.",
        auth: Auth::Token(PARTNER_SIDE),
        query: &[],
        body: Body::Envelope(&[("certificateData", S, true, "PEM"), ("partnerDomain", S, true, "the partner type's domain"), ("partnerId", S, true, "partner id (own, or any for a partner admin)")]),
        answer: Answer::Envelope(&[("certificateId", S, true, "upload id"), ("signedCertificateData", S, true, "re-signed certificate, PEM"), ("timestamp", S, true, "UTC")]),
        codes: &["PMS_PRT_005", "PMS_PRT_055", "KER-PCM-011", "KER-KMS-013", "KER-PCM-001", "KER-PCM-004", "KER-PCM-006", "KER-PCM-008", "KER-PCM-013", "KER-PCM-015", "PMS_PMP_016", "PMS_COR_001"],
    },
    Op {
        method: "post",
        path: "/v1/partnermanager/partners",
        tag: "Partner manager",
        summary: "The signed-in user registers its partner; it starts InProgress (pending).",
        auth: Auth::Token(PARTNER_SIDE),
        query: &[],
        body: Body::Envelope(&[("partnerId", S, true, "partner id"), ("partnerType", S, true, "Auth_Partner, Credential_Partner, Device_Provider..."), ("organizationName", S, true, "organisation (must equal the certificate's O=)"), ("policyGroup", S, false, "policy group name, for types that need one"), ("emailId", S, true, "contact email"), ("contactNumber", S, true, "phone"), ("address", S, true, "address"), ("langCode", S, false, "eng, fra, ara... (default eng)")]),
        answer: Answer::Envelope(&[("partnerId", S, true, "partner id"), ("status", S, true, "InProgress")]),
        codes: &["PMS_PRT_051", "PMS_PRT_011", "PMS_PRT_012", "PMS_PRT_013", "PMS_PRT_010", "PMS_PRT_002", "PMS_PMP_023", "PMS_PRT_108", "PMS_PRT_055", "PMS_COR_001"],
    },
    Op {
        method: "get",
        path: "/v1/partnermanager/admin-partners",
        tag: "Partner manager",
        summary: "Partners, paged (0-based), sorted and filtered on the partners page's own query; answered in MOSIP's second envelope (responseTime).",
        auth: Auth::Token(ADMIN),
        query: &[
            ("sortFieldName", S, false, "partnerId, partnerType, orgName, policyGroupId, policyGroupName, emailAddress, certificateUploadStatus, status, isActive or createdDateTime; with sortType"),
            ("sortType", S, false, "asc or desc (any case); with sortFieldName"),
            ("pageNo", "integer", false, "0-based, default 0"),
            ("pageSize", "integer", false, "default 8, at most 100"),
            ("partnerId", S, false, "contains, any case"),
            ("partnerType", S, false, "contains, any case"),
            ("orgName", S, false, "contains, any case"),
            ("emailAddress", S, false, "contains, any case"),
            ("policyGroupName", S, false, "contains, any case (empty: partners with a group)"),
            ("isActive", "boolean", false, "approved (true) or not (false)"),
            ("certificateUploadStatus", S, false, "uploaded or not_uploaded"),
        ],
        body: Body::None,
        answer: Answer::Envelope(&[("pageNo", "integer", true, "the page asked for (0 when nothing matches)"), ("pageSize", "integer", true, "rows per page"), ("totalResults", "integer", true, "matching partners"), ("data", "array", true, "{partnerId, partnerType, orgName, policyGroupId, policyGroupName, emailAddress, certificateUploadStatus, status, isActive, createdDateTime}")]),
        codes: &["PMS_PS_ERROR_007", "PMS_PRT_357", "PMS_PRT_358", "PMS_PRT_360", "PMS_PRT_361", "KER_PRT_390"],
    },
    Op {
        method: "post",
        path: "/v1/partnermanager/partners/search",
        tag: "Partner manager",
        summary: "Search partners (old search; responsetime, id null). A partner admin searches every partner, anyone else only its own. address, contactNo and emailId are shown but cannot be filtered or sorted (KER_PRT_391).",
        auth: Auth::Token(PARTNER_SIDE),
        query: &[],
        body: Body::Envelope(&[("filters", "array", true, "[{columnName, type (equals, contains, startsWith, between, in), value, values, fromValue, toValue}]"), ("sort", "array", true, "[{sortField, sortType}]"), ("pagination", "object", true, "{pageStart (0-based page), pageFetch}"), ("partnerType", S, true, "a type code or all")]),
        answer: Answer::Envelope(&[("fromRecord", "integer", true, "first row's number (0 when none)"), ("toRecord", "integer", true, "last row's number"), ("totalRecord", "integer", true, "matching rows"), ("data", "array", true, "{id, address, contactNo, crBy, crDtimes, delDtimes, emailId, isActive, isDeleted, name, policyGroupId, certificateAlias, partnerTypeCode, approvalStatus, updBy, updDtimes, userId, langCode} (null when none)")]),
        codes: &["PMS_COR_001", "KER_PRT_391", "PMS-MSD-311", "PMS-MSD-310", "PMS-MSD-312", "PMS-MSD-392", "PMS-MSD-390", "PMS-MSD-391", "PMS-MSD-315", "PMS-MSD-314", "PMS-MSD-357", "PMS-MSD-358", "PMS-MSD-313", "PMS_COR_003"],
    },
    Op {
        method: "post",
        path: "/v1/partnermanager/partners/partnertype/search",
        tag: "Partner manager",
        summary: "Search partner types (old search).",
        auth: Auth::Token(PARTNER_SIDE),
        query: &[],
        body: Body::Envelope(&[("filters", "array", true, "[{columnName, type (equals, contains, startsWith, between, in), value, values, fromValue, toValue}]"), ("sort", "array", true, "[{sortField, sortType}]"), ("pagination", "object", true, "{pageStart (0-based page), pageFetch}")]),
        answer: Answer::Envelope(&[("fromRecord", "integer", true, "first row's number (0 when none)"), ("toRecord", "integer", true, "last row's number"), ("totalRecord", "integer", true, "matching rows"), ("data", "array", true, "{code, crBy, crDtimes, delDtimes, isActive, isDeleted, partnerDescription, updBy, updDtimes, isPolicyRequired} (null when none)")]),
        codes: &["PMS-MSD-311", "PMS-MSD-310", "PMS-MSD-312", "PMS-MSD-392", "PMS-MSD-390", "PMS-MSD-391", "PMS-MSD-315", "PMS-MSD-314", "PMS-MSD-357", "PMS-MSD-358", "PMS-MSD-313", "PMS_COR_003"],
    },
    Op {
        method: "post",
        path: "/v1/policymanager/policies/search",
        tag: "Policy manager",
        summary: "Search policies of a type (old search; no metadata, id null). Policy authors search every policy; a partner the published policies of its own group. desc (or descr) and policyGroupName filter but do not sort.",
        auth: Auth::Token(&["PARTNER_ADMIN", "POLICYMANAGER", "AUTH_PARTNER", "CREDENTIAL_PARTNER", "DEVICE_PROVIDER", "FTM_PROVIDER", "MISP_PARTNER"]),
        query: &[],
        body: Body::Envelope(&[("filters", "array", true, "[{columnName, type (equals, contains, startsWith, between, in), value, values, fromValue, toValue}]"), ("sort", "array", true, "[{sortField, sortType}]"), ("pagination", "object", true, "{pageStart (0-based page), pageFetch}"), ("policyType", S, true, "Auth, DataShare, MISP or all")]),
        answer: Answer::Envelope(&[("fromRecord", "integer", true, "first row's number (0 when none)"), ("toRecord", "integer", true, "last row's number"), ("totalRecord", "integer", true, "matching rows"), ("data", "array", true, "{id, crBy, crDtimes, delDtimes, desc, isActive, isDeleted, name, policies (the policy id), updBy, updDtimes, validFromDate, validToDate, version, policyType, schema, policyGroupId, policyGroupName} (null when none)")]),
        codes: &["PMS_COR_001", "PMS-MSD-311", "PMS-MSD-310", "PMS-MSD-312", "PMS-MSD-392", "PMS-MSD-390", "PMS-MSD-391", "PMS-MSD-315", "PMS-MSD-314", "PMS-MSD-357", "PMS-MSD-358", "PMS-MSD-313", "PMS_COR_003"],
    },
    Op {
        method: "post",
        path: "/v1/policymanager/policies/group/search",
        tag: "Policy manager",
        summary: "Search policy groups (old search).",
        auth: Auth::Token(AUTHORS),
        query: &[],
        body: Body::Envelope(&[("filters", "array", true, "[{columnName, type (equals, contains, startsWith, between, in), value, values, fromValue, toValue}]"), ("sort", "array", true, "[{sortField, sortType}]"), ("pagination", "object", true, "{pageStart (0-based page), pageFetch}")]),
        answer: Answer::Envelope(&[("fromRecord", "integer", true, "first row's number (0 when none)"), ("toRecord", "integer", true, "last row's number"), ("totalRecord", "integer", true, "matching rows"), ("data", "array", true, "{id, crBy, crDtimes, delDtimes, desc, isActive, isDeleted, name, updBy, updDtimes} (null when none)")]),
        codes: &["PMS-MSD-311", "PMS-MSD-310", "PMS-MSD-312", "PMS-MSD-392", "PMS-MSD-390", "PMS-MSD-391", "PMS-MSD-315", "PMS-MSD-314", "PMS-MSD-357", "PMS-MSD-358", "PMS-MSD-313", "PMS_COR_003"],
    },
    Op {
        method: "get",
        path: "/v1/partnermanager/partner-api-keys",
        tag: "Partner manager",
        summary: "Authentication partners' API keys (never a secret): every partner's for partner admins, the caller's own partner's otherwise. Second envelope, id mosip.pms.all.api.key.requests.get.",
        auth: Auth::Token(&["PARTNER_ADMIN", "AUTH_PARTNER"]),
        query: &[
            ("sortFieldName", S, false, "partnerId, apiKeyLabel, orgName, policyName, policyGroupName, status, createdDateTime or apiKeyExpiryDateTime; with sortType and paging"),
            ("sortType", S, false, "asc or desc (any case); with sortFieldName and paging"),
            ("pageNo", "integer", false, "0-based; with pageSize"),
            ("pageSize", "integer", false, "with pageNo, at most 100; neither: the first 100 rows"),
            ("partnerId", S, false, "contains, any case"),
            ("apiKeyLabel", S, false, "contains, any case"),
            ("orgName", S, false, "contains, any case"),
            ("policyName", S, false, "contains, any case"),
            ("policyGroupName", S, false, "contains, any case"),
            ("status", S, false, "activated or deactivated (exactly)"),
        ],
        body: Body::None,
        answer: Answer::Envelope(&[("pageNo", "integer", true, "the page asked for (0 when the page is empty)"), ("pageSize", "integer", true, "rows per page"), ("totalResults", "integer", true, "matching rows"), ("data", "array", true, "{partnerId, apiKeyLabel, orgName, policyId, policyName, policyDescription, policyGroupId, policyGroupName, policyGroupDescription, status, createdDateTime, apiKeyExpiryDateTime, isApiKeyExpiredStatus}")]),
        codes: &["PMS_PS_ERROR_007", "PMS_PS_ERROR_006", "PMS_PS_ERROR_008", "PMS_PRT_357", "PMS_PRT_358", "PMS_PRT_360", "PMS_PRT_361", "PMS_CERTIFICATE_ERROR_002"],
    },
    Op {
        method: "get",
        path: "/v1/partnermanager/partner-policy-requests",
        tag: "Partner manager",
        summary: "Policy requests: every partner's for partner admins, the caller's own partner's otherwise. Second envelope, id mosip.pms.all.partner.policy.mapping.requests.get.",
        auth: Auth::Token(&["PARTNER_ADMIN", "AUTH_PARTNER", "CREDENTIAL_PARTNER"]),
        query: &[
            ("sortFieldName", S, false, "partnerId, partnerType, orgName, policyId, policyGroupName, policyName, status, requestDetail or createdDateTime; with sortType and paging"),
            ("sortType", S, false, "asc or desc (any case); with sortFieldName and paging"),
            ("pageNo", "integer", false, "0-based; with pageSize"),
            ("pageSize", "integer", false, "with pageNo, at most 100; neither: the first 100 rows"),
            ("partnerId", S, false, "contains, any case"),
            ("partnerType", S, false, "contains, any case"),
            ("orgName", S, false, "contains, any case"),
            ("policyId", S, false, "contains, any case"),
            ("policyName", S, false, "contains, any case"),
            ("policyGroupName", S, false, "contains, any case"),
            ("partnerComment", S, false, "contains, any case (the request's use case)"),
            ("status", S, false, "approved, rejected or InProgress (exactly)"),
        ],
        body: Body::None,
        answer: Answer::Envelope(&[("pageNo", "integer", true, "the page asked for (0 when the page is empty)"), ("pageSize", "integer", true, "rows per page"), ("totalResults", "integer", true, "matching rows"), ("data", "array", true, "{id, partnerId, partnerStatus, orgName, partnerType, policyId, policyName, policyDescription, policyGroupId, policyGroupName, policyGroupDescription, partnerComment, status, createdDateTime, updatedDateTime}")]),
        codes: &["PMS_PS_ERROR_007", "PMS_PS_ERROR_006", "PMS_PS_ERROR_008", "PMS_PRT_357", "PMS_PRT_358", "PMS_PRT_360", "PMS_PRT_361", "PMS_CERTIFICATE_ERROR_002"],
    },
    Op {
        method: "get",
        path: "/v1/partnermanager/devicedetail",
        tag: "Partner manager",
        summary: "Every provider's device models, paged (0-based), sorted and filtered; one row per device with its first linked SBI. Second envelope (responseTime), id mosip.pms.get.all.device.details.get.",
        auth: Auth::Token(ADMIN),
        query: &[
            ("sortFieldName", S, false, "deviceId, sbiId, sbiVersion, partnerId, orgName, deviceType, deviceSubType, make, model, createdDateTime or status; with sortType"),
            ("sortType", S, false, "asc or desc (any case); with sortFieldName"),
            ("pageNo", "integer", false, "0-based, default 0"),
            ("pageSize", "integer", false, "default 8, at most 100"),
            ("partnerId", S, false, "contains, any case"),
            ("orgName", S, false, "contains, any case"),
            ("deviceType", S, false, "contains, any case"),
            ("deviceSubType", S, false, "contains, any case"),
            ("make", S, false, "contains, any case"),
            ("model", S, false, "contains, any case"),
            ("sbiId", S, false, "contains, any case (any linked SBI)"),
            ("sbiVersion", S, false, "contains, any case (any linked SBI)"),
            ("deviceId", S, false, "contains, any case"),
            ("status", S, false, "approved, rejected, pending_approval or deactivated (exactly; other values match nothing)"),
        ],
        body: Body::None,
        answer: Answer::Envelope(&[("pageNo", "integer", true, "the page asked for (0 when the page is empty)"), ("pageSize", "integer", true, "rows per page"), ("totalResults", "integer", true, "matching rows"), ("data", "array", true, "{deviceId, partnerId, orgName, deviceType, deviceSubType, status, make, model, createdDateTime, sbiId, sbiVersion}")]),
        codes: &["PMS_PS_ERROR_007", "PMS_PRT_357", "PMS_PRT_358", "PMS_PRT_360", "PMS_PRT_361"],
    },
    Op {
        method: "post",
        path: "/v1/partnermanager/devicedetail/{deviceDetailId}/approval",
        tag: "Partner manager",
        summary: "Approve or reject a pending device model linked to an approved, unexpired SBI of the same provider. Revamp envelope id mosip.pms.approval.mapping.device.to.sbi.post; a missing request answers 400 PMS_COR_001.",
        auth: Auth::Token(ADMIN),
        query: &[],
        body: Body::Envelope(&[("partnerId", S, true, "the device's provider"), ("sbiId", S, true, "an SBI the device is linked to"), ("status", S, true, "approved or rejected (exactly)")]),
        answer: Answer::EnvelopeTrue,
        codes: &["PMS_COR_001", "PMS_REQUEST_ERROR_002", "PMS_REQUEST_ERROR_003", "PMS_REQUEST_ERROR_004", "PMS_REQUEST_ERROR_005", "PMS_REQUEST_ERROR_006", "PMS_REQUEST_ERROR_001", "PMS_DEVICE_ERROR_027", "PMS_DEVICE_ERROR_024", "PMS_DEVICE_ERROR_025", "PMS_DEVICE_ERROR_005", "PMS_DEVICE_ERROR_002", "PMS_DEVICE_ERROR_009", "PMS_DEVICE_ERROR_028", "PMS_DEVICE_ERROR_029", "PMS_DEVICE_ERROR_021", "PMS_DEVICE_ERROR_006", "PMS_DEVICE_ERROR_007", "PMS_DEVICE_ERROR_010", "PMS_DEVICE_ERROR_012"],
    },
    Op {
        method: "get",
        path: "/v1/partnermanager/securebiometricinterface",
        tag: "Partner manager",
        summary: "SBIs: every provider's for partner admins, the caller's own for device providers; with their devices counted by status. Second envelope, id mosip.pms.all.sbi.details.get.",
        auth: Auth::Token(&["PARTNER_ADMIN", "DEVICE_PROVIDER"]),
        query: &[
            ("sortFieldName", S, false, "partnerId, orgName, sbiId, sbiVersion, sbiCreatedDateTime, sbiExpiryDateTime, createdDateTime, status, sbiExpiryStatus, countOfAssociatedDevices or partnerType; with sortType and paging"),
            ("sortType", S, false, "asc or desc (any case); with sortFieldName and paging"),
            ("pageNo", "integer", false, "0-based; with pageSize"),
            ("pageSize", "integer", false, "with pageNo, at most 100; neither: the first 100 rows"),
            ("partnerId", S, false, "contains, any case"),
            ("orgName", S, false, "contains, any case"),
            ("sbiId", S, false, "contains, any case"),
            ("sbiVersion", S, false, "contains, any case"),
            ("status", S, false, "approved, rejected, pending_approval or deactivated (exactly)"),
            ("sbiExpiryStatus", S, false, "expired or valid"),
            ("expiryPeriod", "integer", false, "1 to 30: expiring within that many days"),
        ],
        body: Body::None,
        answer: Answer::Envelope(&[("pageNo", "integer", true, "the page asked for (0 when the page is empty)"), ("pageSize", "integer", true, "rows per page"), ("totalResults", "integer", true, "matching rows"), ("data", "array", true, "{partnerId, orgName, sbiId, sbiVersion, status, isActive, sbiCreatedDateTime, sbiExpiryDateTime, sbiExpiryStatus, countOfAssociatedDevices, countOfApprovedDevices, countOfPendingDevices, createdDateTime}")]),
        codes: &["PMS_PS_ERROR_007", "PMS_PS_ERROR_006", "PMS_PS_ERROR_008", "PMS_PRT_357", "PMS_PRT_358", "PMS_PRT_360", "PMS_PRT_361", "PMS_CERTIFICATE_ERROR_002", "PMS_COR_001"],
    },
    Op {
        method: "get",
        path: "/v1/partnermanager/ftpchipdetail/v2",
        tag: "Partner manager",
        summary: "Every provider's FTM chips, paged (0-based), sorted and filtered. Second envelope, id mosip.pms.partners.ftm.chip.details.get.",
        auth: Auth::Token(ADMIN),
        query: &[
            ("sortFieldName", S, false, "partnerId, orgName, ftmId, make, model, createdDateTime or status; with sortType"),
            ("sortType", S, false, "asc or desc (any case); with sortFieldName"),
            ("pageNo", "integer", false, "0-based, default 0"),
            ("pageSize", "integer", false, "default 8, at most 100"),
            ("partnerId", S, false, "contains, any case"),
            ("orgName", S, false, "contains, any case"),
            ("ftmId", S, false, "contains, any case"),
            ("make", S, false, "contains, any case"),
            ("model", S, false, "contains, any case"),
            ("status", S, false, "approved, rejected, pending_cert_upload, pending_approval or deactivated (exactly)"),
        ],
        body: Body::None,
        answer: Answer::Envelope(&[("pageNo", "integer", true, "the page asked for (0 when the page is empty)"), ("pageSize", "integer", true, "rows per page"), ("totalResults", "integer", true, "matching rows"), ("data", "array", true, "{ftmId, partnerId, orgName, make, model, status, isActive, isCertificateAvailable, createdDateTime}")]),
        codes: &["PMS_PS_ERROR_007", "PMS_PRT_357", "PMS_PRT_358", "PMS_PRT_360", "PMS_PRT_361"],
    },
    Op {
        method: "get",
        path: "/v1/policymanager/policies/v2",
        tag: "Policy manager",
        summary: "Every policy, paged (0-based), sorted and filtered; newest first without a sort; half a sort is ignored. Second envelope, id mosip.pms.policies.get.",
        auth: Auth::Token(AUTHORS),
        query: &[
            ("sortFieldName", S, false, "policyId, policyName, policyDescription, policyGroupId, policyGroupName, createdDateTime or status; with sortType"),
            ("sortType", S, false, "asc or desc (any case); with sortFieldName"),
            ("pageNo", "integer", false, "0-based, default 0"),
            ("pageSize", "integer", false, "default 8, at most 100"),
            ("policyId", S, false, "contains, any case"),
            ("policyName", S, false, "contains, any case"),
            ("policyDescription", S, false, "contains, any case"),
            ("policyType", S, false, "contains, any case"),
            ("policyGroupName", S, false, "contains, any case"),
            ("status", S, false, "activated, deactivated or draft (exactly)"),
        ],
        body: Body::None,
        answer: Answer::Envelope(&[("pageNo", "integer", true, "the page asked for (0 when the page is empty)"), ("pageSize", "integer", true, "rows per page"), ("totalResults", "integer", true, "matching rows"), ("data", "array", true, "{policyId, policyType, policyName, policyDescription, policyGroupId, policyGroupName, status, createdDateTime}")]),
        codes: &["PMS_PRT_357", "PMS_PRT_358", "PMS_PRT_360", "PMS_PRT_361"],
    },
    Op {
        method: "post",
        path: "/v1/partnermanager/partners/{partnerId}/policy/map",
        tag: "Partner manager",
        summary: "The partner requests a published policy of its group.",
        auth: Auth::Token(PARTNER_SIDE),
        query: &[],
        body: Body::Envelope(&[("policyName", S, true, "policy name"), ("useCaseDescription", S, true, "why")]),
        answer: Answer::Envelope(&[("mappingkey", S, true, "request id"), ("message", S, true, "Policy mapping request submitted successfully.")]),
        codes: &["PMS_PRT_005", "PMS_PRT_055", "PMS_PRT_073", "PMS_PRT_098", "PMS_PMP_019", "PMS_PMP_016", "PMS_PRT_053", "PMS_PRT_060", "PMS_PRT_120", "PMS_COR_001"],
    },
    Op {
        method: "put",
        path: "/v1/partnermanager/partners/policy/{mappingkey}",
        tag: "Partner manager",
        summary: "A partner admin approves or rejects a policy request.",
        auth: Auth::Token(ADMIN),
        query: &[],
        body: Body::Envelope(&[("status", S, true, "Approved or Rejected")]),
        answer: Answer::EnvelopeText,
        codes: &["PMS_PMP_007", "PMS_PM_034", "PMS_PM_035", "PMS_PM_045", "PMS_COR_001"],
    },
    Op {
        method: "patch",
        path: "/v1/partnermanager/partners/{partnerId}/generate/apikey",
        tag: "Partner manager",
        summary: "An API key for an approved policy; its secret is in this answer only.",
        auth: Auth::Token(PARTNER_SIDE),
        query: &[],
        body: Body::Envelope(&[("policyName", S, true, "policy name"), ("label", S, true, "label, unique per partner and policy")]),
        answer: Answer::Envelope(&[("apiKey", S, true, "the key (shown once)"), ("label", S, true, "label"), ("policyId", S, true, "policy id"), ("partnerId", S, true, "partner id")]),
        codes: &["PMS_PRT_005", "PMS_PRT_055", "PMS_PRT_073", "PMS_PRT_098", "PMS_PRT_109", "PMS_PRT_110", "PMS_PMP_016", "PMS_COR_001"],
    },
    Op {
        method: "post",
        path: "/v1/partnermanager/partners/{partnerId}/credentialtype/{credentialType}/policies/{policyName}",
        tag: "Partner manager",
        summary: "Map a credential type of a partner to a policy of its group (again: the same answer).",
        auth: Auth::Token(ADMIN),
        query: &[],
        body: Body::None,
        answer: Answer::EnvelopeText,
        codes: &["PMS_PRT_005", "PMS_PRT_072", "PMS_PRT_073", "PMS_PRT_098", "PMS_PMP_019", "PMS_PMP_016"],
    },
    Op {
        method: "post",
        path: "/v1/policymanager/policies/group/new",
        tag: "Policy manager",
        summary: "Create a policy group.",
        auth: Auth::Token(AUTHORS),
        query: &[],
        body: Body::Envelope(&[("name", S, true, "name (at most 128)"), ("desc", S, true, "description (at most 256)")]),
        answer: Answer::Envelope(&[("id", S, true, "id"), ("name", S, true, "name"), ("desc", S, true, "description"), ("is_Active", "boolean", true, "true"), ("cr_by", S, true, "creator"), ("cr_dtimes", S, true, "created")]),
        codes: &["PMS_POL_014", "PMS_COR_001", "PMS_COR_003"],
    },
    Op {
        method: "post",
        path: "/v1/policymanager/policies",
        tag: "Policy manager",
        summary: "Create a draft policy in a group; its document is checked against the type's schema.",
        auth: Auth::Token(AUTHORS),
        query: &[],
        body: Body::Envelope(&[("name", S, true, "name"), ("desc", S, true, "description"), ("policyGroupName", S, true, "group name"), ("policyType", S, true, "Auth, DataShare or MISP"), ("version", S, false, "MOSIP's version label"), ("policies", "object", true, "the policy document")]),
        answer: Answer::Envelope(&[("id", S, true, "id"), ("name", S, true, "name"), ("desc", S, true, "description"), ("policyGroupName", S, true, "group"), ("is_Active", "boolean", true, "false until published")]),
        codes: &["PMS_POL_019", "PMS_POL_009", "PMS_POL_023", "PMS_PV_005", "PMS_PV_006", "PMS_COR_001"],
    },
    Op {
        method: "post",
        path: "/v1/policymanager/policies/{policyId}/group/{policyGroupId}/publish",
        tag: "Policy manager",
        summary: "Publish a policy (valid ten years).",
        auth: Auth::Token(AUTHORS),
        query: &[],
        body: Body::None,
        answer: Answer::Envelope(&[("policyId", S, true, "id"), ("policyName", S, true, "name"), ("policyGroupId", S, true, "group id"), ("status", S, true, "PUBLISHED"), ("validTill", S, true, "end of validity"), ("policies", "object", true, "the document")]),
        codes: &["PMS_POL_008", "PMS_POL_015", "PMS_POL_016", "PMS_POL_020"],
    },
    Op {
        method: "patch",
        path: "/v1/policymanager/policies/group/{policyGroupId}",
        tag: "Policy manager",
        summary: "Deactivate a policy group (refused while it holds published or draft policies). MOSIP's revamp envelope: id mosip.pms.deactivate.policy.group.patch, requestTime of today, version 1.0; answered with responseTime.",
        auth: Auth::Token(AUTHORS),
        query: &[],
        body: Body::Envelope(REVAMP_DEACTIVATE),
        answer: Answer::Envelope(&[("policyGroupId", S, true, "id"), ("isActive", "boolean", true, "false")]),
        codes: &["PMS_REQUEST_ERROR_002", "PMS_REQUEST_ERROR_003", "PMS_REQUEST_ERROR_004", "PMS_REQUEST_ERROR_005", "PMS_REQUEST_ERROR_006", "PMS_COR_002", "PMS_POL_073", "PMS_POL_068", "PMS_POL_067", "PMS_POL_069", "PMS_POL_056", "PMS_POL_070"],
    },
    Op {
        method: "patch",
        path: "/v1/partnermanager/securebiometricinterface/{sbiId}",
        tag: "Partner manager",
        summary: "Retire an approved SBI: a device provider its own, a partner admin any; approved devices linked only to it are deactivated, pending ones rejected. Revamp envelope id mosip.pms.deactivate.sbi.patch.",
        auth: Auth::Token(&["DEVICE_PROVIDER", "PARTNER_ADMIN"]),
        query: &[],
        body: Body::Envelope(REVAMP_DEACTIVATE),
        answer: Answer::Envelope(&[("sbiId", S, true, "id"), ("sbiVersion", S, true, "version"), ("status", S, true, "approved"), ("isActive", "boolean", true, "false")]),
        codes: &["PMS_REQUEST_ERROR_002", "PMS_REQUEST_ERROR_003", "PMS_REQUEST_ERROR_004", "PMS_REQUEST_ERROR_005", "PMS_REQUEST_ERROR_006", "PMS_DEVICE_ERROR_026", "PMS_CERTIFICATE_ERROR_002", "PMS_DEVICE_ERROR_005", "PMS_DEVICE_ERROR_019", "PMS_PMP_016", "PMS_DEVICE_ERROR_022", "PMS_DEVICE_ERROR_020"],
    },
    Op {
        method: "patch",
        path: "/v1/partnermanager/ftpchipdetail/{ftmId}",
        tag: "Partner manager",
        summary: "Retire an approved FTM chip: an FTM provider its own, a partner admin any. Revamp envelope id mosip.pms.deactivate.ftm.patch.",
        auth: Auth::Token(&["FTM_PROVIDER", "PARTNER_ADMIN"]),
        query: &[],
        body: Body::Envelope(REVAMP_DEACTIVATE),
        answer: Answer::Envelope(&[("ftmId", S, true, "id"), ("status", S, true, "approved"), ("isActive", "boolean", true, "false")]),
        codes: &["PMS_REQUEST_ERROR_002", "PMS_REQUEST_ERROR_003", "PMS_REQUEST_ERROR_004", "PMS_REQUEST_ERROR_005", "PMS_REQUEST_ERROR_006", "PMS_DEVICE_ERROR_026", "PMS_CERTIFICATE_ERROR_002", "PMS_FTM_ERROR_004", "PMS_FTM_ERROR_005", "PMS_FTM_ERROR_006", "PMS_PMP_016", "PMS_FTM_ERROR_010", "PMS_FTM_ERROR_007"],
    },
    Op {
        method: "patch",
        path: "/v1/partnermanager/devicedetail/{deviceId}",
        tag: "Partner manager",
        summary: "Retire an approved device model: a device provider its own, a partner admin any. Revamp envelope id mosip.pms.deactivate.device.patch.",
        auth: Auth::Token(&["DEVICE_PROVIDER", "PARTNER_ADMIN"]),
        query: &[],
        body: Body::Envelope(REVAMP_DEACTIVATE),
        answer: Answer::Envelope(&[("deviceId", S, true, "id"), ("status", S, true, "approved"), ("isActive", "boolean", true, "false")]),
        codes: &["PMS_REQUEST_ERROR_002", "PMS_REQUEST_ERROR_003", "PMS_REQUEST_ERROR_004", "PMS_REQUEST_ERROR_005", "PMS_REQUEST_ERROR_006", "PMS_DEVICE_ERROR_026", "PMS_CERTIFICATE_ERROR_002", "PMS_DEVICE_ERROR_006", "PMS_DEVICE_ERROR_016", "PMS_PMP_016", "PMS_DEVICE_ERROR_023", "PMS_DEVICE_ERROR_014"],
    },
    Op {
        method: "patch",
        path: "/v1/policymanager/policies/{policyId}",
        tag: "Policy manager",
        summary: "Deactivate a published policy no partner has asked for or been granted. Revamp envelope id mosip.pms.deactivate.policy.patch.",
        auth: Auth::Token(AUTHORS),
        query: &[],
        body: Body::Envelope(REVAMP_DEACTIVATE),
        answer: Answer::Envelope(&[("policyId", S, true, "id"), ("isActive", "boolean", true, "false")]),
        codes: &["PMS_REQUEST_ERROR_002", "PMS_REQUEST_ERROR_003", "PMS_REQUEST_ERROR_004", "PMS_REQUEST_ERROR_005", "PMS_REQUEST_ERROR_006", "PMS_COR_002", "PMS_POL_073", "PMS_POL_065", "PMS_POL_072", "PMS_POL_062", "PMS_POL_063", "PMS_POL_064"],
    },
    Op {
        method: "post",
        path: "/v1/partnermanager/devicedetail/search",
        tag: "Partner manager",
        summary: "Search device models (old search). A partner admin searches every provider's, a provider its own.",
        auth: Auth::Token(&["PARTNER_ADMIN", "DEVICE_PROVIDER", "FTM_PROVIDER"]),
        query: &[],
        body: Body::Envelope(&[("filters", "array", true, "[{columnName, type (equals, contains, startsWith, between, in), value, values, fromValue, toValue}]"), ("sort", "array", true, "[{sortField, sortType}]"), ("pagination", "object", true, "{pageStart (0-based page), pageFetch}")]),
        answer: Answer::Envelope(&[("fromRecord", "integer", true, "first row's number (0 when none)"), ("toRecord", "integer", true, "last row's number"), ("totalRecord", "integer", true, "matching rows"), ("data", "array", true, "{id, deviceProviderId, deviceTypeCode, deviceSubTypeCode, make, model, partnerOrganizationName, isActive, approvalStatus} (null when none)")]),
        codes: &["PMS_CERTIFICATE_ERROR_002", "PMS-MSD-311", "PMS-MSD-310", "PMS-MSD-312", "PMS-MSD-392", "PMS-MSD-390", "PMS-MSD-391", "PMS-MSD-315", "PMS-MSD-314", "PMS-MSD-357", "PMS-MSD-358", "PMS-MSD-313", "PMS_COR_003"],
    },
    Op {
        method: "post",
        path: "/v1/partnermanager/devicedetail/deviceType/search",
        tag: "Partner manager",
        summary: "Search device types and sub-types (old search; MOSIP's keys, desciption and active included).",
        auth: Auth::Token(&["PARTNER_ADMIN", "DEVICE_PROVIDER", "FTM_PROVIDER"]),
        query: &[],
        body: Body::Envelope(&[("filters", "array", true, "[{columnName, type (equals, contains, startsWith, between, in), value, values, fromValue, toValue}]"), ("sort", "array", true, "[{sortField, sortType}]"), ("pagination", "object", true, "{pageStart (0-based page), pageFetch}")]),
        answer: Answer::Envelope(&[("fromRecord", "integer", true, "first row's number (0 when none)"), ("toRecord", "integer", true, "last row's number"), ("totalRecord", "integer", true, "matching rows"), ("data", "array", true, "{code, deviceType, name, desciption, active, isDeleted, crBy, crDtimes, delDtimes, updBy, updDtimes} (null when none)")]),
        codes: &["PMS-MSD-311", "PMS-MSD-310", "PMS-MSD-312", "PMS-MSD-392", "PMS-MSD-390", "PMS-MSD-391", "PMS-MSD-315", "PMS-MSD-314", "PMS-MSD-357", "PMS-MSD-358", "PMS-MSD-313", "PMS_COR_003"],
    },
    Op {
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
    },
    Op {
        method: "get",
        path: "/v1/partnermanager/partners/{partnerId}/certificate",
        tag: "Partner manager",
        summary: "The partner's certificate as the ID system trusts it (re-signed by the portal's CA): the partner itself or a partner admin. Old envelope (responsetime).",
        auth: Auth::Token(PARTNER_SIDE),
        query: &[],
        body: Body::None,
        answer: Answer::Envelope(&[("certificateData", S, true, "PEM"), ("timestamp", S, true, "when it was uploaded")]),
        codes: &["PMS_PRT_005", "PMS_PRT_055", "PMS_PRT_108"],
    },
    Op {
        method: "post",
        path: "/v1/partnermanager/partners/filtervalues",
        tag: "Partner manager",
        summary: "The values of partner columns (fieldCode: the partner id); a partner admin's over every partner, anyone else's over its own. Boolean columns answer true and false.",
        auth: Auth::Token(PARTNER_SIDE),
        query: &[],
        body: Body::Envelope(&[("filters", "array", true, "[{columnName, type (unique, all), text (contained, any case)}]"), ("optionalFilters", "array", false, "conditions as in the search calls")]),
        answer: Answer::Envelope(&[("filters", "array", true, "[{fieldID (the column asked), fieldValue, fieldCode}]; at most 500 per column")]),
        codes: &["PMS_COR_001", "PMS-MSD-322", "PMS-MSD-317", "PMS-MSD-324", "KER_PRT_391"],
    },
    Op {
        method: "post",
        path: "/v1/partnermanager/devicedetail/filtervalues",
        tag: "Partner manager",
        summary: "Device values (fieldValue is the device's make and model, whichever column is asked, as MOSIP answers; fieldCode the device id); a provider's own devices.",
        auth: Auth::Token(&["PARTNER_ADMIN", "DEVICE_PROVIDER", "FTM_PROVIDER"]),
        query: &[],
        body: Body::Envelope(&[("filters", "array", true, "[{columnName, type (unique, all), text (contained, any case)}]"), ("optionalFilters", "array", false, "conditions as in the search calls")]),
        answer: Answer::Envelope(&[("filters", "array", true, "[{fieldID (the column asked), fieldValue, fieldCode}]; at most 500 per column")]),
        codes: &["PMS_COR_001", "PMS-MSD-322", "PMS-MSD-317", "PMS-MSD-324"],
    },
    Op {
        method: "post",
        path: "/v1/partnermanager/devicedetail/deviceType/filtervalues",
        tag: "Partner manager",
        summary: "Device type values.",
        auth: Auth::Token(&["PARTNER_ADMIN", "DEVICE_PROVIDER", "FTM_PROVIDER"]),
        query: &[],
        body: Body::Envelope(&[("filters", "array", true, "[{columnName, type (unique, all), text (contained, any case)}]"), ("optionalFilters", "array", false, "conditions as in the search calls")]),
        answer: Answer::Envelope(&[("filters", "array", true, "[{fieldID (the column asked), fieldValue, fieldCode}]; at most 500 per column")]),
        codes: &["PMS_COR_001", "PMS-MSD-322", "PMS-MSD-317", "PMS-MSD-324"],
    },
    Op {
        method: "post",
        path: "/v1/partnermanager/devicedetail/deviceSubType/filtervalues",
        tag: "Partner manager",
        summary: "Device sub-type values.",
        auth: Auth::Token(&["PARTNER_ADMIN", "DEVICE_PROVIDER", "FTM_PROVIDER"]),
        query: &[],
        body: Body::Envelope(&[("filters", "array", true, "[{columnName, type (unique, all), text (contained, any case)}]"), ("optionalFilters", "array", false, "conditions as in the search calls")]),
        answer: Answer::Envelope(&[("filters", "array", true, "[{fieldID (the column asked), fieldValue, fieldCode}]; at most 500 per column")]),
        codes: &["PMS_COR_001", "PMS-MSD-322", "PMS-MSD-317", "PMS-MSD-324"],
    },
    Op {
        method: "post",
        path: "/v1/partnermanager/securebiometricinterface/filtervalues",
        tag: "Partner manager",
        summary: "SBI column values (fieldCode: the SBI id); a provider's own SBIs.",
        auth: Auth::Token(&["PARTNER_ADMIN", "DEVICE_PROVIDER", "FTM_PROVIDER"]),
        query: &[],
        body: Body::Envelope(&[("filters", "array", true, "[{columnName, type (unique, all), text (contained, any case)}]"), ("optionalFilters", "array", false, "conditions as in the search calls")]),
        answer: Answer::Envelope(&[("filters", "array", true, "[{fieldID (the column asked), fieldValue, fieldCode}]; at most 500 per column")]),
        codes: &["PMS_COR_001", "PMS-MSD-322", "PMS-MSD-317", "PMS-MSD-324"],
    },
    Op {
        method: "post",
        path: "/v1/policymanager/policies/group/filtervalues",
        tag: "Policy manager",
        summary: "Policy group values (fieldCode: the group's name). The validator's codes come as PMS_COR_003, as MOSIP's policy service answers them.",
        auth: Auth::Token(&["PARTNER_ADMIN", "POLICYMANAGER", "AUTH_PARTNER", "CREDENTIAL_PARTNER", "DEVICE_PROVIDER", "FTM_PROVIDER", "MISP_PARTNER"]),
        query: &[],
        body: Body::Envelope(&[("filters", "array", true, "[{columnName, type (unique, all), text (contained, any case)}]"), ("optionalFilters", "array", false, "conditions as in the search calls")]),
        answer: Answer::Envelope(&[("filters", "array", true, "[{fieldID (the column asked), fieldValue, fieldCode}]; at most 500 per column")]),
        codes: &["PMS_COR_001", "PMS-MSD-322", "PMS-MSD-317", "PMS-MSD-324", "PMS_COR_003"],
    },
    Op {
        method: "post",
        path: "/v1/policymanager/policies/filtervalues",
        tag: "Policy manager",
        summary: "Policy values of a type (policyType, or all); a partner's over its group's published policies. The validator's codes come as PMS_COR_003.",
        auth: Auth::Token(&["PARTNER_ADMIN", "POLICYMANAGER", "AUTH_PARTNER", "CREDENTIAL_PARTNER", "DEVICE_PROVIDER", "FTM_PROVIDER", "MISP_PARTNER"]),
        query: &[],
        body: Body::Envelope(&[("filters", "array", true, "[{columnName, type (unique, all), text (contained, any case)}]"), ("optionalFilters", "array", false, "conditions as in the search calls"), ("policyType", S, true, "Auth, DataShare, MISP or all")]),
        answer: Answer::Envelope(&[("filters", "array", true, "[{fieldID (the column asked), fieldValue, fieldCode}]; at most 500 per column")]),
        codes: &["PMS_COR_001", "PMS-MSD-322", "PMS-MSD-317", "PMS-MSD-324", "PMS_COR_003"],
    },
    Op {
        method: "post",
        path: "/v1/partnermanager/oauth/client",
        tag: "Partner manager",
        summary: "An authentication partner's OIDC client, by the portal's own client rules: its JWK identifies it, its approved Auth policy gives its claims and ACRs. For the caller's own partner only.",
        auth: Auth::Token(PARTNER_SIDE),
        query: &[],
        body: Body::Envelope(&[("name", S, true, "client name"), ("policyId", S, true, "an approved Auth policy"), ("publicKey", "object", true, "the client's public JWK (RSA or EC)"), ("authPartnerId", S, true, "the caller's partner"), ("logoUri", S, true, "https URL"), ("redirectUris", "array", true, "1 to 5"), ("grantTypes", "array", true, "1 to 3"), ("clientAuthMethods", "array", true, "1 to 3"), ("clientNameLangMap", "object", true, "names by language")]),
        answer: Answer::Envelope(&[("clientId", S, true, "the key's thumbprint"), ("status", S, true, "ACTIVE")]),
        codes: &["PMS_COR_001", "PMS_CERTIFICATE_ERROR_002", "PMS_POLICY_ERROR_009", "PMS_ESI_007", "PMS_ESI_001", "PMS_PRT_109", "PMS_ESI_003", "PMS_ESI_005", "PMS_ESI_006"],
    },
    Op {
        method: "post",
        path: "/v1/partnermanager/partners/apikey/request/filtervalues",
        tag: "Partner manager",
        summary: "Policy request values (fieldCode: the request id); a partner's over its own requests.",
        auth: Auth::Token(&["PARTNER_ADMIN", "AUTH_PARTNER", "CREDENTIAL_PARTNER"]),
        query: &[],
        body: Body::Envelope(&[("filters", "array", true, "[{columnName, type (unique, all), text (contained, any case)}]"), ("optionalFilters", "array", false, "conditions as in the search calls")]),
        answer: Answer::Envelope(&[("filters", "array", true, "[{fieldID (the column asked), fieldValue, fieldCode}]; at most 500 per column")]),
        codes: &["PMS_COR_001", "PMS-MSD-322", "PMS-MSD-317", "PMS-MSD-324"],
    },
    Op {
        method: "post",
        path: "/v1/partnermanager/misps/filtervalues",
        tag: "Partner manager",
        summary: "MISP license values, never a key (fieldCode: the MISP partner id); a MISP partner's over its own licenses.",
        auth: Auth::Token(&["PARTNER_ADMIN", "MISP_PARTNER"]),
        query: &[],
        body: Body::Envelope(&[("filters", "array", true, "[{columnName, type (unique, all), text (contained, any case)}]"), ("optionalFilters", "array", false, "conditions as in the search calls")]),
        answer: Answer::Envelope(&[("filters", "array", true, "[{fieldID (the column asked), fieldValue, fieldCode}]; at most 500 per column")]),
        codes: &["PMS_COR_001", "PMS-MSD-322", "PMS-MSD-317", "PMS-MSD-324"],
    },
    Op {
        method: "post",
        path: "/api/v1/apikeys/verify",
        tag: "Downstream services",
        summary: "Check a partner's API key (ID authentication, eSignet).",
        auth: Auth::ServiceToken,
        query: &[],
        body: Body::Json(&[("apiKey", S, true, "the key"), ("partnerId", S, false, "the partner it must belong to")]),
        answer: Answer::Json(&[("valid", "boolean", true, "the key may be used now"), ("status", S, true, "ACTIVE, DEACTIVATED, EXPIRED, NOT_YET_VALID, PARTNER_INACTIVE or POLICY_INACTIVE"), ("partnerId", S, true, "partner"), ("partnerName", S, true, "organisation"), ("partnerStatus", S, true, "partner status"), ("policyId", S, true, "policy"), ("policyName", S, true, "policy name"), ("policyType", S, true, "Auth, DataShare, MISP"), ("policy", "object", true, "the published policy document"), ("validFrom", S, true, "RFC 3339"), ("validTo", S, true, "RFC 3339")]),
        codes: &["401 PMS_SERVICE_TOKEN", "400 PMS_VERIFY_BODY", "404 PMS_APIKEY_UNKNOWN"],
    },
    Op {
        method: "post",
        path: "/websub/hub",
        tag: "Downstream services",
        summary: "WebSub: subscribe or unsubscribe a callback to a topic (202; intent verified by a GET).",
        auth: Auth::ServiceToken,
        query: &[],
        body: Body::Form(&[("hub.mode", S, true, "subscribe or unsubscribe"), ("hub.topic", S, true, "topic"), ("hub.callback", S, true, "https callback"), ("hub.secret", S, false, "HMAC secret, at most 200 bytes"), ("hub.lease_seconds", "integer", false, "lease")]),
        answer: Answer::Empty(202),
        codes: &["400 PMS_HUB_MODE", "400 PMS_HUB_TOPIC", "400 PMS_HUB_CALLBACK", "401 PMS_SERVICE_TOKEN", "403 PMS_HUB_TOPIC_SCOPE"],
    },
    Op {
        method: "get",
        path: "/websub/topics",
        tag: "Downstream services",
        summary: "The topics the hub publishes.",
        auth: Auth::None,
        query: &[],
        body: Body::None,
        answer: Answer::Json(&[("topics", "array", true, "topic names")]),
        codes: &[],
    },
    Op {
        method: "get",
        path: "/pki/signing-ca/{domain}",
        tag: "Downstream services",
        summary: "The portal's signing CA of a domain (AUTH, DEVICE, FTM), PEM.",
        auth: Auth::None,
        query: &[],
        body: Body::None,
        answer: Answer::Text("application/x-pem-file"),
        codes: &["404 unknown domain"],
    },
    Op {
        method: "get",
        path: "/healthz",
        tag: "Probes",
        summary: "Liveness.",
        auth: Auth::None,
        query: &[],
        body: Body::None,
        answer: Answer::Text("text/plain"),
        codes: &[],
    },
    Op {
        method: "get",
        path: "/readyz",
        tag: "Probes",
        summary: "Readiness: the database answers.",
        auth: Auth::None,
        query: &[],
        body: Body::None,
        answer: Answer::Text("text/plain"),
        codes: &["503 database unreachable"],
    },
];

fn object(fields: &[Field]) -> Value {
    let mut props = Map::new();
    let mut required = Vec::new();
    for (name, ty, req, doc) in fields {
        let schema = match *ty {
            "array" => json!({ "type": "array", "items": {}, "description": doc }),
            t => json!({ "type": t, "description": doc }),
        };
        props.insert(name.to_string(), schema);
        if *req {
            required.push(json!(name));
        }
    }
    let mut o = json!({ "type": "object", "properties": props });
    if !required.is_empty() {
        o["required"] = Value::Array(required);
    }
    o
}

fn envelope_of(response: Value) -> Value {
    json!({ "allOf": [{ "$ref": "#/components/schemas/ResponseEnvelope" }, { "type": "object", "properties": { "response": response } }] })
}

fn json_content(schema: Value) -> Value {
    json!({ "application/json": { "schema": schema } })
}

fn operation(op: &Op) -> Value {
    let mut params: Vec<Value> = op
        .path
        .split('/')
        .filter_map(|seg| seg.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
        .map(|name| json!({ "name": name, "in": "path", "required": true, "schema": { "type": "string" } }))
        .collect();
    params.extend(op.query.iter().map(|(name, ty, req, doc)| {
        json!({ "name": name, "in": "query", "required": req, "description": doc, "schema": { "type": ty } })
    }));
    let mut o = json!({
        "tags": [op.tag],
        "summary": op.summary,
        "operationId": format!("{}{}", op.method, op.path.replace(['/', '{', '}', '.', '-'], "_")),
        "parameters": params,
    });
    match op.body {
        Body::None => {}
        Body::Envelope(f) => {
            o["requestBody"] = json!({ "required": true, "content": json_content(json!({
                "allOf": [{ "$ref": "#/components/schemas/RequestEnvelope" }, { "type": "object", "required": ["request"], "properties": { "request": object(f) } }]
            })) })
        }
        Body::Json(f) => {
            o["requestBody"] = json!({ "required": true, "content": json_content(object(f)) })
        }
        Body::JsonArray(f) => {
            o["requestBody"] = json!({ "required": true, "content": json_content(json!({ "type": "array", "items": object(f) })) })
        }
        Body::Form(f) => {
            o["requestBody"] = json!({ "required": true, "content": { "application/x-www-form-urlencoded": { "schema": object(f) } } })
        }
    }
    let ok = match op.answer {
        Answer::Envelope(f) => {
            json!({ "200": { "description": "MOSIP's envelope; business errors also come as 200 with errors[0].errorCode", "content": json_content(envelope_of(object(f))) } })
        }
        Answer::EnvelopeText => {
            json!({ "200": { "description": "MOSIP's envelope, response a message", "content": json_content(envelope_of(json!({ "type": "string" }))) } })
        }
        Answer::EnvelopeArray(f) => {
            json!({ "200": { "description": "MOSIP's envelope, response an array", "content": json_content(envelope_of(json!({ "type": "array", "items": object(f) }))) } })
        }
        Answer::EnvelopeTrue => {
            json!({ "200": { "description": "MOSIP's envelope, response true", "content": json_content(envelope_of(json!({ "type": "boolean", "const": true }))) } })
        }
        Answer::Json(f) => {
            json!({ "200": { "description": "OK", "content": json_content(object(f)) } })
        }
        Answer::JsonArray(f) => {
            json!({ "200": { "description": "OK", "content": json_content(json!({ "type": "array", "items": object(f) })) } })
        }
        Answer::Text(ct) => {
            json!({ "200": { "description": "OK", "content": { ct: { "schema": { "type": "string" } } } } })
        }
        Answer::Empty(status) => json!({ status.to_string(): { "description": "Done" } }),
    };
    let mut responses = ok;
    if let Auth::Token(_) = op.auth {
        let env = json_content(json!({ "$ref": "#/components/schemas/ResponseEnvelope" }));
        responses["401"] = json!({ "description": "KER-ATH-401: no token, or not one the portal issued", "content": env.clone() });
        responses["403"] = json!({ "description": "KER-ATH-403: the caller's roles do not allow this call", "content": env });
    }
    o["responses"] = responses;
    match op.auth {
        Auth::None => o["security"] = json!([]),
        Auth::Token(roles) => {
            o["security"] = json!([{ "mosipCookie": [] }, { "bearerJwt": [] }]);
            o["x-roles"] = json!(roles);
        }
        Auth::ServiceToken => o["security"] = json!([{ "serviceToken": [] }]),
    }
    if !op.codes.is_empty() {
        o["x-error-codes"] = json!(op.codes);
    }
    o
}

/// The OpenAPI 3.1 document.
pub fn document() -> Value {
    let mut paths = Map::new();
    for op in OPS {
        let item = paths
            .entry(op.path.to_string())
            .or_insert_with(|| json!({}));
        item[op.method] = operation(op);
    }
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "Partner Management Portal: machine API",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "MOSIP's PMS REST API (/v1/partnermanager, /v1/policymanager), its sign-in (/v1/authmanager) and the Keycloak admin subset MOSIP's onboarder uses, answered by the portal itself; and the portal's other machine endpoints. MOSIP answers business and validation errors with HTTP 200 and errors[0].errorCode; x-error-codes lists each operation's codes.",
        },
        "paths": paths,
        "components": {
            "securitySchemes": {
                "mosipCookie": { "type": "apiKey", "in": "cookie", "name": "Authorization", "description": "The JWT from MOSIP's sign-in; every Authorization cookie is tried." },
                "bearerJwt": { "type": "http", "scheme": "bearer", "bearerFormat": "JWT" },
                "serviceToken": { "type": "http", "scheme": "bearer", "description": "A service token (pst_...) issued by a partner admin." },
            },
            "schemas": {
                "RequestEnvelope": { "type": "object", "properties": {
                    "id": { "type": ["string", "null"] }, "version": { "type": ["string", "null"] },
                    "requesttime": { "type": ["string", "null"], "description": "yyyy-MM-ddTHH:mm:ss.SSSZ" },
                    "metadata": {}, "request": { "type": "object" } } },
                "ServiceError": { "type": "object", "required": ["errorCode", "message"], "properties": {
                    "errorCode": { "type": "string" }, "message": { "type": "string" } } },
                "ResponseEnvelope": { "type": "object", "required": ["errors"], "properties": {
                    "id": { "type": ["string", "null"] }, "version": { "type": ["string", "null"] },
                    "responsetime": { "type": "string", "description": "yyyy-MM-ddTHH:mm:ss.SSSZ" },
                    "responseTime": { "type": "string", "description": "the same, in MOSIP's second envelope (its 1.2.2 lists)" },
                    "metadata": {}, "response": {},
                    "errors": { "type": "array", "items": { "$ref": "#/components/schemas/ServiceError" } } } },
            },
        },
    })
}

/// `GET /api/openapi.json`.
pub async fn openapi_json() -> Response {
    static DOC: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    let body = DOC.get_or_init(|| document().to_string()).clone();
    (
        [
            (header::CONTENT_TYPE, "application/json"),
            (header::CACHE_CONTROL, "public, max-age=300"),
        ],
        body,
    )
        .into_response()
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn fields_html(title: &str, fields: &[Field]) -> String {
    if fields.is_empty() {
        return String::new();
    }
    let rows: String = fields
        .iter()
        .map(|(n, t, r, d)| {
            format!(
                "<tr><td><code>{}</code></td><td>{}</td><td>{}</td><td>{}</td></tr>",
                esc(n),
                t,
                if *r { "yes" } else { "" },
                esc(d)
            )
        })
        .collect();
    format!("<table><caption>{title}</caption><thead><tr><th>field</th><th>type</th><th>required</th><th>meaning</th></tr></thead><tbody>{rows}</tbody></table>")
}

/// `GET /api/docs`: the reference, readable, served by the portal (no script, no CDN).
pub async fn reference_page() -> Response {
    let mut html = String::from(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>Machine API reference</title><style>body{font:15px/1.5 system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#1b1f24}\
         h2{margin-top:2.5rem;border-bottom:1px solid #ccd}section{margin:1.5rem 0;padding:.5rem 1rem;border-left:4px solid #36c}\
         code{background:#f2f4f8;padding:0 .2em}table{border-collapse:collapse;margin:.5rem 0;width:100%}td,th{border:1px solid #dde;padding:.2rem .4rem;text-align:left;vertical-align:top}\
         caption{text-align:left;font-weight:600}.m{font-weight:700;text-transform:uppercase;margin-right:.5em}</style></head><body>\
         <h1>Machine API reference</h1><p>The document: <a href=\"/api/openapi.json\">/api/openapi.json</a> (OpenAPI 3.1). MOSIP's calls answer in its envelope; business errors come with HTTP 200 and <code>errors[0].errorCode</code>; <code>KER-ATH-401</code>/<code>KER-ATH-403</code> with 401/403.</p>",
    );
    let mut tag = "";
    for op in OPS {
        if op.tag != tag {
            tag = op.tag;
            html.push_str(&format!("<h2>{}</h2>", esc(tag)));
        }
        let who = match op.auth {
            Auth::None => "anyone".to_string(),
            Auth::Token(roles) => format!(
                "JWT (Authorization cookie or Bearer) with {}",
                roles.join(" or ")
            ),
            Auth::ServiceToken => "a service token (Bearer pst_…)".to_string(),
        };
        html.push_str(&format!(
            "<section id=\"{}\"><p><span class=\"m\">{}</span><code>{}</code></p><p>{}</p><p>Who: {}</p>",
            esc(&format!("{}{}", op.method, op.path)),
            op.method,
            esc(op.path),
            esc(op.summary),
            esc(&who)
        ));
        html.push_str(&fields_html("Query", op.query));
        match op.body {
            Body::Envelope(f) => {
                html.push_str(&fields_html("Request (inside the envelope's request)", f))
            }
            Body::Json(f) | Body::JsonArray(f) => html.push_str(&fields_html("Request body", f)),
            Body::Form(f) => html.push_str(&fields_html("Form", f)),
            Body::None => {}
        }
        match op.answer {
            Answer::Envelope(f) => {
                html.push_str(&fields_html("Answer (the envelope's response)", f))
            }
            Answer::EnvelopeArray(f) => html.push_str(&fields_html(
                "Answer (each item of the envelope's response)",
                f,
            )),
            Answer::Json(f) | Answer::JsonArray(f) => html.push_str(&fields_html("Answer", f)),
            Answer::EnvelopeText => {
                html.push_str("<p>Answer: a message in the envelope's response.</p>")
            }
            Answer::EnvelopeTrue => {
                html.push_str("<p>Answer: <code>true</code> in the envelope's response.</p>")
            }
            Answer::Text(ct) => html.push_str(&format!("<p>Answer: <code>{ct}</code>.</p>")),
            Answer::Empty(s) => html.push_str(&format!("<p>Answer: {s}, no body.</p>")),
        }
        if !op.codes.is_empty() {
            html.push_str(&format!(
                "<p>Errors: {}</p>",
                op.codes
                    .iter()
                    .map(|c| format!("<code>{}</code>", esc(c)))
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
        html.push_str("</section>");
    }
    html.push_str("</body></html>");
    (
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            // Static text and one inline style sheet; nothing runs.
            (
                header::CONTENT_SECURITY_POLICY,
                "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'",
            ),
            (header::CACHE_CONTROL, "public, max-age=300"),
        ],
        html,
    )
        .into_response()
}
