//! The keys page (key administrators): the key service's seal status and every key the
//! caller may manage, with its versions, rotation and deletion state.

use super::Session;
use askama::Template;

/// One key.
#[derive(Debug, Clone)]
pub struct KeyRow {
    /// Name.
    pub name: String,
    /// Type (`aes256-gcm96`, `ed25519`, …).
    pub kind: String,
    /// Owning tenant.
    pub tenant: String,
    /// Lifecycle state (`enabled`, `disabled`, …).
    pub state: String,
    /// Versions: newest, and the oldest that may still decrypt.
    pub versions: String,
    /// Automatic rotation, e.g. `every 30 d` or `manual`.
    pub rotation: String,
    /// Deletion: `not allowed`, `allowed`, or when a scheduled deletion happens.
    pub deletion: String,
    /// When the newest version was made (UTC).
    pub rotated: String,
}

/// `/console/keys`.
#[derive(Template)]
#[template(path = "keys.html")]
pub struct KeysPage {
    /// Who is looking.
    pub session: Session,
    /// `sealed` or `unsealed`.
    pub seal_state: String,
    /// The seal's kind and unseal progress.
    pub seal_note: String,
    /// `ok` or `bad`.
    pub seal_tone: &'static str,
    /// The keys, by name.
    pub keys: Vec<KeyRow>,
    /// Why the keys could not be read (e.g. the service is sealed).
    pub error: Option<String>,
}
