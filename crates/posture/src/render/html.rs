//! `palisade posture report --format html`: one self-contained page (inline style, no script,
//! no external resource) an auditor can open or archive.

use super::{counts_text, date, heading};
use crate::model::{Counts, Posture, Status};
use std::fmt::Write;

const STYLE: &str = "body{font-family:system-ui,sans-serif;margin:2rem;color:#1b1f24}\
table{border-collapse:collapse;margin:1rem 0;width:100%}\
th,td{border:1px solid #c9d1d9;padding:.3rem .5rem;text-align:left;vertical-align:top}\
th{background:#f0f3f6}.pass{background:#dafbe1}.fail{background:#ffebe9}\
.partial{background:#fff8c5}.no_evidence{color:#6e7781}\
td.s{font-weight:600;white-space:nowrap}ul{margin:0;padding-left:1.1rem}\
small{color:#57606a}";

/// Escapes text for HTML element content and attribute values.
fn esc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

fn status_cell(status: Status) -> String {
    let label = match status {
        Status::NoEvidence => "no evidence",
        other => other.as_str(),
    };
    format!("<td class=\"s {}\">{label}</td>", status.as_str())
}

fn count_cells(c: &Counts) -> String {
    format!(
        "<td>{}</td><td>{}</td><td>{}</td><td>{}</td>",
        c.pass, c.partial, c.fail, c.no_evidence
    )
}

/// The report as one HTML page.
pub fn html(p: &Posture) -> String {
    let title = esc(&heading(p));
    let mut out = format!(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <title>{title}</title><style>{STYLE}</style></head><body>\n<h1>{title}</h1>\n<p>Controls: {}.</p>\n",
        esc(&counts_text(&p.summary))
    );
    out.push_str("<table><tr><th>responsibility</th><th>pass</th><th>partial</th><th>fail</th><th>no evidence</th></tr>\n");
    for s in &p.by_responsibility {
        let _ = writeln!(
            out,
            "<tr><td>{}</td>{}</tr>",
            s.party.as_str(),
            count_cells(&s.counts)
        );
    }
    out.push_str("</table>\n<h2>Domains</h2>\n<table><tr><th>id</th><th>domain</th><th>status</th><th>pass</th><th>partial</th><th>fail</th><th>no evidence</th></tr>\n");
    for d in &p.domains {
        let _ = writeln!(
            out,
            "<tr><td><a href=\"#d-{id}\">{id}</a></td><td>{}</td>{}{}</tr>",
            esc(&d.name),
            status_cell(d.status),
            count_cells(&d.counts),
            id = esc(&d.id)
        );
    }
    out.push_str("</table>\n");
    for d in &p.domains {
        let _ = writeln!(
            out,
            "<h2 id=\"d-{id}\">{id} {}</h2>\n<table><tr><th>control</th><th>title</th><th>responsibility</th><th>status</th><th>evidence</th></tr>",
            esc(&d.name),
            id = esc(&d.id)
        );
        for c in &d.controls {
            let mut title = esc(c.title.as_deref().unwrap_or(""));
            if let Some(desc) = &c.description {
                let _ = write!(title, "<br><small>{}</small>", esc(desc));
            }
            let mut evidence = String::new();
            if !c.evidence.is_empty() {
                evidence.push_str("<ul>");
                for e in &c.evidence {
                    let _ = write!(
                        evidence,
                        "<li class=\"{}\"><b>{}</b> [{}] {}: {} <small>{}</small></li>",
                        e.status.as_str(),
                        e.status.as_str(),
                        e.source.as_str(),
                        esc(&e.subject),
                        esc(&e.text),
                        date(e.time_ms)
                    );
                }
                evidence.push_str("</ul>");
            }
            let _ = writeln!(
                out,
                "<tr><td>{}</td><td>{title}</td><td>{}</td>{}<td>{evidence}</td></tr>",
                esc(&c.id),
                c.responsibility.as_str(),
                status_cell(c.status)
            );
        }
        out.push_str("</table>\n");
    }
    if !p.unknown_controls.is_empty() {
        let _ = writeln!(
            out,
            "<p>Evidence named controls the catalogue does not hold: {}.</p>",
            esc(&p.unknown_controls.join(", "))
        );
    }
    out.push_str("</body></html>\n");
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_self_contained_page_with_escaped_evidence() {
        let page = super::html(&crate::render::sample::posture());
        assert!(page.starts_with("<!DOCTYPE html>"));
        assert!(page.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
        assert!(!page.contains("<script"), "no script, and none injected");
        assert!(!page.contains("src=") && !page.contains("http://") && !page.contains("https://"));
        assert!(page.contains("<h2 id=\"d-A&amp;A\">A&amp;A Audit &amp; Assurance</h2>"));
        assert!(
            page.contains("<td>IAM-14</td><td></td><td>shared</td><td class=\"s fail\">fail</td>"),
            "{page}"
        );
        assert!(page.ends_with("</body></html>\n"));
    }
}
