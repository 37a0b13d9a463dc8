//! The policies shipped in the binary, written for Palisade (docs/policies.md lists them).

use crate::policy::Policy;
use std::collections::BTreeMap;

/// Every built-in policy as (file name, YAML text).
pub const SOURCES: &[(&str, &str)] = &[
    ("linux-sshd.yml", include_str!("linux-sshd.yml")),
    ("linux-sysctl.yml", include_str!("linux-sysctl.yml")),
    ("linux-login.yml", include_str!("linux-login.yml")),
    (
        "linux-credentials.yml",
        include_str!("linux-credentials.yml"),
    ),
    ("linux-accounts.yml", include_str!("linux-accounts.yml")),
    ("linux-services.yml", include_str!("linux-services.yml")),
    ("nginx.yml", include_str!("nginx.yml")),
    ("apache.yml", include_str!("apache.yml")),
    ("postgresql.yml", include_str!("postgresql.yml")),
    ("mysql.yml", include_str!("mysql.yml")),
    ("palisade.yml", include_str!("palisade.yml")),
];

/// Compiles every built-in policy with the given variable overrides.
pub fn policies(overrides: &BTreeMap<String, String>) -> Result<Vec<Policy>, String> {
    SOURCES
        .iter()
        .map(|(name, text)| {
            Policy::parse(text, overrides).map_err(|e| format!("built-in {name}: {e}"))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_builtin_policy_compiles_with_unique_ids() {
        let all = policies(&BTreeMap::new()).unwrap();
        let mut ids: Vec<&str> = all.iter().map(|p| p.id.as_str()).collect();
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), all.len());
        for p in &all {
            for c in &p.checks {
                assert!(
                    !c.rationale.is_empty() && !c.remediation.is_empty(),
                    "{}/{}",
                    p.id,
                    c.id
                );
                assert!(!c.ccm.is_empty(), "{}/{} has no CCM id", p.id, c.id);
            }
        }
    }
}
