//! Folding evidence into a posture: every control of the catalogue gets the evidence that
//! names it, a status ([`Status::combine`]) and its side of the responsibility split; every
//! domain a status over its controls.

use crate::{
    catalog::Catalog,
    ccm_text::ControlText,
    collect::Collected,
    model::{ControlPosture, Counts, DomainPosture, Evidence, PartySummary, Posture, Status},
    responsibility::{Matrix, ALL_PARTIES},
};
use palisade_core::posture_config::ServiceModel;
use std::collections::{BTreeSet, HashMap};

/// Everything a posture is built from.
pub struct Inputs<'a> {
    /// The tenant.
    pub tenant: &'a str,
    /// Its service model.
    pub service_model: ServiceModel,
    /// The controls.
    pub catalog: &'a Catalog,
    /// The responsibility split.
    pub matrix: &'a Matrix,
    /// Imported control texts by id (may be empty).
    pub texts: &'a HashMap<String, ControlText>,
    /// Every collector's verdicts.
    pub collected: Vec<Collected>,
    /// Start of the evidence window, epoch ms.
    pub since_ms: i64,
    /// Now, epoch ms.
    pub now_ms: i64,
}

/// Builds the posture.
pub fn build(inputs: Inputs<'_>) -> Posture {
    let mut by_control: HashMap<String, Vec<Evidence>> = HashMap::new();
    let mut unknown = BTreeSet::new();
    for c in inputs.collected {
        for control in c.controls {
            if inputs.catalog.contains(&control) {
                by_control
                    .entry(control)
                    .or_default()
                    .push(c.evidence.clone());
            } else {
                unknown.insert(control);
            }
        }
    }
    let mut summary = Counts::default();
    let mut by_party: Vec<PartySummary> = ALL_PARTIES
        .iter()
        .map(|p| PartySummary {
            party: *p,
            counts: Counts::default(),
        })
        .collect();
    let domains = inputs
        .catalog
        .domains
        .iter()
        .map(|domain| {
            let controls: Vec<ControlPosture> = domain
                .controls
                .iter()
                .map(|id| {
                    let mut evidence = by_control.remove(id).unwrap_or_default();
                    evidence.sort_by(|a, b| {
                        severity_rank(a.status)
                            .cmp(&severity_rank(b.status))
                            .then_with(|| a.subject.cmp(&b.subject))
                    });
                    let text = inputs.texts.get(id);
                    ControlPosture {
                        id: id.clone(),
                        title: text.map(|t| t.title.clone()).filter(|t| !t.is_empty()),
                        description: text
                            .map(|t| t.description.clone())
                            .filter(|d| !d.is_empty()),
                        responsibility: inputs.matrix.party(id, inputs.service_model),
                        status: Status::combine(evidence.iter().map(|e| e.status)),
                        evidence,
                    }
                })
                .collect();
            let mut counts = Counts::default();
            for c in &controls {
                counts.add(c.status);
                summary.add(c.status);
                if let Some(p) = by_party.iter_mut().find(|p| p.party == c.responsibility) {
                    p.counts.add(c.status);
                }
            }
            DomainPosture {
                id: domain.id.clone(),
                name: domain.name.clone(),
                status: Status::combine(controls.iter().map(|c| c.status)),
                counts,
                controls,
            }
        })
        .collect();
    Posture {
        tenant: inputs.tenant.to_owned(),
        service_model: inputs.service_model,
        generated_ms: inputs.now_ms,
        evidence_since_ms: inputs.since_ms,
        standard: format!("CSA CCM v{}", inputs.catalog.version),
        summary,
        by_responsibility: by_party,
        domains,
        unknown_controls: unknown.into_iter().collect(),
    }
}

/// Failures first, then partial, then passes.
fn severity_rank(status: Status) -> u8 {
    match status {
        Status::Fail => 0,
        Status::Partial => 1,
        Status::Pass => 2,
        Status::NoEvidence => 3,
    }
}

impl Posture {
    /// The control with this id.
    pub fn control(&self, id: &str) -> Option<&ControlPosture> {
        self.domains
            .iter()
            .flat_map(|d| d.controls.iter())
            .find(|c| c.id == id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{model::Source, responsibility::Party};

    fn collected(controls: &[&str], subject: &str, status: Status) -> Collected {
        Collected {
            controls: controls.iter().map(|c| (*c).to_owned()).collect(),
            evidence: Evidence {
                source: Source::Check,
                subject: subject.into(),
                status,
                text: "seen".into(),
                time_ms: 1,
            },
        }
    }

    #[test]
    fn controls_and_domains_get_statuses_and_their_side_of_the_split() {
        let catalog = Catalog::builtin();
        let matrix = Matrix::builtin();
        let mut texts = HashMap::new();
        texts.insert(
            "IAM-14".to_owned(),
            ControlText {
                id: "IAM-14".into(),
                title: "Strong Authentication".into(),
                description: String::new(),
            },
        );
        let posture = build(Inputs {
            tenant: "acme",
            service_model: ServiceModel::Iaas,
            catalog: &catalog,
            matrix: &matrix,
            texts: &texts,
            collected: vec![
                collected(&["IAM-14", "IAM-09"], "web01 ssh", Status::Fail),
                collected(&["IAM-14"], "db01 ssh", Status::Pass),
                collected(&["IAM-09"], "db01 x", Status::Fail),
                collected(&["CEK-12"], "key k", Status::Pass),
                collected(&["XYZ-01"], "odd", Status::Pass),
            ],
            since_ms: 0,
            now_ms: 2,
        });
        let iam14 = posture.control("IAM-14").unwrap();
        assert_eq!(iam14.status, Status::Partial);
        assert_eq!(iam14.evidence[0].status, Status::Fail, "failures first");
        assert_eq!(iam14.title.as_deref(), Some("Strong Authentication"));
        assert_eq!(iam14.responsibility, Party::Customer);
        assert_eq!(posture.control("IAM-09").unwrap().status, Status::Fail);
        assert_eq!(
            posture.control("IAM-01").unwrap().status,
            Status::NoEvidence
        );
        let iam = posture.domains.iter().find(|d| d.id == "IAM").unwrap();
        assert_eq!(iam.status, Status::Partial);
        assert_eq!(
            (iam.counts.fail, iam.counts.partial, iam.counts.no_evidence),
            (1, 1, 14)
        );
        let cek = posture.domains.iter().find(|d| d.id == "CEK").unwrap();
        assert_eq!(cek.status, Status::Pass);
        let dcs = posture.domains.iter().find(|d| d.id == "DCS").unwrap();
        assert_eq!(dcs.status, Status::NoEvidence);
        assert_eq!(posture.summary.total(), 197);
        assert_eq!(
            (
                posture.summary.pass,
                posture.summary.fail,
                posture.summary.partial
            ),
            (1, 1, 1)
        );
        assert_eq!(posture.unknown_controls, vec!["XYZ-01"]);
        let customer = posture
            .by_responsibility
            .iter()
            .find(|p| p.party == Party::Customer)
            .unwrap();
        assert_eq!(
            customer.counts.fail + customer.counts.partial + customer.counts.pass,
            3
        );
        let json = serde_json::to_string(&posture).unwrap();
        let back: Posture = serde_json::from_str(&json).unwrap();
        assert_eq!(back, posture);
    }
}
