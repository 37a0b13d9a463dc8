//! Reading rule sources: the built-in pack, the rules dirs and the uploads.

use super::{RuleError, RuleInfo};
use palisade_correlate::CorrelationRule;
use palisade_detect::{LoadFailure, RuleSet};
use serde::Serialize;
use std::path::{Path, PathBuf};

/// Where a rule comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum RuleOrigin {
    /// The pack embedded in the binary.
    Builtin,
    /// A configured `rules_dirs` entry.
    Config,
    /// Uploaded through the rules API.
    Uploaded,
}

/// One YAML text of rules.
#[derive(Debug, Clone)]
pub struct Source {
    /// Where it comes from.
    pub origin: RuleOrigin,
    /// Its name in listings and errors.
    pub name: String,
    /// The YAML.
    pub text: String,
}

/// A change to the uploaded rules, compiled before it is written.
#[derive(Debug, Clone)]
pub enum Change {
    /// Adds or replaces the upload with this id.
    Put {
        /// The upload's id (its first rule's id).
        id: String,
        /// The YAML.
        text: String,
    },
    /// Removes the upload with this id.
    Delete {
        /// The upload's id.
        id: String,
    },
}

impl Change {
    /// True when `source` is the text this change brings.
    pub(super) fn names(&self, source: &Source) -> bool {
        matches!(self, Change::Put { id, .. } if source.name == upload_name(id))
    }
}

/// The source name of the upload with `id`.
pub(crate) fn upload_name(id: &str) -> String {
    format!("uploaded/{id}.yml")
}

/// Every source, in load order: built-in, rules dirs, uploads (with `change` applied).
pub(super) fn gather(
    builtin: bool,
    dirs: &[PathBuf],
    upload_dir: &Path,
    change: Option<&Change>,
) -> Result<Vec<Source>, RuleError> {
    let mut sources = Vec::new();
    if builtin {
        sources.extend(crate::builtin::PACK.iter().map(|(name, text)| Source {
            origin: RuleOrigin::Builtin,
            name: format!("builtin/{name}"),
            text: (*text).to_owned(),
        }));
    }
    for dir in dirs {
        for file in yaml_files(dir) {
            match std::fs::read_to_string(&file) {
                Ok(text) => sources.push(Source {
                    origin: RuleOrigin::Config,
                    name: file.display().to_string(),
                    text,
                }),
                Err(e) => {
                    tracing::warn!(file = %file.display(), error = %e, "cannot read rule file")
                }
            }
        }
    }
    let mut uploads = Vec::new();
    if upload_dir.is_dir() {
        for file in yaml_files(upload_dir) {
            let Some(file_name) = file.file_name().and_then(|n| n.to_str()) else {
                continue;
            };
            let text = std::fs::read_to_string(&file)
                .map_err(|e| RuleError::Io(format!("cannot read {}: {e}", file.display())))?;
            uploads.push(Source {
                origin: RuleOrigin::Uploaded,
                name: format!("uploaded/{file_name}"),
                text,
            });
        }
    }
    match change {
        Some(Change::Put { id, text }) => {
            let name = upload_name(id);
            uploads.retain(|s| s.name != name);
            uploads.push(Source {
                origin: RuleOrigin::Uploaded,
                name,
                text: text.clone(),
            });
        }
        Some(Change::Delete { id }) => uploads.retain(|s| s.name != upload_name(id)),
        None => {}
    }
    sources.extend(uploads);
    Ok(sources)
}

/// `.yml` / `.yaml` files under `path` (itself when it is a file), recursively, in name order.
fn yaml_files(path: &Path) -> Vec<PathBuf> {
    if !path.is_dir() {
        return vec![path.to_owned()];
    }
    let mut files = Vec::new();
    let mut entries: Vec<PathBuf> = match std::fs::read_dir(path) {
        Ok(rd) => rd.filter_map(Result::ok).map(|e| e.path()).collect(),
        Err(e) => {
            tracing::warn!(dir = %path.display(), error = %e, "cannot read rules directory");
            return files;
        }
    };
    entries.sort();
    for entry in entries {
        if entry.is_dir() {
            files.extend(yaml_files(&entry));
        } else if entry.extension().is_some_and(|x| x == "yml" || x == "yaml") {
            files.push(entry);
        }
    }
    files
}

/// Loads the detection and correlation rules of one source; returns its problems.
pub(super) fn load(
    source: &Source,
    set: &mut RuleSet,
    correlations: &mut Vec<CorrelationRule>,
    infos: &mut Vec<RuleInfo>,
) -> Vec<LoadFailure> {
    let (rules_before, failures_before) = (set.rules.len(), set.failures.len());
    set.load_str(&source.name, &source.text);
    let mut failures: Vec<LoadFailure> = set.failures.drain(failures_before..).collect();
    infos.extend(set.rules[rules_before..].iter().map(|r| RuleInfo {
        id: r.id.clone(),
        title: r.title.clone(),
        level: r.level.clone(),
        tags: r.tags.clone(),
        kind: "detection",
        origin: source.origin,
        source: source.name.clone(),
        enabled: true,
    }));
    let yaml_broken = failures
        .iter()
        .any(|f| f.reason.starts_with("invalid YAML"));
    for result in palisade_correlate::parse_rules(&source.text) {
        match result {
            Ok(rule) => {
                infos.push(RuleInfo {
                    id: rule.key().to_owned(),
                    title: rule.title.clone(),
                    level: rule.level.clone().unwrap_or_else(|| "medium".into()),
                    tags: rule.tags.clone(),
                    kind: "correlation",
                    origin: source.origin,
                    source: source.name.clone(),
                    enabled: true,
                });
                correlations.push(rule);
            }
            Err(_) if yaml_broken => {}
            Err(e) => failures.push(LoadFailure {
                file: source.name.clone(),
                line: e.line,
                reason: e.reason,
            }),
        }
    }
    failures
}

/// Checks an upload on its own and returns its id: the id of its first detection rule, or
/// of its first correlation rule when it has none.
pub(crate) fn upload_id(text: &str) -> Result<String, RuleError> {
    let source = Source {
        origin: RuleOrigin::Uploaded,
        name: "upload".into(),
        text: text.to_owned(),
    };
    let (mut set, mut correlations, mut infos) = (RuleSet::default(), Vec::new(), Vec::new());
    let failures = load(&source, &mut set, &mut correlations, &mut infos);
    if !failures.is_empty() {
        return Err(RuleError::Invalid(failures));
    }
    let id = infos
        .iter()
        .find(|r| r.kind == "detection")
        .or(infos.first())
        .map(|r| r.id.clone())
        .ok_or(RuleError::Empty)?;
    check_id(&id)?;
    Ok(id)
}

/// An id must be usable as a file name: ASCII letters, digits, `.`, `-`, `_`, at most 128.
pub(crate) fn check_id(id: &str) -> Result<(), RuleError> {
    let ok = !id.is_empty()
        && id.len() <= 128
        && !id.starts_with('.')
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_'));
    if ok {
        Ok(())
    } else {
        Err(RuleError::BadId(format!(
            "rule id {id:?} cannot name an upload: give the first rule an `id` of ASCII \
             letters, digits, '.', '-' or '_' (a UUID, say), at most 128 characters"
        )))
    }
}
