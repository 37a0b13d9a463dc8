//! Where API tokens are used from: administrator tokens only from `iam.admin_networks`, and
//! a token's first use from a new network recorded so a rule can alert on it.

use crate::{api::ApiState, audit::AuditRecord, auth::audit_refusal};
use axum::{http::StatusCode, response::Response};
use palisade_audit::Outcome;
use palisade_iam::{Credential, Identity};
use std::net::SocketAddr;

/// Where a token is used from: an administrator token from outside `iam.admin_networks` is
/// refused (403, recorded); a token used from a network it was never used from before is
/// recorded as `token.new_network` (a rule alerts on it). Errs with the answer to send.
pub(crate) async fn check(
    state: &ApiState,
    identity: &Identity,
    source: Option<SocketAddr>,
    subject: &AuditRecord,
) -> Result<(), Response> {
    let Credential::Token(token_id) = &identity.credential else {
        return Ok(());
    };
    let ip = source.map(|s| s.ip());
    if let Err(e) = state.iam.check_token_source(identity, ip) {
        tracing::info!(user = %identity.user, ?ip, "refused: {e}");
        let refused = AuditRecord {
            event_type: "authorization",
            status: Some(StatusCode::FORBIDDEN.as_u16()),
            ..subject.clone()
        };
        if let Err(audit) = state.audit.record_with_detail(refused, e.to_string()).await {
            return Err(audit_refusal(&audit));
        }
        return Err(crate::api::error(StatusCode::FORBIDDEN, e.to_string()));
    }
    let Some(ip) = ip.filter(|ip| !state.iam.token_network_known(token_id, *ip)) else {
        return Ok(());
    };
    let (iam, id) = (state.iam.clone(), token_id.clone());
    let noted = tokio::task::spawn_blocking(move || iam.note_token_network(&id, ip)).await;
    let network = match noted {
        Ok(Ok(network)) => network,
        Ok(Err(e)) => {
            tracing::warn!(error = %e, "the networks of token {token_id} were not updated");
            None
        }
        Err(e) => {
            tracing::warn!(error = %e, "the networks of token {token_id} were not updated");
            None
        }
    };
    if let Some(network) = network {
        let record = AuditRecord {
            event_type: "token.new_network",
            result: Outcome::Success,
            status: None,
            ..subject.clone()
        };
        let detail = format!("token {token_id} used from {ip}, in {network} for the first time");
        if let Err(e) = state.audit.record_with_detail(record, detail).await {
            return Err(audit_refusal(&e));
        }
    }
    Ok(())
}
