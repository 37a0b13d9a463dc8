//! The detection section of a rule: search identifiers (field maps, lists of maps, keyword
//! lists), their value tests with modifiers, and the condition(s) over them.

pub mod condition;
mod eval;
pub mod modifiers;
pub mod pattern;
mod tests_build;
pub mod value;

pub use eval::FieldSource;
pub(crate) use tests_build::build_field_test;
pub use tests_build::Placeholders;

use condition::Condition;
use modifiers::Position;
use value::ValueMatcher;
use yaml_rust2::Yaml;

/// A field a test reads, with the slot the engine assigned to it.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldKey {
    /// The Sigma field name as the rule wrote it.
    pub name: String,
    /// The engine's slot for the field (assigned when the rule joins an engine).
    pub slot: u32,
}

impl FieldKey {
    fn new(name: &str) -> Self {
        FieldKey {
            name: name.to_owned(),
            slot: u32::MAX,
        }
    }
}

/// What one `Field|modifiers: values` entry checks.
#[derive(Debug, Clone)]
pub enum TestKind {
    /// The value matches any (or, with `all`, every) matcher; `negate` is `neq`;
    /// `or_null` when the list also held `null` (field absent).
    Values {
        /// The compiled value tests.
        matchers: Vec<ValueMatcher>,
        /// `all` modifier.
        all: bool,
        /// `neq` modifier.
        negate: bool,
        /// The value list contained `null`.
        or_null: bool,
    },
    /// `exists: true` / `exists: false`.
    Exists(bool),
    /// `null`: the field is absent.
    Null,
    /// `fieldref`: the value equals (or contains, starts or ends with) another field's value.
    SameAs {
        /// The other fields.
        others: Vec<FieldKey>,
        /// Where the other value must sit.
        position: Position,
        /// Case-sensitive.
        cased: bool,
        /// `all` modifier.
        all: bool,
        /// `neq` modifier.
        negate: bool,
    },
}

/// One `Field|modifiers: values` entry (or a field-less keyword list when `field` is `None`).
#[derive(Debug, Clone)]
pub struct FieldTest {
    /// The field, or `None` for keywords (any text of the event).
    pub field: Option<FieldKey>,
    /// The test.
    pub kind: TestKind,
}

/// One search identifier: a list of field maps (any map matches; all entries of a map must)
/// or a keyword list.
#[derive(Debug, Clone)]
pub struct Search {
    /// Alternatives, each a conjunction of field tests.
    pub alternatives: Vec<Vec<FieldTest>>,
}

/// The compiled detection of one rule.
#[derive(Debug, Clone)]
pub struct Detection {
    /// Search identifiers, in the rule's order.
    pub names: Vec<String>,
    /// The searches, parallel to `names`.
    pub searches: Vec<Search>,
    /// The conditions; the rule matches when any does.
    pub conditions: Vec<Condition>,
}

impl Detection {
    /// Reads a `detection:` mapping (the `filter:` mapping of a Sigma filter has the same form).
    pub fn parse(yaml: &Yaml, placeholders: &Placeholders) -> Result<Self, String> {
        let Yaml::Hash(map) = yaml else {
            return Err("detection must be a mapping of search identifiers and a condition".into());
        };
        let mut names = Vec::new();
        let mut searches = Vec::new();
        let mut condition_texts = Vec::new();
        for (key, value) in map {
            let Some(key) = key.as_str() else {
                return Err("detection keys must be strings".into());
            };
            match key {
                "condition" => match value {
                    Yaml::String(s) => condition_texts.push(s.clone()),
                    Yaml::Array(items) => {
                        for item in items {
                            let text = item
                                .as_str()
                                .ok_or("condition list entries must be strings")?;
                            condition_texts.push(text.to_owned());
                        }
                    }
                    _ => return Err("condition must be a string or a list of strings".into()),
                },
                "timeframe" => {
                    return Err(
                        "detection uses the legacy 'timeframe' aggregation; write it as a \
                                Sigma correlation rule (with 'timespan') instead"
                            .into(),
                    )
                }
                "rules" => {}
                name => {
                    let search = parse_search(value, placeholders)
                        .map_err(|e| format!("search '{name}': {e}"))?;
                    names.push(name.to_owned());
                    searches.push(search);
                }
            }
        }
        if condition_texts.is_empty() {
            return Err("detection has no condition".into());
        }
        let conditions = condition_texts
            .iter()
            .map(|c| condition::parse(c, &names))
            .collect::<Result<_, _>>()?;
        Ok(Detection {
            names,
            searches,
            conditions,
        })
    }

    /// Every field key of the detection, to assign slots.
    pub fn field_keys_mut(&mut self) -> impl Iterator<Item = &mut FieldKey> {
        self.searches
            .iter_mut()
            .flat_map(|s| s.alternatives.iter_mut().flatten())
            .flat_map(|t| {
                let others = match &mut t.kind {
                    TestKind::SameAs { others, .. } => others.as_mut_slice(),
                    _ => &mut [],
                };
                t.field.iter_mut().chain(others.iter_mut())
            })
    }
}

fn parse_search(value: &Yaml, placeholders: &Placeholders) -> Result<Search, String> {
    let map_tests = |map: &yaml_rust2::yaml::Hash| -> Result<Vec<FieldTest>, String> {
        map.iter()
            .map(|(k, v)| {
                let key = match k {
                    Yaml::String(s) => s.clone(),
                    Yaml::Integer(i) => i.to_string(),
                    _ => return Err("field names must be strings".to_owned()),
                };
                build_field_test(&key, v, placeholders)
            })
            .collect()
    };
    match value {
        Yaml::Hash(map) => Ok(Search {
            alternatives: vec![map_tests(map)?],
        }),
        Yaml::Array(items) if items.iter().all(|i| matches!(i, Yaml::Hash(_))) => {
            let alternatives = items
                .iter()
                .filter_map(|i| match i {
                    Yaml::Hash(m) => Some(map_tests(m)),
                    _ => None,
                })
                .collect::<Result<_, _>>()?;
            Ok(Search { alternatives })
        }
        Yaml::Array(items)
            if items
                .iter()
                .all(|i| !matches!(i, Yaml::Hash(_) | Yaml::Array(_))) =>
        {
            Ok(Search {
                alternatives: vec![vec![build_field_test("", value, placeholders)?]],
            })
        }
        Yaml::String(_) | Yaml::Integer(_) | Yaml::Real(_) => Ok(Search {
            alternatives: vec![vec![build_field_test("", value, placeholders)?]],
        }),
        _ => Err("must be a field map, a list of field maps or a list of keywords".into()),
    }
}
