//! `palisade posture`: a table for a terminal.

use super::{counts_text, heading};
use crate::model::{Posture, Status};
use std::fmt::Write;

/// Domains with their status and counts, then every control with evidence and what was seen.
pub fn table(p: &Posture) -> String {
    let mut out = format!("{}\n{}\n", heading(p), counts_text(&p.summary));
    for party in &p.by_responsibility {
        let _ = writeln!(
            out,
            "  {:<9} {}",
            party.party.as_str(),
            counts_text(&party.counts)
        );
    }
    let _ = writeln!(
        out,
        "\n{:<5} {:<12} {:>4} {:>7} {:>4} {:>4}  NAME",
        "ID", "STATUS", "PASS", "PARTIAL", "FAIL", "NONE"
    );
    for d in &p.domains {
        let _ = writeln!(
            out,
            "{:<5} {:<12} {:>4} {:>7} {:>4} {:>4}  {}",
            d.id,
            d.status.as_str(),
            d.counts.pass,
            d.counts.partial,
            d.counts.fail,
            d.counts.no_evidence,
            d.name
        );
    }
    let with_evidence: Vec<_> = p
        .domains
        .iter()
        .flat_map(|d| d.controls.iter())
        .filter(|c| c.status != Status::NoEvidence)
        .collect();
    if with_evidence.is_empty() {
        out.push_str("\nNo evidence yet: send check results, run scans, or wait for incidents.\n");
        return out;
    }
    let _ = writeln!(
        out,
        "\n{:<8} {:<8} {:<9} EVIDENCE",
        "CONTROL", "STATUS", "HOLDER"
    );
    for c in with_evidence {
        let title = c
            .title
            .as_deref()
            .map(|t| format!("  {t}"))
            .unwrap_or_default();
        let _ = writeln!(
            out,
            "{:<8} {:<8} {:<9}{title}",
            c.id,
            c.status.as_str(),
            c.responsibility.as_str()
        );
        for e in &c.evidence {
            let _ = writeln!(
                out,
                "    {:<7} [{}] {}: {}",
                e.status.as_str(),
                e.source.as_str(),
                e.subject,
                e.text
            );
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn domains_then_controls_with_their_evidence() {
        let text = super::table(&crate::render::sample::posture());
        assert!(text.contains("tenant acme (CSA CCM v4.0, SaaS)"), "{text}");
        assert!(
            text.contains("1 pass, 1 partial, 1 fail, 194 no evidence"),
            "{text}"
        );
        assert!(text.lines().any(|l| l.starts_with("IAM   fail")), "{text}");
        assert!(
            text.lines()
                .any(|l| l.starts_with("IAM-14   fail     shared")),
            "{text}"
        );
        assert!(
            text.contains("    fail    [check] web01 ssh: PermitRootLogin yes"),
            "{text}"
        );
    }
}
