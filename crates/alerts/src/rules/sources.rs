//! Reading rule sources: the built-in pack, the rules dirs and the uploads.

use super::{RuleError, RuleInfo, RuleScope};
use palisade_core::TenantId;
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
    /// The tenant whose events its rules apply to (`None`: every tenant's).
    pub tenant: Option<TenantId>,
    /// Its name in listings and errors.
    pub name: String,
    /// The YAML.
    pub text: String,
}

/// A change to the uploaded rules of one scope, compiled before it is written.
#[derive(Debug, Clone)]
pub enum Change {
    /// Adds or replaces the upload with this id.
    Put {
        /// Whose upload it is.
        scope: RuleScope,
        /// The upload's id (its first rule's id).
        id: String,
        /// The YAML.
        text: String,
    },
    /// Removes the upload with this id.
    Delete {
        /// Whose upload it is.
        scope: RuleScope,
        /// The upload's id.
        id: String,
    },
}

impl Change {
    /// The scope whose uploads change.
    pub fn scope(&self) -> &RuleScope {
        match self {
            Change::Put { scope, .. } | Change::Delete { scope, .. } => scope,
        }
    }

    /// True when `source` is the text this change brings.
    pub(super) fn names(&self, source: &Source) -> bool {
        matches!(self, Change::Put { scope, id, .. } if source.name == upload_name(scope, id))
    }
}

/// The source name of the upload with `id` in `scope`: `uploaded/ID.yml` for a global
/// upload, `uploaded/TENANT/ID.yml` for a tenant's.
pub(crate) fn upload_name(scope: &RuleScope, id: &str) -> String {
    match scope {
        RuleScope::Global => format!("uploaded/{id}.yml"),
        RuleScope::Tenant(tenant) => format!("uploaded/{tenant}/{id}.yml"),
    }
}

/// The directory of the uploads of `scope` under the upload root (`<data-dir>/rules`):
/// the root itself for global uploads, `tenants/TENANT/` under it for a tenant's.
pub(crate) fn upload_dir(root: &Path, scope: &RuleScope) -> PathBuf {
    match scope {
        RuleScope::Global => root.to_owned(),
        RuleScope::Tenant(tenant) => root.join("tenants").join(tenant.as_str()),
    }
}

/// The tenants that have uploads of their own, in name order.
pub(super) fn tenants_with_uploads(root: &Path) -> Vec<TenantId> {
    let Ok(entries) = std::fs::read_dir(root.join("tenants")) else {
        return Vec::new();
    };
    let mut tenants: Vec<TenantId> = entries
        .filter_map(Result::ok)
        .filter(|e| !upload_files(&e.path()).is_empty())
        .filter_map(|e| TenantId::new(e.file_name().to_str()?).ok())
        .collect();
    tenants.sort();
    tenants
}

/// Every source of the engine of `tenant` (`None`: the engine of tenants without rules of
/// their own), in load order: built-in, rules dirs, global uploads, the tenant's uploads,
/// with `change` applied.
pub(super) fn gather(
    builtin: bool,
    dirs: &[PathBuf],
    upload_root: &Path,
    tenant: Option<&TenantId>,
    change: Option<&Change>,
) -> Result<Vec<Source>, RuleError> {
    let mut sources = Vec::new();
    if builtin {
        sources.extend(crate::builtin::PACK.iter().map(|(name, text)| Source {
            origin: RuleOrigin::Builtin,
            tenant: None,
            name: format!("builtin/{name}"),
            text: (*text).to_owned(),
        }));
    }
    for dir in dirs {
        for file in yaml_files(dir) {
            match std::fs::read_to_string(&file) {
                Ok(text) => sources.push(Source {
                    origin: RuleOrigin::Config,
                    tenant: None,
                    name: file.display().to_string(),
                    text,
                }),
                Err(e) => {
                    tracing::warn!(file = %file.display(), error = %e, "cannot read rule file")
                }
            }
        }
    }
    sources.extend(uploads(upload_root, &RuleScope::Global, change)?);
    if let Some(tenant) = tenant {
        let scope = RuleScope::Tenant(tenant.clone());
        sources.extend(uploads(upload_root, &scope, change)?);
    }
    Ok(sources)
}

/// The uploads of `scope`, with `change` applied when it is a change to them.
fn uploads(
    upload_root: &Path,
    scope: &RuleScope,
    change: Option<&Change>,
) -> Result<Vec<Source>, RuleError> {
    let tenant = match scope {
        RuleScope::Global => None,
        RuleScope::Tenant(tenant) => Some(tenant.clone()),
    };
    let source = |name: String, text: String| Source {
        origin: RuleOrigin::Uploaded,
        tenant: tenant.clone(),
        name,
        text,
    };
    let mut uploads = Vec::new();
    for file in upload_files(&upload_dir(upload_root, scope)) {
        let Some(id) = file.file_stem().and_then(|n| n.to_str()) else {
            continue;
        };
        let text = std::fs::read_to_string(&file)
            .map_err(|e| RuleError::Io(format!("cannot read {}: {e}", file.display())))?;
        uploads.push(source(upload_name(scope, id), text));
    }
    match change {
        Some(Change::Put { scope: s, id, text }) if s == scope => {
            let name = upload_name(scope, id);
            uploads.retain(|s| s.name != name);
            uploads.push(source(name, text.clone()));
        }
        Some(Change::Delete { scope: s, id }) if s == scope => {
            uploads.retain(|s| s.name != upload_name(scope, id))
        }
        _ => {}
    }
    Ok(uploads)
}

/// The `.yml` files directly in an upload directory (not below it), in name order.
fn upload_files(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut files: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.is_file() && p.extension().is_some_and(|x| x == "yml"))
        .collect();
    files.sort();
    files
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
        tenant: source.tenant.clone(),
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
                    tenant: source.tenant.clone(),
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
        tenant: None,
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
