//! What a collector hands to the write-ahead log.

use crate::tenant::TenantId;
use crate::value::Text;
use serde::{Deserialize, Serialize};

/// How the input reached Palisade.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Transport {
    /// Syslog over UDP.
    Udp,
    /// Syslog over TCP (RFC 6587 framing).
    Tcp,
    /// Syslog over TLS (RFC 5425).
    Tls,
    /// HTTP ingest API.
    Http,
    /// A file read by the CLI or a tailer.
    File,
}

impl Transport {
    /// A stable one-byte code, used by the write-ahead log.
    pub fn code(self) -> u8 {
        match self {
            Transport::Udp => 1,
            Transport::Tcp => 2,
            Transport::Tls => 3,
            Transport::Http => 4,
            Transport::File => 5,
        }
    }

    /// The transport for a code written by [`Transport::code`].
    pub fn from_code(code: u8) -> Option<Self> {
        Some(match code {
            1 => Transport::Udp,
            2 => Transport::Tcp,
            3 => Transport::Tls,
            4 => Transport::Http,
            5 => Transport::File,
            _ => return None,
        })
    }
}

/// How the payload should be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PayloadFormat {
    /// A syslog message (RFC 5424 or RFC 3164, detected per message).
    Syslog,
    /// One JSON object (an OCSF event or any flat/nested log object).
    Json,
    /// A plain text line of unknown format.
    Line,
}

impl PayloadFormat {
    /// A stable one-byte code, used by the write-ahead log.
    pub fn code(self) -> u8 {
        match self {
            PayloadFormat::Syslog => 1,
            PayloadFormat::Json => 2,
            PayloadFormat::Line => 3,
        }
    }

    /// The format for a code written by [`PayloadFormat::code`].
    pub fn from_code(code: u8) -> Option<Self> {
        Some(match code {
            1 => PayloadFormat::Syslog,
            2 => PayloadFormat::Json,
            3 => PayloadFormat::Line,
            _ => return None,
        })
    }
}

/// One received message, exactly as it arrived, with where and when it came from.
/// Parsing happens after the record is durable, and is deterministic, so replaying the
/// write-ahead log yields the same events.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawRecord {
    /// Owner of the source the record arrived through.
    pub tenant: TenantId,
    /// The source name (`syslog-udp`, `syslog-tcp`, `syslog-tls`, `http`, `file`).
    pub source: Text,
    /// Transport it arrived over.
    pub transport: Transport,
    /// How to read the payload.
    pub format: PayloadFormat,
    /// When it was received, epoch milliseconds.
    pub received_ms: i64,
    /// The sender's address (`ip:port`), when there is one.
    pub peer: Option<Text>,
    /// The message bytes, framing removed.
    pub payload: Vec<u8>,
}
