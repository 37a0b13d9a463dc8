//! `[incidents]`: how alerts are grouped into incidents, the SLA per severity, notification
//! channels and their routes, and response actions (docs/incidents.md).

use crate::{alert::AlertLevel, config::Duration};
use serde::{Deserialize, Serialize};
use std::{net::SocketAddr, path::PathBuf};

/// `[incidents]`
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct IncidentConfig {
    /// What makes two alerts the same incident: any of `rule`, `host`, `user`, `src_ip`
    /// (the tenant always is part of it).
    pub group_by: Vec<String>,
    /// An alert joins an open incident of its group only when it comes within this long of
    /// the incident's latest alert.
    pub window: Duration,
    /// How often SLA timers are checked for breaches.
    pub sla_check_interval: Duration,
    /// Time to acknowledge and to resolve, per severity.
    pub sla: SlaConfig,
    /// `[[incidents.channels]]`: where notifications can go.
    pub channels: Vec<ChannelConfig>,
    /// `[[incidents.routes]]`: which incidents notify which channels.
    pub routes: Vec<RouteConfig>,
    /// `[[incidents.actions]]`: response actions, run by hand or bound to rules.
    pub actions: Vec<ActionConfig>,
}

impl Default for IncidentConfig {
    fn default() -> Self {
        IncidentConfig {
            group_by: vec!["rule".into(), "host".into()],
            window: Duration(3_600_000),
            sla_check_interval: Duration(30_000),
            sla: SlaConfig::default(),
            channels: Vec::new(),
            routes: Vec::new(),
            actions: Vec::new(),
        }
    }
}

/// `[incidents.sla]`: one target pair per severity.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct SlaConfig {
    /// Critical incidents.
    pub critical: SlaTarget,
    /// High.
    pub high: SlaTarget,
    /// Medium.
    pub medium: SlaTarget,
    /// Low.
    pub low: SlaTarget,
    /// Informational.
    pub informational: SlaTarget,
}

impl SlaConfig {
    /// The target of a severity.
    pub fn target(&self, level: AlertLevel) -> SlaTarget {
        match level {
            AlertLevel::Critical => self.critical,
            AlertLevel::High => self.high,
            AlertLevel::Medium => self.medium,
            AlertLevel::Low => self.low,
            AlertLevel::Informational => self.informational,
        }
    }
}

impl Default for SlaConfig {
    fn default() -> Self {
        let hours = |ack: u64, resolve: u64| SlaTarget {
            acknowledge: Duration(ack * 60_000),
            resolve: Duration(resolve * 3_600_000),
        };
        SlaConfig {
            critical: hours(15, 4),
            high: hours(60, 24),
            medium: hours(240, 72),
            low: hours(1_440, 168),
            informational: hours(10_080, 720),
        }
    }
}

/// Time to acknowledge and time to resolve (`0` = no target).
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct SlaTarget {
    /// From opening to acknowledgement.
    pub acknowledge: Duration,
    /// From opening to resolution.
    pub resolve: Duration,
}

/// `[[incidents.channels]]`: one notification destination. (Unknown keys are refused by
/// [`ChannelTarget`], which receives every key this struct does not name.)
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ChannelConfig {
    /// The name routes refer to.
    pub name: String,
    /// Where and how to deliver.
    #[serde(flatten)]
    pub target: ChannelTarget,
    /// Most notifications per minute; more wait their turn (`0` = unlimited).
    #[serde(default = "default_per_minute")]
    pub per_minute: u32,
    /// Failed deliveries before a notification is dead-lettered.
    #[serde(default = "default_max_attempts")]
    pub max_attempts: u32,
    /// Wait after the first failure; doubled after each further one (capped at one hour).
    #[serde(default = "default_backoff")]
    pub backoff: Duration,
}

fn default_per_minute() -> u32 {
    60
}
fn default_max_attempts() -> u32 {
    8
}
fn default_backoff() -> Duration {
    Duration(2_000)
}

/// The kind of a channel and its settings (`kind = "webhook" | "email" | "syslog"`).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(tag = "kind", rename_all = "lowercase", deny_unknown_fields)]
pub enum ChannelTarget {
    /// An HTTP(S) POST of the notification as JSON, signed with HMAC-SHA-256.
    Webhook {
        /// The URL.
        url: String,
        /// File holding the shared signing secret (without one, requests are unsigned).
        secret_file: Option<PathBuf>,
    },
    /// An e-mail through an SMTP relay.
    Email {
        /// The relay's host name.
        smtp_host: String,
        /// The relay's port.
        #[serde(default = "default_smtp_port")]
        smtp_port: u16,
        /// `starttls` (required, the default), `tls` (implicit TLS) or `none` (plain, only to a
        /// loopback relay).
        #[serde(default)]
        security: SmtpSecurity,
        /// SMTP user name, when the relay wants one.
        username: Option<String>,
        /// File holding the SMTP password.
        password_file: Option<PathBuf>,
        /// PEM certificate(s) to trust for the relay, in addition to the public web roots
        /// (a relay with a private CA or a self-signed certificate).
        ca_file: Option<PathBuf>,
        /// Sender address.
        from: String,
        /// Recipients.
        to: Vec<String>,
    },
    /// RFC 5424 syslog messages to a collector.
    Syslog {
        /// The collector's address.
        address: SocketAddr,
        /// `udp` (the default) or `tcp` (octet-counted framing, RFC 6587).
        #[serde(default)]
        transport: SyslogTransport,
    },
}

fn default_smtp_port() -> u16 {
    587
}

/// How the SMTP connection is protected.
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum SmtpSecurity {
    /// STARTTLS, required.
    #[default]
    Starttls,
    /// TLS from the first byte (port 465).
    Tls,
    /// No TLS: only allowed to a loopback relay.
    None,
}

/// Syslog transport.
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum SyslogTransport {
    /// One datagram per message.
    #[default]
    Udp,
    /// A TCP stream, octet-counted.
    Tcp,
}

/// `[[incidents.routes]]`: which incidents notify which channels. Empty lists match anything.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(default, deny_unknown_fields)]
pub struct RouteConfig {
    /// Channel names to notify.
    pub channels: Vec<String>,
    /// Only these tenants.
    pub tenants: Vec<String>,
    /// Only incidents at least this severe.
    pub min_severity: Option<AlertLevel>,
    /// Only incidents opened by these rule ids.
    pub rules: Vec<String>,
    /// Only these happenings: `opened`, `state_changed`, `sla_breached`, `reopened`
    /// (empty: all).
    pub events: Vec<String>,
}

/// `[[incidents.actions]]`: a response action.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ActionConfig {
    /// The name it is run by.
    pub name: String,
    /// A program and its arguments (no shell), run with the incident's fields as
    /// `PALISADE_INCIDENT_*` environment variables.
    #[serde(default)]
    pub command: Vec<String>,
    /// Or: a URL that receives the incident as a signed JSON POST.
    pub url: Option<String>,
    /// Signing secret file for `url`.
    pub secret_file: Option<PathBuf>,
    /// Longest run before the command is killed or the request abandoned.
    #[serde(default = "default_action_timeout")]
    pub timeout: Duration,
    /// Run automatically when an incident is opened by one of these rule ids.
    #[serde(default)]
    pub rules: Vec<String>,
}

fn default_action_timeout() -> Duration {
    Duration(30_000)
}

/// The grouping keys `group_by` accepts.
pub const GROUP_KEYS: &[&str] = &["rule", "host", "user", "src_ip", "tenant"];

impl IncidentConfig {
    /// Checks names and references: a message that says what to fix.
    pub fn validate(&self) -> Result<(), String> {
        if let Some(bad) = self
            .group_by
            .iter()
            .find(|k| !GROUP_KEYS.contains(&k.as_str()))
        {
            return Err(format!(
                "incidents.group_by: unknown key {bad:?}; use any of {}",
                GROUP_KEYS.join(", ")
            ));
        }
        let mut names = std::collections::HashSet::new();
        for channel in &self.channels {
            if !names.insert(channel.name.as_str()) {
                return Err(format!(
                    "incidents.channels: {:?} is defined twice",
                    channel.name
                ));
            }
            if channel.max_attempts == 0 {
                return Err(format!(
                    "incidents.channels {:?}: max_attempts must be at least 1",
                    channel.name
                ));
            }
            if let ChannelTarget::Email {
                security: SmtpSecurity::None,
                smtp_host,
                ..
            } = &channel.target
            {
                let loopback = smtp_host == "localhost"
                    || smtp_host
                        .parse::<std::net::IpAddr>()
                        .is_ok_and(|ip| ip.is_loopback());
                if !loopback {
                    return Err(format!(
                        "incidents.channels {:?}: security = \"none\" is only allowed to a loopback relay, not {smtp_host:?}",
                        channel.name
                    ));
                }
            }
        }
        for route in &self.routes {
            if let Some(missing) = route.channels.iter().find(|c| !names.contains(c.as_str())) {
                return Err(format!("incidents.routes: no channel named {missing:?}"));
            }
        }
        let mut actions = std::collections::HashSet::new();
        for action in &self.actions {
            if !actions.insert(action.name.as_str()) {
                return Err(format!(
                    "incidents.actions: {:?} is defined twice",
                    action.name
                ));
            }
            if action.command.is_empty() == action.url.is_none() {
                return Err(format!(
                    "incidents.actions {:?}: set exactly one of command (a program and its arguments) or url",
                    action.name
                ));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use crate::config::Config;

    #[test]
    fn channels_read_by_kind_and_typos_are_refused() {
        let good = "[[incidents.channels]]\nname = \"h\"\nkind = \"webhook\"\nurl = \"http://127.0.0.1:9/\"\nper_minute = 5\n\n[[incidents.routes]]\nchannels = [\"h\"]\nmin_severity = \"high\"\n";
        let config = Config::parse(good).unwrap();
        assert_eq!(config.incidents.channels[0].per_minute, 5);
        let typo = good.replace("url =", "ulr =");
        let err = Config::parse(&typo).unwrap_err().to_string();
        assert!(err.contains("ulr"), "{err}");
        let unrouted = good.replace("channels = [\"h\"]", "channels = [\"x\"]");
        let err = Config::parse(&unrouted).unwrap_err().to_string();
        assert!(err.contains("no channel named \"x\""), "{err}");
        let plain = "[[incidents.channels]]\nname = \"m\"\nkind = \"email\"\nsmtp_host = \"mail.example.com\"\nsecurity = \"none\"\nfrom = \"a@b.c\"\nto = []\n";
        let err = Config::parse(plain).unwrap_err().to_string();
        assert!(err.contains("only allowed to a loopback relay"), "{err}");
        let err = Config::parse("[incidents]\ngroup_by = [\"colour\"]\n")
            .unwrap_err()
            .to_string();
        assert!(err.contains("unknown key \"colour\""), "{err}");
    }
}
