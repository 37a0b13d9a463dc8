//! Scanning watched paths under a target root into [`FileState`]s.

use super::FileState;
use crate::target::Target;
use ring::digest;
use std::collections::BTreeMap;
use std::io::Read;
use std::os::unix::fs::MetadataExt;
use std::path::Path;

/// Limits of a scan.
#[derive(Debug, Clone, Copy)]
pub struct ScanOptions {
    /// Text files up to this size (and world-readable) keep their content for diffs.
    pub max_content_bytes: u64,
    /// Stop descending after this many entries (a watched path must stay a config tree).
    pub max_entries: usize,
}

impl Default for ScanOptions {
    fn default() -> Self {
        ScanOptions {
            max_content_bytes: 64 * 1024,
            max_entries: 100_000,
        }
    }
}

/// World-readable permission bit: only files anyone may read keep their text, so secrets
/// (/etc/shadow, private keys) never land in a baseline file.
const WORLD_READABLE: u32 = 0o004;

fn hash_file(
    path: &Path,
    max_content: u64,
    keep_text: bool,
) -> std::io::Result<(String, Option<String>)> {
    let mut file = std::fs::File::open(path)?;
    let mut ctx = digest::Context::new(&digest::SHA256);
    let mut head = Vec::new();
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        let n = file.read(&mut buf)?;
        if n == 0 {
            break;
        }
        ctx.update(&buf[..n]);
        if keep_text && (head.len() as u64) <= max_content {
            head.extend_from_slice(&buf[..n]);
        }
    }
    let hex: String = ctx
        .finish()
        .as_ref()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let text = (keep_text && head.len() as u64 <= max_content && !head.contains(&0))
        .then(|| String::from_utf8(head).ok())
        .flatten();
    Ok((hex, text))
}

fn state(
    target: &Target,
    host: &Path,
    meta: &std::fs::Metadata,
    opts: &ScanOptions,
) -> std::io::Result<FileState> {
    let ft = meta.file_type();
    let kind = if ft.is_symlink() {
        "symlink"
    } else if ft.is_dir() {
        "dir"
    } else if ft.is_file() {
        "file"
    } else {
        "other"
    };
    let mode = meta.mode() & 0o7777;
    let (sha256, content) = if ft.is_file() {
        let keep = mode & WORLD_READABLE != 0 && meta.len() <= opts.max_content_bytes;
        let (h, c) = hash_file(host, opts.max_content_bytes, keep)?;
        (Some(h), c)
    } else {
        (None, None)
    };
    let link = ft
        .is_symlink()
        .then(|| std::fs::read_link(host).map(|p| p.to_string_lossy().into_owned()))
        .transpose()?;
    Ok(FileState {
        kind: kind.to_owned(),
        size: if ft.is_dir() { 0 } else { meta.len() },
        mode,
        uid: meta.uid(),
        gid: meta.gid(),
        owner: target.user_name(meta.uid()),
        group: target.group_name(meta.gid()),
        sha256,
        link,
        content,
    })
}

/// Scans every watched path (directories recursively, symbolic links recorded, not
/// followed). A watched path that does not exist is simply absent from the result, so its
/// later creation is reported. Unreadable entries are errors naming the path.
pub fn scan(
    target: &Target,
    watched: &[String],
    opts: &ScanOptions,
) -> Result<BTreeMap<String, FileState>, String> {
    let mut out = BTreeMap::new();
    let mut stack: Vec<String> = Vec::new();
    for w in watched {
        let clean = format!("/{}", w.trim_matches('/'));
        stack.push(clean);
    }
    while let Some(path) = stack.pop() {
        if out.contains_key(&path) {
            continue;
        }
        if out.len() >= opts.max_entries {
            return Err(format!(
                "more than {} entries under the watched paths; watch narrower paths",
                opts.max_entries
            ));
        }
        let host = target
            .resolve(&path, false)
            .map_err(|e| format!("{path}: {e}"))?;
        let meta = match std::fs::symlink_metadata(&host) {
            Ok(m) => m,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
            Err(e) => return Err(format!("{path}: {e}")),
        };
        let st = state(target, &host, &meta, opts).map_err(|e| format!("{path}: {e}"))?;
        if meta.is_dir() {
            let entries = std::fs::read_dir(&host).map_err(|e| format!("{path}: {e}"))?;
            for e in entries.filter_map(|e| e.ok()) {
                let name = e.file_name().to_string_lossy().into_owned();
                stack.push(format!("{}/{name}", path.trim_end_matches('/')));
            }
        }
        out.insert(path, st);
    }
    Ok(out)
}
