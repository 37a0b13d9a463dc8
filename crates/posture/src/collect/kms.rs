//! The key service: how the root key is sealed (the development file seal fails CEK-10 and
//! CEK-13, as the `palisade` check policy's `palisade-dev-seal-off` does), whether stored
//! events are encrypted at rest (CEK-03), and each key's rotation age against the policy
//! (CEK-12).

use super::{days, Collected};
use crate::model::{Evidence, Source, Status};

/// Controls the root key's seal speaks to.
pub const SEAL_CONTROLS: &[&str] = &["CEK-10", "CEK-13"];
/// Controls encryption at rest speaks to.
pub const AT_REST_CONTROLS: &[&str] = &["CEK-03"];
/// Controls key rotation speaks to.
pub const ROTATION_CONTROLS: &[&str] = &["CEK-12"];

/// How the key service protects its root key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Seal {
    /// Development only: the root key in a local file.
    DevFile,
    /// Shamir shares.
    Shamir {
        /// Shares printed.
        shares: u8,
        /// Shares needed.
        threshold: u8,
    },
    /// Wrapped by a non-extractable key inside a PKCS#11 token (HSM).
    Pkcs11,
}

/// What the key service looks like to the posture.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KmsFacts {
    /// The seal.
    pub seal: Seal,
    /// Whether key operations are refused right now (keys cannot be listed then).
    pub sealed: bool,
    /// Whether stored events are encrypted with the tenant's keys.
    pub encrypt_at_rest: bool,
    /// The tenant's live keys (not destroyed nor pending deletion).
    pub keys: Vec<KeyFacts>,
}

/// One key of the tenant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyFacts {
    /// Its name.
    pub name: String,
    /// Its newest version.
    pub version: u32,
    /// When the newest version was made, epoch milliseconds.
    pub last_rotated_ms: i64,
    /// Automatic rotation period in seconds (0 = none).
    pub rotate_period_secs: u64,
}

fn collected(
    controls: &[&str],
    subject: String,
    status: Status,
    text: String,
    now: i64,
) -> Collected {
    Collected {
        controls: controls.iter().map(|c| (*c).to_owned()).collect(),
        evidence: Evidence {
            source: Source::Kms,
            subject,
            status,
            text,
            time_ms: now,
        },
    }
}

/// The verdicts on the key service at `now`, with keys older than `max_key_age_ms` overdue.
pub fn collect(facts: &KmsFacts, max_key_age_ms: i64, now: i64) -> Vec<Collected> {
    let mut out = Vec::new();
    let (status, text) = match facts.seal {
        Seal::DevFile => (
            Status::Fail,
            "the root key is under the development file seal: it lies unencrypted in \
             <data-dir>/kms/dev-root.key next to the keyring it protects"
                .to_owned(),
        ),
        Seal::Shamir { shares, threshold } => (
            Status::Pass,
            format!(
                "the root key is split into {shares} Shamir shares, {threshold} needed to unseal"
            ),
        ),
        Seal::Pkcs11 => (
            Status::Pass,
            "the root key is wrapped by a non-extractable key inside a PKCS#11 token (HSM)"
                .to_owned(),
        ),
    };
    out.push(collected(
        SEAL_CONTROLS,
        "root key seal".into(),
        status,
        text,
        now,
    ));
    let (status, text) = if facts.encrypt_at_rest {
        (
            Status::Pass,
            "stored events are encrypted at rest with the tenant's storage key",
        )
    } else {
        (
            Status::Fail,
            "encryption at rest is turned off: new event segments are stored unencrypted",
        )
    };
    out.push(collected(
        AT_REST_CONTROLS,
        "encryption at rest".into(),
        status,
        text.into(),
        now,
    ));
    if facts.sealed {
        return out;
    }
    let limit_days = days(max_key_age_ms);
    for key in &facts.keys {
        let age = now.saturating_sub(key.last_rotated_ms);
        let period_ms =
            i64::try_from(key.rotate_period_secs.saturating_mul(1000)).unwrap_or(i64::MAX);
        let (status, rule) = if age > max_key_age_ms {
            (
                Status::Fail,
                format!("older than the {limit_days}-day limit"),
            )
        } else if key.rotate_period_secs == 0 {
            (
                Status::Partial,
                "within the limit, but no automatic rotation is set".to_owned(),
            )
        } else if period_ms > max_key_age_ms {
            (
                Status::Partial,
                format!(
                    "within the limit, but it rotates only every {} days",
                    days(period_ms)
                ),
            )
        } else {
            (
                Status::Pass,
                format!("rotates every {} days", days(period_ms).max(1)),
            )
        };
        let text = format!("version {} is {} days old: {rule}", key.version, days(age));
        out.push(collected(
            ROTATION_CONTROLS,
            format!("key {}", key.name),
            status,
            text,
            now,
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const DAY: i64 = 86_400_000;

    fn key(name: &str, age_days: i64, period_days: u64) -> KeyFacts {
        KeyFacts {
            name: name.into(),
            version: 2,
            last_rotated_ms: 1_000 * DAY - age_days * DAY,
            rotate_period_secs: period_days * 86_400,
        }
    }

    fn facts(seal: Seal, keys: Vec<KeyFacts>) -> KmsFacts {
        KmsFacts {
            seal,
            sealed: false,
            encrypt_at_rest: true,
            keys,
        }
    }

    fn status_of<'a>(out: &'a [Collected], subject: &str) -> &'a Evidence {
        &out.iter()
            .find(|c| c.evidence.subject == subject)
            .unwrap()
            .evidence
    }

    #[test]
    fn the_dev_seal_fails_and_shamir_passes() {
        let out = collect(&facts(Seal::DevFile, vec![]), 90 * DAY, 1_000 * DAY);
        let seal = out
            .iter()
            .find(|c| c.evidence.subject == "root key seal")
            .unwrap();
        assert_eq!(seal.evidence.status, Status::Fail);
        assert_eq!(seal.controls, vec!["CEK-10", "CEK-13"]);
        assert!(seal.evidence.text.contains("dev-root.key"));
        let shamir = Seal::Shamir {
            shares: 5,
            threshold: 3,
        };
        let out = collect(&facts(shamir, vec![]), 90 * DAY, 1_000 * DAY);
        assert_eq!(status_of(&out, "root key seal").status, Status::Pass);
        assert!(status_of(&out, "root key seal")
            .text
            .contains("5 Shamir shares, 3 needed"));
        let out = collect(&facts(Seal::Pkcs11, vec![]), 90 * DAY, 1_000 * DAY);
        assert_eq!(status_of(&out, "root key seal").status, Status::Pass);
        assert!(status_of(&out, "root key seal").text.contains("PKCS#11"));
    }

    #[test]
    fn key_rotation_age_against_the_policy() {
        let keys = vec![
            key("old", 120, 30),
            key("manual", 10, 0),
            key("slow", 10, 365),
            key("good", 10, 30),
        ];
        let out = collect(&facts(Seal::DevFile, keys), 90 * DAY, 1_000 * DAY);
        assert_eq!(status_of(&out, "key old").status, Status::Fail);
        assert!(status_of(&out, "key old").text.contains("120 days old"));
        assert_eq!(status_of(&out, "key manual").status, Status::Partial);
        assert_eq!(status_of(&out, "key slow").status, Status::Partial);
        assert_eq!(status_of(&out, "key good").status, Status::Pass);
        assert!(out
            .iter()
            .filter(|c| c.evidence.subject.starts_with("key "))
            .all(|c| c.controls == ["CEK-12"]));
    }

    #[test]
    fn a_sealed_service_and_no_encryption_at_rest() {
        let mut f = facts(Seal::DevFile, vec![key("k", 1, 1)]);
        f.sealed = true;
        f.encrypt_at_rest = false;
        let out = collect(&f, 90 * DAY, 1_000 * DAY);
        assert_eq!(out.len(), 2, "keys are not judged while sealed");
        assert_eq!(status_of(&out, "encryption at rest").status, Status::Fail);
    }
}
