//! Background work of the server process: the daily notification job (one instance runs it,
//! under a database lease) and the mail sender that drains the queue through SMTP.

use anyhow::Context;
use app::state::AppState;
use domain::db::Pool;
use lettre::message::{header::ContentType, Mailbox};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use std::time::Duration;

/// SMTP transport and sender address.
#[derive(Clone)]
pub struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

impl Mailer {
    /// A mailer for `url` (`smtp://`, `smtps://`, with `?tls=` as lettre reads it).
    pub fn new(url: &str, from: &str) -> anyhow::Result<Mailer> {
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
            .context("PMS_SMTP_URL is not a valid SMTP URL")?
            .timeout(Some(Duration::from_secs(20)))
            .build();
        let from = from
            .parse()
            .context("PMS_MAIL_FROM is not a valid mailbox")?;
        Ok(Mailer { transport, from })
    }

    async fn send(&self, mail: &domain::notification::QueuedMail) -> anyhow::Result<()> {
        let to: Mailbox = mail.recipient.parse().context("recipient address")?;
        let message = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(mail.subject.clone())
            .header(ContentType::TEXT_PLAIN)
            .body(format!(
                "{}\n\n-- \nPartner management portal. Manage notifications in the portal.\n",
                mail.body
            ))
            .context("building the message")?;
        self.transport.send(message).await?;
        Ok(())
    }
}

/// Send what is due in the queue at `now`: (sent, failed). A failure is kept for a retry with
/// back-off; nothing is lost when the SMTP server is down.
pub async fn deliver_due(pool: &Pool, mailer: &Mailer, now: i64) -> anyhow::Result<(usize, usize)> {
    let due = domain::db::run(pool, move |conn| {
        domain::notification::claim_due(conn, now, 50)
    })
    .await
    .map_err(|e| anyhow::anyhow!("{e}"))?;
    let (mut sent, mut failed) = (0, 0);
    for mail in due {
        let outcome = mailer.send(&mail).await;
        let at = domain::clock::now_ms().max(now);
        let error = outcome.as_ref().err().map(|e| format!("{e:#}"));
        if let Some(e) = &error {
            // The recipient is personal data: the id is enough to find the row.
            tracing::warn!(mail = %mail.id, attempt = mail.attempts + 1, error = %e, "mail not sent");
        }
        domain::db::run(pool, move |conn| match &error {
            None => domain::notification::mark_sent(conn, &mail.id, at),
            Some(e) => domain::notification::mark_failed(conn, &mail, at, e),
        })
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
        if outcome.is_ok() {
            sent += 1;
        } else {
            failed += 1;
        }
    }
    Ok((sent, failed))
}

/// Drain the mail queue every `every`.
pub fn spawn_mail_sender(state: AppState, mailer: Mailer, every: Duration) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(every);
        loop {
            tick.tick().await;
            match deliver_due(&state.pool, &mailer, domain::clock::now_ms()).await {
                Ok((0, 0)) => {}
                Ok((sent, failed)) => tracing::info!(sent, failed, "mail queue drained"),
                Err(e) => tracing::warn!(error = %e, "mail sender failed"),
            }
        }
    });
}

/// Try the daily notification job every `every`; the lease lets one instance run it per day.
pub fn spawn_notifications(state: AppState, mail: bool, every: Duration) {
    let holder = uuid::Uuid::new_v4().to_string();
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(every);
        loop {
            tick.tick().await;
            let holder = holder.clone();
            let now = domain::clock::now_ms();
            match domain::db::run(&state.pool, move |conn| {
                domain::notification::run_scheduled(conn, &holder, now, mail)
            })
            .await
            {
                Ok(Some(r)) => tracing::info!(
                    created = r.created,
                    mails = r.mails,
                    summaries = r.summaries,
                    purged = r.purged,
                    "daily notifications done"
                ),
                Ok(None) => {}
                Err(e) => tracing::warn!(error = %e, "daily notification job failed"),
            }
        }
    });
}
