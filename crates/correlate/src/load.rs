//! Loading correlation rules from files and directories.

use crate::error::ParseError;
use crate::parse::parse_rules;
use crate::rule::CorrelationRule;
use std::path::{Path, PathBuf};

/// What loading a set of files produced: the rules read and every failure, each naming its
/// file, line and reason.
#[derive(Debug, Default)]
pub struct LoadReport {
    /// The correlation rules read.
    pub rules: Vec<CorrelationRule>,
    /// The rules (or files) that could not be read.
    pub failures: Vec<ParseError>,
}

/// Reads every correlation rule of one file; other documents (detection rules, filters) are
/// skipped. A file that cannot be read gives a single error.
pub fn load_file(path: &Path) -> Vec<Result<CorrelationRule, ParseError>> {
    match std::fs::read_to_string(path) {
        Ok(text) => parse_rules(&text)
            .into_iter()
            .map(|r| r.map_err(|e| e.in_file(path)))
            .collect(),
        Err(e) => vec![Err(ParseError {
            file: Some(path.to_owned()),
            line: None,
            reason: format!("cannot read file: {e}"),
        })],
    }
}

/// Reads every `.yml` / `.yaml` file under `path` (a file or a directory, recursively, in
/// name order). One broken rule never stops the others from loading.
pub fn load_path(path: &Path) -> LoadReport {
    let mut report = LoadReport::default();
    let mut files = Vec::new();
    if let Err(e) = collect_yaml_files(path, &mut files) {
        report.failures.push(e);
    }
    files.sort();
    for file in files {
        for result in load_file(&file) {
            match result {
                Ok(rule) => report.rules.push(rule),
                Err(e) => report.failures.push(e),
            }
        }
    }
    report
}

fn collect_yaml_files(path: &Path, out: &mut Vec<PathBuf>) -> Result<(), ParseError> {
    let unreadable = |e: std::io::Error| ParseError {
        file: Some(path.to_owned()),
        line: None,
        reason: format!("cannot read: {e}"),
    };
    if !path.is_dir() {
        out.push(path.to_owned());
        return Ok(());
    }
    for entry in std::fs::read_dir(path).map_err(unreadable)? {
        let child = entry.map_err(unreadable)?.path();
        if child.is_dir() {
            collect_yaml_files(&child, out)?;
        } else if child
            .extension()
            .is_some_and(|ext| ext == "yml" || ext == "yaml")
        {
            out.push(child);
        }
    }
    Ok(())
}
