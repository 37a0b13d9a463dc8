//! `GET /api/v1/posture`: the caller's tenant's compliance posture (an operator: any tenant,
//! or `tenant=*` for every one); `POST /api/v1/posture/ccm`: import the CCM control text
//! (operator only: the text is shared by every tenant). docs/posture.md.

mod gather;

use super::{error, ApiState};
use crate::auth::Principal;
use anyhow::Context;
use axum::{
    body::Bytes,
    extract::{Query, State},
    http::StatusCode,
    response::{IntoResponse, Response},
    routing::{get, post},
    Extension, Json, Router,
};
use palisade_audit::AuditLog;
use palisade_core::posture_config::PostureConfig;
use palisade_posture::{collect::audit::AuditFacts, store::TextStore, Catalog, Matrix};
use serde::Deserialize;
use std::sync::{Arc, Mutex};

/// What the posture routes need besides the other services.
pub struct PostureService {
    /// `[posture]`.
    pub config: PostureConfig,
    /// The CCM catalogue in use.
    pub catalog: Catalog,
    /// The responsibility split in use.
    pub matrix: Matrix,
    /// Imported control text.
    pub texts: TextStore,
    /// The newest audit trail verification and when it ran.
    audit: Mutex<Option<(i64, AuditFacts)>>,
}

impl PostureService {
    /// Loads the catalogue and matrix (built-in, or the files `[posture]` names) and opens
    /// the control text table.
    pub fn open(
        config: &PostureConfig,
        state: Arc<palisade_state::StateStore>,
    ) -> anyhow::Result<PostureService> {
        let read = |path: &std::path::Path| {
            std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))
        };
        let catalog = match &config.catalog_file {
            Some(path) => Catalog::parse(&read(path)?)
                .map_err(|e| anyhow::anyhow!("posture.catalog_file {}: {e}", path.display()))?,
            None => Catalog::builtin(),
        };
        let matrix = match &config.responsibility_file {
            Some(path) => Matrix::parse(&read(path)?).map_err(|e| {
                anyhow::anyhow!("posture.responsibility_file {}: {e}", path.display())
            })?,
            None => Matrix::builtin(),
        };
        matrix
            .check_against(&catalog)
            .map_err(|e| anyhow::anyhow!("[posture]: {e}"))?;
        Ok(PostureService {
            config: config.clone(),
            catalog,
            matrix,
            texts: TextStore::open(state)?,
            audit: Mutex::new(None),
        })
    }

    /// The audit trail's verification, run again when the last one is older than
    /// `audit_verify_interval`; (when it ran, what it found).
    fn audit_facts(&self, log: &AuditLog, now: i64) -> (i64, AuditFacts) {
        let mut cached = self.audit.lock().unwrap_or_else(|e| e.into_inner());
        let fresh_for = i64::try_from(self.config.audit_verify_interval.0).unwrap_or(i64::MAX);
        if let Some((checked, facts)) = cached.as_ref() {
            if now.saturating_sub(*checked) < fresh_for {
                return (*checked, facts.clone());
            }
        }
        let facts = match palisade_audit::verify_dir(log.dir(), Some(log.public_key())) {
            Ok(report) => AuditFacts::Verified {
                records: report.records,
                heads: report.heads,
                signed_size: report.signed_size,
                root_hash: report.root_hash,
            },
            Err(e) => AuditFacts::Failed {
                reason: e.to_string(),
            },
        };
        *cached = Some((now, facts.clone()));
        (now, facts)
    }
}

/// The posture routes.
pub fn routes() -> Router<Arc<ApiState>> {
    Router::new()
        .route("/api/v1/posture", get(show))
        .route("/api/v1/posture/ccm", post(import_ccm))
}

/// Query parameters of `GET /api/v1/posture`.
#[derive(Debug, Deserialize)]
struct PostureParams {
    /// Another tenant (operators), or `*` for every tenant.
    tenant: Option<String>,
}

async fn show(
    State(state): State<Arc<ApiState>>,
    Extension(principal): Extension<Principal>,
    Query(params): Query<PostureParams>,
) -> Response {
    let scope = match principal.scope(params.tenant.as_deref()) {
        Ok(scope) => scope,
        Err(e) => return error(StatusCode::FORBIDDEN, e),
    };
    let worker = state.clone();
    let answer = tokio::task::spawn_blocking(move || gather::answer(&worker, scope)).await;
    match answer {
        Ok(Ok(body)) => Json(body).into_response(),
        Ok(Err((status, message))) => error(status, message),
        Err(e) => error(
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("posture failed: {e}"),
        ),
    }
}

async fn import_ccm(State(state): State<Arc<ApiState>>, body: Bytes) -> Response {
    let Ok(text) = std::str::from_utf8(&body) else {
        return error(
            StatusCode::BAD_REQUEST,
            "the CCM file must be UTF-8 text (CSV or JSON)".into(),
        );
    };
    let import = match palisade_posture::ccm_text::parse(text, &state.posture.catalog) {
        Ok(import) => import,
        Err(e) => return error(StatusCode::BAD_REQUEST, e),
    };
    let worker = state.clone();
    let now = palisade_core::time::now_ms();
    let controls = import.controls.clone();
    let stored =
        tokio::task::spawn_blocking(move || worker.posture.texts.replace_all(&controls, now)).await;
    match stored {
        Ok(Ok(())) => Json(serde_json::json!({
            "imported": import.controls.len(),
            "unknown": import.unknown,
        }))
        .into_response(),
        Ok(Err(e)) => error(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()),
        Err(e) => error(
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("import failed: {e}"),
        ),
    }
}
