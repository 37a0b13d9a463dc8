//! The built-in rule pack, in Sigma YAML, embedded in the binary.
//!
//! SSH brute force, password spraying and success after many failures (correlations over
//! sshd events), sudo and su abuse, web attacks in access logs, database authentication
//! failures, and misuse of Palisade itself (its own audit events). The rules read Palisade's
//! own field names (docs/event-model.md); docs/alerts.md lists them.

/// Each file of the pack: its name and YAML.
pub const PACK: &[(&str, &str)] = &[
    ("ssh.yml", include_str!("../rules/ssh.yml")),
    ("sudo.yml", include_str!("../rules/sudo.yml")),
    ("web.yml", include_str!("../rules/web.yml")),
    ("database.yml", include_str!("../rules/database.yml")),
    ("palisade.yml", include_str!("../rules/palisade.yml")),
    (
        "palisade_iam.yml",
        include_str!("../rules/palisade_iam.yml"),
    ),
    ("posture.yml", include_str!("../rules/posture.yml")),
];
