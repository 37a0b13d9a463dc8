//! How the audit trail records a call, as a property of its route. Most calls change state,
//! so an intent record must be durable before the handler runs and an outcome record after
//! it. The key-use routes listed in [`KEY_USE_ROUTES`] only compute with a key (encrypt,
//! decrypt, rewrap, data key, sign, verify, HMAC, and their batch forms) and change nothing:
//! their handler runs first and the answer is released only once ONE record carrying the
//! outcome is durable; when that record cannot be written the caller gets the 503 refusal and
//! never the result, which is the same as refusing the call up front (docs/audit.md).

use palisade_iam::access::path_matches;

/// How one call is recorded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuditMode {
    /// `api.request` before the handler (refused when it cannot be written), `api.response`
    /// after it.
    IntentThenOutcome,
    /// The handler runs, then one `api.response` record; the answer is released only once it
    /// is durable, and replaced by the 503 refusal when it cannot be written.
    OutcomeOnly,
}

/// The routes without side effects (method, path pattern in the syntax of
/// [`palisade_iam::access::ROUTES`]): the key-use operations of the native API and of the
/// Vault-compatible transit API. Nothing else belongs here.
pub const KEY_USE_ROUTES: &[(&str, &str)] = &[
    ("POST", "/api/v1/kms/keys/{name}/encrypt"),
    ("POST", "/api/v1/kms/keys/{name}/decrypt"),
    ("POST", "/api/v1/kms/keys/{name}/rewrap"),
    ("POST", "/api/v1/kms/keys/{name}/datakey"),
    ("POST", "/api/v1/kms/keys/{name}/datakey-wrapped"),
    ("POST", "/api/v1/kms/keys/{name}/sign"),
    ("POST", "/api/v1/kms/keys/{name}/verify"),
    ("POST", "/api/v1/kms/keys/{name}/hmac"),
    ("POST", "/v1/transit/encrypt/{name}"),
    ("POST", "/v1/transit/decrypt/{name}"),
    ("POST", "/v1/transit/rewrap/{name}"),
    ("POST", "/v1/transit/datakey/{kind}/{name}"),
    ("POST", "/v1/transit/sign/{name}"),
    ("POST", "/v1/transit/sign/{name}/{hash}"),
    ("POST", "/v1/transit/verify/{name}"),
    ("POST", "/v1/transit/verify/{name}/{hash}"),
    ("POST", "/v1/transit/hmac/{name}"),
    ("POST", "/v1/transit/hmac/{name}/{hash}"),
];

/// How a call of `method` on `path` is recorded.
pub fn audit_mode(method: &str, path: &str) -> AuditMode {
    // Every listed route is under one of these; most calls are decided without a match.
    let may_be_key_use = path.starts_with("/api/v1/kms/keys/") || path.starts_with("/v1/transit/");
    let key_use = may_be_key_use
        && KEY_USE_ROUTES
            .iter()
            .any(|(m, pattern)| *m == method && path_matches(pattern, path));
    if key_use {
        AuditMode::OutcomeOnly
    } else {
        AuditMode::IntentThenOutcome
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use palisade_iam::{access::rule_for, Permission};

    #[test]
    fn key_use_calls_are_recorded_once_and_everything_else_twice() {
        for path in [
            "/api/v1/kms/keys/k/encrypt",
            "/api/v1/kms/keys/k/decrypt",
            "/api/v1/kms/keys/k/datakey-wrapped",
            "/v1/transit/decrypt/k",
            "/v1/transit/datakey/plaintext/k",
            "/v1/transit/hmac/k/sha2-256",
        ] {
            assert_eq!(audit_mode("POST", path), AuditMode::OutcomeOnly, "{path}");
        }
        for (method, path) in [
            ("POST", "/api/v1/kms/keys/k/rotate"),
            ("POST", "/api/v1/kms/keys/k/destroy"),
            ("POST", "/api/v1/kms/keys"),
            ("POST", "/api/v1/kms/unseal"),
            ("GET", "/api/v1/kms/keys/k/encrypt"),
            ("PUT", "/v1/transit/encrypt/k"),
            ("POST", "/v1/transit/keys/k/rotate"),
            ("POST", "/v1/transit/restore/k"),
            ("GET", "/v1/transit/backup/k"),
            ("POST", "/api/v1/ingest"),
        ] {
            assert_eq!(
                audit_mode(method, path),
                AuditMode::IntentThenOutcome,
                "{method} {path}"
            );
        }
    }

    #[test]
    fn every_listed_route_is_under_a_key_service_prefix() {
        for (_, pattern) in KEY_USE_ROUTES {
            assert!(
                pattern.starts_with("/api/v1/kms/keys/") || pattern.starts_with("/v1/transit/"),
                "{pattern}"
            );
        }
    }

    #[test]
    fn only_routes_that_need_the_key_use_permission_skip_the_intent_record() {
        for (method, pattern) in KEY_USE_ROUTES {
            let example = pattern
                .replace("{name}", "k")
                .replace("{kind}", "plaintext");
            let example = example.replace("{hash}", "sha2-256");
            let rule = rule_for(method, &example).expect("a listed route is in the route table");
            assert_eq!(rule.permission, Permission::KeysUse, "{method} {pattern}");
        }
    }
}
