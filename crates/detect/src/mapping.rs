//! Field mappings and logsource definitions: the shipped defaults (data files compiled into
//! the crate) and user additions in the same TOML form. docs/sigma.md describes both.

use crate::rule::Logsource;
use serde::Deserialize;
use std::collections::{BTreeMap, HashMap};

const SHIPPED_FIELDS: &str = include_str!("../data/fields.toml");
const SHIPPED_LOGSOURCES: &str = include_str!("../data/logsources.toml");

/// Event paths whose remainder is a Sigma field name.
#[derive(Debug, Clone, Deserialize, PartialEq)]
pub struct Prefix {
    /// The path prefix, ending in `.`.
    pub path: String,
    /// Remove spaces from the remainder (Windows EventData names).
    #[serde(default)]
    pub strip_spaces: bool,
}

/// A value or a list of values in a logsource condition.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(untagged)]
pub enum OneOrMany {
    /// One value.
    One(String),
    /// Any of these values.
    Many(Vec<String>),
}

impl OneOrMany {
    /// The values as a list.
    pub fn values(&self) -> Vec<&str> {
        match self {
            OneOrMany::One(v) => vec![v],
            OneOrMany::Many(v) => v.iter().map(String::as_str).collect(),
        }
    }
}

/// One logsource definition: the events of a product/category/service combination.
#[derive(Debug, Clone, Deserialize, PartialEq)]
pub struct LogsourceDef {
    /// `product`.
    pub product: Option<String>,
    /// `category`.
    pub category: Option<String>,
    /// `service`.
    pub service: Option<String>,
    /// Alternatives: Sigma field → accepted values (all fields of one alternative must match).
    pub when: Vec<BTreeMap<String, OneOrMany>>,
}

impl LogsourceDef {
    /// The logsource this definition covers.
    pub fn logsource(&self) -> Logsource {
        let lower = |v: &Option<String>| v.as_ref().map(|s| s.to_lowercase());
        Logsource {
            product: lower(&self.product),
            category: lower(&self.category),
            service: lower(&self.service),
        }
    }
}

/// Field mappings and logsource definitions, as read from TOML.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Mappings {
    /// Path prefixes (see [`Prefix`]).
    #[serde(default)]
    pub prefix: Vec<Prefix>,
    /// Sigma field → event paths tried first.
    #[serde(default)]
    pub fields: HashMap<String, Vec<String>>,
    /// Logsource definitions.
    #[serde(default)]
    pub logsource: Vec<LogsourceDef>,
}

impl Mappings {
    /// The mappings shipped with Palisade (Windows, Linux, web servers, cloud audit logs,
    /// Palisade's own events).
    pub fn shipped() -> Self {
        let mut m = Mappings::default();
        // The shipped files are tested to parse; an error here would be a build defect.
        if let Ok(fields) = Mappings::from_toml(SHIPPED_FIELDS) {
            m.extend(fields);
        }
        if let Ok(sources) = Mappings::from_toml(SHIPPED_LOGSOURCES) {
            m.extend(sources);
        }
        m
    }

    /// Reads mappings from TOML text (same form as the shipped files).
    pub fn from_toml(text: &str) -> Result<Self, String> {
        toml::from_str(text).map_err(|e| format!("invalid field/logsource mapping: {e}"))
    }

    /// Adds `other`: its prefixes and logsources after these, its field paths before these
    /// (so a user mapping wins).
    pub fn extend(&mut self, other: Mappings) {
        self.prefix.extend(other.prefix);
        for (field, mut paths) in other.fields {
            let entry = self.fields.entry(field).or_default();
            paths.append(entry);
            *entry = paths;
        }
        self.logsource.extend(other.logsource);
    }

    /// Every definition covering exactly `source`.
    pub fn definitions_for(&self, source: &Logsource) -> Vec<&LogsourceDef> {
        self.logsource
            .iter()
            .filter(|d| d.logsource() == *source)
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shipped_files_parse_and_cover_the_common_sources() {
        let fields = Mappings::from_toml(SHIPPED_FIELDS).expect("fields.toml parses");
        let sources = Mappings::from_toml(SHIPPED_LOGSOURCES).expect("logsources.toml parses");
        assert!(fields.fields.contains_key("EventID"));
        let m = Mappings::shipped();
        assert_eq!(m.logsource.len(), sources.logsource.len());
        let want = |p: &str, c: Option<&str>, s: Option<&str>| Logsource {
            product: Some(p.into()),
            category: c.map(Into::into),
            service: s.map(Into::into),
        };
        for source in [
            want("windows", Some("process_creation"), None),
            want("windows", None, Some("security")),
            want("linux", None, Some("sshd")),
            want("aws", None, Some("cloudtrail")),
        ] {
            assert!(!m.definitions_for(&source).is_empty(), "{source}");
        }
    }

    #[test]
    fn user_field_paths_win_over_shipped_ones() {
        let mut m = Mappings::shipped();
        m.extend(Mappings::from_toml("[fields]\nEventID = [\"my.id\"]").expect("parses"));
        assert_eq!(m.fields["EventID"][0], "my.id");
        assert!(Mappings::from_toml("bogus = 1").is_err());
    }
}
