//! Auditing the key operations the store makes on its own behalf: creating a tenant's storage
//! key, generating a data key under it, and unwrapping a data key after a restart. They are
//! recorded like key operations made through the API: a record in the audit trail and a
//! key-operation event ([`OperationRecord`]) in the event pipeline.

use super::{AtRestSealer, STORE_PRINCIPAL};
use crate::{
    error::{KmsError, KmsResult},
    record::OperationRecord,
};
use std::sync::Arc;

/// Where the sealer reports the key operations it makes itself (the server writes them to
/// the audit trail and the event pipeline).
pub trait StoreKeyAudit: Send + Sync {
    /// Records durably that `op` is about to run (its result is not known yet) and returns
    /// the id that ties the outcome to it; an error refuses the operation: no audit record,
    /// no operation.
    fn intent(&self, op: &OperationRecord) -> Result<String, String>;
    /// Records how `op` ended (`intent`: the id [`StoreKeyAudit::intent`] returned, if it
    /// was called); must not block.
    fn outcome(&self, op: OperationRecord, intent: Option<String>);
}

/// Whether an operation must be recorded before it runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Recorded {
    /// Before (refused when the record cannot be written) and after: operations that make keys.
    BeforeAndAfter,
    /// After only: unwrapping a data key, which runs on the search path and must not wait.
    After,
}

impl AtRestSealer {
    /// Makes the sealer report its own key operations to `audit` (once; later calls are
    /// ignored). Until then, operations are not recorded.
    pub fn set_audit(&self, audit: Arc<dyn StoreKeyAudit>) {
        let _ = self.audit.set(audit);
    }

    /// Runs `op` (the store's `operation` on `tenant`'s key `key`) with its audit records;
    /// `version` tells the key version the result used or made.
    pub(super) fn audited<T>(
        &self,
        recorded: Recorded,
        tenant: &str,
        operation: &str,
        key: &str,
        version: impl FnOnce(&T) -> Option<u32>,
        op: impl FnOnce() -> KmsResult<T>,
    ) -> KmsResult<T> {
        let on = KeyOperation {
            principal: STORE_PRINCIPAL,
            tenant,
            operation,
            key,
        };
        run_audited(self.audit.get(), recorded, &on, version, op)
    }
}

/// A key operation the server makes on its own behalf.
pub(super) struct KeyOperation<'a> {
    /// Who makes it (`palisade-store`, `palisade-wal`).
    pub principal: &'a str,
    /// The tenant that owns the key.
    pub tenant: &'a str,
    /// The operation (`create`, `datakey`, `decrypt`).
    pub operation: &'a str,
    /// The key's name.
    pub key: &'a str,
}

/// Runs `op` with its audit records in `audit` (none when `None`).
pub(super) fn run_audited<T>(
    audit: Option<&Arc<dyn StoreKeyAudit>>,
    recorded: Recorded,
    on: &KeyOperation<'_>,
    version: impl FnOnce(&T) -> Option<u32>,
    op: impl FnOnce() -> KmsResult<T>,
) -> KmsResult<T> {
    let Some(audit) = audit else {
        return op();
    };
    let mut record = OperationRecord {
        time_ms: palisade_core::time::now_ms(),
        principal: on.principal.to_owned(),
        tenant: on.tenant.to_owned(),
        operation: on.operation.to_owned(),
        key: Some(on.key.to_owned()),
        version: None,
        result: Ok(()),
        source: None,
    };
    let intent = match recorded {
        Recorded::BeforeAndAfter => Some(audit.intent(&record).map_err(|e| {
            KmsError::Refused(format!(
                "{}'s {} of {:?} was refused: audit record not written: {e}",
                on.principal, on.operation, on.key
            ))
        })?),
        Recorded::After => None,
    };
    let result = op();
    record.time_ms = palisade_core::time::now_ms();
    match &result {
        Ok(value) => record.version = version(value),
        Err(e) => record.result = Err(e.kind().to_owned()),
    }
    audit.outcome(record, intent);
    result
}
