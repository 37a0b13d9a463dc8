//! The file tree under assessment: `/` (the running host) or a mounted or copied tree.
//! Every path a policy names is resolved inside the root, symbolic links included, so an
//! absolute link in a copied tree never reaches out to the host running the scan.

use std::collections::HashMap;
use std::io;
use std::path::{Component, Path, PathBuf};

/// Symbolic links followed while resolving one path before giving up (as the kernel does).
const MAX_LINKS: usize = 40;

/// Where user and group names come from, read once from the target's own files.
#[derive(Debug, Default)]
struct Names {
    users: HashMap<u32, String>,
    groups: HashMap<u32, String>,
}

/// A target root and what was read from it once.
#[derive(Debug)]
pub struct Target {
    root: PathBuf,
    names: Names,
}

/// Reads `name:x:id:...` files (/etc/passwd, /etc/group) into id → name; bad lines are
/// skipped.
pub fn parse_id_names(text: &str) -> HashMap<u32, String> {
    text.lines()
        .filter_map(|line| {
            let mut f = line.split(':');
            let name = f.next()?.trim();
            let id = f.nth(1)?.trim().parse().ok()?;
            (!name.is_empty() && !name.starts_with('#')).then(|| (id, name.to_owned()))
        })
        .collect()
}

impl Target {
    /// A target rooted at `root` (`/` for the running host).
    pub fn new(root: &Path) -> Target {
        let mut t = Target {
            root: root.to_path_buf(),
            names: Names::default(),
        };
        let read = |p: &str| {
            t.read_to_string(p)
                .map(|s| parse_id_names(&s))
                .unwrap_or_default()
        };
        let names = Names {
            users: read("/etc/passwd"),
            groups: read("/etc/group"),
        };
        t.names = names;
        t
    }

    /// The root directory.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Whether the target is the running host (root `/`), where commands may run.
    pub fn is_host(&self) -> bool {
        self.root == Path::new("/")
    }

    /// The host path of `path` (absolute, as seen inside the target), following symbolic
    /// links inside the root. The last component is followed too unless `follow_last` is
    /// false.
    pub fn resolve(&self, path: &str, follow_last: bool) -> io::Result<PathBuf> {
        let mut pending: Vec<String> = components(path);
        pending.reverse();
        let mut inside: Vec<String> = Vec::new();
        let mut links = 0;
        while let Some(part) = pending.pop() {
            match part.as_str() {
                "." => continue,
                ".." => {
                    inside.pop();
                    continue;
                }
                _ => {}
            }
            inside.push(part);
            let host = self.host_path(&inside);
            let is_last = pending.is_empty();
            if is_last && !follow_last {
                break;
            }
            let Ok(meta) = std::fs::symlink_metadata(&host) else {
                continue;
            };
            if !meta.file_type().is_symlink() {
                continue;
            }
            links += 1;
            if links > MAX_LINKS {
                return Err(io::Error::other(format!(
                    "too many symbolic links in {path}"
                )));
            }
            let dest = std::fs::read_link(&host)?;
            let dest = dest.to_string_lossy();
            inside.pop();
            if dest.starts_with('/') {
                inside.clear();
            }
            let mut next = components(&dest);
            next.reverse();
            pending.extend(next);
        }
        Ok(self.host_path(&inside))
    }

    fn host_path(&self, inside: &[String]) -> PathBuf {
        let mut p = self.root.clone();
        p.extend(inside);
        p
    }

    /// Reads a file of the target as text (lossy UTF-8).
    pub fn read_to_string(&self, path: &str) -> io::Result<String> {
        let bytes = std::fs::read(self.resolve(path, true)?)?;
        Ok(String::from_utf8_lossy(&bytes).into_owned())
    }

    /// The user name of a uid, or the uid as text.
    pub fn user_name(&self, uid: u32) -> String {
        self.names
            .users
            .get(&uid)
            .cloned()
            .unwrap_or_else(|| uid.to_string())
    }

    /// The group name of a gid, or the gid as text.
    pub fn group_name(&self, gid: u32) -> String {
        self.names
            .groups
            .get(&gid)
            .cloned()
            .unwrap_or_else(|| gid.to_string())
    }

    /// Expands a path whose last component may hold `*` or `?` into the existing paths
    /// (sorted); a path without wildcards comes back as it is.
    pub fn expand(&self, path: &str) -> Vec<String> {
        let Some((dir, pattern)) = path.rsplit_once('/') else {
            return vec![path.to_owned()];
        };
        if !pattern.contains(['*', '?']) {
            return vec![path.to_owned()];
        }
        let dir = if dir.is_empty() { "/" } else { dir };
        let Ok(entries) = self.resolve(dir, true).and_then(std::fs::read_dir) else {
            return Vec::new();
        };
        let mut out: Vec<String> = entries
            .filter_map(|e| e.ok())
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|name| wildcard_match(pattern, name))
            .map(|name| format!("{}/{name}", dir.trim_end_matches('/')))
            .collect();
        out.sort();
        out
    }
}

fn components(path: &str) -> Vec<String> {
    Path::new(path)
        .components()
        .filter_map(|c| match c {
            Component::Normal(s) => Some(s.to_string_lossy().into_owned()),
            Component::ParentDir => Some("..".to_owned()),
            _ => None,
        })
        .collect()
}

/// Shell-style matching of one path component: `*` any run, `?` one character. A leading
/// dot must be matched explicitly.
pub fn wildcard_match(pattern: &str, name: &str) -> bool {
    if name.starts_with('.') && !pattern.starts_with('.') {
        return false;
    }
    let p: Vec<char> = pattern.chars().collect();
    let n: Vec<char> = name.chars().collect();
    let (mut pi, mut ni) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while ni < n.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == n[ni]) {
            pi += 1;
            ni += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some((pi, ni));
            pi += 1;
        } else if let Some((sp, sn)) = star {
            pi = sp + 1;
            ni = sn + 1;
            star = Some((sp, sn + 1));
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|c| *c == '*')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn absolute_links_stay_inside_the_root() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::create_dir_all(root.join("etc")).unwrap();
        std::fs::create_dir_all(root.join("real")).unwrap();
        std::fs::write(root.join("real/conf"), "inside\n").unwrap();
        std::os::unix::fs::symlink("/real/conf", root.join("etc/conf")).unwrap();
        std::os::unix::fs::symlink("../../../../real", root.join("etc/up")).unwrap();
        let t = Target::new(root);
        assert_eq!(t.read_to_string("/etc/conf").unwrap(), "inside\n");
        assert_eq!(
            t.resolve("/etc/up/conf", true).unwrap(),
            root.join("real/conf")
        );
        assert_eq!(
            t.resolve("/etc/conf", false).unwrap(),
            root.join("etc/conf")
        );
    }

    #[test]
    fn link_loops_end_with_an_error() {
        let dir = tempfile::tempdir().unwrap();
        std::os::unix::fs::symlink("/b", dir.path().join("a")).unwrap();
        std::os::unix::fs::symlink("/a", dir.path().join("b")).unwrap();
        assert!(Target::new(dir.path()).resolve("/a", true).is_err());
    }

    #[test]
    fn wildcards_match_like_a_shell() {
        assert!(wildcard_match("ssh_host_*_key", "ssh_host_ed25519_key"));
        assert!(!wildcard_match(
            "ssh_host_*_key",
            "ssh_host_ed25519_key.pub"
        ));
        assert!(wildcard_match("*.conf", "a.conf"));
        assert!(!wildcard_match("*.conf", ".hidden.conf"));
        assert!(wildcard_match("?.c*", "a.c"));
    }

    #[test]
    fn names_come_from_the_targets_files() {
        let m = parse_id_names(
            "root:x:0:0::/root:/bin/sh\nbad\n:x:1:\nsshd:x:105:65534::/run:/bin/false\n",
        );
        assert_eq!(m.get(&0).map(String::as_str), Some("root"));
        assert_eq!(m.get(&105).map(String::as_str), Some("sshd"));
        assert_eq!(m.len(), 2);
    }
}
