//! Gathering a tenant's evidence from the running services: stored finding events, the key
//! service, the audit trail and the incidents.

use crate::api::ApiState;
use axum::http::StatusCode;
use palisade_core::{Event, TenantId};
use palisade_kms::{Caller, KeyState, Roles, SealConfig};
use palisade_posture::{
    assess::{build, Inputs},
    collect::{
        audit, checks,
        incidents::{self, IncidentFacts},
        kms::{self, KeyFacts, KmsFacts, Seal},
        vulns, Collected,
    },
    Posture,
};
use palisade_store::SearchRequest;

/// Most finding events read per class and tenant (newest first).
const MAX_EVIDENCE_EVENTS: usize = 200_000;

type Failure = (StatusCode, String);

fn internal(e: impl std::fmt::Display) -> Failure {
    (StatusCode::INTERNAL_SERVER_ERROR, e.to_string())
}

/// The answer for a scope: one tenant's posture, or `{"tenants": [...]}` for every tenant.
pub fn answer(state: &ApiState, scope: Option<TenantId>) -> Result<serde_json::Value, Failure> {
    let now = palisade_core::time::now_ms();
    match scope {
        Some(tenant) => {
            state
                .iam
                .tenant(&tenant)
                .map_err(|e| (crate::api::iam::status_of(&e), e.to_string()))?;
            serde_json::to_value(posture(state, &tenant, now)?).map_err(internal)
        }
        None => {
            let mut all = Vec::new();
            for info in state.iam.list_tenants().map_err(internal)? {
                let tenant = TenantId::new(&info.name).map_err(internal)?;
                all.push(posture(state, &tenant, now)?);
            }
            Ok(serde_json::json!({ "tenants": all }))
        }
    }
}

/// One tenant's posture at `now`.
pub fn posture(state: &ApiState, tenant: &TenantId, now: i64) -> Result<Posture, Failure> {
    let service = &state.posture;
    let config = &service.config;
    let window = i64::try_from(config.evidence_window.0).unwrap_or(i64::MAX);
    let since = now.saturating_sub(window);
    let mut collected: Vec<Collected> = Vec::new();
    let findings = events(state, tenant, "class_uid:2003", since)?;
    collected.extend(checks::collect(&findings));
    let limits = &config.vulnerability_age;
    let longest = [limits.critical, limits.high, limits.medium, limits.low]
        .iter()
        .map(|d| i64::try_from(d.0).unwrap_or(i64::MAX))
        .max()
        .unwrap_or(0);
    let vulnerability_events = events(
        state,
        tenant,
        "class_uid:2002",
        since.saturating_sub(longest),
    )?;
    collected.extend(vulns::collect(&vulnerability_events, limits, since, now));
    let max_key_age = i64::try_from(config.max_key_age.0).unwrap_or(i64::MAX);
    collected.extend(kms::collect(&kms_facts(state, tenant), max_key_age, now));
    let (checked, facts) = service.audit_facts(&state.audit_log, now);
    collected.extend(audit::collect(&facts, checked));
    let sla = &state.incidents.config().sla;
    collected.extend(incidents::collect(
        &incident_facts(state, tenant, since)?,
        sla,
        now,
    ));
    let texts = service.texts.load().map_err(internal)?;
    Ok(build(Inputs {
        tenant: tenant.as_str(),
        service_model: config.service_model(tenant.as_str()),
        catalog: &service.catalog,
        matrix: &service.matrix,
        texts: &texts,
        collected,
        since_ms: since,
        now_ms: now,
    }))
}

/// The tenant's events matching `query` since `since`, newest first.
fn events(
    state: &ApiState,
    tenant: &TenantId,
    query: &str,
    since: i64,
) -> Result<Vec<Event>, Failure> {
    let filter = palisade_query::parse(query).map_err(internal)?.filter;
    let store = state.pipeline.store();
    let mut request = SearchRequest {
        tenant: Some(tenant.clone()),
        filter,
        from_ms: Some(since),
        to_ms: None,
        limit: crate::api::MAX_PAGE,
        cursor: None,
    };
    let mut out = Vec::new();
    loop {
        let page = store.search(&request).map_err(internal)?;
        out.extend(page.events);
        match page.next_cursor {
            Some(cursor) if out.len() < MAX_EVIDENCE_EVENTS => request.cursor = Some(cursor),
            _ => return Ok(out),
        }
    }
}

/// The key service's seal and the tenant's live keys (none while it is sealed).
fn kms_facts(state: &ApiState, tenant: &TenantId) -> KmsFacts {
    let kms = &state.kms.kms;
    let seal = match kms.seal_config() {
        SealConfig::File => Seal::DevFile,
        SealConfig::Shamir { shares, threshold } => Seal::Shamir { shares, threshold },
        SealConfig::Pkcs11 => Seal::Pkcs11,
    };
    let caller = Caller {
        principal: "posture".into(),
        tenant: tenant.to_string(),
        roles: Roles {
            key_administrator: true,
            key_user: false,
        },
        provider_admin: false,
    };
    let keys = kms.read(|keyring| {
        Ok(keyring
            .list(&caller)
            .iter()
            .filter_map(|name| keyring.describe(&caller, name).ok())
            .filter(|k| k.tenant == tenant.as_str())
            .filter(|k| matches!(k.state, KeyState::Enabled | KeyState::Disabled))
            .map(|k| KeyFacts {
                last_rotated_ms: k
                    .versions
                    .get(&k.latest_version)
                    .map_or(k.created_ms, |v| v.created_ms),
                name: k.name,
                version: k.latest_version,
                rotate_period_secs: k.rotate_period_secs,
            })
            .collect())
    });
    KmsFacts {
        seal,
        sealed: keys.is_err(),
        encrypt_at_rest: state.kms.at_rest.is_some(),
        keys: keys.unwrap_or_default(),
    }
}

/// The tenant's incidents opened since `since` (merged ones count in the incident they
/// joined).
fn incident_facts(
    state: &ApiState,
    tenant: &TenantId,
    since: i64,
) -> Result<Vec<IncidentFacts>, Failure> {
    let filter = palisade_incident::IncidentFilter {
        tenant: Some(tenant.to_string()),
        from: Some(since),
        limit: usize::MAX >> 1,
        ..Default::default()
    };
    let list = state.incidents.list(&filter).map_err(internal)?;
    Ok(list
        .into_iter()
        .filter(|i| i.merged_into.is_none())
        .map(|i| IncidentFacts {
            severity: i.severity,
            created_ms: i.created_ms,
            acknowledged_ms: i.acknowledged_ms,
            resolved_ms: i.resolved_ms,
            acknowledge_breached: i.sla.acknowledge_breached,
            resolve_breached: i.sla.resolve_breached,
        })
        .collect())
}
