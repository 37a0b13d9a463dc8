//! The CSA CCM v4 catalogue: domain ids, domain names and control ids, loaded as data
//! (`data/ccm-v4.toml`, embedded; a replacement file can be named in `palisade.toml`).

use serde::Deserialize;
use std::collections::HashSet;

/// The built-in catalogue file.
pub const BUILTIN: &str = include_str!("../data/ccm-v4.toml");

/// One domain and its control ids.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Domain {
    /// Domain id (`A&A`, `IAM`).
    pub id: String,
    /// Domain name.
    pub name: String,
    /// Control ids, in order.
    pub controls: Vec<String>,
}

/// Every domain of the matrix.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Catalog {
    /// The matrix version (`4.0`).
    pub version: String,
    /// Domains, in order.
    pub domains: Vec<Domain>,
}

impl Catalog {
    /// The built-in CCM v4 catalogue.
    pub fn builtin() -> Catalog {
        Catalog::parse(BUILTIN).unwrap_or_else(|e| panic!("the built-in catalogue is valid: {e}"))
    }

    /// Reads and checks a catalogue: every domain has controls, no control id twice, and
    /// every control id starts with its domain's id and a `-`.
    pub fn parse(text: &str) -> Result<Catalog, String> {
        let catalog: Catalog = toml::from_str(text).map_err(|e| e.to_string())?;
        if catalog.domains.is_empty() {
            return Err("the catalogue names no domain".into());
        }
        let mut seen = HashSet::new();
        for domain in &catalog.domains {
            if domain.controls.is_empty() {
                return Err(format!("domain {} has no controls", domain.id));
            }
            for control in &domain.controls {
                let prefix_ok = control
                    .strip_prefix(domain.id.as_str())
                    .is_some_and(|rest| rest.starts_with('-') && rest.len() > 1);
                if !prefix_ok {
                    return Err(format!(
                        "control {control:?} does not belong to domain {}: write {}-NN",
                        domain.id, domain.id
                    ));
                }
                if !seen.insert(control.as_str()) {
                    return Err(format!("control {control} is listed twice"));
                }
            }
        }
        Ok(catalog)
    }

    /// Every control id, in catalogue order.
    pub fn control_ids(&self) -> impl Iterator<Item = &str> {
        self.domains
            .iter()
            .flat_map(|d| d.controls.iter().map(String::as_str))
    }

    /// Whether the catalogue holds `control`.
    pub fn contains(&self, control: &str) -> bool {
        self.control_ids().any(|c| c == control)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_builtin_catalogue_has_17_domains_and_197_controls() {
        let c = Catalog::builtin();
        assert_eq!(c.domains.len(), 17);
        assert_eq!(c.control_ids().count(), 197);
        assert!(c.contains("CEK-21"));
        assert!(c.contains("A&A-06"));
        assert!(!c.contains("CEK-22"));
        assert_eq!(c.domains[0].name, "Audit & Assurance");
    }

    #[test]
    fn bad_catalogues_are_refused_with_the_reason() {
        let e = Catalog::parse(
            "version = \"4\"\n[[domains]]\nid = \"IAM\"\nname = \"x\"\ncontrols = [\"LOG-01\"]\n",
        )
        .unwrap_err();
        assert!(e.contains("does not belong"), "{e}");
        let e = Catalog::parse("version = \"4\"\n[[domains]]\nid = \"IAM\"\nname = \"x\"\ncontrols = [\"IAM-01\", \"IAM-01\"]\n")
            .unwrap_err();
        assert!(e.contains("twice"), "{e}");
        assert!(Catalog::parse("version = \"4\"\ndomains = []\n").is_err());
        assert!(Catalog::parse("nonsense").is_err());
    }
}
