//! The posture as text: a terminal table, Markdown, and a self-contained HTML report for an
//! auditor (JSON is the document itself, serialised).

mod html;
mod markdown;
mod table;

pub use html::html;
pub use markdown::markdown;
pub use table::table;

use crate::model::{Counts, Posture};

/// `2026-11-24 10:00 UTC`.
fn date(ms: i64) -> String {
    let text = palisade_core::time::format_rfc3339(ms);
    match (text.get(..10), text.get(11..16)) {
        (Some(day), Some(time)) => format!("{day} {time} UTC"),
        _ => text,
    }
}

/// `12 pass, 3 partial, 4 fail, 178 no evidence`.
fn counts_text(c: &Counts) -> String {
    format!(
        "{} pass, {} partial, {} fail, {} no evidence",
        c.pass, c.partial, c.fail, c.no_evidence
    )
}

/// The heading line every format starts with.
fn heading(p: &Posture) -> String {
    format!(
        "Compliance posture of tenant {} ({}, {}), {}; evidence since {}",
        p.tenant,
        p.standard,
        p.service_model,
        date(p.generated_ms),
        date(p.evidence_since_ms)
    )
}

#[cfg(test)]
pub(crate) mod sample {
    use crate::{
        assess::{build, Inputs},
        collect::Collected,
        model::{Evidence, Posture, Source, Status},
        Catalog, Matrix,
    };
    use palisade_core::posture_config::ServiceModel;

    /// A posture with a failing, a partial and a passing control, and hostile text.
    pub fn posture() -> Posture {
        let item = |controls: &[&str], subject: &str, status, text: &str| Collected {
            controls: controls.iter().map(|c| (*c).to_owned()).collect(),
            evidence: Evidence {
                source: Source::Check,
                subject: subject.into(),
                status,
                text: text.into(),
                time_ms: 1_700_000_000_000,
            },
        };
        build(Inputs {
            tenant: "acme",
            service_model: ServiceModel::Saas,
            catalog: &Catalog::builtin(),
            matrix: &Matrix::builtin(),
            texts: &Default::default(),
            collected: vec![
                item(
                    &["IAM-14"],
                    "web01 ssh",
                    Status::Fail,
                    "PermitRootLogin yes <script>alert(1)</script> | x",
                ),
                item(&["CEK-10"], "root key seal", Status::Partial, "half"),
                item(&["LOG-09"], "audit trail", Status::Pass, "verified"),
            ],
            since_ms: 1_690_000_000_000,
            now_ms: 1_700_000_000_000,
        })
    }
}
