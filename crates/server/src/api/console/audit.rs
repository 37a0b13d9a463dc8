//! The audit page (`/console/audit`, audit administrators only): the newest records with
//! filters (time range, subject, type, result), whether the newest signed tree head verifies
//! against the log's key and tree, and the inclusion proof of one record, recomputed here up
//! to the signed root (RFC 9162, section 2.1.3.2).

use super::{data, html, session_of};
use crate::api::ApiState;
use axum::{
    extract::{Query, State},
    http::{HeaderMap, StatusCode},
    response::Response,
    Extension,
};
use palisade_audit::{hex, merkle::node_hash, AuditEntry, AuditLog, Hash, Outcome, RecordQuery};
use palisade_console::pages::audit::{AuditFilter, AuditPage, AuditRow, ProofView};
use palisade_iam::Identity;
use serde::Deserialize;
use std::sync::Arc;

/// Records read per page (the filters apply within it).
const WINDOW: u64 = 500;

/// The filter form and paging.
#[derive(Debug, Default, Deserialize)]
pub struct AuditForm {
    /// Start of the range (`parse_time` forms).
    #[serde(default)]
    from: String,
    /// End of the range.
    #[serde(default)]
    to: String,
    /// Text the subject must contain.
    #[serde(default)]
    subject: String,
    /// Record type to keep.
    #[serde(default, rename = "type")]
    event_type: String,
    /// Result to keep (`success`, `failure`, `denied`, `pending`).
    #[serde(default)]
    result: String,
    /// First record index of the page (default: the newest page).
    start: Option<u64>,
    /// Record whose inclusion proof to show.
    proof: Option<u64>,
}

/// The root an inclusion proof leads to from `leaf` at `index` in a tree of `size`, or `None`
/// when the path does not fit the tree (RFC 9162, 2.1.3.2).
pub fn root_from_path(index: u64, size: u64, leaf: Hash, path: &[Hash]) -> Option<Hash> {
    if index >= size {
        return None;
    }
    let (mut f, mut s) = (index, size - 1);
    let mut r = leaf;
    for p in path {
        if s == 0 {
            return None;
        }
        if f & 1 == 1 || f == s {
            r = node_hash(p, &r);
            while f & 1 == 0 && f != 0 {
                f >>= 1;
                s >>= 1;
            }
        } else {
            r = node_hash(&r, p);
        }
        f >>= 1;
        s >>= 1;
    }
    (s == 0).then_some(r)
}

fn outcome_text(outcome: Outcome) -> &'static str {
    match outcome {
        Outcome::Pending => "pending",
        Outcome::Success => "success",
        Outcome::Failure => "failure",
        Outcome::Denied => "denied",
    }
}

fn keep(entry: &AuditEntry, form: &AuditForm) -> bool {
    let e = &entry.event;
    let subject = &e.subject.identity;
    (form.subject.is_empty() || subject.contains(form.subject.trim()))
        && (form.event_type.is_empty() || e.event_type == form.event_type.trim())
        && (form.result.is_empty() || outcome_text(e.result) == form.result.trim())
}

fn row(entry: &AuditEntry, signed_size: u64) -> AuditRow {
    let e = &entry.event;
    AuditRow {
        index: entry.index,
        time: data::when(e.time_ms),
        event_type: e.event_type.clone(),
        subject: format!(
            "{} ({}) @ {}",
            e.subject.identity, e.subject.role, e.subject.tenant
        ),
        action: e.action.clone(),
        object: e.object.clone(),
        result: match e.status {
            Some(status) => format!("{} {status}", outcome_text(e.result)),
            None => outcome_text(e.result).into(),
        },
        source: e.source.clone().unwrap_or_default(),
        provable: entry.index < signed_size,
    }
}

/// Whether the newest signed tree head verifies: its signature under the log's key, and its
/// root equal to the tree's root at that size. Answers (state, note, tone, signed root).
fn head_status(log: &AuditLog) -> (String, String, &'static str, Option<Hash>) {
    let head = log.tree_head();
    let note = format!(
        "{} records; root {}…; signed {} by key {}",
        data::grouped(head.tree_size),
        head.root_hash.get(..16).unwrap_or(&head.root_hash),
        data::when(head.timestamp_ms),
        head.key_id
    );
    match head.verify(log.public_key()) {
        Ok(root) if log.root(head.tree_size).is_ok_and(|r| r == root) => {
            ("verified".into(), note, "ok", Some(root))
        }
        Ok(_) => ("root mismatch".into(), note, "bad", None),
        Err(e) => (
            "signature invalid".into(),
            format!("{note}: {e}"),
            "bad",
            None,
        ),
    }
}

fn proof(log: &AuditLog, index: u64, root: Option<Hash>) -> Result<ProofView, String> {
    let size = log.tree_head().tree_size;
    let path = log
        .inclusion_proof(index, size)
        .map_err(|e| e.to_string())?;
    let leaf = log
        .leaf_hash(index)
        .ok_or_else(|| format!("no record {index}"))?;
    let computed = root_from_path(index, size, leaf, &path);
    Ok(ProofView {
        index,
        tree_size: size,
        leaf_hash: hex::encode(&leaf),
        root_hash: root.map(|r| hex::encode(&r)).unwrap_or_default(),
        path: path.iter().map(|h| hex::encode(h)).collect(),
        verified: root.is_some() && computed == root,
    })
}

/// What the page reads from the log.
struct Read {
    rows: Vec<AuditRow>,
    proof: Option<ProofView>,
    head: (String, String, &'static str),
    next: Option<u64>,
}

fn read(log: &AuditLog, form: &AuditForm) -> Result<Read, String> {
    let now = palisade_core::time::now_ms();
    let time = |text: &str, default: i64| match text.trim() {
        "" => Ok(default),
        t => palisade_core::time::parse_time(t, now),
    };
    let (from, to) = (time(&form.from, i64::MIN)?, time(&form.to, now + 1)?);
    let (state, note, tone, root) = head_status(log);
    let size = log.tree_head().tree_size;
    let start = form.start.unwrap_or(size.saturating_sub(WINDOW));
    let page = log
        .records(RecordQuery {
            from_ms: from,
            to_ms: to,
            first_index: start,
            limit: WINDOW as usize,
        })
        .map_err(|e| e.to_string())?;
    let rows = page
        .records
        .iter()
        .rev()
        .filter(|e| keep(e, form))
        .map(|e| row(e, size))
        .collect();
    let proof = form.proof.map(|i| proof(log, i, root)).transpose()?;
    Ok(Read {
        rows,
        proof,
        head: (state, note, tone),
        next: (start > 0).then(|| start.saturating_sub(WINDOW)),
    })
}

/// `GET /console/audit`.
pub async fn page(
    State(state): State<Arc<ApiState>>,
    Extension(identity): Extension<Identity>,
    headers: HeaderMap,
    Query(form): Query<AuditForm>,
) -> Response {
    let log = state.audit_log.clone();
    let (form, result) = match tokio::task::spawn_blocking(move || {
        let result = read(&log, &form);
        (form, result)
    })
    .await
    {
        Ok(done) => done,
        Err(e) => return crate::api::error(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()),
    };
    let (status, read, error) = match result {
        Ok(read) => (StatusCode::OK, Some(read), None),
        Err(e) => (StatusCode::BAD_REQUEST, None, Some(e)),
    };
    let next = read.as_ref().and_then(|r| r.next).map(|start| {
        format!(
            "/console/audit?from={}&to={}&subject={}&type={}&result={}&start={start}",
            data::encode(&form.from),
            data::encode(&form.to),
            data::encode(&form.subject),
            data::encode(&form.event_type),
            data::encode(&form.result)
        )
    });
    let (rows, proof, head) = match read {
        Some(r) => (r.rows, r.proof, r.head),
        None => {
            let (state, note, tone, _) = head_status(&state.audit_log);
            (Vec::new(), None, (state, note, tone))
        }
    };
    let page = AuditPage {
        session: session_of(&identity, &headers, "/console/audit"),
        filter: AuditFilter {
            from: form.from,
            to: form.to,
            subject: form.subject,
            event_type: form.event_type,
            result: form.result,
        },
        rows,
        head_state: head.0,
        head_note: head.1,
        head_tone: head.2,
        proof,
        next,
        error,
    };
    html(status, &page)
}

#[cfg(test)]
mod tests {
    use super::*;
    use palisade_audit::{merkle::leaf_hash, MerkleTree};

    #[test]
    fn every_inclusion_proof_of_every_tree_size_leads_to_its_root() {
        let mut tree = MerkleTree::new();
        for n in 0..13u8 {
            tree.push(leaf_hash(&[n]));
        }
        for size in 1..=13 {
            let root = tree.root(size).unwrap();
            for index in 0..size {
                let path = tree.inclusion_proof(index, size).unwrap();
                let leaf = tree.leaf(index).unwrap();
                assert_eq!(root_from_path(index, size, leaf, &path), Some(root));
                let mut wrong = leaf;
                wrong[0] ^= 1;
                assert_ne!(root_from_path(index, size, wrong, &path), Some(root));
            }
        }
        assert_eq!(root_from_path(5, 5, [0; 32], &[]), None);
    }
}
