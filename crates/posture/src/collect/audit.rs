//! The audit trail: the result of verifying every record, the Merkle tree and every signed
//! tree head (`palisade audit verify`) speaks to audit log protection (LOG-02, LOG-09).

use super::Collected;
use crate::model::{Evidence, Source, Status};

/// Controls the audit trail's verification speaks to.
pub const CONTROLS: &[&str] = &["LOG-02", "LOG-09"];

/// The outcome of one verification of the audit trail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuditFacts {
    /// Everything checked.
    Verified {
        /// Records checked.
        records: u64,
        /// Signed tree heads checked.
        heads: usize,
        /// Records covered by the newest signed head.
        signed_size: u64,
        /// The root of the whole log, hex.
        root_hash: String,
    },
    /// The first damage found.
    Failed {
        /// What verification said.
        reason: String,
    },
}

/// The verdict of a verification made at `checked_ms`.
pub fn collect(facts: &AuditFacts, checked_ms: i64) -> Vec<Collected> {
    let (status, text) = match facts {
        AuditFacts::Verified {
            records,
            heads,
            signed_size,
            root_hash,
        } if *heads > 0 => (
            Status::Pass,
            format!(
                "verified {records} records and {heads} signed tree heads \
                 ({signed_size} records signed); root {root_hash}"
            ),
        ),
        AuditFacts::Verified { records, .. } => (
            Status::Partial,
            format!("{records} records verified, but no signed tree head has been published yet"),
        ),
        AuditFacts::Failed { reason } => (Status::Fail, format!("verification failed: {reason}")),
    };
    vec![Collected {
        controls: CONTROLS.iter().map(|c| (*c).to_owned()).collect(),
        evidence: Evidence {
            source: Source::Audit,
            subject: "audit trail".into(),
            status,
            text,
            time_ms: checked_ms,
        },
    }]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verified_unsigned_and_damaged_trails() {
        let verified = AuditFacts::Verified {
            records: 10,
            heads: 2,
            signed_size: 8,
            root_hash: "ab".into(),
        };
        let out = collect(&verified, 5);
        assert_eq!(out[0].evidence.status, Status::Pass);
        assert_eq!(out[0].controls, vec!["LOG-02", "LOG-09"]);
        assert!(out[0].evidence.text.contains("10 records"));
        let unsigned = AuditFacts::Verified {
            records: 3,
            heads: 0,
            signed_size: 0,
            root_hash: "ab".into(),
        };
        assert_eq!(collect(&unsigned, 5)[0].evidence.status, Status::Partial);
        let damaged = AuditFacts::Failed {
            reason: "record 4 is damaged".into(),
        };
        let out = collect(&damaged, 5);
        assert_eq!(out[0].evidence.status, Status::Fail);
        assert!(out[0].evidence.text.contains("record 4"));
    }
}
