//! The shared-responsibility split: who holds each control under each cloud service model,
//! loaded as data (`data/responsibility.tsv`, embedded; a replacement file can be named in
//! `palisade.toml`).

use crate::catalog::Catalog;
use palisade_core::posture_config::ServiceModel;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// The built-in matrix file.
pub const BUILTIN: &str = include_str!("../data/responsibility.tsv");

/// Who holds a control.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Party {
    /// The cloud service provider.
    Provider,
    /// Both.
    Shared,
    /// The cloud service customer (the tenant).
    Customer,
}

/// Every party, in the order summaries list them.
pub const ALL_PARTIES: [Party; 3] = [Party::Customer, Party::Shared, Party::Provider];

impl Party {
    /// `provider`, `shared` or `customer`.
    pub fn as_str(self) -> &'static str {
        match self {
            Party::Provider => "provider",
            Party::Shared => "shared",
            Party::Customer => "customer",
        }
    }

    fn parse(text: &str) -> Option<Party> {
        match text.trim().to_ascii_lowercase().as_str() {
            "provider" => Some(Party::Provider),
            "shared" => Some(Party::Shared),
            "customer" => Some(Party::Customer),
            _ => None,
        }
    }
}

/// The split of every control: IaaS, PaaS and SaaS.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Matrix {
    rows: HashMap<String, [Party; 3]>,
}

impl Matrix {
    /// The built-in matrix.
    pub fn builtin() -> Matrix {
        Matrix::parse(BUILTIN).unwrap_or_else(|e| panic!("the built-in matrix is valid: {e}"))
    }

    /// Reads a matrix: one control per line, `ID<TAB>iaas<TAB>paas<TAB>saas` (tabs or
    /// spaces), each `provider`, `customer` or `shared`; `#` starts a comment.
    pub fn parse(text: &str) -> Result<Matrix, String> {
        let mut rows = HashMap::new();
        for (n, line) in text.lines().enumerate() {
            let line = line.split('#').next().unwrap_or("").trim();
            if line.is_empty() {
                continue;
            }
            let cells: Vec<&str> = line.split_whitespace().collect();
            let [id, iaas, paas, saas] = cells[..] else {
                return Err(format!(
                    "line {}: write CONTROL IAAS PAAS SAAS, not {line:?}",
                    n + 1
                ));
            };
            let party = |cell: &str| {
                Party::parse(cell).ok_or_else(|| {
                    format!(
                        "line {}: {cell:?} is not provider, customer or shared",
                        n + 1
                    )
                })
            };
            let split = [party(iaas)?, party(paas)?, party(saas)?];
            if rows.insert(id.to_owned(), split).is_some() {
                return Err(format!("line {}: control {id} is listed twice", n + 1));
            }
        }
        Ok(Matrix { rows })
    }

    /// Who holds `control` under `model`; a control the matrix does not list is shared.
    pub fn party(&self, control: &str, model: ServiceModel) -> Party {
        let column = match model {
            ServiceModel::Iaas => 0,
            ServiceModel::Paas => 1,
            ServiceModel::Saas => 2,
        };
        self.rows
            .get(control)
            .map_or(Party::Shared, |split| split[column])
    }

    /// Checks that the matrix covers exactly the catalogue's controls.
    pub fn check_against(&self, catalog: &Catalog) -> Result<(), String> {
        let missing: Vec<&str> = catalog
            .control_ids()
            .filter(|c| !self.rows.contains_key(*c))
            .collect();
        if !missing.is_empty() {
            return Err(format!(
                "the responsibility matrix lacks {}",
                missing.join(", ")
            ));
        }
        let mut extra: Vec<&str> = self
            .rows
            .keys()
            .map(String::as_str)
            .filter(|c| !catalog.contains(c))
            .collect();
        extra.sort_unstable();
        if !extra.is_empty() {
            return Err(format!(
                "the responsibility matrix names controls the catalogue does not know: {}",
                extra.join(", ")
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_builtin_matrix_covers_the_builtin_catalogue() {
        let m = Matrix::builtin();
        m.check_against(&Catalog::builtin()).unwrap();
        assert_eq!(m.party("DCS-03", ServiceModel::Iaas), Party::Provider);
        assert_eq!(m.party("UEM-05", ServiceModel::Saas), Party::Customer);
        assert_eq!(m.party("CEK-12", ServiceModel::Iaas), Party::Customer);
        assert_eq!(m.party("CEK-12", ServiceModel::Saas), Party::Provider);
    }

    #[test]
    fn bad_rows_are_refused_with_their_line() {
        let e = Matrix::parse("# c\nIAM-01 shared shared\n").unwrap_err();
        assert!(e.contains("line 2"), "{e}");
        let e = Matrix::parse("IAM-01 shared shared cloud\n").unwrap_err();
        assert!(e.contains("cloud"), "{e}");
        let e = Matrix::parse("IAM-01 shared shared shared\nIAM-01 shared shared shared\n")
            .unwrap_err();
        assert!(e.contains("twice"), "{e}");
        let m = Matrix::parse("IAM-01 customer shared provider\n").unwrap();
        assert!(m
            .check_against(&Catalog::builtin())
            .unwrap_err()
            .contains("lacks"));
    }
}
