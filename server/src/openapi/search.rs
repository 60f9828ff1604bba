//! MOSIP's search calls and filter-value calls (`POST …/search`, `POST …/filtervalues`).

use super::{Answer, Auth, Body, Field, Op, AUTHORS, PARTNER_SIDE, S};

const DEVICE_SIDE: &[&str] = &["PARTNER_ADMIN", "DEVICE_PROVIDER", "FTM_PROVIDER"];
const POLICY_READERS: &[&str] = &[
    "PARTNER_ADMIN",
    "POLICYMANAGER",
    "AUTH_PARTNER",
    "CREDENTIAL_PARTNER",
    "DEVICE_PROVIDER",
    "FTM_PROVIDER",
    "MISP_PARTNER",
];

/// The `request` of a search call without a type restriction.
const SEARCH_ASKED: &[Field] = &[
    (
        "filters",
        "array",
        true,
        "[{columnName, type (equals, contains, startsWith, between, in), value, values, fromValue, toValue}]",
    ),
    ("sort", "array", true, "[{sortField, sortType}]"),
    (
        "pagination",
        "object",
        true,
        "{pageStart (0-based page), pageFetch}",
    ),
];

/// The `request` of every filter-value call (the policies' adds its type).
const VALUES_ASKED: &[Field] = &[
    (
        "filters",
        "array",
        true,
        "[{columnName, type (unique, all), text (contained, any case)}]",
    ),
    (
        "optionalFilters",
        "array",
        false,
        "conditions as in the search calls",
    ),
];

/// The `response` of every filter-value call.
const VALUES: &[Field] = &[(
    "filters",
    "array",
    true,
    "[{fieldID (the column asked), fieldValue, fieldCode}]; at most 500 per column",
)];

/// The column checks every filter-value call answers with.
const VALUE_CODES: &[&str] = &["PMS_COR_001", "PMS-MSD-322", "PMS-MSD-317", "PMS-MSD-324"];

pub(super) const PARTNERS: Op = Op {
    method: "post",
    path: "/v1/partnermanager/partners/search",
    tag: "Partner manager",
    summary: "Search partners (old search; responsetime, id null). A partner admin searches every partner, anyone else only its own. address, contactNo and emailId are shown but cannot be filtered or sorted (KER_PRT_391).",
    auth: Auth::Token(PARTNER_SIDE),
    query: &[],
    body: Body::Envelope(&[("filters", "array", true, "[{columnName, type (equals, contains, startsWith, between, in), value, values, fromValue, toValue}]"), ("sort", "array", true, "[{sortField, sortType}]"), ("pagination", "object", true, "{pageStart (0-based page), pageFetch}"), ("partnerType", S, true, "a type code or all")]),
    answer: Answer::Envelope(&[("fromRecord", "integer", true, "first row's number (0 when none)"), ("toRecord", "integer", true, "last row's number"), ("totalRecord", "integer", true, "matching rows"), ("data", "array", true, "{id, address, contactNo, crBy, crDtimes, delDtimes, emailId, isActive, isDeleted, name, policyGroupId, certificateAlias, partnerTypeCode, approvalStatus, updBy, updDtimes, userId, langCode} (null when none)")]),
    codes: &["PMS_COR_001", "KER_PRT_391", "PMS-MSD-311", "PMS-MSD-310", "PMS-MSD-312", "PMS-MSD-392", "PMS-MSD-390", "PMS-MSD-391", "PMS-MSD-315", "PMS-MSD-314", "PMS-MSD-357", "PMS-MSD-358", "PMS-MSD-313", "PMS_COR_003"],
};

pub(super) const PARTNER_TYPES: Op = Op {
    method: "post",
    path: "/v1/partnermanager/partners/partnertype/search",
    tag: "Partner manager",
    summary: "Search partner types (old search).",
    auth: Auth::Token(PARTNER_SIDE),
    query: &[],
    body: Body::Envelope(SEARCH_ASKED),
    answer: Answer::Envelope(&[("fromRecord", "integer", true, "first row's number (0 when none)"), ("toRecord", "integer", true, "last row's number"), ("totalRecord", "integer", true, "matching rows"), ("data", "array", true, "{code, crBy, crDtimes, delDtimes, isActive, isDeleted, partnerDescription, updBy, updDtimes, isPolicyRequired} (null when none)")]),
    codes: &["PMS-MSD-311", "PMS-MSD-310", "PMS-MSD-312", "PMS-MSD-392", "PMS-MSD-390", "PMS-MSD-391", "PMS-MSD-315", "PMS-MSD-314", "PMS-MSD-357", "PMS-MSD-358", "PMS-MSD-313", "PMS_COR_003"],
};

pub(super) const POLICIES: Op = Op {
    method: "post",
    path: "/v1/policymanager/policies/search",
    tag: "Policy manager",
    summary: "Search policies of a type (old search; no metadata, id null). Policy authors search every policy; a partner the published policies of its own group. desc (or descr) and policyGroupName filter but do not sort.",
    auth: Auth::Token(POLICY_READERS),
    query: &[],
    body: Body::Envelope(&[("filters", "array", true, "[{columnName, type (equals, contains, startsWith, between, in), value, values, fromValue, toValue}]"), ("sort", "array", true, "[{sortField, sortType}]"), ("pagination", "object", true, "{pageStart (0-based page), pageFetch}"), ("policyType", S, true, "Auth, DataShare, MISP or all")]),
    answer: Answer::Envelope(&[("fromRecord", "integer", true, "first row's number (0 when none)"), ("toRecord", "integer", true, "last row's number"), ("totalRecord", "integer", true, "matching rows"), ("data", "array", true, "{id, crBy, crDtimes, delDtimes, desc, isActive, isDeleted, name, policies (the policy id), updBy, updDtimes, validFromDate, validToDate, version, policyType, schema, policyGroupId, policyGroupName} (null when none)")]),
    codes: &["PMS_COR_001", "PMS-MSD-311", "PMS-MSD-310", "PMS-MSD-312", "PMS-MSD-392", "PMS-MSD-390", "PMS-MSD-391", "PMS-MSD-315", "PMS-MSD-314", "PMS-MSD-357", "PMS-MSD-358", "PMS-MSD-313", "PMS_COR_003"],
};

pub(super) const POLICY_GROUPS: Op = Op {
    method: "post",
    path: "/v1/policymanager/policies/group/search",
    tag: "Policy manager",
    summary: "Search policy groups (old search).",
    auth: Auth::Token(AUTHORS),
    query: &[],
    body: Body::Envelope(SEARCH_ASKED),
    answer: Answer::Envelope(&[("fromRecord", "integer", true, "first row's number (0 when none)"), ("toRecord", "integer", true, "last row's number"), ("totalRecord", "integer", true, "matching rows"), ("data", "array", true, "{id, crBy, crDtimes, delDtimes, desc, isActive, isDeleted, name, updBy, updDtimes} (null when none)")]),
    codes: &["PMS-MSD-311", "PMS-MSD-310", "PMS-MSD-312", "PMS-MSD-392", "PMS-MSD-390", "PMS-MSD-391", "PMS-MSD-315", "PMS-MSD-314", "PMS-MSD-357", "PMS-MSD-358", "PMS-MSD-313", "PMS_COR_003"],
};

pub(super) const DEVICES: Op = Op {
    method: "post",
    path: "/v1/partnermanager/devicedetail/search",
    tag: "Partner manager",
    summary: "Search device models (old search). A partner admin searches every provider's, a provider its own.",
    auth: Auth::Token(DEVICE_SIDE),
    query: &[],
    body: Body::Envelope(SEARCH_ASKED),
    answer: Answer::Envelope(&[("fromRecord", "integer", true, "first row's number (0 when none)"), ("toRecord", "integer", true, "last row's number"), ("totalRecord", "integer", true, "matching rows"), ("data", "array", true, "{id, deviceProviderId, deviceTypeCode, deviceSubTypeCode, make, model, partnerOrganizationName, isActive, approvalStatus} (null when none)")]),
    codes: &["PMS_CERTIFICATE_ERROR_002", "PMS-MSD-311", "PMS-MSD-310", "PMS-MSD-312", "PMS-MSD-392", "PMS-MSD-390", "PMS-MSD-391", "PMS-MSD-315", "PMS-MSD-314", "PMS-MSD-357", "PMS-MSD-358", "PMS-MSD-313", "PMS_COR_003"],
};

pub(super) const DEVICE_TYPES: Op = Op {
    method: "post",
    path: "/v1/partnermanager/devicedetail/deviceType/search",
    tag: "Partner manager",
    summary: "Search device types and sub-types (old search; MOSIP's keys, desciption and active included).",
    auth: Auth::Token(DEVICE_SIDE),
    query: &[],
    body: Body::Envelope(SEARCH_ASKED),
    answer: Answer::Envelope(&[("fromRecord", "integer", true, "first row's number (0 when none)"), ("toRecord", "integer", true, "last row's number"), ("totalRecord", "integer", true, "matching rows"), ("data", "array", true, "{code, deviceType, name, desciption, active, isDeleted, crBy, crDtimes, delDtimes, updBy, updDtimes} (null when none)")]),
    codes: &["PMS-MSD-311", "PMS-MSD-310", "PMS-MSD-312", "PMS-MSD-392", "PMS-MSD-390", "PMS-MSD-391", "PMS-MSD-315", "PMS-MSD-314", "PMS-MSD-357", "PMS-MSD-358", "PMS-MSD-313", "PMS_COR_003"],
};

pub(super) const PARTNER_VALUES: Op = Op {
    method: "post",
    path: "/v1/partnermanager/partners/filtervalues",
    tag: "Partner manager",
    summary: "The values of partner columns (fieldCode: the partner id); a partner admin's over every partner, anyone else's over its own. Boolean columns answer true and false.",
    auth: Auth::Token(PARTNER_SIDE),
    query: &[],
    body: Body::Envelope(VALUES_ASKED),
    answer: Answer::Envelope(VALUES),
    codes: &["PMS_COR_001", "PMS-MSD-322", "PMS-MSD-317", "PMS-MSD-324", "KER_PRT_391"],
};

pub(super) const DEVICE_VALUES: Op = Op {
    method: "post",
    path: "/v1/partnermanager/devicedetail/filtervalues",
    tag: "Partner manager",
    summary: "Device values (fieldValue is the device's make and model, whichever column is asked, as MOSIP answers; fieldCode the device id); a provider's own devices.",
    auth: Auth::Token(DEVICE_SIDE),
    query: &[],
    body: Body::Envelope(VALUES_ASKED),
    answer: Answer::Envelope(VALUES),
    codes: VALUE_CODES,
};

pub(super) const DEVICE_TYPE_VALUES: Op = Op {
    method: "post",
    path: "/v1/partnermanager/devicedetail/deviceType/filtervalues",
    tag: "Partner manager",
    summary: "Device type values.",
    auth: Auth::Token(DEVICE_SIDE),
    query: &[],
    body: Body::Envelope(VALUES_ASKED),
    answer: Answer::Envelope(VALUES),
    codes: VALUE_CODES,
};

pub(super) const DEVICE_SUB_TYPE_VALUES: Op = Op {
    method: "post",
    path: "/v1/partnermanager/devicedetail/deviceSubType/filtervalues",
    tag: "Partner manager",
    summary: "Device sub-type values.",
    auth: Auth::Token(DEVICE_SIDE),
    query: &[],
    body: Body::Envelope(VALUES_ASKED),
    answer: Answer::Envelope(VALUES),
    codes: VALUE_CODES,
};

pub(super) const SBI_VALUES: Op = Op {
    method: "post",
    path: "/v1/partnermanager/securebiometricinterface/filtervalues",
    tag: "Partner manager",
    summary: "SBI column values (fieldCode: the SBI id); a provider's own SBIs.",
    auth: Auth::Token(DEVICE_SIDE),
    query: &[],
    body: Body::Envelope(VALUES_ASKED),
    answer: Answer::Envelope(VALUES),
    codes: VALUE_CODES,
};

pub(super) const POLICY_GROUP_VALUES: Op = Op {
    method: "post",
    path: "/v1/policymanager/policies/group/filtervalues",
    tag: "Policy manager",
    summary: "Policy group values (fieldCode: the group's name). The validator's codes come as PMS_COR_003, as MOSIP's policy service answers them.",
    auth: Auth::Token(POLICY_READERS),
    query: &[],
    body: Body::Envelope(VALUES_ASKED),
    answer: Answer::Envelope(VALUES),
    codes: &["PMS_COR_001", "PMS-MSD-322", "PMS-MSD-317", "PMS-MSD-324", "PMS_COR_003"],
};

pub(super) const POLICY_VALUES: Op = Op {
    method: "post",
    path: "/v1/policymanager/policies/filtervalues",
    tag: "Policy manager",
    summary: "Policy values of a type (policyType, or all); a partner's over its group's published policies. The validator's codes come as PMS_COR_003.",
    auth: Auth::Token(POLICY_READERS),
    query: &[],
    body: Body::Envelope(&[("filters", "array", true, "[{columnName, type (unique, all), text (contained, any case)}]"), ("optionalFilters", "array", false, "conditions as in the search calls"), ("policyType", S, true, "Auth, DataShare, MISP or all")]),
    answer: Answer::Envelope(VALUES),
    codes: &["PMS_COR_001", "PMS-MSD-322", "PMS-MSD-317", "PMS-MSD-324", "PMS_COR_003"],
};

pub(super) const POLICY_REQUEST_VALUES: Op = Op {
    method: "post",
    path: "/v1/partnermanager/partners/apikey/request/filtervalues",
    tag: "Partner manager",
    summary:
        "Policy request values (fieldCode: the request id); a partner's over its own requests.",
    auth: Auth::Token(&["PARTNER_ADMIN", "AUTH_PARTNER", "CREDENTIAL_PARTNER"]),
    query: &[],
    body: Body::Envelope(VALUES_ASKED),
    answer: Answer::Envelope(VALUES),
    codes: VALUE_CODES,
};

pub(super) const MISP_LICENSE_VALUES: Op = Op {
    method: "post",
    path: "/v1/partnermanager/misps/filtervalues",
    tag: "Partner manager",
    summary: "MISP license values, never a key (fieldCode: the MISP partner id); a MISP partner's over its own licenses.",
    auth: Auth::Token(&["PARTNER_ADMIN", "MISP_PARTNER"]),
    query: &[],
    body: Body::Envelope(VALUES_ASKED),
    answer: Answer::Envelope(VALUES),
    codes: VALUE_CODES,
};
