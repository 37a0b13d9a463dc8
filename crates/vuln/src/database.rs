//! The imported advisory database: `<data-dir>/advisories/osv.ndjson`, one advisory per line
//! (the reduced [`Advisory`] form), replaced atomically on every import.
//!
//! An import reads OSV files (`.json`, `.yaml`, `.yml`) recursively; an advisory replaces an
//! earlier one with the same id; a withdrawn advisory removes its id from the database; a file
//! that is not OSV is reported with its reason and changes nothing.

use crate::osv::{advisories_from_json, advisories_from_yaml, Advisory, AdvisoryError};
use serde::Serialize;
use std::{
    collections::BTreeMap,
    fs,
    io::{self, BufRead, BufWriter, Write},
    path::{Path, PathBuf},
};

/// The database file of a data directory.
pub fn database_path(data_dir: &Path) -> PathBuf {
    data_dir.join("advisories").join("osv.ndjson")
}

/// Reads the database of `data_dir`; no database yet is an empty one.
pub fn load(data_dir: &Path) -> io::Result<Vec<Advisory>> {
    let path = database_path(data_dir);
    let file = match fs::File::open(&path) {
        Ok(f) => f,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(e),
    };
    let mut advisories = Vec::new();
    for (n, line) in io::BufReader::new(file).lines().enumerate() {
        let line = line?;
        if line.trim().is_empty() {
            continue;
        }
        let advisory = serde_json::from_str(&line).map_err(|e| {
            io::Error::new(
                io::ErrorKind::InvalidData,
                format!("{} line {}: {e}", path.display(), n + 1),
            )
        })?;
        advisories.push(advisory);
    }
    Ok(advisories)
}

/// Writes the database of `data_dir` (a temporary file renamed over the old one).
pub fn save(data_dir: &Path, advisories: &[Advisory]) -> io::Result<()> {
    let path = database_path(data_dir);
    let dir = path.parent().unwrap_or(data_dir);
    fs::create_dir_all(dir)?;
    let temp = dir.join("osv.ndjson.tmp");
    let mut out = BufWriter::new(fs::File::create(&temp)?);
    for advisory in advisories {
        serde_json::to_writer(&mut out, advisory)?;
        out.write_all(b"\n")?;
    }
    out.into_inner().map_err(|e| e.into_error())?.sync_all()?;
    fs::rename(&temp, &path)
}

/// Every `.json`, `.yaml` and `.yml` file under the given files and directories, sorted.
pub fn advisory_files(roots: &[PathBuf]) -> io::Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    let mut pending: Vec<PathBuf> = roots.to_vec();
    while let Some(path) = pending.pop() {
        let meta = fs::metadata(&path)
            .map_err(|e| io::Error::new(e.kind(), format!("{}: {e}", path.display())))?;
        if meta.is_dir() {
            for entry in fs::read_dir(&path)? {
                pending.push(entry?.path());
            }
        } else if is_advisory_file(&path) || roots.contains(&path) {
            files.push(path);
        }
    }
    files.sort();
    Ok(files)
}

fn is_advisory_file(path: &Path) -> bool {
    matches!(
        path.extension().and_then(|e| e.to_str()),
        Some("json" | "yaml" | "yml")
    )
}

/// Reads the advisories of one file, as JSON or YAML by its extension.
pub fn read_file(path: &Path) -> Result<Vec<Advisory>, AdvisoryError> {
    let text = fs::read_to_string(path).map_err(|e| AdvisoryError(format!("cannot read: {e}")))?;
    match path.extension().and_then(|e| e.to_str()) {
        Some("yaml" | "yml") => advisories_from_yaml(&text),
        _ => advisories_from_json(&text),
    }
}

/// A file an import refused, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Refused {
    /// The file.
    pub file: PathBuf,
    /// What is wrong with it.
    pub reason: String,
}

/// What an import did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ImportReport {
    /// Files read.
    pub files: usize,
    /// Advisories added (ids not in the database before).
    pub imported: usize,
    /// Advisories that replaced one with the same id.
    pub updated: usize,
    /// Withdrawn advisories (left out, and removed if present).
    pub withdrawn: usize,
    /// Files that are not valid OSV, with reasons.
    pub invalid: Vec<Refused>,
    /// Advisories in the database after the import.
    pub total: usize,
}

/// Merges advisory files into a database.
#[derive(Debug, Default)]
pub struct Importer {
    by_id: BTreeMap<String, Advisory>,
    report: ImportReport,
}

impl Importer {
    /// Starts from the advisories already in the database.
    pub fn new(existing: Vec<Advisory>) -> Importer {
        Importer {
            by_id: existing.into_iter().map(|a| (a.id.clone(), a)).collect(),
            report: ImportReport::default(),
        }
    }

    /// Reads one file and merges its advisories.
    pub fn add_file(&mut self, path: &Path) {
        self.report.files += 1;
        match read_file(path) {
            Ok(advisories) => advisories.into_iter().for_each(|a| self.add(a)),
            Err(e) => self.report.invalid.push(Refused {
                file: path.to_owned(),
                reason: e.0,
            }),
        }
    }

    /// Merges one advisory.
    pub fn add(&mut self, advisory: Advisory) {
        if advisory.withdrawn.is_some() {
            self.report.withdrawn += 1;
            self.by_id.remove(&advisory.id);
        } else if self.by_id.insert(advisory.id.clone(), advisory).is_some() {
            self.report.updated += 1;
        } else {
            self.report.imported += 1;
        }
    }

    /// The merged database (sorted by id) and the report.
    pub fn finish(mut self) -> (Vec<Advisory>, ImportReport) {
        self.report.total = self.by_id.len();
        (self.by_id.into_values().collect(), self.report)
    }
}
