//! The registry of the cross-aggregate views: each aggregate contributes what it knows (a
//! partner's dashboard items and figures, the items expiring soon, the expiry notices of the
//! daily job) through [`Part`], and its approval queue through [`Queue`]; the dashboards,
//! notifications and the inbox loop over [`PARTS`] and [`QUEUES`] instead of reading every
//! aggregate's tables themselves. A new aggregate adds one line to each list it joins.

use crate::audit::Actor;
use crate::dashboard::{Attention, ExpiringItem, Urgency};
use crate::db::AnyConnection;
use crate::error::AppResult;
use crate::inbox::InboxKind;
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

/// An item waiting in a queue: (id, partner id, organisation, partner type, two title parts,
/// created at).
pub(crate) type QueueRow = (String, String, String, String, String, String, i64);

/// The inbox's filters as each queue applies them.
pub(crate) struct QueueFilters {
    /// One partner only.
    pub partner: Option<String>,
    /// Partners of one type only.
    pub partner_type: Option<String>,
    /// Created at or before (UTC ms).
    pub before: Option<i64>,
    /// Newest first.
    pub newest: bool,
}

/// What a queue says of one item for a decision.
pub(crate) struct QueueDetail {
    /// The partner it belongs to.
    pub partner_id: String,
    /// One line.
    pub title: String,
    /// Waiting since, UTC ms.
    pub created_at: i64,
    /// Facts as label / value pairs.
    pub facts: Vec<(String, String)>,
    /// A policy document (pretty JSON).
    pub document: Option<String>,
    /// SBIs a device is linked to.
    pub sbis: Vec<crate::device::SbiView>,
    /// The partner's profile when the queue read it anyway.
    pub partner: Option<crate::partner::PartnerView>,
}

impl QueueDetail {
    /// An item with no facts yet.
    pub fn new(partner_id: String, title: String, created_at: i64) -> QueueDetail {
        QueueDetail {
            partner_id,
            title,
            created_at,
            facts: Vec::new(),
            document: None,
            sbis: Vec::new(),
            partner: None,
        }
    }

    /// Add a fact.
    pub fn fact(&mut self, label: &str, value: impl Into<String>) {
        self.facts.push((label.into(), value.into()));
    }
}

/// Runs one queue's pending items under the filters: (count, oldest, first `take` rows in
/// order). A macro because each queue's tables and columns are their own diesel types.
macro_rules! pending_queue {
    ($conn:expr, $f:expr, $take:expr, $base:expr, $status:expr, $pending:expr,
     $created:expr, $id:expr, $partner:expr, $select:expr) => {{
        use $crate::schema::partners;
        let filtered = || {
            let mut q = $base.filter($status.eq($pending)).into_boxed();
            if let Some(p) = &$f.partner {
                q = q.filter($partner.eq(p.clone()));
            }
            if let Some(t) = &$f.partner_type {
                q = q.filter(partners::partner_type.eq(t.clone()));
            }
            if let Some(b) = $f.before {
                q = q.filter($created.le(b));
            }
            q
        };
        let count: i64 = filtered().count().get_result($conn)?;
        let oldest: Option<i64> = if count == 0 {
            None
        } else {
            filtered().select(diesel::dsl::min($created)).first($conn)?
        };
        let rows: Vec<$crate::registry::QueueRow> = if $take == 0 || count == 0 {
            Vec::new()
        } else {
            let q = if $f.newest {
                filtered().order(($created.desc(), $id.desc()))
            } else {
                filtered().order(($created.asc(), $id.asc()))
            };
            q.select($select).limit($take).load($conn)?
        };
        Ok((count, oldest, rows))
    }};
}
pub(crate) use pending_queue;

/// An aggregate's approval queue in the partner admin's inbox.
pub(crate) trait Queue: Sync {
    /// Its kind.
    fn kind(&self) -> InboxKind;

    /// Its pending items under the filters: (count, oldest, first `take` rows in order).
    fn pending(
        &self,
        conn: &mut AnyConnection,
        f: &QueueFilters,
        take: i64,
    ) -> AppResult<(i64, Option<i64>, Vec<QueueRow>)>;

    /// An item's title from its row (organisation and the two title parts).
    fn title(&self, organisation: &str, a: &str, b: &str) -> String;

    /// What a decision on item `id` needs.
    fn detail(&self, conn: &mut AnyConnection, id: &str) -> AppResult<QueueDetail>;

    /// Approve or reject (reason required) item `id` by its aggregate's own rules.
    fn decide(
        &self,
        conn: &mut AnyConnection,
        actor: &Actor,
        id: &str,
        approve: bool,
        reason: Option<&str>,
    ) -> AppResult<()>;
}

/// Every queue, in [`InboxKind::ALL`]'s order.
pub(crate) static QUEUES: [&dyn Queue; 5] = [
    &crate::partner::part::Registrations,
    &crate::access::part::PolicyRequestQueue,
    &crate::device::part::SbiQueue,
    &crate::device::part::DeviceQueue,
    &crate::device::part::ChipQueue,
];

/// The queue of `kind`.
pub(crate) fn queue(kind: InboxKind) -> &'static dyn Queue {
    QUEUES
        .iter()
        .copied()
        .find(|q| q.kind() == kind)
        .unwrap_or(QUEUES[0])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_has_its_queue_in_the_inbox_order() {
        let kinds: Vec<InboxKind> = QUEUES.iter().map(|q| q.kind()).collect();
        assert_eq!(kinds, InboxKind::ALL.to_vec());
    }
}
