//! The live part of the overview: everything the server-sent events refresh. It renders on
//! its own (the SSE endpoint pushes it every few seconds) and inside the overview page.

use super::{CountRow, Tile};
use askama::Template;

/// How many alerts or open incidents one level has.
#[derive(Debug, Clone)]
pub struct LevelCount {
    /// `informational` … `critical` (also the CSS class).
    pub level: &'static str,
    /// How many.
    pub count: u64,
}

/// A host that sent events in the window but has been quiet lately.
#[derive(Debug, Clone)]
pub struct SilentSource {
    /// Host name.
    pub name: String,
    /// The start of the last ten minutes it sent anything in (UTC).
    pub last_seen: String,
    /// Events it sent in the window.
    pub events: u64,
}

/// The refreshed panels of the overview.
#[derive(Template)]
#[template(path = "overview_live.html")]
pub struct OverviewLive {
    /// Big numbers: event rate, totals, open incidents, seal state, audit head.
    pub tiles: Vec<Tile>,
    /// Alerts of the window by level, if the role may read alerts.
    pub alert_levels: Option<Vec<LevelCount>>,
    /// Open incidents by severity, if the role may read incidents.
    pub incident_levels: Option<Vec<LevelCount>>,
    /// SVG: alerts raised per hour over the window (the attack trend).
    pub alert_trend: Option<String>,
    /// SVG histogram of events over the last hour, if the role may search.
    pub rate_chart: Option<String>,
    /// Events by source over the window.
    pub sources: Vec<CountRow>,
    /// Top hosts over the window.
    pub hosts: Vec<CountRow>,
    /// Top users over the window.
    pub users: Vec<CountRow>,
    /// Top source addresses over the window.
    pub addresses: Vec<CountRow>,
    /// Hosts gone quiet, if the role may search.
    pub silent: Option<Vec<SilentSource>>,
    /// The window the lists cover, e.g. `last 24 h`.
    pub window: String,
    /// When the panels were drawn (UTC).
    pub drawn_at: String,
}
