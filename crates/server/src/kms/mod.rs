//! The key service inside the server: callers derived from the authenticated principal,
//! operation records forwarded into the event pipeline, the maintenance loop (scheduled
//! rotation and deletion), and the data operations both APIs share.

pub mod ops;
pub mod store_audit;

use crate::auth::Principal;
use axum::http::StatusCode;
use palisade_core::{IngestSink, PayloadFormat, RawRecord, TenantId, Transport};
use palisade_kms::{at_rest::AtRestSealer, Caller, Kms, KmsError, OperationRecord, Roles};
use std::{net::SocketAddr, sync::Arc, time::Duration};
use tokio::sync::mpsc;
use zeroize::Zeroizing;

/// How many operation records may wait for the pipeline before key operations wait too.
const RECORD_QUEUE: usize = 65_536;
/// How many records go to the write-ahead log in one batch at most.
const RECORD_BATCH: usize = 1024;
/// How long the forwarder lets a batch that is not full gather more records before handing it
/// to the write-ahead log: the events are off the request's path (the audit trail already holds
/// each operation durably), and on a busy key service this makes one log commit (one
/// `fdatasync`) per few hundred operations rather than per handful.
const RECORD_GATHER: Duration = Duration::from_millis(10);
/// How often scheduled rotations and deletions are checked.
const MAINTENANCE_EVERY: Duration = Duration::from_secs(30);

/// The key service as the API handlers reach it.
pub struct KmsService {
    /// The keyring behind its seal.
    pub kms: Arc<Kms>,
    /// Passphrase sealing backups made through the Vault-compatible API, which has no field
    /// for one (`PALISADE_KMS_BACKUP_PASSPHRASE`).
    pub transit_backup_passphrase: Option<Zeroizing<String>>,
    /// Encryption at rest of the event store (`None` when turned off in `[kms]`).
    pub at_rest: Option<Arc<AtRestSealer>>,
    records: mpsc::Sender<OperationRecord>,
}

/// Who is calling and from where, for policy checks and operation records.
#[derive(Debug, Clone)]
pub struct CallContext {
    /// The caller as the key service sees it.
    pub caller: Caller,
    /// The caller's address.
    pub source: Option<SocketAddr>,
}

impl CallContext {
    /// The key roles of an authenticated principal: key administrator with the permission to
    /// manage keys (security administrators, operators), key user with the permission to use
    /// them (users); without an identity, neither.
    pub fn new(
        principal: &Principal,
        identity: Option<&palisade_iam::Identity>,
        source: Option<SocketAddr>,
    ) -> CallContext {
        let can = |p| identity.is_some_and(|i| i.can(p));
        CallContext {
            caller: Caller {
                principal: principal.name.clone(),
                tenant: principal.tenant.to_string(),
                roles: Roles {
                    key_administrator: can(palisade_iam::Permission::KeysManage),
                    key_user: can(palisade_iam::Permission::KeysUse),
                },
                provider_admin: principal.provider_admin,
            },
            source,
        }
    }
}

impl KmsService {
    /// Starts the forwarding of operation records into `sink` and the maintenance loop
    /// (which also re-wraps data keys after scheduled storage key rotations).
    pub fn start(
        kms: Arc<Kms>,
        sink: Arc<dyn IngestSink>,
        transit_backup_passphrase: Option<Zeroizing<String>>,
        at_rest: Option<Arc<AtRestSealer>>,
    ) -> Arc<KmsService> {
        let (records, rx) = mpsc::channel(RECORD_QUEUE);
        tokio::spawn(forward_records(rx, sink));
        let service = Arc::new(KmsService {
            kms,
            transit_backup_passphrase,
            at_rest,
            records,
        });
        tokio::spawn(maintenance_loop(service.clone()));
        service
    }

    /// Records one operation: into the event pipeline (never plaintext or key material).
    pub async fn record(
        &self,
        ctx: &CallContext,
        operation: &str,
        key: Option<&str>,
        version: Option<u32>,
        result: Result<(), &KmsError>,
    ) {
        let record = OperationRecord {
            time_ms: palisade_core::time::now_ms(),
            principal: ctx.caller.principal.clone(),
            tenant: ctx.caller.tenant.clone(),
            operation: operation.to_owned(),
            key: key.map(str::to_owned),
            version,
            result: result.map_err(|e| e.kind().to_owned()),
            source: ctx.source.map(|s| s.ip().to_string()),
        };
        if self.records.send(record).await.is_err() {
            tracing::error!("key operation record dropped: the event forwarder stopped");
        }
    }
}

/// The HTTP status for a key service error.
pub fn status_of(e: &KmsError) -> StatusCode {
    match e {
        KmsError::Sealed | KmsError::Hsm(_) => StatusCode::SERVICE_UNAVAILABLE,
        KmsError::NotFound(_) => StatusCode::NOT_FOUND,
        KmsError::AlreadyExists(_) => StatusCode::CONFLICT,
        KmsError::Forbidden(_) => StatusCode::FORBIDDEN,
        KmsError::Refused(_) | KmsError::BadInput(_) | KmsError::Crypto(_) => {
            StatusCode::BAD_REQUEST
        }
        KmsError::Storage(_) => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

/// Hands key-operation events to the pipeline in batches, in their tenant.
pub(crate) async fn forward_records(
    mut rx: mpsc::Receiver<OperationRecord>,
    sink: Arc<dyn IngestSink>,
) {
    let mut batch = Vec::with_capacity(RECORD_BATCH);
    while rx.recv_many(&mut batch, RECORD_BATCH).await > 0 {
        if batch.len() < RECORD_BATCH {
            tokio::time::sleep(RECORD_GATHER).await;
            while batch.len() < RECORD_BATCH {
                match rx.try_recv() {
                    Ok(record) => batch.push(record),
                    Err(_) => break,
                }
            }
        }
        let received_ms = palisade_core::time::now_ms();
        let raw = batch
            .drain(..)
            .map(|r| RawRecord {
                tenant: TenantId::new(&r.tenant).unwrap_or_default(),
                source: "kms".into(),
                transport: Transport::Http,
                format: PayloadFormat::Json,
                received_ms,
                peer: None,
                payload: r.to_event_json(),
            })
            .collect();
        if let Err(e) = sink.submit(raw).await {
            tracing::error!(error = %e, "key operation records not stored");
        }
    }
}

async fn maintenance_loop(service: Arc<KmsService>) {
    let system = CallContext {
        caller: Caller {
            principal: "system".into(),
            tenant: TenantId::default().to_string(),
            roles: Roles::default(),
            provider_admin: false,
        },
        source: None,
    };
    let mut tick = tokio::time::interval(MAINTENANCE_EVERY);
    loop {
        tick.tick().await;
        match service.kms.maintain(palisade_core::time::now_ms()) {
            Ok(actions) => {
                for a in actions {
                    let op = match a.operation {
                        palisade_kms::Operation::Rotate => "scheduled_rotate",
                        _ => "scheduled_destroy",
                    };
                    service
                        .record(&system, op, Some(&a.key), a.version, Ok(()))
                        .await;
                }
            }
            Err(e) => tracing::error!(error = %e, "scheduled key maintenance failed"),
        }
        service.rewrap_stale_data_keys().await;
    }
}

impl KmsService {
    /// Re-wraps data keys whose storage key was rotated since (a blocking thread: it writes
    /// the state store).
    pub async fn rewrap_stale_data_keys(&self) {
        let Some(at_rest) = self.at_rest.clone() else {
            return;
        };
        match tokio::task::spawn_blocking(move || at_rest.rewrap_stale()).await {
            Ok(Ok(0)) | Ok(Err(KmsError::Sealed)) => {}
            Ok(Ok(n)) => tracing::info!(
                data_keys = n,
                "re-wrapped data keys under rotated storage keys"
            ),
            Ok(Err(e)) => tracing::error!(error = %e, "re-wrapping data keys failed"),
            Err(e) => tracing::error!(error = %e, "re-wrapping data keys stopped"),
        }
    }
}
