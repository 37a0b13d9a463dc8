//! The official CCM control text (titles and specifications), imported from a file the user
//! supplies — CSA's spreadsheet exported as CSV, or JSON — and shown beside the control ids.
//! Palisade never bundles it.

use crate::catalog::Catalog;
use serde::{Deserialize, Serialize};
use serde_json::Value as Json;

/// One control's text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ControlText {
    /// The control id (`IAM-14`).
    pub id: String,
    /// Its title.
    pub title: String,
    /// Its specification.
    #[serde(default)]
    pub description: String,
}

/// What an import found: the texts of known controls, and ids the catalogue does not know.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Import {
    /// Texts of controls in the catalogue.
    pub controls: Vec<ControlText>,
    /// Control ids in the file that the catalogue does not hold.
    pub unknown: Vec<String>,
}

/// Reads a CCM file: JSON when it starts with `[` or `{`, else CSV. CSV needs a header row
/// with a control id column (`Control ID`, `id`) and a title column (`Control Title`,
/// `title`); a specification column (`Control Specification`, `description`) is optional.
/// JSON is a list of objects with `id` (or `control_id`), `title` and `description` (or
/// `specification`), or such a list under `controls`. Rows without a control id (domain
/// headings) are skipped.
pub fn parse(text: &str, catalog: &Catalog) -> Result<Import, String> {
    let trimmed = text.trim_start_matches('\u{feff}').trim_start();
    let texts = if trimmed.starts_with('[') || trimmed.starts_with('{') {
        from_json(trimmed)?
    } else {
        from_csv(text)?
    };
    let mut import = Import::default();
    for t in texts {
        if catalog.contains(&t.id) {
            if !import.controls.iter().any(|c| c.id == t.id) {
                import.controls.push(t);
            }
        } else if !import.unknown.contains(&t.id) {
            import.unknown.push(t.id);
        }
    }
    if import.controls.is_empty() {
        return Err(format!(
            "no control of CCM v{} found in the file (ids like IAM-14 expected)",
            catalog.version
        ));
    }
    Ok(import)
}

/// A control id as written in CCM files (`IAM-14`, `A&A-01`), upper-cased; `None` otherwise.
fn control_id(cell: &str) -> Option<String> {
    let id = cell.trim().to_ascii_uppercase();
    let (domain, number) = id.split_once('-')?;
    let domain_ok = (2..=4).contains(&domain.len())
        && domain.bytes().all(|b| b.is_ascii_uppercase() || b == b'&');
    let number_ok =
        !number.is_empty() && number.len() <= 3 && number.bytes().all(|b| b.is_ascii_digit());
    (domain_ok && number_ok).then_some(id)
}

fn from_csv(text: &str) -> Result<Vec<ControlText>, String> {
    let rows = crate::csv::parse(text)?;
    let header_at = rows
        .iter()
        .position(|r| column(r, &["control id", "id"]).is_some())
        .ok_or("no header row with a control id column (\"Control ID\" or \"id\")")?;
    let header = &rows[header_at];
    let id_col = column(header, &["control id", "id"]).unwrap_or(0);
    let title_col = column(header, &["control title", "title"])
        .ok_or("no title column (\"Control Title\" or \"title\")")?;
    let desc_col = column(
        header,
        &["control specification", "specification", "description"],
    );
    let cell = |r: &[String], i: usize| r.get(i).map(|s| s.trim().to_owned()).unwrap_or_default();
    Ok(rows[header_at + 1..]
        .iter()
        .filter_map(|r| {
            Some(ControlText {
                id: control_id(r.get(id_col)?)?,
                title: cell(r, title_col),
                description: desc_col.map(|i| cell(r, i)).unwrap_or_default(),
            })
        })
        .collect())
}

/// The index of the first header cell equal (case-insensitive) to one of `names`.
fn column(header: &[String], names: &[&str]) -> Option<usize> {
    names.iter().find_map(|name| {
        header
            .iter()
            .position(|h| h.trim().eq_ignore_ascii_case(name))
    })
}

fn from_json(text: &str) -> Result<Vec<ControlText>, String> {
    let doc: Json = serde_json::from_str(text).map_err(|e| format!("invalid JSON: {e}"))?;
    let items = match &doc {
        Json::Array(items) => items,
        Json::Object(map) => match map.get("controls") {
            Some(Json::Array(items)) => items,
            _ => {
                return Err(
                    "a JSON CCM file is a list of controls, or {\"controls\": [...]}".into(),
                )
            }
        },
        _ => return Err("a JSON CCM file is a list of controls".into()),
    };
    let text_of = |item: &Json, keys: &[&str]| {
        keys.iter()
            .find_map(|k| item.get(*k).and_then(Json::as_str))
            .map(|s| s.trim().to_owned())
    };
    Ok(items
        .iter()
        .filter_map(|item| {
            Some(ControlText {
                id: control_id(&text_of(item, &["id", "control_id"])?)?,
                title: text_of(item, &["title", "control_title"]).unwrap_or_default(),
                description: text_of(item, &["description", "specification"]).unwrap_or_default(),
            })
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn csv_exports_with_domain_rows_and_a_preamble() {
        let csv = "Cloud Controls Matrix v4,,,\n\
                   Control Domain,Control Title,Control ID,Control Specification\n\
                   Identity & Access Management,,,\n\
                   ,My title,iam-14,\"Text, with a comma\"\n\
                   ,Other,XYZ-99,ignored\n";
        let import = parse(csv, &Catalog::builtin()).unwrap();
        assert_eq!(
            import.controls,
            vec![ControlText {
                id: "IAM-14".into(),
                title: "My title".into(),
                description: "Text, with a comma".into()
            }]
        );
        assert_eq!(import.unknown, vec!["XYZ-99"]);
    }

    #[test]
    fn json_lists_and_clear_errors() {
        let json =
            r#"{"controls": [{"control_id": "CEK-12", "title": "T", "specification": "S"}]}"#;
        let import = parse(json, &Catalog::builtin()).unwrap();
        assert_eq!(import.controls[0].id, "CEK-12");
        assert_eq!(import.controls[0].description, "S");
        assert!(parse("[]", &Catalog::builtin())
            .unwrap_err()
            .contains("no control"));
        assert!(parse("{\"x\": 1}", &Catalog::builtin())
            .unwrap_err()
            .contains("list"));
        assert!(parse("a,b\n1,2\n", &Catalog::builtin())
            .unwrap_err()
            .contains("control id"));
    }

    proptest! {
        #[test]
        fn never_panics_on_arbitrary_files(text in "\\PC*") {
            let _ = parse(&text, &Catalog::builtin());
        }
    }
}
