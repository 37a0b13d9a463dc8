//! The policy file format as written (docs/policies.md): plain serde structures, every
//! unknown key an error. [`crate::policy`] compiles them into checks the engine runs.

use serde::Deserialize;
use std::collections::BTreeMap;

/// A whole policy file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PolicySpec {
    /// Who and what the policy is.
    pub policy: PolicyHeader,
    /// Variables usable as `${name}` in paths, commands and patterns; the command line may
    /// override them.
    #[serde(default)]
    pub vars: BTreeMap<String, String>,
    /// The policy applies only when these rules hold; otherwise every check is not applicable.
    #[serde(default)]
    pub requirements: Option<RuleGroupSpec>,
    /// Paths file integrity monitoring watches for this policy.
    #[serde(default)]
    pub watch: Vec<String>,
    /// The checks.
    pub checks: Vec<CheckSpec>,
}

/// The `policy:` header.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PolicyHeader {
    /// Short stable id (`linux-sshd`).
    pub id: String,
    /// One-line title.
    pub title: String,
    /// What the policy covers.
    #[serde(default)]
    pub description: String,
    /// Documents the policy follows.
    #[serde(default)]
    pub references: Vec<String>,
}

/// A set of rules combined by a condition (requirements).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleGroupSpec {
    /// `all` (default), `any` or `none`.
    #[serde(default)]
    pub condition: Option<String>,
    /// The rules.
    pub rules: Vec<RuleSpec>,
}

/// One check.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CheckSpec {
    /// Unique id within the policy (`ssh-root-login`).
    pub id: String,
    /// What passing means, as one line.
    pub title: String,
    /// `informational`, `low`, `medium` (default), `high` or `critical`.
    #[serde(default)]
    pub severity: Option<String>,
    /// Why it matters.
    #[serde(default)]
    pub rationale: String,
    /// How to fix a failure.
    #[serde(default)]
    pub remediation: String,
    /// Further reading (URLs, manual pages).
    #[serde(default)]
    pub references: Vec<String>,
    /// CSA Cloud Controls Matrix v4 control ids (`IAM-02`).
    #[serde(default)]
    pub ccm: Vec<String>,
    /// `all` (default), `any` or `none`.
    #[serde(default)]
    pub condition: Option<String>,
    /// The rules the condition combines.
    pub rules: Vec<RuleSpec>,
}

/// One value or a list of them.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum OneOrMany<T> {
    /// A single value.
    One(T),
    /// Several values.
    Many(Vec<T>),
}

impl<T> OneOrMany<T> {
    /// The values as a list.
    pub fn into_vec(self) -> Vec<T> {
        match self {
            OneOrMany::One(v) => vec![v],
            OneOrMany::Many(v) => v,
        }
    }
}

/// A text or a number (mode `0640` may be written either way, `is:` lists may hold numbers).
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum Scalar {
    /// Text.
    Text(String),
    /// An integer.
    Int(i64),
    /// A number with a fraction.
    Float(f64),
}

impl Scalar {
    /// The scalar as text.
    pub fn text(&self) -> String {
        match self {
            Scalar::Text(s) => s.clone(),
            Scalar::Int(i) => i.to_string(),
            Scalar::Float(f) => f.to_string(),
        }
    }
}

/// One rule: exactly one target key (`file`, `dir`, `process`, `port`, `command`, `sysctl`)
/// and the tests that apply to it.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleSpec {
    /// File path(s); `*` and `?` allowed in the last component.
    pub file: Option<OneOrMany<String>>,
    /// A directory whose entries (or whose files' lines) are tested.
    pub dir: Option<String>,
    /// Regex over running processes' command lines.
    pub process: Option<String>,
    /// Port number(s).
    pub port: Option<OneOrMany<u16>>,
    /// Argument vector of a command run without a shell.
    pub command: Option<Vec<String>>,
    /// Kernel parameter name (`net.ipv4.ip_forward`).
    pub sysctl: Option<String>,

    /// The target must (true) or must not (false) exist.
    pub exists: Option<bool>,
    /// `file`, `dir` or `symlink`.
    #[serde(rename = "type")]
    pub kind: Option<String>,
    /// Most permissive mode allowed (octal, `0640`): no other permission bit may be set.
    pub mode_max: Option<Scalar>,
    /// Allowed owner user names (or numeric uids).
    pub owner: Option<OneOrMany<Scalar>>,
    /// Allowed group names (or numeric gids).
    pub group: Option<OneOrMany<Scalar>>,

    /// Regex a line must match.
    pub line: Option<String>,
    /// Regex no line may match (with the capture tests, if any).
    pub no_line: Option<String>,
    /// Which matching line `line:` judges: `first` (default), `last`, `any`, `all`.
    pub pick: Option<String>,
    /// Numeric comparison of the captured value: `"<= 365"`.
    pub compare: Option<String>,
    /// The captured value must be one of these (case-insensitive).
    pub is: Option<OneOrMany<Scalar>>,
    /// The captured value must be none of these (case-insensitive).
    pub is_not: Option<OneOrMany<Scalar>>,
    /// Outcome of `line:` when no line matches: `fail` (default), `pass` or
    /// `not_applicable`.
    pub absent: Option<String>,
    /// Lines starting with this (after blanks) are comments and skipped; default `#`,
    /// `""` keeps every line.
    pub comment: Option<String>,

    /// Regex some directory entry name must match.
    pub entry: Option<String>,
    /// Regex no directory entry name may match.
    pub no_entry: Option<String>,
    /// For `dir` with `line`/`no_line`: regex selecting which entries' contents are read.
    pub files: Option<String>,

    /// Whether a matching process must be running (default true).
    pub running: Option<bool>,

    /// `tcp` (default) or `udp`.
    pub proto: Option<String>,
    /// Whether the port must be listening (default true).
    pub listening: Option<bool>,
    /// Count only sockets reachable from other hosts (not bound to a loopback address).
    pub public: Option<bool>,

    /// Seconds before the command is killed (default 10).
    pub timeout: Option<u64>,
    /// Expected exit status.
    pub exit: Option<i32>,
}
