//! Database server logs: PostgreSQL (`2024-01-15 10:00:00.123 UTC [1234] FATAL:  password
//! authentication failed for user "bob"`, or the same message through syslog) and
//! MySQL/MariaDB (`2024-01-15T10:00:00.123456Z 12 [Note] Access denied for user
//! 'root'@'1.2.3.4' (using password: YES)`, and the general query log's `Connect`/`Query`).

use super::{
    kv,
    ocsf::{self, Status, AUTHENTICATION, DATASTORE_ACTIVITY, LOGOFF, LOGON, QUERY},
};
use crate::{datetime, severity};
use palisade_core::{fields, Event, Value};

const PG_LEVELS: &[&str] = &[
    "LOG",
    "FATAL",
    "ERROR",
    "WARNING",
    "PANIC",
    "DETAIL",
    "STATEMENT",
    "HINT",
    "INFO",
    "NOTICE",
    "DEBUG1",
    "DEBUG2",
    "DEBUG3",
    "DEBUG4",
    "DEBUG5",
    "CONTEXT",
];

/// Parses a PostgreSQL log line in the default stderr format (`%m [%p] `); false otherwise.
pub(crate) fn parse_postgres_line(line: &str, event: &mut Event) -> bool {
    let Some((time, len)) = datetime::parse_rfc3339(line.as_bytes(), true) else {
        return false;
    };
    // The zone name (`UTC`, `CET`) after the time, then `[pid]`.
    let rest = line[len..].trim_start();
    let rest = match rest.split_once(' ') {
        Some((zone, after)) if zone.bytes().all(|b| b.is_ascii_alphabetic()) => after,
        _ => rest,
    };
    let Some((pid, message)) = rest.strip_prefix('[').and_then(|r| r.split_once("] ")) else {
        return false;
    };
    if !parse_postgres(message, event) {
        return false;
    }
    event.time = time;
    ocsf::set_number(event, "process.pid", pid);
    true
}

/// Maps a PostgreSQL message (`LEVEL:  text`, after any syslog `[n-n]` line counter); false
/// when it does not start with a PostgreSQL level.
pub(crate) fn parse_postgres(message: &str, event: &mut Event) -> bool {
    let mut message = message.trim();
    if let Some((counter, after)) = message.strip_prefix('[').and_then(|r| r.split_once("] ")) {
        if counter.bytes().all(|b| b.is_ascii_digit() || b == b'-') {
            message = after;
        }
    }
    let Some((level, text)) = message.split_once(':') else {
        return false;
    };
    if !PG_LEVELS.contains(&level) {
        return false;
    }
    let text = text.trim();
    let id = match level {
        "PANIC" => 6,
        "FATAL" => 5,
        "ERROR" => 4,
        "WARNING" => 3,
        _ => 1,
    };
    event.set(fields::SEVERITY_ID, Value::Int(id));
    event.set("unmapped.level", level);
    event.set(fields::MESSAGE, text);
    event.set("database.type", "PostgreSQL");
    if let Some(rest) = text.strip_prefix("password authentication failed for user ") {
        ocsf::set_text(event, "user.name", rest.trim_matches('"'));
        ocsf::classify(event, AUTHENTICATION, LOGON, Some(Status::Failure));
    } else if let Some(rest) = text.strip_prefix("no pg_hba.conf entry for ") {
        for part in rest.split(", ") {
            match part.split_once(' ') {
                Some(("host", host)) => {
                    ocsf::set_text(event, "src_endpoint.ip", host.trim_matches('"'))
                }
                Some(("user", user)) => ocsf::set_text(event, "user.name", user.trim_matches('"')),
                Some(("database", db)) => {
                    ocsf::set_text(event, "database.name", db.trim_matches('"'))
                }
                _ => {}
            }
        }
        ocsf::classify(event, AUTHENTICATION, LOGON, Some(Status::Failure));
    } else if let Some(rest) = text.strip_prefix("connection authorized: ") {
        connection_pairs(event, rest);
        ocsf::classify(event, AUTHENTICATION, LOGON, Some(Status::Success));
    } else if let Some(rest) = text.strip_prefix("disconnection: ") {
        connection_pairs(event, rest);
        ocsf::classify(event, AUTHENTICATION, LOGOFF, Some(Status::Success));
    } else if let Some(rest) = text.strip_prefix("connection received: ") {
        connection_pairs(event, rest);
    } else if let Some(statement) = text
        .strip_prefix("statement: ")
        .or_else(|| text.split_once("  statement: ").map(|(_, s)| s))
    {
        event.set("query_info.query_string", statement);
        ocsf::classify(event, DATASTORE_ACTIVITY, QUERY, None);
    }
    true
}

/// `user=bob database=app host=1.2.3.4 port=5432 ...`
fn connection_pairs(event: &mut Event, text: &str) {
    for pair in kv::pairs(text) {
        match pair.key {
            "user" => ocsf::set_text(event, "user.name", pair.value),
            "database" => ocsf::set_text(event, "database.name", pair.value),
            "host" => ocsf::set_text(event, "src_endpoint.ip", pair.value),
            "port" => ocsf::set_number(event, "src_endpoint.port", pair.value),
            "application_name" => {
                ocsf::set_text(event, "unmapped.postgres.application_name", pair.value)
            }
            _ => {}
        }
    }
}

/// Parses a MySQL/MariaDB error-log or general-log line with its leading timestamp; false
/// otherwise.
pub(crate) fn parse_mysql_line(line: &str, event: &mut Event) -> bool {
    let Some((time, len)) = datetime::parse_rfc3339(line.as_bytes(), true) else {
        return false;
    };
    let rest = line[len..].trim_start();
    let Some((thread, message)) = rest.split_once([' ', '\t']) else {
        return false;
    };
    if thread.is_empty() || !thread.bytes().all(|b| b.is_ascii_digit()) {
        return false;
    }
    if !parse_mysql(message, event) {
        return false;
    }
    event.time = time;
    ocsf::set_number(event, "unmapped.mysql.thread_id", thread);
    true
}

/// Maps a MySQL/MariaDB message after the thread id: `[Level] [MY-nnnnnn] [Server] text`,
/// `[Level] text`, or the general log's `Connect|Query|Quit<TAB>text`.
pub(crate) fn parse_mysql(message: &str, event: &mut Event) -> bool {
    let mut text = message.trim();
    let mut level = None;
    while let Some((item, after)) = text.strip_prefix('[').and_then(|r| r.split_once("] ")) {
        if level.is_none() {
            level = Some(item);
        }
        text = after;
    }
    event.set("database.type", "MySQL");
    match level {
        Some(level) => {
            let id = match level {
                "System" | "Note" => Some(1),
                other => severity::from_name(other),
            };
            let Some(id) = id else {
                return false;
            };
            event.set(fields::SEVERITY_ID, Value::Int(id));
            event.set("unmapped.level", level);
        }
        None => return general_log(text, event),
    }
    event.set(fields::MESSAGE, text);
    if let Some(rest) = text.strip_prefix("Access denied for user ") {
        account(event, rest);
        ocsf::classify(event, AUTHENTICATION, LOGON, Some(Status::Failure));
    }
    true
}

/// `Connect\troot@localhost on app using TCP/IP`, `Query\tSELECT 1`, `Quit`.
fn general_log(text: &str, event: &mut Event) -> bool {
    let (command, argument) = text
        .split_once(['\t', ' '])
        .map_or((text, ""), |(c, a)| (c, a.trim()));
    match command {
        "Connect" => {
            let (account_text, database) = argument.split_once(" on ").unwrap_or((argument, ""));
            account(event, account_text);
            let database = database.split(' ').next().unwrap_or("");
            ocsf::set_text(event, "database.name", database);
            ocsf::classify(event, AUTHENTICATION, LOGON, Some(Status::Success));
        }
        "Quit" => ocsf::classify(event, AUTHENTICATION, LOGOFF, Some(Status::Success)),
        "Query" | "Execute" => {
            event.set("query_info.query_string", argument);
            ocsf::classify(event, DATASTORE_ACTIVITY, QUERY, None);
        }
        "Init" | "Prepare" | "Close" | "Field" | "Statistics" | "Ping" => {}
        _ => return false,
    }
    event.set(fields::MESSAGE, text);
    true
}

/// `'root'@'1.2.3.4' (using password: YES)` or `root@localhost`.
fn account(event: &mut Event, text: &str) {
    let text = text.split(" (").next().unwrap_or(text);
    let (user, host) = text.split_once('@').unwrap_or((text, ""));
    ocsf::set_text(event, "user.name", user.trim_matches('\''));
    let host = host.trim_matches('\'');
    if host.parse::<std::net::IpAddr>().is_ok() {
        event.set("src_endpoint.ip", host);
    } else {
        ocsf::set_text(event, "src_endpoint.hostname", host);
    }
}
