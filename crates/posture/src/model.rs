//! The posture document: what `GET /api/v1/posture` answers and every report renders.

use crate::responsibility::Party;
use palisade_core::posture_config::ServiceModel;
use serde::{Deserialize, Serialize};

/// The status of a piece of evidence, a control or a domain.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Everything seen meets the control.
    Pass,
    /// Some evidence meets it and some does not, or it is met only in part.
    Partial,
    /// Nothing seen meets it.
    Fail,
    /// Nothing was seen.
    NoEvidence,
}

impl Status {
    /// `pass`, `partial`, `fail` or `no_evidence`.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Pass => "pass",
            Status::Partial => "partial",
            Status::Fail => "fail",
            Status::NoEvidence => "no_evidence",
        }
    }

    /// The status of a set of statuses: no evidence when empty, pass or fail when they all
    /// agree, partial otherwise. `NoEvidence` members are left out.
    pub fn combine(statuses: impl IntoIterator<Item = Status>) -> Status {
        let mut seen: Option<Status> = None;
        for s in statuses.into_iter().filter(|s| *s != Status::NoEvidence) {
            seen = Some(match seen {
                None => s,
                Some(prev) if prev == s => s,
                Some(_) => Status::Partial,
            });
        }
        seen.unwrap_or(Status::NoEvidence)
    }
}

/// Where a piece of evidence came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    /// A baseline configuration check (OCSF Compliance Finding).
    Check,
    /// The key management service.
    Kms,
    /// The audit trail's verification.
    Audit,
    /// Incident handling times against the SLA.
    Incidents,
    /// Open vulnerability findings and their age.
    Vulnerabilities,
}

impl Source {
    /// `check`, `kms`, `audit`, `incidents` or `vulnerabilities`.
    pub fn as_str(self) -> &'static str {
        match self {
            Source::Check => "check",
            Source::Kms => "kms",
            Source::Audit => "audit",
            Source::Incidents => "incidents",
            Source::Vulnerabilities => "vulnerabilities",
        }
    }
}

/// One observation about one control.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Evidence {
    /// Which collector saw it.
    pub source: Source,
    /// What it is about: a host and check, a key, the audit trail, a severity.
    pub subject: String,
    /// Pass, partial or fail.
    pub status: Status,
    /// What was seen, in words an auditor can check.
    pub text: String,
    /// When it was observed, epoch milliseconds.
    pub time_ms: i64,
}

/// Controls (or domains) by status.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counts {
    /// Passing.
    pub pass: usize,
    /// Partly met.
    pub partial: usize,
    /// Failing.
    pub fail: usize,
    /// Without evidence.
    pub no_evidence: usize,
}

impl Counts {
    /// Adds one status.
    pub fn add(&mut self, status: Status) {
        match status {
            Status::Pass => self.pass += 1,
            Status::Partial => self.partial += 1,
            Status::Fail => self.fail += 1,
            Status::NoEvidence => self.no_evidence += 1,
        }
    }

    /// Every counted item.
    pub fn total(&self) -> usize {
        self.pass + self.partial + self.fail + self.no_evidence
    }
}

/// One control's posture.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ControlPosture {
    /// The CCM control id (`IAM-14`).
    pub id: String,
    /// The control's title, when the CCM text was imported.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// The control's specification, when the CCM text was imported.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Who holds the control under the tenant's service model.
    pub responsibility: Party,
    /// The control's status.
    pub status: Status,
    /// Everything seen about it, failures first.
    pub evidence: Vec<Evidence>,
}

/// One domain's posture.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DomainPosture {
    /// The domain id (`IAM`).
    pub id: String,
    /// The domain's name.
    pub name: String,
    /// The domain's status (over its controls with evidence).
    pub status: Status,
    /// Its controls by status.
    pub counts: Counts,
    /// Its controls.
    pub controls: Vec<ControlPosture>,
}

/// Control counts for one side of the shared-responsibility split.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PartySummary {
    /// Provider, customer or shared.
    pub party: Party,
    /// Its controls by status.
    pub counts: Counts,
}

/// A tenant's compliance posture.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Posture {
    /// The tenant.
    pub tenant: String,
    /// Its cloud service model.
    pub service_model: ServiceModel,
    /// When the posture was built, epoch milliseconds.
    pub generated_ms: i64,
    /// Evidence older than this (epoch milliseconds) was not considered.
    pub evidence_since_ms: i64,
    /// The standard the controls come from (`CSA CCM v4.0`).
    pub standard: String,
    /// Every control by status.
    pub summary: Counts,
    /// Controls by status for each side of the responsibility split.
    pub by_responsibility: Vec<PartySummary>,
    /// Every domain with its controls.
    pub domains: Vec<DomainPosture>,
    /// Control ids named by evidence that the catalogue does not know (left out above).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub unknown_controls: Vec<String>,
}

#[cfg(test)]
mod tests {
    use super::Status::*;
    use super::*;

    #[test]
    fn statuses_combine_to_pass_fail_or_partial() {
        assert_eq!(Status::combine([]), NoEvidence);
        assert_eq!(Status::combine([Pass, Pass]), Pass);
        assert_eq!(Status::combine([Fail, NoEvidence, Fail]), Fail);
        assert_eq!(Status::combine([Pass, Fail]), Partial);
        assert_eq!(Status::combine([Partial]), Partial);
        assert_eq!(Status::combine([NoEvidence]), NoEvidence);
    }
}
