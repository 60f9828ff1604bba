//! The policy manager's writes: policy groups and policies.

use super::{Answer, Auth, Body, Op, AUTHORS, REVAMP_DEACTIVATE, S};

pub(super) const CREATE_GROUP: Op = Op {
    method: "post",
    path: "/v1/policymanager/policies/group/new",
    tag: "Policy manager",
    summary: "Create a policy group.",
    auth: Auth::Token(AUTHORS),
    query: &[],
    body: Body::Envelope(&[
        ("name", S, true, "name (at most 128)"),
        ("desc", S, true, "description (at most 256)"),
    ]),
    answer: Answer::Envelope(&[
        ("id", S, true, "id"),
        ("name", S, true, "name"),
        ("desc", S, true, "description"),
        ("is_Active", "boolean", true, "true"),
        ("cr_by", S, true, "creator"),
        ("cr_dtimes", S, true, "created"),
    ]),
    codes: &["PMS_POL_014", "PMS_COR_001", "PMS_COR_003"],
};

pub(super) const CREATE_POLICY: Op = Op {
    method: "post",
    path: "/v1/policymanager/policies",
    tag: "Policy manager",
    summary: "Create a draft policy in a group; its document is checked against the type's schema.",
    auth: Auth::Token(AUTHORS),
    query: &[],
    body: Body::Envelope(&[
        ("name", S, true, "name"),
        ("desc", S, true, "description"),
        ("policyGroupName", S, true, "group name"),
        ("policyType", S, true, "Auth, DataShare or MISP"),
        ("version", S, false, "MOSIP's version label"),
        ("policies", "object", true, "the policy document"),
    ]),
    answer: Answer::Envelope(&[
        ("id", S, true, "id"),
        ("name", S, true, "name"),
        ("desc", S, true, "description"),
        ("policyGroupName", S, true, "group"),
        ("is_Active", "boolean", true, "false until published"),
    ]),
    codes: &[
        "PMS_POL_019",
        "PMS_POL_009",
        "PMS_POL_023",
        "PMS_PV_005",
        "PMS_PV_006",
        "PMS_COR_001",
    ],
};

pub(super) const PUBLISH: Op = Op {
    method: "post",
    path: "/v1/policymanager/policies/{policyId}/group/{policyGroupId}/publish",
    tag: "Policy manager",
    summary: "Publish a policy (valid ten years).",
    auth: Auth::Token(AUTHORS),
    query: &[],
    body: Body::None,
    answer: Answer::Envelope(&[
        ("policyId", S, true, "id"),
        ("policyName", S, true, "name"),
        ("policyGroupId", S, true, "group id"),
        ("status", S, true, "PUBLISHED"),
        ("validTill", S, true, "end of validity"),
        ("policies", "object", true, "the document"),
    ]),
    codes: &["PMS_POL_008", "PMS_POL_015", "PMS_POL_016", "PMS_POL_020"],
};

pub(super) const DEACTIVATE_GROUP: Op = Op {
    method: "patch",
    path: "/v1/policymanager/policies/group/{policyGroupId}",
    tag: "Policy manager",
    summary: "Deactivate a policy group (refused while it holds published or draft policies). MOSIP's revamp envelope: id mosip.pms.deactivate.policy.group.patch, requestTime of today, version 1.0; answered with responseTime.",
    auth: Auth::Token(AUTHORS),
    query: &[],
    body: Body::Envelope(REVAMP_DEACTIVATE),
    answer: Answer::Envelope(&[("policyGroupId", S, true, "id"), ("isActive", "boolean", true, "false")]),
    codes: &["PMS_REQUEST_ERROR_002", "PMS_REQUEST_ERROR_003", "PMS_REQUEST_ERROR_004", "PMS_REQUEST_ERROR_005", "PMS_REQUEST_ERROR_006", "PMS_COR_002", "PMS_POL_073", "PMS_POL_068", "PMS_POL_067", "PMS_POL_069", "PMS_POL_056", "PMS_POL_070"],
};

pub(super) const DEACTIVATE_POLICY: Op = Op {
    method: "patch",
    path: "/v1/policymanager/policies/{policyId}",
    tag: "Policy manager",
    summary: "Deactivate a published policy no partner has asked for or been granted. Revamp envelope id mosip.pms.deactivate.policy.patch.",
    auth: Auth::Token(AUTHORS),
    query: &[],
    body: Body::Envelope(REVAMP_DEACTIVATE),
    answer: Answer::Envelope(&[("policyId", S, true, "id"), ("isActive", "boolean", true, "false")]),
    codes: &["PMS_REQUEST_ERROR_002", "PMS_REQUEST_ERROR_003", "PMS_REQUEST_ERROR_004", "PMS_REQUEST_ERROR_005", "PMS_REQUEST_ERROR_006", "PMS_COR_002", "PMS_POL_073", "PMS_POL_065", "PMS_POL_072", "PMS_POL_062", "PMS_POL_063", "PMS_POL_064"],
};
