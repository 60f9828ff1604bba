//! What downstream services and probes call: API key verification, WebSub, the signing CAs, health.

use super::{Answer, Auth, Body, Op, S};

pub(super) const VERIFY_API_KEY: Op = Op {
    method: "post",
    path: "/api/v1/apikeys/verify",
    tag: "Downstream services",
    summary: "Check a partner's API key (ID authentication, eSignet).",
    auth: Auth::ServiceToken,
    query: &[],
    body: Body::Json(&[
        ("apiKey", S, true, "the key"),
        ("partnerId", S, false, "the partner it must belong to"),
    ]),
    answer: Answer::Json(&[
        ("valid", "boolean", true, "the key may be used now"),
        (
            "status",
            S,
            true,
            "ACTIVE, DEACTIVATED, EXPIRED, NOT_YET_VALID, PARTNER_INACTIVE or POLICY_INACTIVE",
        ),
        ("partnerId", S, true, "partner"),
        ("partnerName", S, true, "organisation"),
        ("partnerStatus", S, true, "partner status"),
        ("policyId", S, true, "policy"),
        ("policyName", S, true, "policy name"),
        ("policyType", S, true, "Auth, DataShare, MISP"),
        ("policy", "object", true, "the published policy document"),
        ("validFrom", S, true, "RFC 3339"),
        ("validTo", S, true, "RFC 3339"),
    ]),
    codes: &[
        "401 PMS_SERVICE_TOKEN",
        "400 PMS_VERIFY_BODY",
        "404 PMS_APIKEY_UNKNOWN",
    ],
};

pub(super) const WEBSUB_HUB: Op = Op {
    method: "post",
    path: "/websub/hub",
    tag: "Downstream services",
    summary:
        "WebSub: subscribe or unsubscribe a callback to a topic (202; intent verified by a GET).",
    auth: Auth::ServiceToken,
    query: &[],
    body: Body::Form(&[
        ("hub.mode", S, true, "subscribe or unsubscribe"),
        ("hub.topic", S, true, "topic"),
        ("hub.callback", S, true, "https callback"),
        ("hub.secret", S, false, "HMAC secret, at most 200 bytes"),
        ("hub.lease_seconds", "integer", false, "lease"),
    ]),
    answer: Answer::Empty(202),
    codes: &[
        "400 PMS_HUB_MODE",
        "400 PMS_HUB_TOPIC",
        "400 PMS_HUB_CALLBACK",
        "401 PMS_SERVICE_TOKEN",
        "403 PMS_HUB_TOPIC_SCOPE",
    ],
};

pub(super) const WEBSUB_TOPICS: Op = Op {
    method: "get",
    path: "/websub/topics",
    tag: "Downstream services",
    summary: "The topics the hub publishes.",
    auth: Auth::None,
    query: &[],
    body: Body::None,
    answer: Answer::Json(&[("topics", "array", true, "topic names")]),
    codes: &[],
};

pub(super) const SIGNING_CA: Op = Op {
    method: "get",
    path: "/pki/signing-ca/{domain}",
    tag: "Downstream services",
    summary: "The portal's signing CA of a domain (AUTH, DEVICE, FTM), PEM.",
    auth: Auth::None,
    query: &[],
    body: Body::None,
    answer: Answer::Text("application/x-pem-file"),
    codes: &["404 unknown domain"],
};

pub(super) const HEALTHZ: Op = Op {
    method: "get",
    path: "/healthz",
    tag: "Probes",
    summary: "Liveness.",
    auth: Auth::None,
    query: &[],
    body: Body::None,
    answer: Answer::Text("text/plain"),
    codes: &[],
};

pub(super) const READYZ: Op = Op {
    method: "get",
    path: "/readyz",
    tag: "Probes",
    summary: "Readiness: the database answers.",
    auth: Auth::None,
    query: &[],
    body: Body::None,
    answer: Answer::Text("text/plain"),
    codes: &["503 database unreachable"],
};
