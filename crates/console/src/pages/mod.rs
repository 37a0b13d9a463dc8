//! The page models: what each template shows, already formatted as text by the server.
//! Render one with [`askama::Template::render`]; every field is HTML-escaped except the SVG
//! charts, which [`crate::chart`] escapes itself.

use askama::Template;

pub mod admin;
pub mod alerts;
pub mod audit;
pub mod incidents;
pub mod keys;
pub mod live;
pub mod rules;
pub mod sources;

/// One entry of the navigation bar.
#[derive(Debug, Clone)]
pub struct NavItem {
    /// Text of the link.
    pub label: &'static str,
    /// Where it goes.
    pub href: &'static str,
    /// Whether it is the page being shown.
    pub active: bool,
}

/// Who is signed in, and the navigation their roles may see.
#[derive(Debug, Clone)]
pub struct Session {
    /// Account name.
    pub user: String,
    /// The account's tenant.
    pub tenant: String,
    /// Roles, comma-separated.
    pub roles: String,
    /// The session's CSRF token, sent as `X-CSRF-Token` by the script's state-changing calls.
    pub csrf: String,
    /// Pages the roles may open, in menu order.
    pub nav: Vec<NavItem>,
}

/// The sign-in page.
#[derive(Template)]
#[template(path = "login.html")]
pub struct LoginPage {
    /// Login CSRF token, also in the pre-login cookie.
    pub csrf: String,
    /// Tenant typed last time (kept after a failed attempt).
    pub tenant: String,
    /// Account typed last time.
    pub user: String,
    /// Why the last attempt failed.
    pub error: Option<String>,
}

/// A big number on the overview.
#[derive(Debug, Clone)]
pub struct Tile {
    /// What it counts.
    pub label: String,
    /// The number (or state), formatted.
    pub value: String,
    /// A line of context under it.
    pub note: String,
    /// `ok`, `warn`, `bad` or empty: colours the tile.
    pub tone: &'static str,
}

/// One row of a ranked list (sources, hosts).
#[derive(Debug, Clone)]
pub struct CountRow {
    /// The value counted.
    pub name: String,
    /// How many events carry it.
    pub count: u64,
    /// Its share of the largest row, 0 to 100 (the bar's width).
    pub bar_pct: u32,
}

impl CountRow {
    /// Rows from (name, count) pairs already sorted by count descending.
    pub fn ranked(pairs: Vec<(String, u64)>) -> Vec<CountRow> {
        let max = pairs.iter().map(|p| p.1).max().unwrap_or(0).max(1);
        pairs
            .into_iter()
            .map(|(name, count)| CountRow {
                name,
                count,
                bar_pct: (count.saturating_mul(100) / max) as u32,
            })
            .collect()
    }
}

/// The overview: the wall-screen page. Its panels ([`live::OverviewLive`], rendered first)
/// are refreshed by server-sent events.
#[derive(Template)]
#[template(path = "overview.html")]
pub struct OverviewPage {
    /// Who is looking.
    pub session: Session,
    /// Large type for a wall screen.
    pub wall: bool,
    /// The rendered [`live::OverviewLive`] panels.
    pub live: String,
}

/// One event in the results table.
#[derive(Debug, Clone)]
pub struct EventRow {
    /// Event time (UTC).
    pub time: String,
    /// Host name or address.
    pub host: String,
    /// Source (log name).
    pub source: String,
    /// The message, or the raw line.
    pub message: String,
    /// The original bytes as received.
    pub raw: String,
    /// The normalised event, pretty-printed OCSF JSON.
    pub normalised: String,
}

/// The result of a `stats`/`timechart` query.
#[derive(Debug, Clone)]
pub struct ResultTable {
    /// Column names.
    pub columns: Vec<String>,
    /// Cells as text.
    pub rows: Vec<Vec<String>>,
}

/// One field's most common values among the matches (a facet).
#[derive(Debug, Clone)]
pub struct Facet {
    /// The field's dotted path.
    pub field: String,
    /// Its most common values, most common first.
    pub values: Vec<FacetValue>,
}

/// One value of a facet.
#[derive(Debug, Clone)]
pub struct FacetValue {
    /// The value as text.
    pub value: String,
    /// How many of the sampled matches carry it.
    pub count: u64,
    /// Its share of the facet's top value, 0 to 100.
    pub bar_pct: u32,
    /// The search narrowed to this value.
    pub href: String,
}

/// The search page.
#[derive(Template)]
#[template(path = "search.html")]
pub struct SearchPage {
    /// Who is searching.
    pub session: Session,
    /// The query as typed.
    pub q: String,
    /// Start of the range as typed.
    pub from: String,
    /// End of the range as typed (empty: now).
    pub to: String,
    /// Why the query could not run.
    pub error: Option<String>,
    /// Matches, newest first.
    pub events: Vec<EventRow>,
    /// Aggregation result, for queries with a pipe.
    pub table: Option<ResultTable>,
    /// SVG bar chart of a `stats` result (one bar per row).
    pub stats_chart: Option<String>,
    /// Top values of the most common fields among the newest matches.
    pub facets: Vec<Facet>,
    /// What the facets were counted over, e.g. `newest 1,000 matches`.
    pub facets_note: String,
    /// SVG histogram of matches over the range.
    pub histogram: Option<String>,
    /// One line: how many, how long.
    pub summary: String,
    /// Link to the same search as JSON (the API).
    pub export_json: String,
    /// Link to the same search as CSV.
    pub export_csv: String,
}

#[cfg(test)]
mod tests;
