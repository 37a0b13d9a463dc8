//! Plain-text tables for `palisade incidents` (the API's JSON rendered for a terminal).

use palisade_core::time::format_rfc3339;
use serde_json::Value;
use std::fmt::Write as _;

fn text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => "-".to_owned(),
        other => other.to_string(),
    }
}

fn time(v: &Value) -> String {
    v.as_i64().map_or_else(|| "-".to_owned(), format_rfc3339)
}

fn duration(v: &Value) -> String {
    let Some(ms) = v.as_i64() else {
        return "-".to_owned();
    };
    let secs = ms / 1000;
    match secs {
        0..60 => format!("{}.{:03}s", secs, ms % 1000),
        60..3600 => format!("{}m{:02}s", secs / 60, secs % 60),
        _ => format!("{}h{:02}m", secs / 3600, (secs % 3600) / 60),
    }
}

/// The incident list.
pub fn list(incidents: &[Value]) -> String {
    let mut out = format!(
        "{:>6}  {:<12}  {:<13}  {:>6}  {:<12}  {:<24}  {}\n",
        "ID", "STATE", "SEVERITY", "ALERTS", "ASSIGNEE", "OPENED", "TITLE"
    );
    for i in incidents {
        let sla =
            if i["sla"]["acknowledge_breached"] == true || i["sla"]["resolve_breached"] == true {
                " (SLA breached)"
            } else {
                ""
            };
        let _ = writeln!(
            out,
            "{:>6}  {:<12}  {:<13}  {:>6}  {:<12}  {:<24}  {}{sla}",
            text(&i["id"]),
            text(&i["state"]),
            text(&i["severity"]),
            text(&i["alert_count"]),
            text(&i["assignee"]),
            time(&i["created_ms"]),
            text(&i["title"]),
        );
    }
    let _ = writeln!(out, "{} incidents", incidents.len());
    out
}

/// One incident in full.
pub fn detail(i: &Value) -> String {
    let mut out = format!("Incident #{}: {}\n", text(&i["id"]), text(&i["title"]));
    for (label, key) in [
        ("State", "state"),
        ("Severity", "severity"),
        ("Tenant", "tenant"),
        ("Assignee", "assignee"),
        ("Rule", "rule_id"),
    ] {
        let _ = writeln!(out, "{label:<14}{}", text(&i[key]));
    }
    for (label, key) in [
        ("Opened", "created_ms"),
        ("Acknowledged", "acknowledged_ms"),
        ("Resolved", "resolved_ms"),
        ("Closed", "closed_ms"),
    ] {
        let _ = writeln!(out, "{label:<14}{}", time(&i[key]));
    }
    let _ = writeln!(
        out,
        "{:<14}acknowledge by {}{}, resolve by {}{}",
        "SLA",
        time(&i["sla"]["acknowledge_due_ms"]),
        if i["sla"]["acknowledge_breached"] == true {
            " (BREACHED)"
        } else {
            ""
        },
        time(&i["sla"]["resolve_due_ms"]),
        if i["sla"]["resolve_breached"] == true {
            " (BREACHED)"
        } else {
            ""
        },
    );
    if let Some(entities) = i["entities"].as_object() {
        for (k, v) in entities {
            let _ = writeln!(out, "{:<14}{}", k, text(v));
        }
    }
    let section = |out: &mut String, title: &str, key: &str, line: &dyn Fn(&Value) -> String| {
        let items = i[key].as_array().map_or(&[][..], Vec::as_slice);
        if !items.is_empty() {
            let _ = writeln!(out, "\n{title} ({}):", items.len());
            for item in items {
                let _ = writeln!(out, "  {}", line(item));
            }
        }
    };
    section(&mut out, "Alerts", "alerts", &|a| {
        format!(
            "{}  {}  {}  x{}  {}",
            time(&a["first_seen"]),
            text(&a["level"]),
            text(&a["rule_id"]),
            text(&a["count"]),
            text(&a["alert_id"])
        )
    });
    section(&mut out, "Notes", "notes", &|n| {
        format!(
            "{}  {}: {}",
            time(&n["time_ms"]),
            text(&n["author"]),
            text(&n["text"])
        )
    });
    section(&mut out, "History", "history", &|h| {
        format!(
            "{}  {:<8} {:<14} {}",
            time(&h["time_ms"]),
            text(&h["actor"]),
            text(&h["action"]),
            h["detail"]
        )
    });
    section(&mut out, "Action runs", "action_runs", &|r| {
        format!(
            "#{} {} by {}: {} (code {}) {}",
            text(&r["id"]),
            text(&r["action"]),
            text(&r["actor"]),
            text(&r["status"]),
            text(&r["code"]),
            text(&r["output"]).trim()
        )
    });
    out
}

/// MTTA/MTTR tables.
pub fn metrics(report: &Value) -> String {
    let mut out = format!(
        "Incidents opened {} .. {}\n",
        time(&report["from"]),
        time(&report["to"])
    );
    let header = format!(
        "{:<28}  {:>9}  {:>7}  {:>8}  {:>10}  {:>10}  {:>8}\n",
        "", "INCIDENTS", "ACKED", "RESOLVED", "MTTA", "MTTR", "BREACHES"
    );
    let row = |out: &mut String, g: &Value| {
        let _ = writeln!(
            out,
            "{:<28}  {:>9}  {:>7}  {:>8}  {:>10}  {:>10}  {:>8}",
            text(&g["key"]),
            text(&g["incidents"]),
            text(&g["acknowledged"]),
            text(&g["resolved"]),
            duration(&g["mtta_ms"]),
            duration(&g["mttr_ms"]),
            text(&g["sla_breaches"]),
        );
    };
    out.push_str(&header);
    row(&mut out, &report["overall"]);
    for (title, key) in [
        ("By tenant", "by_tenant"),
        ("By severity", "by_severity"),
        ("By rule", "by_rule"),
    ] {
        let _ = write!(out, "\n{title}\n{header}");
        for g in report[key].as_array().map_or(&[][..], Vec::as_slice) {
            row(&mut out, g);
        }
    }
    out
}

/// Recurring causes.
pub fn patterns(report: &Value) -> String {
    let mut out = format!(
        "{} incidents closed {} .. {}\n",
        text(&report["closed_incidents"]),
        time(&report["from"]),
        time(&report["to"])
    );
    for (title, key) in [
        ("RULE", "rules"),
        ("HOST", "hosts"),
        ("USER", "users"),
        ("SOURCE", "sources"),
    ] {
        let items = report[key].as_array().map_or(&[][..], Vec::as_slice);
        let _ = writeln!(out, "\n{title:<32}  {:>9}  INCIDENT IDS", "INCIDENTS");
        if items.is_empty() {
            let _ = writeln!(out, "(none recurring)");
        }
        for r in items {
            let ids: Vec<String> = r["incident_ids"]
                .as_array()
                .map_or(&[][..], Vec::as_slice)
                .iter()
                .map(text)
                .collect();
            let value = match r["title"].as_str() {
                Some(t) => format!("{} ({t})", text(&r["value"])),
                None => text(&r["value"]),
            };
            let _ = writeln!(
                out,
                "{value:<32}  {:>9}  {}",
                text(&r["incidents"]),
                ids.join(",")
            );
        }
    }
    out
}
