//! `requirements.txt`: a requirement pinned with `==` (or `===`) to one exact version is a
//! package to match; every other requirement (ranges, wildcards, URLs, no specifier) is
//! reported as unpinned. Comments, blank lines, options (`-r`, `-e`, `--hash`...) and
//! environment markers are understood; `\` continues a line.

use super::{dedup, Inventory, Package, Unpinned};
use crate::osv::Ecosystem;

pub(super) fn parse(text: &str, file: &str) -> Inventory {
    let mut inventory = Inventory::default();
    let mut options = 0;
    for (line_no, line) in logical_lines(text) {
        let line = strip_comment(&line);
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        if line.starts_with('-') {
            options += 1;
            continue;
        }
        // Per-requirement options such as `--hash=...` follow the requirement.
        let requirement = line.split(" --").next().unwrap_or(line).trim();
        let without_markers = requirement.split(';').next().unwrap_or("").trim();
        let name_end = without_markers
            .find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')))
            .unwrap_or(without_markers.len());
        let name = &without_markers[..name_end];
        let mut rest = without_markers[name_end..].trim_start();
        if rest.starts_with('[') {
            rest = rest
                .split_once(']')
                .map_or("", |(_, after)| after)
                .trim_start();
        }
        let source = format!("{file}:{line_no}");
        match exact_pin(rest) {
            Some(version) if !name.is_empty() => inventory.packages.push(Package {
                ecosystem: Ecosystem::PyPi,
                name: name.to_owned(),
                version: version.to_owned(),
                source,
                binaries: Vec::new(),
            }),
            _ => inventory.unpinned.push(Unpinned {
                name: name.to_owned(),
                requirement: requirement.to_owned(),
                source,
            }),
        }
    }
    dedup(&mut inventory.packages);
    inventory.note_skipped(
        options,
        "option lines (-r, -e, -c, --index-url...) not followed",
        file,
    );
    inventory
}

/// Lines joined across trailing backslashes, each with its first line number.
fn logical_lines(text: &str) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    let mut pending: Option<(usize, String)> = None;
    for (i, raw) in text.lines().enumerate() {
        let (start, mut acc) = pending.take().unwrap_or((i + 1, String::new()));
        match raw.strip_suffix('\\') {
            Some(head) => {
                acc.push_str(head);
                acc.push(' ');
                pending = Some((start, acc));
            }
            None => {
                acc.push_str(raw);
                out.push((start, acc));
            }
        }
    }
    out.extend(pending);
    out
}

/// The line without a `#` comment (a `#` at the start or after whitespace).
fn strip_comment(line: &str) -> String {
    let bytes = line.as_bytes();
    let cut = (0..bytes.len())
        .find(|&i| bytes[i] == b'#' && (i == 0 || bytes[i - 1].is_ascii_whitespace()))
        .unwrap_or(bytes.len());
    line[..cut].to_owned()
}

/// The version of a single `==V` or `===V` clause without wildcards.
fn exact_pin(specifiers: &str) -> Option<&str> {
    let spec = specifiers.trim();
    if spec.contains(',') {
        return None;
    }
    let version = spec
        .strip_prefix("===")
        .or_else(|| spec.strip_prefix("=="))?
        .trim();
    (!version.is_empty() && !version.contains('*') && !version.contains(char::is_whitespace))
        .then_some(version)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pins_become_packages_and_everything_else_is_unpinned() {
        let text = "# app deps\nrequests==2.19.1  # pinned\nDjango[bcrypt] == 3.2.0 ; python_version >= '3.8'\n\
                    flask>=2.0\nnumpy==1.*\nurllib3==1.26.4 \\\n    --hash=sha256:abc\n-r other.txt\n\
                    pkg @ https://example.org/pkg.whl\nsix\nlxml===4.6.2\n";
        let inv = parse(text, "requirements.txt");
        let pins: Vec<_> = inv
            .packages
            .iter()
            .map(|p| (p.name.as_str(), p.version.as_str(), p.source.as_str()))
            .collect();
        assert_eq!(
            pins,
            vec![
                ("requests", "2.19.1", "requirements.txt:2"),
                ("Django", "3.2.0", "requirements.txt:3"),
                ("urllib3", "1.26.4", "requirements.txt:6"),
                ("lxml", "4.6.2", "requirements.txt:11"),
            ]
        );
        let unpinned: Vec<_> = inv.unpinned.iter().map(|u| u.name.as_str()).collect();
        assert_eq!(unpinned, vec!["flask", "numpy", "pkg", "six"]);
        assert_eq!(inv.skipped.len(), 1);
    }
}
