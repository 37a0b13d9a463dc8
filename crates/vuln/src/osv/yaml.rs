//! YAML documents as JSON values, so one reader handles both OSV encodings.

use serde_json::{Map, Value as Json};
use yaml_rust2::Yaml;

/// Converts a YAML node to JSON. Scalars that YAML reads as numbers keep their text when it
/// matters (a version such as `1.10` must not become the float `1.1`): reals become strings.
pub(crate) fn to_json(node: &Yaml) -> Json {
    match node {
        Yaml::Real(text) | Yaml::String(text) => Json::String(text.clone()),
        Yaml::Integer(i) => Json::from(*i),
        Yaml::Boolean(b) => Json::Bool(*b),
        Yaml::Array(items) => Json::Array(items.iter().map(to_json).collect()),
        Yaml::Hash(hash) => {
            let mut map = Map::new();
            for (key, value) in hash {
                let key = match key {
                    Yaml::String(s) | Yaml::Real(s) => s.clone(),
                    Yaml::Integer(i) => i.to_string(),
                    Yaml::Boolean(b) => b.to_string(),
                    _ => continue,
                };
                map.insert(key, to_json(value));
            }
            Json::Object(map)
        }
        Yaml::Null | Yaml::Alias(_) | Yaml::BadValue => Json::Null,
    }
}
