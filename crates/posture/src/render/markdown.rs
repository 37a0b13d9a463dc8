//! `palisade posture report --format md`.

use super::{counts_text, date, heading};
use crate::model::{Posture, Status};
use std::fmt::Write;

/// Escapes text for a Markdown table cell: pipes, line breaks and markup characters.
fn cell(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '|' | '\\' | '*' | '_' | '`' | '<' | '>' | '[' | ']' => {
                out.push('\\');
                out.push(c);
            }
            '\n' | '\r' => out.push(' '),
            _ => out.push(c),
        }
    }
    out
}

/// The report in Markdown: summary, domains, then each domain's controls with evidence.
pub fn markdown(p: &Posture) -> String {
    let mut out = format!("# {}\n\n", cell(&heading(p)));
    let _ = writeln!(out, "Controls: {}.\n", counts_text(&p.summary));
    out.push_str(
        "| responsibility | pass | partial | fail | no evidence |\n|---|---|---|---|---|\n",
    );
    for s in &p.by_responsibility {
        let c = &s.counts;
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} |",
            s.party.as_str(),
            c.pass,
            c.partial,
            c.fail,
            c.no_evidence
        );
    }
    out.push_str("\n## Domains\n\n| id | domain | status | pass | partial | fail | no evidence |\n|---|---|---|---|---|---|---|\n");
    for d in &p.domains {
        let c = &d.counts;
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} | {} |",
            cell(&d.id),
            cell(&d.name),
            d.status.as_str(),
            c.pass,
            c.partial,
            c.fail,
            c.no_evidence
        );
    }
    for d in &p.domains {
        let _ = writeln!(out, "\n## {} {}\n", cell(&d.id), cell(&d.name));
        out.push_str(
            "| control | title | responsibility | status | evidence |\n|---|---|---|---|---|\n",
        );
        for c in &d.controls {
            let evidence: Vec<String> = c
                .evidence
                .iter()
                .map(|e| {
                    cell(&format!(
                        "{} [{}] {}: {} ({})",
                        e.status.as_str(),
                        e.source.as_str(),
                        e.subject,
                        e.text,
                        date(e.time_ms)
                    ))
                })
                .collect();
            let status = match c.status {
                Status::NoEvidence => "no evidence",
                other => other.as_str(),
            };
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} | {} |",
                cell(&c.id),
                cell(c.title.as_deref().unwrap_or("")),
                c.responsibility.as_str(),
                status,
                evidence.join("<br>")
            );
        }
    }
    if !p.unknown_controls.is_empty() {
        let _ = writeln!(
            out,
            "\nEvidence named controls the catalogue does not hold: {}.",
            cell(&p.unknown_controls.join(", "))
        );
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_domain_and_control_with_escaped_evidence() {
        let md = super::markdown(&crate::render::sample::posture());
        assert!(md.starts_with("# Compliance posture of tenant acme"));
        assert!(
            md.contains("| IAM | Identity & Access Management | fail | 0 | 0 | 1 | 15 |"),
            "{md}"
        );
        assert!(md.contains("| IAM-14 |  | shared | fail | fail \\[check\\] web01 ssh: PermitRootLogin yes \\<script\\>"), "{md}");
        assert!(md.contains("\\| x"), "pipes in text cannot break the table");
        assert_eq!(md.matches("\n## ").count(), 18);
    }
}
