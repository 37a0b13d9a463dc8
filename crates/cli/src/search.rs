//! `palisade search QUERY`: search a running server.

use crate::client::{Client, ServerArgs};
use std::process::ExitCode;

/// Flags of `palisade search`.
#[derive(clap::Args)]
pub struct SearchArgs {
    #[command(flatten)]
    server: ServerArgs,
    /// Print one OCSF JSON object per line (or the aggregation table as JSON).
    #[arg(long)]
    json: bool,
    /// Start of the time range: RFC 3339, a date, epoch ms, or relative like now-1h.
    #[arg(long)]
    from: Option<String>,
    /// End of the time range (exclusive).
    #[arg(long)]
    to: Option<String>,
    /// Most events to print (pages of up to 10 000 are fetched until reached).
    #[arg(long, default_value_t = 100)]
    limit: usize,
    /// Tenant to search (`*` for all; provider administrators only).
    #[arg(long)]
    tenant: Option<String>,
    /// The query, e.g. `host:web01 AND "failed password" | stats count() by app`.
    #[arg(default_value = "")]
    query: String,
}

/// Runs the command; exit code 1 when nothing matched, like grep.
pub fn run(args: SearchArgs) -> anyhow::Result<ExitCode> {
    let client = Client::new(&args.server)?;
    let mut printed = 0usize;
    let mut cursor: Option<String> = None;
    loop {
        let page_size = (args.limit - printed).min(10_000).to_string();
        let mut query: Vec<(&str, &str)> = vec![("q", &args.query), ("limit", &page_size)];
        for (key, value) in [
            ("from", &args.from),
            ("to", &args.to),
            ("tenant", &args.tenant),
            ("cursor", &cursor),
        ] {
            if let Some(v) = value {
                query.push((key, v));
            }
        }
        let answer = client.get("/api/v1/events", &query)?;
        if let Some(table) = answer.get("table") {
            print_table(table, args.json);
            let empty = table["rows"].as_array().is_none_or(|r| r.is_empty());
            return Ok(if empty {
                ExitCode::from(1)
            } else {
                ExitCode::SUCCESS
            });
        }
        let events = answer["events"].as_array().cloned().unwrap_or_default();
        for event in &events {
            print_event(event, args.json);
        }
        printed += events.len();
        cursor = answer["next_cursor"].as_str().map(str::to_owned);
        if cursor.is_none() || printed >= args.limit || events.is_empty() {
            break;
        }
    }
    Ok(if printed == 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

fn print_event(event: &serde_json::Value, json: bool) {
    if json {
        println!("{event}");
        return;
    }
    let time = event["time"]
        .as_i64()
        .map(palisade_core::time::format_rfc3339)
        .unwrap_or_default();
    let host = event["device"]["hostname"].as_str().unwrap_or("-");
    let app = event["metadata"]["product"]["name"].as_str().unwrap_or("-");
    let message = event["message"].as_str().unwrap_or("");
    println!(
        "{time}  {host:<16} {app:<12} {}",
        message.replace('\n', " ")
    );
}

fn print_table(table: &serde_json::Value, json: bool) {
    if json {
        println!("{table}");
        return;
    }
    let columns: Vec<String> = table["columns"]
        .as_array()
        .map(|c| {
            c.iter()
                .map(|v| v.as_str().unwrap_or("").to_owned())
                .collect()
        })
        .unwrap_or_default();
    let rows: Vec<Vec<String>> = table["rows"]
        .as_array()
        .map(|rows| {
            rows.iter()
                .map(|r| {
                    r.as_array()
                        .map(|cells| cells.iter().map(cell).collect())
                        .unwrap_or_default()
                })
                .collect()
        })
        .unwrap_or_default();
    let widths: Vec<usize> = (0..columns.len())
        .map(|i| {
            rows.iter()
                .map(|r| r.get(i).map_or(0, String::len))
                .chain([columns[i].len()])
                .max()
                .unwrap_or(0)
        })
        .collect();
    let line = |cells: &[String]| {
        cells
            .iter()
            .zip(&widths)
            .map(|(c, w)| format!("{c:<w$}"))
            .collect::<Vec<_>>()
            .join("  ")
            .trim_end()
            .to_owned()
    };
    println!("{}", line(&columns));
    for row in &rows {
        println!("{}", line(row));
    }
}

fn cell(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::Null => "-".to_owned(),
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}
