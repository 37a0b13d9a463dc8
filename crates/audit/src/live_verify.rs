//! Verification of the live trail: the same check as `palisade audit verify`, run by the
//! server (at start and periodically) against the key it signs with, its outcome kept for
//! the overview.

use crate::{verify_dir, AuditLog};
use serde::Serialize;

/// The outcome of one verification of the live trail.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Verification {
    /// When it ran, epoch milliseconds.
    pub time_ms: i64,
    /// Whether every record, the tree and every signed head checked out.
    pub ok: bool,
    /// Records checked (on success).
    pub records: u64,
    /// Records covered by the newest signed head on disk (on success).
    pub signed_size: u64,
    /// What failed and where (the first record or tree head that fails).
    pub failure: Option<String>,
}

impl AuditLog {
    /// Verifies the trail's files against this log's own public key (so a replaced
    /// `signing.pub` fails too), remembers the outcome and returns it. Reads every record;
    /// call from a blocking context.
    pub fn verify(&self) -> Verification {
        let time_ms = palisade_core::time::now_ms();
        let verification = match verify_dir(self.dir(), Some(self.public_key())) {
            Ok(report) => Verification {
                time_ms,
                ok: true,
                records: report.records,
                signed_size: report.signed_size,
                failure: None,
            },
            Err(e) => Verification {
                time_ms,
                ok: false,
                records: 0,
                signed_size: 0,
                failure: Some(e.to_string()),
            },
        };
        if let Ok(mut last) = self.last_verification.lock() {
            *last = Some(verification.clone());
        }
        verification
    }

    /// The outcome of the newest [`AuditLog::verify`], if one ran since the trail was opened.
    pub fn last_verification(&self) -> Option<Verification> {
        self.last_verification.lock().ok().and_then(|l| l.clone())
    }
}

#[cfg(test)]
mod tests {
    use crate::{AuditEvent, AuditLog, Outcome, Subject};
    use palisade_core::IdentitySealer;

    fn event(n: i64) -> AuditEvent {
        AuditEvent {
            time_ms: n,
            event_type: "api.response".into(),
            request_id: format!("r{n}"),
            subject: Subject {
                identity: "admin".into(),
                role: "operator".into(),
                tenant: "default".into(),
            },
            object: "/api/v1/whoami".into(),
            action: "GET".into(),
            result: Outcome::Success,
            status: Some(200),
            source: None,
            detail: None,
        }
    }

    #[test]
    fn the_live_trail_verifies_and_a_flipped_byte_is_named() {
        let dir = tempfile::tempdir().unwrap();
        let options = crate::AuditOptions {
            head_interval: std::time::Duration::from_millis(1),
            ..Default::default()
        };
        let log = AuditLog::open(dir.path(), &IdentitySealer, options).unwrap();
        assert_eq!(log.last_verification(), None);
        for n in 0..5 {
            log.append_blocking(event(n)).unwrap();
        }
        let good = log.verify();
        assert!(good.ok, "{good:?}");
        assert_eq!(good.records, 5);
        let path = dir.path().join(crate::scan::RECORDS_FILE);
        let mut bytes = std::fs::read(&path).unwrap();
        // Half way through the records, not into the zeros the open trail keeps after them.
        let records_end =
            crate::scan::scan(&path, None, |_, _, _| std::ops::ControlFlow::Continue(()))
                .unwrap()
                .end_offset;
        let at = records_end as usize / 2;
        bytes[at] ^= 0x01;
        std::fs::write(&path, bytes).unwrap();
        let bad = log.verify();
        assert!(!bad.ok);
        assert!(
            bad.failure.as_deref().unwrap().contains("record"),
            "{bad:?}"
        );
        assert_eq!(log.last_verification(), Some(bad));
    }
}
