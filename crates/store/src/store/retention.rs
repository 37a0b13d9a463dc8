//! Retention: whole partitions go, by age or by a tenant's size limit; nothing else is touched.

use super::{layout, EventStore};
use crate::error::StoreError;
use std::collections::BTreeMap;

/// What a retention run deleted.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RetentionReport {
    /// `tenant/YYYY-MM-DD` of every partition deleted.
    pub deleted_partitions: Vec<String>,
    /// Bytes of segment files deleted.
    pub freed_bytes: u64,
}

impl EventStore {
    /// Deletes whole expired partitions: by age (newest event older than `now_ms -
    /// retention_max_age`) and by size (a tenant's oldest partitions while its bytes exceed
    /// `retention_max_bytes`). A limit of 0 disables that rule.
    pub fn apply_retention(&self, now_ms: i64) -> Result<RetentionReport, StoreError> {
        let _flush = self.flush_lock.lock().unwrap_or_else(|p| p.into_inner());
        let max_age = i64::try_from(self.cfg.retention_max_age.0).unwrap_or(i64::MAX);
        let max_bytes = self.cfg.retention_max_bytes.0;
        let mut doomed = Vec::new();
        {
            let state = self.read();
            let mut tenant_bytes: BTreeMap<&str, u64> = BTreeMap::new();
            for ((tenant, partition), segments) in &state.catalog {
                let bytes: u64 = segments.iter().map(|s| s.bytes).sum();
                let newest = segments
                    .iter()
                    .map(|s| s.max_time())
                    .max()
                    .unwrap_or(i64::MIN);
                if max_age > 0 && newest < now_ms.saturating_sub(max_age) {
                    doomed.push(((tenant.clone(), partition.clone()), bytes));
                } else {
                    *tenant_bytes.entry(tenant.as_str()).or_default() += bytes;
                }
            }
            if max_bytes > 0 {
                // The catalog is ordered by tenant, then day: oldest partitions come first.
                for ((tenant, partition), segments) in &state.catalog {
                    let key = (tenant.clone(), partition.clone());
                    let Some(total) = tenant_bytes.get_mut(tenant.as_str()) else {
                        continue;
                    };
                    if *total <= max_bytes || doomed.iter().any(|(k, _)| *k == key) {
                        continue;
                    }
                    let bytes: u64 = segments.iter().map(|s| s.bytes).sum();
                    *total -= bytes;
                    doomed.push((key, bytes));
                }
            }
        }
        let mut report = RetentionReport::default();
        for ((tenant, partition), bytes) in doomed {
            self.write()
                .catalog
                .remove(&(tenant.clone(), partition.clone()));
            let dir = layout::partition_dir(&self.dir, &tenant, &partition);
            std::fs::remove_dir_all(&dir).map_err(|e| StoreError::io(&dir, e))?;
            report
                .deleted_partitions
                .push(format!("{tenant}/{partition}"));
            report.freed_bytes += bytes;
        }
        Ok(report)
    }
}

impl EventStore {
    /// Deletes every stored event of `tenant` (its tenant is being deleted): events still in
    /// memory are written out first, so the write-ahead log replays none of them, then the
    /// tenant's partitions go, directory and all.
    pub fn delete_tenant(
        &self,
        tenant: &palisade_core::TenantId,
    ) -> Result<RetentionReport, StoreError> {
        self.flush()?;
        let _flush = self.flush_lock.lock().unwrap_or_else(|p| p.into_inner());
        let mut report = RetentionReport::default();
        {
            let mut state = self.write();
            let doomed: Vec<_> = state
                .catalog
                .keys()
                .filter(|(t, _)| t == tenant)
                .cloned()
                .collect();
            for key in doomed {
                if let Some(segments) = state.catalog.remove(&key) {
                    report.freed_bytes += segments.iter().map(|s| s.bytes).sum::<u64>();
                    report
                        .deleted_partitions
                        .push(format!("{}/{}", key.0, key.1));
                }
            }
        }
        let dir = self.dir.join("tenants").join(tenant.as_str());
        if dir.exists() {
            std::fs::remove_dir_all(&dir).map_err(|e| StoreError::io(&dir, e))?;
        }
        Ok(report)
    }
}
