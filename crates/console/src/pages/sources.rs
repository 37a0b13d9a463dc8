//! The sources page: each source of the tenant with its event rate, last event, parse
//! success ratio, and the templates mined from the lines no parser understood.

use super::Session;
use askama::Template;

/// One source (its `metadata.log_name`).
#[derive(Debug, Clone)]
pub struct SourceRow {
    /// The source's name.
    pub name: String,
    /// Events per minute over the last hour, formatted.
    pub per_minute: String,
    /// Events over the last 24 hours, formatted.
    pub day: String,
    /// Time of its newest event (UTC).
    pub last_seen: String,
    /// Share of its 24-hour events a parser understood, e.g. `97.5 %`.
    pub parsed: String,
    /// `ok`, `warn` or `bad`: colours the ratio.
    pub tone: &'static str,
}

/// One template of unparsed lines.
#[derive(Debug, Clone)]
pub struct TemplateRow {
    /// The template's id.
    pub id: String,
    /// The template, variable parts as `<*>`.
    pub template: String,
    /// Lines it covers.
    pub count: u64,
    /// One line it came from.
    pub example: String,
}

/// `/console/sources`.
#[derive(Template)]
#[template(path = "sources.html")]
pub struct SourcesPage {
    /// Who is looking.
    pub session: Session,
    /// Sources, busiest first; `None` when the roles may not search events.
    pub sources: Option<Vec<SourceRow>>,
    /// Most frequent templates first.
    pub templates: Vec<TemplateRow>,
    /// How many templates there are in all, formatted.
    pub templates_total: String,
    /// Why part of the page could not be read.
    pub error: Option<String>,
}
