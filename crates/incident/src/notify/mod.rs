//! Notifications: routed by tenant, severity, rule and happening to channels (signed webhook,
//! SMTP e-mail, syslog), queued in the state store in the same transaction as the change that
//! caused them, and delivered by a worker with per-channel rate limits, retries with
//! exponential back-off, and a dead letter after the channel's `max_attempts` failures.

mod email;
mod rate;
mod syslog;
pub mod webhook;

use crate::{manager::Inner, model::Incident};
use palisade_core::{
    incident_config::{ChannelConfig, ChannelTarget, IncidentConfig, RouteConfig},
    time::now_ms,
};
use palisade_state::rusqlite::{self, params, Transaction};
use serde::{Deserialize, Serialize};
use std::time::Duration;

/// Longest wait between two delivery attempts.
const MAX_BACKOFF_MS: i64 = 3_600_000;
/// How often the worker looks for due notifications.
const POLL: Duration = Duration::from_millis(200);

/// What a channel receives (the webhook body; e-mail and syslog render it as text).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Notification {
    /// `opened`, `state_changed`, `reopened` or `sla_breached`.
    pub event: String,
    /// When it happened, epoch ms.
    pub time_ms: i64,
    /// The incident as it was then.
    pub incident: Incident,
}

impl Notification {
    /// A one-line summary (e-mail subject, syslog message).
    pub fn summary(&self) -> String {
        let i = &self.incident;
        let what = match self.event.as_str() {
            "opened" => "opened".to_owned(),
            "sla_breached" => "missed its SLA".to_owned(),
            "reopened" => "reopened".to_owned(),
            _ => format!("is now {}", i.state.as_str()),
        };
        format!(
            "[Palisade] {} incident #{} {what}: {}",
            i.severity.as_str(),
            i.id,
            i.title
        )
    }
}

/// Whether a route covers an incident and a happening.
fn route_matches(route: &RouteConfig, incident: &Incident, event: &str) -> bool {
    let any_or = |list: &[String], value: &str| list.is_empty() || list.iter().any(|v| v == value);
    any_or(&route.tenants, &incident.tenant)
        && any_or(&route.rules, &incident.rule_id)
        && any_or(&route.events, event)
        && route
            .min_severity
            .is_none_or(|min| incident.severity >= min)
}

/// The channels that must hear about `event` on `incident`, each once.
pub fn channels_for<'c>(
    config: &'c IncidentConfig,
    incident: &Incident,
    event: &str,
) -> Vec<&'c str> {
    let mut names: Vec<&str> = Vec::new();
    for route in config
        .routes
        .iter()
        .filter(|r| route_matches(r, incident, event))
    {
        for name in &route.channels {
            if !names.contains(&name.as_str()) {
                names.push(name);
            }
        }
    }
    names
}

/// Queues the notifications of `event` on `incident` inside the caller's transaction.
pub(crate) fn enqueue(
    tx: &Transaction<'_>,
    config: &IncidentConfig,
    incident: &Incident,
    event: &str,
    now: i64,
) -> rusqlite::Result<()> {
    let channels = channels_for(config, incident, event);
    if channels.is_empty() {
        return Ok(());
    }
    let payload = serde_json::to_string(&Notification {
        event: event.to_owned(),
        time_ms: now,
        incident: incident.clone(),
    })
    .unwrap_or_default();
    for channel in channels {
        tx.execute(
            "INSERT INTO incident_notifications (channel, incident_id, tenant, event, payload,
                status, next_attempt_ms, created_ms)
             VALUES (?1, ?2, ?3, ?4, ?5, 'pending', ?6, ?6)",
            params![channel, incident.id, incident.tenant, event, payload, now],
        )?;
    }
    Ok(())
}

/// Sends one notification through one channel.
fn deliver(channel: &ChannelConfig, payload: &str) -> Result<(), String> {
    match &channel.target {
        ChannelTarget::Webhook { url, secret_file } => webhook::post(
            url,
            secret_file.as_deref(),
            payload,
            Duration::from_secs(10),
        )
        .map(|_| ()),
        ChannelTarget::Email { .. } => email::send(channel, payload),
        ChannelTarget::Syslog { address, transport } => syslog::send(*address, *transport, payload),
    }
}

/// One queued notification due for an attempt.
struct Due {
    id: i64,
    channel: String,
    payload: String,
    attempts: u32,
}

/// Delivers due notifications until the manager stops.
pub(crate) fn worker(inner: &Inner) {
    let mut limits = rate::Limits::new(&inner.config.channels);
    while !inner.stopping() {
        if let Err(e) = deliver_due(inner, &mut limits) {
            tracing::error!(error = %e, "notification queue unavailable");
        }
        std::thread::sleep(POLL);
    }
}

fn deliver_due(inner: &Inner, limits: &mut rate::Limits) -> Result<(), palisade_state::StateError> {
    let now = now_ms();
    let due: Vec<Due> = inner.store.with(|c| {
        let mut stmt = c.prepare(
            "SELECT id, channel, payload, attempts FROM incident_notifications
             WHERE status = 'pending' AND next_attempt_ms <= ?1 ORDER BY id LIMIT 100",
        )?;
        let rows = stmt.query_map([now], |r| {
            Ok(Due {
                id: r.get(0)?,
                channel: r.get(1)?,
                payload: r.get(2)?,
                attempts: r.get(3)?,
            })
        })?;
        rows.collect()
    })?;
    for item in due {
        if inner.stopping() {
            break;
        }
        let Some(channel) = inner
            .config
            .channels
            .iter()
            .find(|c| c.name == item.channel)
        else {
            let error = format!("channel {:?} is no longer configured", item.channel);
            inner
                .store
                .with(|c| finish(c, item.id, "dead", item.attempts, Some(&error)))?;
            continue;
        };
        if let Err(free_at) = limits.take(&channel.name, now_ms()) {
            inner.store.with(|c| {
                c.execute(
                    "UPDATE incident_notifications SET next_attempt_ms = ?2 WHERE id = ?1",
                    params![item.id, free_at],
                )
            })?;
            continue;
        }
        let attempts = item.attempts + 1;
        match deliver(channel, &item.payload) {
            Ok(()) => {
                inner
                    .store
                    .with(|c| finish(c, item.id, "delivered", attempts, None))?;
            }
            Err(error) if attempts >= channel.max_attempts => {
                tracing::warn!(channel = %channel.name, id = item.id, %error, "notification dead-lettered");
                inner
                    .store
                    .with(|c| finish(c, item.id, "dead", attempts, Some(&error)))?;
            }
            Err(error) => {
                let backoff = (channel.backoff.0 as i64)
                    .saturating_mul(1_i64 << (attempts - 1).min(30))
                    .min(MAX_BACKOFF_MS);
                tracing::info!(channel = %channel.name, id = item.id, %error, backoff, "notification delivery failed; will retry");
                inner.store.with(|c| {
                    c.execute(
                        "UPDATE incident_notifications SET attempts = ?2, last_error = ?3,
                            next_attempt_ms = ?4 WHERE id = ?1",
                        params![item.id, attempts, error, now_ms() + backoff],
                    )
                })?;
            }
        }
    }
    Ok(())
}

fn finish(
    conn: &mut rusqlite::Connection,
    id: i64,
    status: &str,
    attempts: u32,
    error: Option<&str>,
) -> rusqlite::Result<usize> {
    conn.execute(
        "UPDATE incident_notifications SET status = ?2, attempts = ?3, last_error = ?4,
            delivered_ms = CASE WHEN ?2 = 'delivered' THEN ?5 END WHERE id = ?1",
        params![id, status, attempts, error, now_ms()],
    )
}

/// One queued notification as the API lists it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct QueuedNotification {
    /// Queue id.
    pub id: i64,
    /// Channel name.
    pub channel: String,
    /// The incident.
    pub incident_id: i64,
    /// The happening.
    pub event: String,
    /// `pending`, `delivered` or `dead`.
    pub status: String,
    /// Attempts made.
    pub attempts: u32,
    /// The last failure.
    pub last_error: Option<String>,
    /// Queued at.
    pub created_ms: i64,
    /// Delivered at.
    pub delivered_ms: Option<i64>,
}

impl crate::IncidentManager {
    /// The notifications of one incident (or of all, `None`), in `tenant`, newest first.
    pub fn notifications(
        &self,
        incident: Option<i64>,
        tenant: Option<&str>,
        limit: usize,
    ) -> crate::error::Result<Vec<QueuedNotification>> {
        Ok(self.inner.store.with(|c| {
            let mut stmt = c.prepare(
                "SELECT id, channel, incident_id, event, status, attempts, last_error, created_ms,
                    delivered_ms FROM incident_notifications
                 WHERE (?1 IS NULL OR incident_id = ?1) AND (?2 IS NULL OR tenant = ?2)
                 ORDER BY id DESC LIMIT ?3",
            )?;
            let rows =
                stmt.query_map(params![incident, tenant, limit.min(10_000) as i64], |r| {
                    Ok(QueuedNotification {
                        id: r.get(0)?,
                        channel: r.get(1)?,
                        incident_id: r.get(2)?,
                        event: r.get(3)?,
                        status: r.get(4)?,
                        attempts: r.get(5)?,
                        last_error: r.get(6)?,
                        created_ms: r.get(7)?,
                        delivered_ms: r.get(8)?,
                    })
                })?;
            rows.collect()
        })?)
    }
}
