//! The imported CCM control text, kept in the node's state store (table
//! `posture_control_text`), one row per control; an import replaces every row.

use crate::ccm_text::ControlText;
use palisade_state::{rusqlite::params, StateError, StateStore};
use std::{collections::HashMap, sync::Arc};

const MIGRATIONS: &[&str] = &["CREATE TABLE posture_control_text (
        control TEXT PRIMARY KEY,
        title TEXT NOT NULL,
        description TEXT NOT NULL,
        imported_ms INTEGER NOT NULL
    );"];

/// The control texts of one node.
#[derive(Clone)]
pub struct TextStore {
    state: Arc<StateStore>,
}

impl TextStore {
    /// Opens (and on first use creates) the table.
    pub fn open(state: Arc<StateStore>) -> Result<TextStore, StateError> {
        state.migrate("posture", MIGRATIONS)?;
        Ok(TextStore { state })
    }

    /// Replaces every stored text with `texts`, in one transaction.
    pub fn replace_all(&self, texts: &[ControlText], now_ms: i64) -> Result<(), StateError> {
        self.state.with(|conn| {
            let tx = conn.transaction()?;
            tx.execute("DELETE FROM posture_control_text", [])?;
            {
                let mut insert = tx.prepare(
                    "INSERT OR REPLACE INTO posture_control_text
                     (control, title, description, imported_ms) VALUES (?1, ?2, ?3, ?4)",
                )?;
                for t in texts {
                    insert.execute(params![t.id, t.title, t.description, now_ms])?;
                }
            }
            tx.commit()
        })
    }

    /// Every stored text by control id.
    pub fn load(&self) -> Result<HashMap<String, ControlText>, StateError> {
        self.state.with(|conn| {
            let mut select =
                conn.prepare("SELECT control, title, description FROM posture_control_text")?;
            let rows = select.query_map([], |row| {
                Ok(ControlText {
                    id: row.get(0)?,
                    title: row.get(1)?,
                    description: row.get(2)?,
                })
            })?;
            rows.map(|r| r.map(|t| (t.id.clone(), t))).collect()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_import_replaces_the_previous_one_and_survives_reopening() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state.db");
        let text = |id: &str, title: &str| ControlText {
            id: id.into(),
            title: title.into(),
            description: String::new(),
        };
        {
            let store = TextStore::open(Arc::new(StateStore::open(&path).unwrap())).unwrap();
            store
                .replace_all(&[text("IAM-01", "a"), text("IAM-02", "b")], 1)
                .unwrap();
            store.replace_all(&[text("IAM-02", "c")], 2).unwrap();
        }
        let store = TextStore::open(Arc::new(StateStore::open(&path).unwrap())).unwrap();
        let texts = store.load().unwrap();
        assert_eq!(texts.len(), 1);
        assert_eq!(texts["IAM-02"].title, "c");
    }
}
