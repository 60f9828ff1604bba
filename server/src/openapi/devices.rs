//! Deciding device models and retiring SBIs, FTM chips and devices.

use super::{Answer, Auth, Body, Op, ADMIN, REVAMP_DEACTIVATE, S};

pub(super) const DECIDE_DEVICE: Op = Op {
    method: "post",
    path: "/v1/partnermanager/devicedetail/{deviceDetailId}/approval",
    tag: "Partner manager",
    summary: "Approve or reject a pending device model linked to an approved, unexpired SBI of the same provider. Revamp envelope id mosip.pms.approval.mapping.device.to.sbi.post; a missing request answers 400 PMS_COR_001.",
    auth: Auth::Token(ADMIN),
    query: &[],
    body: Body::Envelope(&[("partnerId", S, true, "the device's provider"), ("sbiId", S, true, "an SBI the device is linked to"), ("status", S, true, "approved or rejected (exactly)")]),
    answer: Answer::EnvelopeTrue,
    codes: &["PMS_COR_001", "PMS_REQUEST_ERROR_002", "PMS_REQUEST_ERROR_003", "PMS_REQUEST_ERROR_004", "PMS_REQUEST_ERROR_005", "PMS_REQUEST_ERROR_006", "PMS_REQUEST_ERROR_001", "PMS_DEVICE_ERROR_027", "PMS_DEVICE_ERROR_024", "PMS_DEVICE_ERROR_025", "PMS_DEVICE_ERROR_005", "PMS_DEVICE_ERROR_002", "PMS_DEVICE_ERROR_009", "PMS_DEVICE_ERROR_028", "PMS_DEVICE_ERROR_029", "PMS_DEVICE_ERROR_021", "PMS_DEVICE_ERROR_006", "PMS_DEVICE_ERROR_007", "PMS_DEVICE_ERROR_010", "PMS_DEVICE_ERROR_012"],
};

pub(super) const DEACTIVATE_SBI: Op = Op {
    method: "patch",
    path: "/v1/partnermanager/securebiometricinterface/{sbiId}",
    tag: "Partner manager",
    summary: "Retire an approved SBI: a device provider its own, a partner admin any; approved devices linked only to it are deactivated, pending ones rejected. Revamp envelope id mosip.pms.deactivate.sbi.patch.",
    auth: Auth::Token(&["DEVICE_PROVIDER", "PARTNER_ADMIN"]),
    query: &[],
    body: Body::Envelope(REVAMP_DEACTIVATE),
    answer: Answer::Envelope(&[("sbiId", S, true, "id"), ("sbiVersion", S, true, "version"), ("status", S, true, "approved"), ("isActive", "boolean", true, "false")]),
    codes: &["PMS_REQUEST_ERROR_002", "PMS_REQUEST_ERROR_003", "PMS_REQUEST_ERROR_004", "PMS_REQUEST_ERROR_005", "PMS_REQUEST_ERROR_006", "PMS_DEVICE_ERROR_026", "PMS_CERTIFICATE_ERROR_002", "PMS_DEVICE_ERROR_005", "PMS_DEVICE_ERROR_019", "PMS_PMP_016", "PMS_DEVICE_ERROR_022", "PMS_DEVICE_ERROR_020"],
};

pub(super) const DEACTIVATE_FTM: Op = Op {
    method: "patch",
    path: "/v1/partnermanager/ftpchipdetail/{ftmId}",
    tag: "Partner manager",
    summary: "Retire an approved FTM chip: an FTM provider its own, a partner admin any. Revamp envelope id mosip.pms.deactivate.ftm.patch.",
    auth: Auth::Token(&["FTM_PROVIDER", "PARTNER_ADMIN"]),
    query: &[],
    body: Body::Envelope(REVAMP_DEACTIVATE),
    answer: Answer::Envelope(&[("ftmId", S, true, "id"), ("status", S, true, "approved"), ("isActive", "boolean", true, "false")]),
    codes: &["PMS_REQUEST_ERROR_002", "PMS_REQUEST_ERROR_003", "PMS_REQUEST_ERROR_004", "PMS_REQUEST_ERROR_005", "PMS_REQUEST_ERROR_006", "PMS_DEVICE_ERROR_026", "PMS_CERTIFICATE_ERROR_002", "PMS_FTM_ERROR_004", "PMS_FTM_ERROR_005", "PMS_FTM_ERROR_006", "PMS_PMP_016", "PMS_FTM_ERROR_010", "PMS_FTM_ERROR_007"],
};

pub(super) const DEACTIVATE_DEVICE: Op = Op {
    method: "patch",
    path: "/v1/partnermanager/devicedetail/{deviceId}",
    tag: "Partner manager",
    summary: "Retire an approved device model: a device provider its own, a partner admin any. Revamp envelope id mosip.pms.deactivate.device.patch.",
    auth: Auth::Token(&["DEVICE_PROVIDER", "PARTNER_ADMIN"]),
    query: &[],
    body: Body::Envelope(REVAMP_DEACTIVATE),
    answer: Answer::Envelope(&[("deviceId", S, true, "id"), ("status", S, true, "approved"), ("isActive", "boolean", true, "false")]),
    codes: &["PMS_REQUEST_ERROR_002", "PMS_REQUEST_ERROR_003", "PMS_REQUEST_ERROR_004", "PMS_REQUEST_ERROR_005", "PMS_REQUEST_ERROR_006", "PMS_DEVICE_ERROR_026", "PMS_CERTIFICATE_ERROR_002", "PMS_DEVICE_ERROR_006", "PMS_DEVICE_ERROR_016", "PMS_PMP_016", "PMS_DEVICE_ERROR_023", "PMS_DEVICE_ERROR_014"],
};
