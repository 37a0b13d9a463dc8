//! Incident management and response for Palisade.
//!
//! Detection raises [`Alert`](palisade_core::Alert)s; the [`IncidentManager`] hears each one
//! through the [`AlertSink`](palisade_core::AlertSink) seam (queued, never blocking the
//! detection path) and groups it into an incident by the configured keys (rule, host, user,
//! source address, tenant) within a time window, so operators work one queue of incidents
//! instead of a flood of alerts. An incident moves through new → acknowledged → in progress →
//! resolved → closed (and back by a reopen), carries an assignee, severity, notes, linked alerts
//! and events, and a full history of who changed what. SLA timers per severity flag late
//! acknowledgements and resolutions; MTTA and MTTR are reported per tenant, severity and rule,
//! and closed incidents are mined for recurring rules, hosts, users and sources. Notifications
//! (signed webhooks, e-mail over SMTP, syslog) and response actions (a command or a webhook) are
//! queued durably in the state store, so they survive a restart. Everything lives in the
//! node's [`StateStore`](palisade_state::StateStore).

mod actions;
mod db;
mod error;
mod grouping;
mod lookup;
mod manager;
mod merge;
mod metrics;
pub mod model;
pub mod notify;
mod ops;
mod patterns;
mod schema;
mod sla;

pub use db::IncidentFilter;
pub use error::IncidentError;
pub use manager::IncidentManager;
pub use metrics::{MetricsGroup, MetricsReport};
pub use model::{
    ActionRun, HistoryEntry, Incident, IncidentDetail, IncidentState, IncidentUpdate, LinkedAlert,
    Note,
};
pub use patterns::{PatternReport, Recurrence};
