//! `process` rules: the process table under `<root>/proc`.

use crate::outcome::{Evidence, Verdict};
use crate::target::Target;
use regex::Regex;

/// Most matching processes quoted.
const MAX_QUOTED: usize = 5;

/// Every process as (pid, command line, or `[name]` when the command line is empty).
pub fn processes(target: &Target) -> Option<Vec<(u32, String)>> {
    let proc_dir = target.resolve("/proc", true).ok()?;
    let mut out = Vec::new();
    for entry in std::fs::read_dir(&proc_dir).ok()?.filter_map(|e| e.ok()) {
        let Some(pid) = entry
            .file_name()
            .to_str()
            .and_then(|s| s.parse::<u32>().ok())
        else {
            continue;
        };
        let cmdline = std::fs::read(entry.path().join("cmdline")).unwrap_or_default();
        let text: String = String::from_utf8_lossy(&cmdline)
            .split('\0')
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
            .join(" ");
        let line = if text.is_empty() {
            let comm = std::fs::read_to_string(entry.path().join("comm")).unwrap_or_default();
            format!("[{}]", comm.trim())
        } else {
            text
        };
        out.push((pid, line));
    }
    (!out.is_empty()).then(|| {
        out.sort();
        out
    })
}

/// Evaluates a process rule.
pub fn evaluate(
    target: &Target,
    pattern: &Regex,
    running: bool,
    evidence: &mut Vec<Evidence>,
) -> Verdict {
    let Some(all) = processes(target) else {
        return Verdict::NotApplicable(format!(
            "no process table under {}",
            target.root().join("proc").display()
        ));
    };
    let matching: Vec<&(u32, String)> = all
        .iter()
        .filter(|(_, cmd)| pattern.is_match(cmd))
        .collect();
    if matching.is_empty() {
        evidence.push(Evidence::about(
            "/proc",
            format!("no process matches /{pattern}/ among {}", all.len()),
        ));
    }
    for (pid, cmd) in matching.iter().take(MAX_QUOTED) {
        evidence.push(Evidence::about("/proc", format!("pid {pid}: {cmd}")));
    }
    Verdict::from_bool(matching.is_empty() != running)
}
