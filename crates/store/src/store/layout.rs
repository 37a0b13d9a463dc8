//! The store's directory layout: `tenants/<tenant>/<YYYY-MM-DD>/<flush_seq>.seg`.

use crate::{error::StoreError, fsutil, segment::Segment};
use palisade_core::{Sealer, TenantId};
use std::{
    collections::BTreeMap,
    fs,
    path::{Path, PathBuf},
    sync::Arc,
};

const DAY_MS: i64 = 86_400_000;
/// 9999-12-31 as days since 1970-01-01: the last partition name.
const LAST_DAY: i64 = 2_932_896;

/// A partition's identity: tenant and UTC day name.
pub type PartitionKey = (TenantId, String);
/// Every partition's segments, oldest flush first.
pub type Catalog = BTreeMap<PartitionKey, Vec<Arc<Segment>>>;

/// Days since 1970-01-01 of an event time, clamped to the years 1970 to 9999 (the partition
/// name only groups; searches prune by the times recorded in each block).
pub fn day_of(time_ms: i64) -> i64 {
    time_ms.div_euclid(DAY_MS).clamp(0, LAST_DAY)
}

/// The partition name (`YYYY-MM-DD`) of a day number from [`day_of`].
pub fn day_name(day: i64) -> String {
    chrono::DateTime::from_timestamp(day * 86_400, 0)
        .map(|t| t.format("%Y-%m-%d").to_string())
        .unwrap_or_else(|| "1970-01-01".to_owned())
}

/// The directory of a partition.
pub fn partition_dir(root: &Path, tenant: &TenantId, partition: &str) -> PathBuf {
    root.join("tenants").join(tenant.as_str()).join(partition)
}

/// The file of a segment.
pub fn segment_path(root: &Path, tenant: &TenantId, partition: &str, flush_seq: u64) -> PathBuf {
    partition_dir(root, tenant, partition).join(format!("{flush_seq:020}.seg"))
}

/// Creates a directory (and parents) and makes its entry durable in its parent.
pub fn create_dir_durably(dir: &Path) -> Result<(), StoreError> {
    if dir.is_dir() {
        return Ok(());
    }
    if let Some(parent) = dir.parent() {
        create_dir_durably(parent)?;
    }
    fs::create_dir(dir)
        .or_else(|e| match e.kind() {
            std::io::ErrorKind::AlreadyExists => Ok(()),
            _ => Err(e),
        })
        .map_err(|e| StoreError::io(dir, e))?;
    let parent = dir.parent().unwrap_or(Path::new("."));
    fsutil::sync_dir(parent).map_err(|e| StoreError::io(parent, e))
}

fn read_dir_paths(dir: &Path) -> Result<Vec<PathBuf>, StoreError> {
    let entries = fs::read_dir(dir).map_err(|e| StoreError::io(dir, e))?;
    let mut paths = Vec::new();
    for entry in entries {
        paths.push(entry.map_err(|e| StoreError::io(dir, e))?.path());
    }
    paths.sort();
    Ok(paths)
}

/// Loads every committed segment. Removes what an interrupted flush left behind: `*.tmp`
/// files, segments whose flush seq is above the checkpoint, and segments of a held-back
/// tenant holding only events from its first held seq on (their events are still in the
/// write-ahead log and will be replayed).
pub fn load_catalog(
    root: &Path,
    committed: u64,
    held: &BTreeMap<TenantId, u64>,
    sealer: &dyn Sealer,
) -> Result<Catalog, StoreError> {
    let mut catalog = Catalog::new();
    let tenants = root.join("tenants");
    create_dir_durably(&tenants)?;
    for tenant_dir in read_dir_paths(&tenants)? {
        let Some(tenant) = file_name(&tenant_dir).and_then(|n| TenantId::new(n).ok()) else {
            continue;
        };
        if !tenant_dir.is_dir() {
            continue;
        }
        for part_dir in read_dir_paths(&tenant_dir)? {
            let Some(partition) = file_name(&part_dir).map(str::to_owned) else {
                continue;
            };
            if !part_dir.is_dir() {
                continue;
            }
            let mut segments = Vec::new();
            for file in read_dir_paths(&part_dir)? {
                match segment_seq(&file) {
                    Some(seq) if seq <= committed => {
                        let segment = Segment::open(&file, sealer)?;
                        let first_id = segment.footer.blocks.iter().map(|b| b.min_id).min();
                        match (held.get(&tenant), first_id) {
                            (Some(first_held), Some(id)) if id >= *first_held => remove(&file)?,
                            _ => segments.push(Arc::new(segment)),
                        }
                    }
                    Some(_) => remove(&file)?,
                    None if file.extension().is_some_and(|e| e == "tmp") => remove(&file)?,
                    None => {}
                }
            }
            if !segments.is_empty() {
                catalog.insert((tenant.clone(), partition), segments);
            }
        }
    }
    Ok(catalog)
}

fn file_name(path: &Path) -> Option<&str> {
    path.file_name().and_then(|n| n.to_str())
}

fn segment_seq(path: &Path) -> Option<u64> {
    file_name(path)?.strip_suffix(".seg")?.parse().ok()
}

/// Removes a file and makes the removal durable.
pub fn remove(path: &Path) -> Result<(), StoreError> {
    match fs::remove_file(path) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(StoreError::io(path, e)),
    }
    let dir = path.parent().unwrap_or(Path::new("."));
    fsutil::sync_dir(dir).map_err(|e| StoreError::io(dir, e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn partitions_are_utc_days_clamped_to_four_digit_years() {
        assert_eq!(day_name(day_of(1_732_350_000_000)), "2024-11-23");
        assert_eq!(day_name(day_of(0)), "1970-01-01");
        assert_eq!(day_name(day_of(-1)), "1970-01-01");
        assert_eq!(day_name(day_of(i64::MAX)), "9999-12-31");
    }
}
