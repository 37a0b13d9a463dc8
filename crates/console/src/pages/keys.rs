//! The keys page (key administrators): the key service's seal status and every key the
//! caller may manage, with its versions, rotation and deletion state, and the forms that
//! create, rotate, disable, enable and schedule the deletion of keys, and (for whoever may
//! unseal) submit unseal shares one by one.

use super::Session;
use askama::Template;

/// Automatic rotation periods offered, `(seconds, label)`.
pub const ROTATION_CHOICES: &[(u64, &str)] = &[
    (0, "manual"),
    (7 * 86_400, "every 7 d"),
    (30 * 86_400, "every 30 d"),
    (90 * 86_400, "every 90 d"),
    (365 * 86_400, "every 365 d"),
];

/// One key.
#[derive(Debug, Clone)]
pub struct KeyRow {
    /// Name.
    pub name: String,
    /// The key's API path (`/api/v1/kms/keys/{name}`, the name percent-encoded).
    pub api: String,
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
    /// The rotation period in seconds (0: manual).
    pub rotate_period_secs: u64,
    /// Deletion: `not allowed`, `allowed`, or when a scheduled deletion happens.
    pub deletion: String,
    /// When the newest version was made (UTC).
    pub rotated: String,
}

impl KeyRow {
    /// Whether the key is usable (rotate and disable apply).
    pub fn is_enabled(&self) -> bool {
        self.state == "enabled"
    }

    /// Whether the key waits for its deletion (cancel applies).
    pub fn is_pending_deletion(&self) -> bool {
        self.state == "pending deletion"
    }

    /// Whether the key's material is gone (nothing applies).
    pub fn is_destroyed(&self) -> bool {
        self.state == "destroyed"
    }
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
    /// Whether the key service is sealed.
    pub sealed: bool,
    /// Shares received towards the threshold.
    pub progress: u8,
    /// Shares needed to unseal (0 when the seal takes no shares).
    pub threshold: u8,
    /// Whether the signed-in role may unseal and seal the key service.
    pub can_unseal: bool,
    /// The key types the create form offers, the default first.
    pub key_types: Vec<&'static str>,
    /// The keys, by name.
    pub keys: Vec<KeyRow>,
    /// Why the keys could not be read (e.g. the service is sealed).
    pub error: Option<String>,
}

impl KeysPage {
    /// The rotation periods offered, `(seconds, label)`.
    pub fn rotation_choices(&self) -> &'static [(u64, &'static str)] {
        ROTATION_CHOICES
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page(sealed: bool, can_unseal: bool) -> KeysPage {
        KeysPage {
            session: Session {
                user: "sec".into(),
                tenant: "acme".into(),
                roles: "secadmin".into(),
                csrf: "tok".into(),
                nav: Vec::new(),
            },
            seal_state: if sealed { "sealed" } else { "unsealed" }.into(),
            seal_note: "shamir seal".into(),
            seal_tone: "ok",
            sealed,
            progress: 1,
            threshold: 3,
            can_unseal,
            key_types: vec!["aes256-gcm96", "ed25519"],
            keys: vec![KeyRow {
                name: "pay<ments>".into(),
                api: "/api/v1/kms/keys/pay%3Cments%3E".into(),
                kind: "aes256-gcm96".into(),
                tenant: "acme".into(),
                state: "pending deletion".into(),
                versions: "v2 (decrypts from v1)".into(),
                rotation: "every 30 d".into(),
                rotate_period_secs: 30 * 86_400,
                deletion: "scheduled".into(),
                rotated: String::new(),
            }],
            error: None,
        }
    }

    #[test]
    fn unseal_form_shows_progress_only_to_roles_that_may_unseal_a_sealed_service() {
        let html = page(true, true).render().unwrap();
        assert!(html.contains(r#"id="unseal""#) && html.contains("1 of 3 shares received"));
        assert!(
            !html.contains(r#"id="create-key""#),
            "no key forms while sealed"
        );
        let html = page(true, false).render().unwrap();
        assert!(!html.contains(r#"id="unseal""#));
        let html = page(false, true).render().unwrap();
        assert!(!html.contains(r#"id="unseal""#) && html.contains(r#"id="seal-now""#));
    }

    #[test]
    fn key_rows_offer_the_actions_their_state_allows() {
        let html = page(false, false).render().unwrap();
        assert!(html.contains(r#"id="create-key""#) && html.contains("<option>ed25519</option>"));
        assert!(html.contains(r#"data-api="/api/v1/kms/keys/pay%3Cments%3E/cancel-deletion""#));
        assert!(
            !html.contains(r#"data-action="rotate""#),
            "a key pending deletion is not rotated"
        );
        assert!(html.contains("pay&#60;ments&#62;"), "names are escaped");
    }
}
