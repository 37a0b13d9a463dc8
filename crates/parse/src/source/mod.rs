//! Built-in source parsers: what common Linux daemons, web servers, firewalls and databases
//! write, mapped onto OCSF classes (Authentication, Process Activity, Network Activity, HTTP
//! Activity, Datastore Activity).
//!
//! They run after the syslog header is read, chosen by the program name (`sshd`, `sudo`,
//! `kernel`, `postgres`, ...), or on lines without a syslog header, chosen by cheap checks of
//! the first bytes (`type=` for audit, `[` for Apache errors, `yyyy/` for nginx errors, ...).
//! A parser that does not recognise a message leaves the event as it was, so a program name
//! costs nothing but one comparison until a line of that program arrives.

mod access;
mod auditd;
mod database;
mod kv;
mod netfilter;
mod ocsf;
mod pam;
mod sshd;
mod sudo;
mod weberror;

pub use auditd::Joiner as AuditJoiner;

use crate::{syslog, Outcome, PathSet};
use palisade_core::{fields, Event};

/// Which parser reads a record: [`SourceType::Auto`] detects it per line (what the pipeline
/// does); the others force one parser, as `palisade parse --source-type` does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SourceType {
    /// Detect per line.
    Auto,
    /// Syslog only, no program-specific parsing.
    Syslog,
    /// OpenSSH server messages.
    Sshd,
    /// Linux-PAM `pam_unix` messages.
    Pam,
    /// sudo.
    Sudo,
    /// su.
    Su,
    /// nginx or Apache access log (Common / Combined Log Format).
    Access,
    /// nginx error log.
    NginxError,
    /// Apache error log.
    ApacheError,
    /// Linux audit records.
    Auditd,
    /// iptables / nftables LOG lines.
    Netfilter,
    /// PostgreSQL server log.
    Postgresql,
    /// MySQL / MariaDB error or general log.
    Mysql,
}

impl SourceType {
    /// Every source type with its name (as `--source-type` takes it).
    pub const ALL: &'static [(&'static str, SourceType)] = &[
        ("auto", SourceType::Auto),
        ("syslog", SourceType::Syslog),
        ("sshd", SourceType::Sshd),
        ("pam", SourceType::Pam),
        ("sudo", SourceType::Sudo),
        ("su", SourceType::Su),
        ("nginx-access", SourceType::Access),
        ("apache-access", SourceType::Access),
        ("nginx-error", SourceType::NginxError),
        ("apache-error", SourceType::ApacheError),
        ("auditd", SourceType::Auditd),
        ("netfilter", SourceType::Netfilter),
        ("iptables", SourceType::Netfilter),
        ("nftables", SourceType::Netfilter),
        ("postgresql", SourceType::Postgresql),
        ("mysql", SourceType::Mysql),
        ("mariadb", SourceType::Mysql),
    ];

    /// The source type called `name`.
    pub fn from_name(name: &str) -> Option<SourceType> {
        Self::ALL.iter().find(|(n, _)| *n == name).map(|(_, t)| *t)
    }
}

/// A parser of a whole line (no syslog header in front).
type LineParser = fn(&str, &mut Event) -> bool;
/// A parser of a syslog message (after the header).
type MessageParser = fn(&str, &mut Event) -> bool;

/// Parses a text record: a headerless line format first (when the record has no `<PRI>`),
/// then syslog with the program's parser. `None` when nothing understood it.
pub(crate) fn parse_text(
    payload: &[u8],
    received_ms: i64,
    event: &mut Event,
    source: SourceType,
) -> Option<Outcome> {
    let line = std::str::from_utf8(syslog::trim_line_end(payload)).ok();
    if let Some(line) = line.filter(|_| payload.first() != Some(&b'<')) {
        if let Some((name, parser)) = line_parser(line, source) {
            if attempt(event, |e| parser(line, e)) {
                return Some(claimed(name, "line"));
            }
        }
    }
    if matches!(
        source,
        SourceType::Access | SourceType::NginxError | SourceType::ApacheError
    ) {
        return None;
    }
    let outcome = syslog::parse(payload, received_ms, event)?;
    let message = event.get_str(fields::MESSAGE).unwrap_or_default();
    let app = event.get_str(fields::PRODUCT_NAME).unwrap_or_default();
    if let Some((name, parser)) = message_parser(app, message, source) {
        // Only messages a parser was chosen for pay for this copy.
        let message = message.to_owned();
        if attempt(event, |e| parser(&message, e)) {
            return Some(claimed(name, outcome.log_format));
        }
    }
    matches!(source, SourceType::Auto | SourceType::Syslog).then_some(outcome)
}

/// Runs a parser; when it declines, undoes what it added.
fn attempt(event: &mut Event, parser: impl FnOnce(&mut Event) -> bool) -> bool {
    let (len, time) = (event.fields.len(), event.time);
    if parser(event) {
        return true;
    }
    event.fields.truncate(len);
    event.time = time;
    false
}

fn claimed(parser: &'static str, log_format: &'static str) -> Outcome {
    Outcome {
        parser,
        log_format,
        // Source parsers set class, status and severity themselves.
        paths: PathSet::Arbitrary,
    }
}

/// The headerless line format `line` may be in.
fn line_parser(line: &str, source: SourceType) -> Option<(&'static str, LineParser)> {
    let bytes = line.as_bytes();
    let by_shape: Option<(&'static str, LineParser)> = match source {
        SourceType::Auto => match bytes.first()? {
            b't' if bytes.starts_with(b"type=") => Some(("auditd", auditd::parse)),
            b'[' => Some(("apache-error", weberror::parse_apache)),
            b'0'..=b'9' if bytes.get(4) == Some(&b'/') => {
                Some(("nginx-error", weberror::parse_nginx))
            }
            b'0'..=b'9' if bytes.get(4) == Some(&b'-') => Some(("database", |l, e| {
                database::parse_postgres_line(l, e) || database::parse_mysql_line(l, e)
            })),
            _ => None,
        },
        SourceType::Auditd => Some(("auditd", auditd::parse)),
        SourceType::NginxError => Some(("nginx-error", weberror::parse_nginx)),
        SourceType::ApacheError => Some(("apache-error", weberror::parse_apache)),
        SourceType::Postgresql => Some(("postgresql", database::parse_postgres_line)),
        SourceType::Mysql => Some(("mysql", database::parse_mysql_line)),
        SourceType::Netfilter => Some(("netfilter", netfilter::parse)),
        _ => None,
    };
    let access = matches!(source, SourceType::Auto | SourceType::Access)
        && line.contains(" [")
        && line.contains("] \"");
    match by_shape {
        Some(found) => Some(found),
        None if access => Some(("access-log", access::parse)),
        None => None,
    }
}

/// The parser for a syslog message from program `app`.
fn message_parser(
    app: &str,
    message: &str,
    source: SourceType,
) -> Option<(&'static str, MessageParser)> {
    let pam = message.trim_start().starts_with("pam_unix(") || message.starts_with("PAM ");
    let app = match source {
        SourceType::Auto => app,
        SourceType::Syslog => return None,
        SourceType::Sshd => "sshd",
        SourceType::Pam => return Some(("pam", pam::parse)),
        SourceType::Sudo => "sudo",
        SourceType::Su => "su",
        SourceType::Auditd => "audit",
        SourceType::Netfilter => "kernel",
        SourceType::Postgresql => "postgres",
        SourceType::Mysql => "mysqld",
        SourceType::Access | SourceType::NginxError | SourceType::ApacheError => return None,
    };
    if pam {
        return Some(("pam", pam::parse));
    }
    match app {
        "sshd" => Some(("sshd", sshd::parse)),
        "sudo" => Some(("sudo", sudo::parse_sudo)),
        "su" => Some(("su", sudo::parse_su)),
        "kernel" if netfilter::looks_like(message) => Some(("netfilter", netfilter::parse)),
        "audit" | "audispd" | "audisp-syslog" | "auditd" => Some(("auditd", auditd::parse)),
        "postgres" | "postgresql" | "postmaster" => Some(("postgresql", database::parse_postgres)),
        "mysqld" | "mariadbd" | "mysql" | "mariadb" => Some(("mysql", database::parse_mysql)),
        _ => None,
    }
}
