//! Compiled rules: a [`RuleSpec`] checked for a coherent set of keys, its regexes built.

mod keys;

use crate::spec::RuleSpec;
use crate::text::{LineTest, ValueTest};
use keys::{line_test, only, parse_mode, regex, texts, value_test, with_text};
use regex::Regex;
use std::time::Duration;

/// Default command timeout.
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);

/// File attribute tests.
#[derive(Debug, Clone, Default)]
pub struct MetaTest {
    /// Must exist (true) or must not (false); `None`: absent means not applicable.
    pub exists: Option<bool>,
    /// Required file type.
    pub kind: Option<FileKind>,
    /// Most permissive mode allowed.
    pub mode_max: Option<u32>,
    /// Allowed owners (names or uids as text).
    pub owner: Vec<String>,
    /// Allowed groups (names or gids as text).
    pub group: Vec<String>,
}

impl MetaTest {
    /// Whether any attribute besides existence is tested.
    pub fn tests_attributes(&self) -> bool {
        self.kind.is_some()
            || self.mode_max.is_some()
            || !self.owner.is_empty()
            || !self.group.is_empty()
    }
}

/// A file type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    /// A regular file.
    File,
    /// A directory.
    Dir,
    /// A symbolic link.
    Symlink,
}

/// Transport protocol of a port rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Proto {
    /// TCP (listening sockets).
    Tcp,
    /// UDP (bound sockets).
    Udp,
}

/// One compiled rule.
#[derive(Debug, Clone)]
pub enum Rule {
    /// Files: attributes and/or lines.
    File {
        /// Paths as written (may end in a glob component).
        paths: Vec<String>,
        /// Attribute tests.
        meta: MetaTest,
        /// Line test.
        text: Option<LineTest>,
    },
    /// A directory's entries and/or its files' lines.
    Dir {
        /// The directory.
        path: String,
        /// Attribute tests of the directory itself (only `exists`).
        exists: Option<bool>,
        /// Some entry name must match.
        entry: Option<Regex>,
        /// No entry name may match.
        no_entry: Option<Regex>,
        /// Which entries' contents the line test reads.
        files: Option<Regex>,
        /// Line test over the selected files.
        text: Option<LineTest>,
    },
    /// Running processes.
    Process {
        /// Regex over the command line (or the name when the command line is empty).
        pattern: Regex,
        /// Whether one must be running.
        running: bool,
    },
    /// Listening ports.
    Port {
        /// The ports.
        ports: Vec<u16>,
        /// TCP or UDP.
        proto: Proto,
        /// Whether one must be listening.
        listening: bool,
        /// Count only sockets not bound to a loopback address.
        public: bool,
    },
    /// A command's output and exit status.
    Command {
        /// Program and arguments.
        argv: Vec<String>,
        /// Kill after this long.
        timeout: Duration,
        /// Expected exit status.
        exit: Option<i32>,
        /// Line test over stdout then stderr.
        text: Option<LineTest>,
    },
    /// A kernel parameter under /proc/sys.
    Sysctl {
        /// Dotted name.
        name: String,
        /// Test of the value (the whole value, blanks normalised).
        value: ValueTest,
    },
}

impl Rule {
    /// Compiles a rule, naming the problem when its keys do not fit together.
    pub fn compile(spec: &RuleSpec) -> Result<Rule, String> {
        let targets = [
            spec.file.is_some(),
            spec.dir.is_some(),
            spec.process.is_some(),
            spec.port.is_some(),
            spec.command.is_some(),
            spec.sysctl.is_some(),
        ];
        if targets.iter().filter(|t| **t).count() != 1 {
            return Err(
                "a rule needs exactly one of file, dir, process, port, command, sysctl".into(),
            );
        }
        let needs_line = |text: &Option<LineTest>| {
            if text.is_none()
                && (spec.compare.is_some() || spec.is.is_some() || spec.is_not.is_some())
            {
                Err("compare/is/is_not test a captured value: add line or no_line".to_string())
            } else {
                Ok(())
            }
        };
        if let Some(files) = &spec.file {
            only(
                spec,
                "file",
                &with_text(&["exists", "type", "mode_max", "owner", "group"]),
            )?;
            let text = line_test(spec)?;
            needs_line(&text)?;
            let kind = match spec.kind.as_deref() {
                None => None,
                Some("file") => Some(FileKind::File),
                Some("dir") => Some(FileKind::Dir),
                Some("symlink") => Some(FileKind::Symlink),
                Some(other) => return Err(format!("type {other:?}: use file, dir or symlink")),
            };
            let meta = MetaTest {
                exists: spec.exists,
                kind,
                mode_max: spec.mode_max.as_ref().map(parse_mode).transpose()?,
                owner: texts(&spec.owner),
                group: texts(&spec.group),
            };
            if text.is_none() && !meta.tests_attributes() && meta.exists.is_none() {
                return Err(
                    "a file rule needs exists, type, mode_max, owner, group, line or no_line"
                        .into(),
                );
            }
            return Ok(Rule::File {
                paths: files.clone().into_vec(),
                meta,
                text,
            });
        }
        if let Some(path) = &spec.dir {
            only(
                spec,
                "dir",
                &with_text(&["exists", "entry", "no_entry", "files"]),
            )?;
            let text = line_test(spec)?;
            needs_line(&text)?;
            let rule = Rule::Dir {
                path: path.clone(),
                exists: spec.exists,
                entry: spec
                    .entry
                    .as_deref()
                    .map(|p| regex("entry", p))
                    .transpose()?,
                no_entry: spec
                    .no_entry
                    .as_deref()
                    .map(|p| regex("no_entry", p))
                    .transpose()?,
                files: spec
                    .files
                    .as_deref()
                    .map(|p| regex("files", p))
                    .transpose()?,
                text,
            };
            return Ok(rule);
        }
        if let Some(p) = &spec.process {
            only(spec, "process", &["running"])?;
            return Ok(Rule::Process {
                pattern: regex("process", p)?,
                running: spec.running.unwrap_or(true),
            });
        }
        if let Some(ports) = &spec.port {
            only(spec, "port", &["proto", "listening", "public"])?;
            let proto = match spec.proto.as_deref() {
                None | Some("tcp") => Proto::Tcp,
                Some("udp") => Proto::Udp,
                Some(other) => return Err(format!("proto {other:?}: use tcp or udp")),
            };
            let ports = ports.clone().into_vec();
            return Ok(Rule::Port {
                ports,
                proto,
                listening: spec.listening.unwrap_or(true),
                public: spec.public.unwrap_or(false),
            });
        }
        if let Some(argv) = &spec.command {
            only(spec, "command", &with_text(&["timeout", "exit"]))?;
            if argv.first().is_none_or(|p| p.is_empty()) {
                return Err("command needs a program: command: [sshd, -T]".into());
            }
            let text = line_test(spec)?;
            needs_line(&text)?;
            if text.is_none() && spec.exit.is_none() {
                return Err("a command rule needs exit, line or no_line".into());
            }
            let timeout = spec
                .timeout
                .map(Duration::from_secs)
                .unwrap_or(DEFAULT_TIMEOUT);
            return Ok(Rule::Command {
                argv: argv.clone(),
                timeout,
                exit: spec.exit,
                text,
            });
        }
        let name = spec.sysctl.clone().unwrap_or_default();
        only(spec, "sysctl", &["compare", "is", "is_not"])?;
        let valid = !name.is_empty()
            && name
                .split('.')
                .all(|p| !p.is_empty() && p != ".." && !p.contains('/'));
        if !valid {
            return Err(format!(
                "sysctl {name:?}: write a dotted name such as net.ipv4.ip_forward"
            ));
        }
        let value = value_test(spec)?;
        if value.is_empty() {
            return Err("a sysctl rule needs compare, is or is_not".into());
        }
        Ok(Rule::Sysctl { name, value })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(yaml: &str) -> RuleSpec {
        serde_json::from_value(crate::yaml::to_json(yaml).unwrap()).unwrap()
    }

    #[test]
    fn incoherent_rules_are_refused_with_the_reason() {
        let err = |y: &str| Rule::compile(&spec(y)).unwrap_err();
        assert!(err("{file: /a, process: x}").contains("exactly one"));
        assert!(err("{port: 23, line: x}").contains("line does not apply to a port rule"));
        assert!(err("{file: /a, compare: '< 3'}").contains("add line"));
        assert!(err("{file: /a, mode_max: '0999'}").contains("octal"));
        assert!(err("{file: /a, line: '('}").contains("invalid regex"));
        assert!(err("{sysctl: '../etc', is: 1}").contains("dotted"));
        assert!(err("{command: []}").contains("program"));
        assert!(err("{file: /a}").contains("needs"));
    }

    #[test]
    fn a_file_rule_compiles_with_attributes() {
        let Rule::File { meta, .. } = Rule::compile(&spec(
            "{file: /etc/shadow, mode_max: 640, owner: root, group: [root, shadow]}",
        ))
        .unwrap() else {
            panic!("not a file rule")
        };
        assert_eq!(meta.mode_max, Some(0o640));
        assert_eq!(meta.group, vec!["root", "shadow"]);
    }
}
