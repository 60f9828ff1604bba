//! The registry of the cross-aggregate views: each aggregate contributes what it knows (a
//! partner's dashboard items and figures, the items expiring soon, the expiry notices of the
//! daily job) through [`Part`], and the dashboards and notifications loop over [`PARTS`]
//! instead of reading every aggregate's tables themselves. A new aggregate adds one line to
//! [`PARTS`].

use crate::dashboard::{Attention, ExpiringItem, Urgency};
use crate::db::AnyConnection;
use crate::error::AppResult;
use crate::notification::Due;
use crate::partner::PartnerView;

/// Milliseconds in a day.
pub(crate) const DAY_MS: i64 = 86_400_000;

/// One partner's dashboard as the parts fill it.
pub(crate) struct Board<'a> {
    /// The partner.
    pub partner: &'a PartnerView,
    /// Now, UTC ms.
    pub now: i64,
    /// What ends before this (UTC ms) counts as expiring.
    pub soon: i64,
    /// Items needing attention, in the parts' order (sorted by urgency afterwards).
    pub attention: Vec<Attention>,
    /// Figures by label with their page.
    pub figures: Vec<(String, i64, String)>,
}

impl Board<'_> {
    /// The partner's id.
    pub fn id(&self) -> &str {
        &self.partner.id
    }

    /// A refusal to act on: its reason as the detail.
    pub fn rejected(&mut self, title: String, reason: Option<String>, link: &str) {
        self.attention.push(Attention {
            urgency: Urgency::Act,
            title,
            detail: reason.unwrap_or_default(),
            link: link.into(),
        });
    }

    /// Something ending soon.
    pub fn expiring(&mut self, title: String, due: i64, link: &str) {
        self.attention.push(Attention {
            urgency: Urgency::Soon,
            title,
            detail: format!("It expires on {}.", day(due)),
            link: link.into(),
        });
    }

    /// A figure with its page.
    pub fn figure(&mut self, label: &str, n: i64, link: &str) {
        self.figures.push((label.into(), n, link.into()));
    }
}

/// The items expiring in a window, as the parts fill it: the soonest `limit` of each kind
/// (cut to `limit` overall afterwards) and the count of all.
pub(crate) struct Expiring {
    /// Window start (exclusive), UTC ms.
    pub now: i64,
    /// Window end (inclusive), UTC ms.
    pub end: i64,
    /// Most items kept per kind.
    pub limit: i64,
    /// Items of every kind.
    pub items: Vec<ExpiringItem>,
    /// Count of every kind's items in the window.
    pub total: i64,
}

/// Adds one kind of expiring item to an [`Expiring`]: the rows of `$table` whose `$due` falls
/// in the window are counted, and the soonest are mapped to items. A macro because each
/// kind's table and columns are their own diesel types.
macro_rules! expiring_kind {
    ($out:expr, $conn:expr, $table:expr, $due:expr, $select:expr, $map:expr) => {{
        let (now, end, limit) = ($out.now, $out.end, $out.limit);
        let q = || $table.filter($due.gt(now)).filter($due.le(end));
        $out.total += q().count().get_result::<i64>($conn)?;
        let rows: Vec<_> = q()
            .order($due.asc())
            .select($select)
            .limit(limit)
            .load($conn)?;
        $out.items.extend(rows.into_iter().map($map));
    }};
}
pub(crate) use expiring_kind;

/// An aggregate's part of the cross-aggregate views. Each method does nothing unless the
/// aggregate has something to say.
pub(crate) trait Part: Sync {
    /// Attention items and figures for one partner (the part decides whether the partner's
    /// type concerns it).
    fn partner(&self, _conn: &mut AnyConnection, _board: &mut Board) -> AppResult<()> {
        Ok(())
    }

    /// Its items expiring in the window (the partner admin's dashboard).
    fn expiring(&self, _conn: &mut AnyConnection, _out: &mut Expiring) -> AppResult<()> {
        Ok(())
    }

    /// Its items ending after `now` and by `end` (UTC ms), each with who must hear of it (the
    /// daily expiry notices and the weekly summary).
    fn expiry_notices(
        &self,
        _conn: &mut AnyConnection,
        _now: i64,
        _end: i64,
        _out: &mut Vec<Due>,
    ) -> AppResult<()> {
        Ok(())
    }
}

/// Every part, in the order their items are listed (before sorting by urgency or date).
pub(crate) static PARTS: &[&dyn Part] = &[
    &crate::partner::part::Partners,
    &crate::cert::part::Certificates,
    &crate::access::part::Access,
    &crate::device::part::Devices,
];

/// A UTC ms instant as its day (`YYYY-MM-DD`).
pub(crate) fn day(ms: i64) -> String {
    crate::clock::rfc3339(ms).chars().take(10).collect()
}
