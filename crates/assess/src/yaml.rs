//! YAML text to a JSON value, so policy files deserialize through serde with its exact,
//! field-naming error messages.

use serde_json::{Map, Number, Value};
use yaml_rust2::{Yaml, YamlLoader};

/// Parses one YAML document into JSON. Keys must be strings (or scalars, which are turned
/// into their text); aliases are resolved by the loader.
pub fn to_json(text: &str) -> Result<Value, String> {
    let docs = YamlLoader::load_from_str(text).map_err(|e| format!("not valid YAML: {e}"))?;
    match docs.as_slice() {
        [] => Err("the file is empty".to_owned()),
        [doc] => convert(doc),
        _ => Err("expected one YAML document, found several".to_owned()),
    }
}

fn convert(node: &Yaml) -> Result<Value, String> {
    Ok(match node {
        Yaml::Null | Yaml::BadValue => Value::Null,
        Yaml::Boolean(b) => Value::Bool(*b),
        Yaml::Integer(i) => Value::from(*i),
        Yaml::Real(text) => text
            .parse::<f64>()
            .ok()
            .and_then(Number::from_f64)
            .map(Value::Number)
            .unwrap_or_else(|| Value::String(text.clone())),
        Yaml::String(s) => Value::String(s.clone()),
        Yaml::Array(items) => Value::Array(items.iter().map(convert).collect::<Result<_, _>>()?),
        Yaml::Hash(map) => {
            let mut out = Map::new();
            for (k, v) in map {
                out.insert(key_text(k)?, convert(v)?);
            }
            Value::Object(out)
        }
        Yaml::Alias(_) => return Err("unresolved YAML alias".to_owned()),
    })
}

fn key_text(key: &Yaml) -> Result<String, String> {
    match key {
        Yaml::String(s) | Yaml::Real(s) => Ok(s.clone()),
        Yaml::Integer(i) => Ok(i.to_string()),
        Yaml::Boolean(b) => Ok(b.to_string()),
        other => Err(format!("a mapping key must be text, found {other:?}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nested_documents_become_json() {
        let v = to_json("a: [1, 2.5, x, true, ~]\nb: {c: d}\n").unwrap();
        assert_eq!(
            v,
            serde_json::json!({"a": [1, 2.5, "x", true, null], "b": {"c": "d"}})
        );
    }

    #[test]
    fn bad_yaml_and_several_documents_are_refused() {
        assert!(to_json("a: [1,").unwrap_err().contains("not valid YAML"));
        assert!(to_json("a: 1\n---\nb: 2\n")
            .unwrap_err()
            .contains("several"));
        assert!(to_json("").unwrap_err().contains("empty"));
    }
}
