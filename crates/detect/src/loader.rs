//! Loading rules from files, directories and strings.
//!
//! YAML is read with `yaml-rust2`: a pure-Rust YAML 1.2 parser that keeps mapping order
//! (Sigma's `condition` reads identifiers in order and `action: global` merges by key),
//! reads every multi-document collection in one call, reports the line of a syntax error,
//! and has no `unsafe` FFI — the same library the correlation crate uses, so both read the
//! same YAML the same way.

use crate::detection::Placeholders;
use crate::rule::{Filter, Rule};
use serde::Serialize;
use std::path::Path;
use yaml_rust2::{yaml::Hash, Yaml, YamlLoader};

/// A rule document that could not be loaded.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LoadFailure {
    /// The file (or source name).
    pub file: String,
    /// The line the problem is on, when it could be found (1-based).
    pub line: Option<usize>,
    /// What is wrong.
    pub reason: String,
}

/// A document that is valid Sigma but not a detection rule or filter for this crate.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Skipped {
    /// The file (or source name).
    pub file: String,
    /// The document's title, when it has one.
    pub title: Option<String>,
    /// Why it is skipped.
    pub reason: String,
}

/// Rules, filters, skipped documents and failures from any number of sources.
#[derive(Debug, Default)]
pub struct RuleSet {
    /// Detection rules that loaded.
    pub rules: Vec<Rule>,
    /// Filters that loaded (applied when an engine is built).
    pub filters: Vec<Filter>,
    /// Correlation rules, left to `palisade-correlate`.
    pub skipped: Vec<Skipped>,
    /// Documents that failed, each with its reason.
    pub failures: Vec<LoadFailure>,
    placeholders: Placeholders,
}

impl RuleSet {
    /// An empty set whose `expand` modifiers read `placeholders`.
    pub fn new(placeholders: Placeholders) -> Self {
        RuleSet {
            placeholders,
            ..RuleSet::default()
        }
    }

    /// Loads a `.yml`/`.yaml` file, or every such file under a directory (recursively, in
    /// name order). An unreadable path is recorded as a failure.
    pub fn load_path(&mut self, path: &Path) {
        if path.is_dir() {
            let mut entries: Vec<_> = match std::fs::read_dir(path) {
                Ok(rd) => rd.filter_map(Result::ok).map(|e| e.path()).collect(),
                Err(e) => return self.fail(path, None, format!("cannot read directory: {e}")),
            };
            entries.sort();
            for entry in entries {
                let is_yaml = entry.extension().is_some_and(|x| x == "yml" || x == "yaml");
                if entry.is_dir() || is_yaml {
                    self.load_path(&entry);
                }
            }
            return;
        }
        match std::fs::read_to_string(path) {
            Ok(text) => self.load_str(&path.display().to_string(), &text),
            Err(e) => self.fail(path, None, format!("cannot read file: {e}")),
        }
    }

    /// Loads every document of a YAML text; `source` names it in failures.
    pub fn load_str(&mut self, source: &str, text: &str) {
        let docs = match YamlLoader::load_from_str(text) {
            Ok(docs) => docs,
            Err(e) => {
                let line = e.marker().line();
                return self.failures.push(LoadFailure {
                    file: source.to_owned(),
                    line: Some(line.max(1)),
                    reason: format!("invalid YAML: {}", e.info()),
                });
            }
        };
        let starts = document_starts(text);
        let mut global: Option<Hash> = None;
        let mut previous: Option<Hash> = None;
        for (index, doc) in docs.into_iter().enumerate() {
            let start = starts.get(index).copied().unwrap_or(1);
            let Yaml::Hash(mut map) = doc else {
                if !doc.is_null() {
                    self.failures.push(LoadFailure {
                        file: source.to_owned(),
                        line: Some(start),
                        reason: "a rule document must be a YAML mapping".into(),
                    });
                }
                continue;
            };
            let action = map
                .remove(&Yaml::String("action".into()))
                .and_then(|a| a.as_str().map(str::to_owned));
            let merged = match action.as_deref() {
                Some("global") => {
                    global = Some(map);
                    continue;
                }
                Some("reset") => {
                    global = None;
                    continue;
                }
                Some("repeat") => merge(previous.clone().unwrap_or_default(), map),
                Some(other) => {
                    self.failures.push(LoadFailure {
                        file: source.to_owned(),
                        line: Some(start),
                        reason: format!("unknown action '{other}' (global, reset or repeat)"),
                    });
                    continue;
                }
                None => merge(global.clone().unwrap_or_default(), map),
            };
            previous = Some(merged.clone());
            let end = starts.get(index + 1).copied();
            self.load_document(source, text, (start, end), Yaml::Hash(merged));
        }
    }

    fn load_document(
        &mut self,
        source: &str,
        text: &str,
        lines: (usize, Option<usize>),
        doc: Yaml,
    ) {
        let title = doc["title"].as_str().map(str::to_owned);
        if !doc["correlation"].is_badvalue() {
            return self.skipped.push(Skipped {
                file: source.to_owned(),
                title,
                reason: "correlation rule, handled by palisade-correlate".into(),
            });
        }
        let result = if !doc["filter"].is_badvalue() {
            Filter::parse(&doc, source, &self.placeholders).map(|f| self.filters.push(f))
        } else {
            Rule::parse(&doc, source, &self.placeholders).map(|r| self.rules.push(r))
        };
        if let Err(reason) = result {
            let line = locate(text, lines, &reason).or(Some(lines.0));
            let reason = match title {
                Some(t) => format!("rule '{t}': {reason}"),
                None => reason,
            };
            self.failures.push(LoadFailure {
                file: source.to_owned(),
                line,
                reason,
            });
        }
    }

    fn fail(&mut self, path: &Path, line: Option<usize>, reason: String) {
        self.failures.push(LoadFailure {
            file: path.display().to_string(),
            line,
            reason,
        });
    }
}

/// Deep-merges `over` into `base` (mappings merge key by key; anything else is replaced).
fn merge(mut base: Hash, over: Hash) -> Hash {
    for (key, value) in over {
        let merged = match (base.remove(&key), value) {
            (Some(Yaml::Hash(b)), Yaml::Hash(o)) => Yaml::Hash(merge(b, o)),
            (_, v) => v,
        };
        base.insert(key, merged);
    }
    base
}

/// The first line (1-based) of each document: line 1, and after each `---` separator that
/// follows content.
fn document_starts(text: &str) -> Vec<usize> {
    let mut starts = Vec::new();
    let mut content_seen = false;
    for (i, line) in text.lines().enumerate() {
        let trimmed = line.trim_end();
        if trimmed == "---" || trimmed.starts_with("--- ") {
            if content_seen || starts.is_empty() {
                starts.push(i + 2);
            }
            content_seen = false;
        } else if !trimmed.is_empty() && !trimmed.starts_with('#') {
            if starts.is_empty() {
                starts.push(1);
            }
            content_seen = true;
        }
    }
    starts
}

/// Best effort: the line inside the document that holds a `'quoted'` name of the reason,
/// the innermost (last) first: the modifier, then the field, then the search identifier.
fn locate(text: &str, (start, end): (usize, Option<usize>), reason: &str) -> Option<usize> {
    let quoted: Vec<&str> = reason
        .split('\'')
        .skip(1)
        .step_by(2)
        .filter(|n| !n.is_empty())
        .collect();
    quoted.iter().rev().find_map(|needle| {
        text.lines()
            .enumerate()
            .skip(start.saturating_sub(1))
            .take_while(|(i, _)| end.is_none_or(|e| *i + 1 < e))
            .find(|(_, line)| line.contains(needle))
            .map(|(i, _)| i + 1)
    })
}
