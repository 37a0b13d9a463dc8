//! `file` rules: existence, type, mode, owner, group, and line tests over the contents.

use crate::outcome::{Evidence, Verdict};
use crate::rule::{FileKind, MetaTest};
use crate::target::Target;
use crate::text::{LineTest, SourceLine};
use std::io::Read;
use std::os::unix::fs::MetadataExt;

/// Most bytes read from one file for line tests.
pub const MAX_READ: u64 = 8 << 20;

/// Reads at most [`MAX_READ`] bytes of a target file as lossy UTF-8.
pub fn read_text(target: &Target, path: &str) -> std::io::Result<String> {
    let host = target.resolve(path, true)?;
    let mut bytes = Vec::new();
    std::fs::File::open(host)?
        .take(MAX_READ)
        .read_to_end(&mut bytes)?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

/// Splits texts into numbered lines and judges them.
pub fn judge_texts(
    texts: &[(String, String)],
    test: &LineTest,
    evidence: &mut Vec<Evidence>,
) -> Verdict {
    let lines: Vec<SourceLine<'_>> = texts
        .iter()
        .flat_map(|(source, text)| {
            text.lines().enumerate().map(move |(i, l)| SourceLine {
                source,
                number: i + 1,
                text: l,
            })
        })
        .collect();
    test.judge(&lines, evidence)
}

/// A file's attributes as the evidence quotes them.
pub fn describe(target: &Target, meta: &std::fs::Metadata) -> String {
    let kind = if meta.file_type().is_symlink() {
        "symlink"
    } else if meta.is_dir() {
        "dir"
    } else {
        "file"
    };
    format!(
        "{kind} mode {:04o} owner {} group {} size {}",
        meta.mode() & 0o7777,
        target.user_name(meta.uid()),
        target.group_name(meta.gid()),
        meta.len()
    )
}

fn attributes_hold(target: &Target, test: &MetaTest, meta: &std::fs::Metadata) -> bool {
    let kind_ok = match test.kind {
        None => true,
        Some(FileKind::File) => meta.is_file(),
        Some(FileKind::Dir) => meta.is_dir(),
        Some(FileKind::Symlink) => meta.file_type().is_symlink(),
    };
    let mode_ok = test
        .mode_max
        .is_none_or(|max| meta.mode() & 0o7777 & !max == 0);
    let id_ok = |allowed: &[String], id: u32, name: String| {
        allowed.is_empty()
            || allowed.contains(&name.to_ascii_lowercase())
            || allowed.contains(&id.to_string())
    };
    kind_ok
        && mode_ok
        && id_ok(&test.owner, meta.uid(), target.user_name(meta.uid()))
        && id_ok(&test.group, meta.gid(), target.group_name(meta.gid()))
}

/// Evaluates a file rule.
pub fn evaluate(
    target: &Target,
    paths: &[String],
    test: &MetaTest,
    text: Option<&LineTest>,
    evidence: &mut Vec<Evidence>,
) -> Verdict {
    let follow = test.kind != Some(FileKind::Symlink);
    let mut found = Vec::new();
    let mut missing = Vec::new();
    for written in paths {
        let expanded = target.expand(written);
        if expanded.is_empty() && (test.exists == Some(true) || !written.contains(['*', '?'])) {
            missing.push(written.clone());
        }
        for path in expanded {
            let meta = target.resolve(&path, follow).and_then(|p| {
                if follow {
                    std::fs::metadata(p)
                } else {
                    std::fs::symlink_metadata(p)
                }
            });
            match meta {
                Ok(m) => found.push((path, m)),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => missing.push(path),
                Err(e) => return Verdict::Error(format!("{path}: {e}")),
            }
        }
    }
    for m in &missing {
        evidence.push(Evidence::about(m, "does not exist"));
    }
    match test.exists {
        Some(false) => {
            for (path, meta) in &found {
                evidence.push(Evidence::about(path, describe(target, meta)));
            }
            return Verdict::from_bool(found.is_empty());
        }
        Some(true) if !missing.is_empty() => return Verdict::NotHeld,
        None if found.is_empty() => {
            return Verdict::NotApplicable(format!("{} does not exist", paths.join(", ")))
        }
        _ => {}
    }
    let mut attributes_ok = true;
    let quote_attributes = test.tests_attributes() || test.exists.is_some();
    for (path, meta) in &found {
        if quote_attributes {
            evidence.push(Evidence::about(path, describe(target, meta)));
        }
        attributes_ok &= attributes_hold(target, test, meta);
    }
    if !attributes_ok {
        return Verdict::NotHeld;
    }
    let Some(text) = text else {
        return Verdict::Held;
    };
    let mut texts = Vec::new();
    for (path, meta) in &found {
        if meta.is_dir() {
            continue;
        }
        match read_text(target, path) {
            Ok(t) => texts.push((path.clone(), t)),
            Err(e) => return Verdict::Error(format!("cannot read {path}: {e}")),
        }
    }
    judge_texts(&texts, text, evidence)
}
