//! The alert queue (`/console/alerts`) and one alert (`/console/alerts/{id}`).

use super::Session;
use askama::Template;

/// One option of a filter's `<select>`.
#[derive(Debug, Clone)]
pub struct Choice {
    /// The value sent.
    pub value: &'static str,
    /// The text shown.
    pub label: &'static str,
    /// Whether it is the current filter.
    pub selected: bool,
}

impl Choice {
    /// The options `(value, label)`, the one equal to `current` selected.
    pub fn list(options: &[(&'static str, &'static str)], current: &str) -> Vec<Choice> {
        options
            .iter()
            .map(|&(value, label)| Choice {
                value,
                label,
                selected: value == current,
            })
            .collect()
    }
}

/// One alert as the queue lists it.
#[derive(Debug, Clone)]
pub struct AlertRow {
    /// The alert's id.
    pub id: String,
    /// `informational` … `critical` (also the CSS class of the level badge).
    pub level: String,
    /// The rule's id.
    pub rule_id: String,
    /// The rule's title.
    pub rule_title: String,
    /// Earliest matching event (UTC).
    pub first_seen: String,
    /// Latest matching event (UTC).
    pub last_seen: String,
    /// How often the rule fired.
    pub count: u64,
    /// The entities as `host=web01 user=root`.
    pub entities: String,
    /// The state of the incident the alert is in, or `no incident`.
    pub status: String,
    /// The alert's own triage status (`new`, `in progress`, `suppressed`, `resolved`).
    pub triage: String,
    /// The incident's page, when the alert is in one.
    pub incident_href: Option<String>,
    /// A search for the alert's events.
    pub events_href: String,
}

/// The triage statuses an alert may be given, `(API name, label)`.
pub const TRIAGE_STATUSES: &[(&str, &str)] = &[
    ("new", "new"),
    ("in_progress", "in progress"),
    ("suppressed", "suppressed"),
    ("resolved", "resolved"),
];

/// The alert queue.
#[derive(Template)]
#[template(path = "alerts.html")]
pub struct AlertsPage {
    /// Who is looking.
    pub session: Session,
    /// Minimum level to show.
    pub levels: Vec<Choice>,
    /// Status filter (`open`, an incident state, `none`).
    pub statuses: Vec<Choice>,
    /// Rule id filter as typed.
    pub rule: String,
    /// Start of the range as typed.
    pub since: String,
    /// End of the range as typed.
    pub until: String,
    /// Why the filters could not be applied.
    pub error: Option<String>,
    /// The alerts, most recently seen first.
    pub alerts: Vec<AlertRow>,
    /// One line: how many.
    pub summary: String,
    /// Whether the role may change alert statuses (the queue's pick boxes and bulk form).
    pub can_write: bool,
}

impl AlertsPage {
    /// The statuses the bulk form offers.
    pub fn triage_statuses(&self) -> &'static [(&'static str, &'static str)] {
        TRIAGE_STATUSES
    }
}

/// One alert with its entities, tags and events.
#[derive(Template)]
#[template(path = "alert.html")]
pub struct AlertPage {
    /// Who is looking.
    pub session: Session,
    /// The alert.
    pub alert: AlertRow,
    /// `detection` or `correlation`.
    pub kind: String,
    /// ATT&CK and other tags.
    pub tags: Vec<String>,
    /// Entity name and value pairs.
    pub entities: Vec<(String, String)>,
    /// The ids of the matching events (bounded by the store).
    pub event_ids: Vec<String>,
    /// Whether the role may change the alert's status.
    pub can_write: bool,
    /// The alert's status API path (`/api/v1/alerts/{id}/status`).
    pub status_api: String,
}

impl AlertPage {
    /// The statuses the status form offers.
    pub fn triage_statuses(&self) -> &'static [(&'static str, &'static str)] {
        TRIAGE_STATUSES
    }
}
