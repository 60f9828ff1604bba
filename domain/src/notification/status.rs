//! Status news: a partner hears of every decision someone else takes on its registration and
//! its items (a notification, and a mail in its language when SMTP is configured), written in
//! the decision's own transaction so the news is never lost nor sent for a change that rolled
//! back.

use super::service::{notify, partner_recipient};
use crate::db::AnyConnection;
use crate::error::AppResult;
use std::sync::atomic::{AtomicBool, Ordering};

static MAIL: AtomicBool = AtomicBool::new(false);

/// Stored kind of status news. Not a `NotificationKind` variant yet: adding one grew the
/// browser's core WASM by 190 KB (the splitter's placement), over the first-load ceiling;
/// the page lists it under the fallback kind until that is solved.
pub const STATUS_KIND: &str = "STATUS_CHANGE";

/// Whether status news is also mailed (the server sets it when SMTP is configured).
pub fn set_mail_enabled(on: bool) {
    MAIL.store(on, Ordering::Relaxed);
}

fn mail_enabled() -> bool {
    MAIL.load(Ordering::Relaxed)
}

/// What was decided on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Subject {
    /// The partner's registration.
    Registration,
    /// A policy request.
    PolicyRequest,
    /// An API key.
    ApiKey,
    /// A MISP license.
    License,
    /// An SBI.
    Sbi,
    /// A device model.
    Device,
    /// An FTM chip model.
    Chip,
}

/// The decision.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Approved.
    Approved,
    /// Rejected.
    Rejected,
    /// Deactivated.
    Deactivated,
    /// Reactivated.
    Reactivated,
}

impl Outcome {
    /// The outcome of an SBI, device or chip decision.
    pub fn of_item(to: crate::device::ItemStatus) -> Outcome {
        use crate::device::ItemStatus as S;
        match to {
            S::Approved => Outcome::Approved,
            S::Deactivated => Outcome::Deactivated,
            _ => Outcome::Rejected,
        }
    }
}

/// One piece of news for a partner.
#[derive(Clone, Copy, Debug)]
pub struct News<'a> {
    /// What was decided on.
    pub subject: Subject,
    /// The decision.
    pub outcome: Outcome,
    /// The partner it concerns.
    pub partner_id: &'a str,
    /// The decided row's id.
    pub entity_id: &'a str,
    /// How the partner knows it (organisation, policy name, key label, version, make and model).
    pub name: &'a str,
    /// The reason or comment given, if any.
    pub reason: Option<&'a str>,
}

impl Subject {
    fn entity_type(self) -> &'static str {
        match self {
            Subject::Registration => "partner",
            Subject::PolicyRequest => "policy_request",
            Subject::ApiKey => "api_key",
            Subject::License => "misp_license",
            Subject::Sbi => "sbi",
            Subject::Device => "device",
            Subject::Chip => "ftm_chip",
        }
    }

    fn link(self, id: &str) -> String {
        match self {
            Subject::Registration => "/partner".into(),
            Subject::PolicyRequest => "/partner/policy-requests".into(),
            Subject::ApiKey => "/partner/api-keys".into(),
            Subject::License => "/partner/license".into(),
            Subject::Sbi => format!("/provider/sbis/{id}"),
            Subject::Device => "/provider/devices".into(),
            Subject::Chip => "/provider/chips".into(),
        }
    }
}

/// Title and body of the news in `lang` (`eng`, `fra`, `ara`; English otherwise).
pub fn status_text(news: &News<'_>, lang: &str) -> (String, String) {
    match lang {
        "fra" => french(news),
        "ara" => arabic(news),
        _ => english(news),
    }
}

/// The news in French (participles agree with the subject's gender).
fn french(news: &News<'_>) -> (String, String) {
    use Outcome as O;
    use Subject as S;
    let name = news.name;
    // (title noun, noun with its article, feminine)
    let (noun, with_article, fem) = match news.subject {
        S::Registration => ("Inscription", "L'inscription", true),
        S::PolicyRequest => ("Demande de politique", "La demande de politique", true),
        S::ApiKey => ("Clé d'API", "La clé d'API", true),
        S::License => ("Licence MISP", "La licence MISP", true),
        S::Sbi => ("SBI", "Le SBI", false),
        S::Device => ("Appareil", "L'appareil", false),
        S::Chip => ("Puce FTM", "La puce FTM", true),
    };
    let stem = match news.outcome {
        O::Approved => "approuvé",
        O::Rejected => "rejeté",
        O::Deactivated => "désactivé",
        O::Reactivated => "réactivé",
    };
    let done = if fem {
        format!("{stem}e")
    } else {
        stem.to_string()
    };
    let mut body =
        format!("{with_article} « {name} » a été {done} par un administrateur des partenaires.");
    if let Some(r) = news.reason {
        body.push_str(&format!(" Motif : {r}"));
    }
    match (news.subject, news.outcome) {
        (S::Registration, O::Deactivated) => body.push_str(
            " Vos clés d'API, licences MISP et clients OIDC ont été désactivés avec elle.",
        ),
        (S::Registration, O::Reactivated) => body.push_str(
            " Les clés d'API, licences et clients OIDC désactivés ne sont pas rétablis : créez-en de nouveaux.",
        ),
        _ => {}
    }
    (format!("{noun} {done}"), body)
}

/// The news in Arabic.
fn arabic(news: &News<'_>) -> (String, String) {
    use Outcome as O;
    use Subject as S;
    let name = news.name;
    let noun = match news.subject {
        S::Registration => "التسجيل",
        S::PolicyRequest => "طلب السياسة",
        S::ApiKey => "مفتاح API",
        S::License => "ترخيص MISP",
        S::Sbi => "SBI",
        S::Device => "الجهاز",
        S::Chip => "شريحة FTM",
    };
    let done = match news.outcome {
        O::Approved => "تمت الموافقة",
        O::Rejected => "تم الرفض",
        O::Deactivated => "تم التعطيل",
        O::Reactivated => "تمت إعادة التفعيل",
    };
    let mut body = format!("{noun} «{name}»: {done} من قبل مسؤول الشركاء.");
    if let Some(r) = news.reason {
        body.push_str(&format!(" السبب: {r}"));
    }
    match (news.subject, news.outcome) {
        (S::Registration, O::Deactivated) => {
            body.push_str(" تم تعطيل مفاتيح API وتراخيص MISP وعملاء OIDC الخاصة بك معه.")
        }
        (S::Registration, O::Reactivated) => body.push_str(
            " لا تتم استعادة المفاتيح والتراخيص والعملاء المعطلة: أنشئ مفاتيح وتراخيص وعملاء جددًا.",
        ),
        _ => {}
    }
    (format!("{noun}: {done}"), body)
}

/// The news in English (also for any language without its own text).
fn english(news: &News<'_>) -> (String, String) {
    use Outcome as O;
    use Subject as S;
    let name = news.name;
    let noun = match news.subject {
        S::Registration => "Registration",
        S::PolicyRequest => "Policy request",
        S::ApiKey => "API key",
        S::License => "MISP license",
        S::Sbi => "SBI",
        S::Device => "Device",
        S::Chip => "FTM chip",
    };
    let done = match news.outcome {
        O::Approved => "approved",
        O::Rejected => "rejected",
        O::Deactivated => "deactivated",
        O::Reactivated => "reactivated",
    };
    let mut body = format!("{noun} \u{201c}{name}\u{201d} was {done} by a partner admin.");
    if let Some(r) = news.reason {
        body.push_str(&format!(" Reason: {r}"));
    }
    match (news.subject, news.outcome) {
        (S::Registration, O::Deactivated) => body
            .push_str(" Your API keys, MISP licenses and OIDC clients were deactivated with it."),
        (S::Registration, O::Reactivated) => body.push_str(
            " Deactivated API keys, licenses and OIDC clients are not restored: create new ones.",
        ),
        _ => {}
    }
    (format!("{noun} {done}"), body)
}

/// Tells a partner that an admin withdrew one of its items (a key, a license): no reason
/// is asked for these.
pub(crate) fn announce_withdrawn(
    conn: &mut AnyConnection,
    subject: Subject,
    partner_id: &str,
    entity_id: &str,
    name: &str,
) -> AppResult<()> {
    announce(
        conn,
        &News {
            subject,
            outcome: Outcome::Deactivated,
            partner_id,
            entity_id,
            name,
            reason: None,
        },
    )?;
    Ok(())
}

/// Tell the partner (its account, in its language) of `news`; call inside the decision's
/// transaction. Nothing when the partner's account is inactive. Returns whether it notified.
pub fn announce(conn: &mut AnyConnection, news: &News<'_>) -> AppResult<bool> {
    let Some(to) = partner_recipient(conn, news.partner_id)? else {
        return Ok(false);
    };
    let now = crate::clock::now_ms();
    // Each decision is news once: the key names the decision, not the day.
    let key = format!(
        "STATUS:{}:{}:{:?}:{}",
        news.subject.entity_type(),
        news.entity_id,
        news.outcome,
        uuid::Uuid::new_v4()
    );
    let text = status_text(news, &to.language);
    let (notified, _) = notify(
        conn,
        &to,
        Some(news.partner_id),
        STATUS_KIND,
        (news.subject.entity_type(), news.entity_id),
        &key,
        text,
        &news.subject.link(news.entity_id),
        None,
        now,
        mail_enabled(),
    )?;
    Ok(notified)
}
