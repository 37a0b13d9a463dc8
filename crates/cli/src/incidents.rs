//! `palisade incidents list|show|ack|resolve|close|reopen|assign|comment|metrics|patterns`:
//! the incident queue through the server's API (docs/incidents.md).

use crate::client::{Client, ServerArgs};
use palisade_core::time::format_rfc3339;
use serde_json::{json, Value};
use std::process::ExitCode;

/// Incident subcommands.
#[derive(clap::Subcommand)]
pub enum IncidentsCommand {
    /// The incident queue, newest first.
    List {
        /// States, comma-separated (`open` = new, acknowledged, in_progress).
        #[arg(long)]
        state: Option<String>,
        /// Minimum severity.
        #[arg(long)]
        severity: Option<String>,
        /// Only assigned to this user.
        #[arg(long)]
        assignee: Option<String>,
        /// Only opened by this rule id.
        #[arg(long)]
        rule: Option<String>,
        /// At most this many.
        #[arg(long, default_value_t = 100)]
        limit: usize,
        #[command(flatten)]
        common: Common,
    },
    /// One incident with its alerts, notes, history and action runs.
    Show {
        /// Incident id.
        id: i64,
        #[command(flatten)]
        common: Common,
    },
    /// Acknowledge an incident.
    Ack(Change),
    /// Mark an incident resolved.
    Resolve(Change),
    /// Close a resolved incident.
    Close(Change),
    /// Reopen a resolved or closed incident (back to in_progress).
    Reopen(Change),
    /// Assign an incident to a user (empty: nobody).
    Assign {
        /// Incident id.
        id: i64,
        /// The user.
        user: String,
        #[command(flatten)]
        common: Common,
    },
    /// Add a note.
    Comment {
        /// Incident id.
        id: i64,
        /// The note.
        text: String,
        #[command(flatten)]
        common: Common,
    },
    /// MTTA and MTTR per tenant, severity and rule.
    Metrics(Period),
    /// Recurring rules, hosts, users and sources among closed incidents.
    Patterns {
        /// Least closed incidents a value must appear in.
        #[arg(long, default_value_t = 2)]
        min: u64,
        #[command(flatten)]
        period: Period,
    },
}

/// Flags every incident command takes.
#[derive(clap::Args)]
pub struct Common {
    /// Tenant (provider administrators; `*` = all).
    #[arg(long)]
    tenant: Option<String>,
    /// Print the API's JSON answer instead of a table.
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    server: ServerArgs,
}

/// A state change with an optional note.
#[derive(clap::Args)]
pub struct Change {
    /// Incident id.
    id: i64,
    /// A note to record with the change.
    #[arg(long)]
    note: Option<String>,
    #[command(flatten)]
    common: Common,
}

/// A reporting period.
#[derive(clap::Args)]
pub struct Period {
    /// Start: RFC 3339, a date, epoch ms or relative like now-7d [default: now-30d].
    #[arg(long)]
    from: Option<String>,
    /// End [default: now].
    #[arg(long)]
    to: Option<String>,
    #[command(flatten)]
    common: Common,
}

/// Runs the subcommand.
pub fn run(cmd: IncidentsCommand) -> anyhow::Result<ExitCode> {
    match cmd {
        IncidentsCommand::List {
            state,
            severity,
            assignee,
            rule,
            limit,
            common,
        } => {
            let limit = limit.to_string();
            let mut query = vec![("limit", limit.as_str())];
            let optional = [
                ("state", &state),
                ("severity", &severity),
                ("assignee", &assignee),
                ("rule", &rule),
                ("tenant", &common.tenant),
            ];
            query.extend(
                optional
                    .iter()
                    .filter_map(|(k, v)| v.as_deref().map(|v| (*k, v))),
            );
            let answer = Client::new(&common.server)?.get("/api/v1/incidents", &query)?;
            print(&answer, common.json, |a| {
                crate::incident_tables::list(
                    a["incidents"].as_array().map_or(&[][..], Vec::as_slice),
                )
            });
        }
        IncidentsCommand::Show { id, common } => {
            let answer = Client::new(&common.server)?
                .get(&format!("/api/v1/incidents/{id}"), &tenant(&common))?;
            print(&answer, common.json, crate::incident_tables::detail);
        }
        IncidentsCommand::Ack(c) => change(c, "acknowledged")?,
        IncidentsCommand::Resolve(c) => change(c, "resolved")?,
        IncidentsCommand::Close(c) => change(c, "closed")?,
        IncidentsCommand::Reopen(c) => change(c, "in_progress")?,
        IncidentsCommand::Assign { id, user, common } => {
            patch(&common, id, &json!({ "assignee": user }))?;
        }
        IncidentsCommand::Comment { id, text, common } => {
            let path = with_tenant(&format!("/api/v1/incidents/{id}/comments"), &common);
            let answer =
                Client::new(&common.server)?.send_json("POST", &path, &json!({ "text": text }))?;
            print(&answer, common.json, |_| {
                format!("incident {id}: note added\n")
            });
        }
        IncidentsCommand::Metrics(p) => {
            let answer = report(&p, "/api/v1/incidents/metrics", &[])?;
            print(&answer, p.common.json, crate::incident_tables::metrics);
        }
        IncidentsCommand::Patterns { min, period } => {
            let min = min.to_string();
            let answer = report(&period, "/api/v1/incidents/patterns", &[("min", &min)])?;
            print(
                &answer,
                period.common.json,
                crate::incident_tables::patterns,
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn tenant(common: &Common) -> Vec<(&str, &str)> {
    common
        .tenant
        .as_deref()
        .map(|t| ("tenant", t))
        .into_iter()
        .collect()
}

fn with_tenant(path: &str, common: &Common) -> String {
    match &common.tenant {
        Some(t) => format!("{path}?tenant={}", url_escape(t)),
        None => path.to_owned(),
    }
}

/// Percent-encodes a query value (tenant names are plain, `*` is not).
fn url_escape(text: &str) -> String {
    text.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-_.".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

fn report(p: &Period, path: &str, extra: &[(&str, &str)]) -> anyhow::Result<Value> {
    let mut query = tenant(&p.common);
    query.extend(p.from.as_deref().map(|f| ("from", f)));
    query.extend(p.to.as_deref().map(|t| ("to", t)));
    query.extend_from_slice(extra);
    Client::new(&p.common.server)?.get(path, &query)
}

fn patch(common: &Common, id: i64, body: &Value) -> anyhow::Result<()> {
    let path = with_tenant(&format!("/api/v1/incidents/{id}"), common);
    let answer = Client::new(&common.server)?.send_json("PATCH", &path, body)?;
    print(&answer, common.json, |a| {
        format!(
            "incident {id}: {} (assignee {}, updated {})\n",
            a["state"].as_str().unwrap_or("?"),
            a["assignee"].as_str().unwrap_or("-"),
            a["updated_ms"]
                .as_i64()
                .map_or_else(String::new, format_rfc3339)
        )
    });
    Ok(())
}

fn change(c: Change, state: &str) -> anyhow::Result<()> {
    let mut body = json!({ "state": state });
    if let Some(note) = c.note {
        body["note"] = json!(note);
    }
    patch(&c.common, c.id, &body)
}

fn print(answer: &Value, as_json: bool, table: impl Fn(&Value) -> String) {
    let text = if as_json {
        format!(
            "{}\n",
            serde_json::to_string_pretty(answer).unwrap_or_default()
        )
    } else {
        table(answer)
    };
    // A closed pipe (`| head`) is not an error.
    let _ = std::io::Write::write_all(&mut std::io::stdout().lock(), text.as_bytes());
}
