//! The route authorization table: which permission each (method, route pattern) needs. The
//! server checks every authenticated request against it before the audit record and the
//! handler; a request that matches no row is denied. `docs/access.md` holds the same table
//! as a role matrix ([`matrix_markdown`]); a test keeps the two equal.

use crate::role::{Permission, Role, ALL_ROLES};

/// One row: requests whose method matches `methods` and whose path matches `pattern` need
/// `permission`. The first matching row decides.
#[derive(Debug, Clone, Copy)]
pub struct RouteRule {
    /// `GET` (also HEAD), `POST`, `PUT`, `PATCH`, `DELETE`, `WRITE` (POST, PUT, PATCH or
    /// DELETE), or `ANY`.
    pub methods: &'static str,
    /// Path segments: a literal, `{name}` (any one segment) or a final `**` (the rest, may be
    /// empty).
    pub pattern: &'static str,
    /// What the caller needs.
    pub permission: Permission,
    /// How many leading bytes of `pattern` every matching path starts with (up to the slash
    /// before the first `{` or `*`), checked before the segment walk.
    literal_head: usize,
}

const fn rule(methods: &'static str, pattern: &'static str, permission: Permission) -> RouteRule {
    RouteRule {
        methods,
        pattern,
        permission,
        literal_head: literal_head(pattern),
    }
}

/// The length of `pattern`'s part that a matching path repeats byte for byte: all of it
/// without wildcards, else up to the slash before the first `{` or `*` (`/a/**` also
/// matches `/a`).
const fn literal_head(pattern: &str) -> usize {
    let bytes = pattern.as_bytes();
    let mut last_slash = 0;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'{' | b'*' => return last_slash,
            b'/' => last_slash = i,
            _ => {}
        }
        i += 1;
    }
    bytes.len()
}

use Permission as P;

/// Every protected route. More specific rows come before the general ones they refine.
pub const ROUTES: &[RouteRule] = &[
    rule("GET", "/api/v1/whoami", P::SelfService),
    rule("POST", "/api/v1/logout", P::Session),
    rule("POST", "/api/v1/users/me/totp", P::Session),
    rule("POST", "/api/v1/users/me/totp/confirm", P::Session),
    rule("ANY", "/api/v1/tokens/**", P::SelfService),
    rule("ANY", "/api/v1/users/**", P::UsersManage),
    rule("ANY", "/api/v1/tenants/**", P::TenantsManage),
    rule("GET", "/api/v1/events", P::EventsSearch),
    rule("GET", "/console/", P::SelfService),
    rule("GET", "/console/live", P::SelfService),
    rule("GET", "/console/search", P::EventsSearch),
    rule("GET", "/console/search.csv", P::EventsSearch),
    rule("GET", "/console/account", P::Session),
    rule("GET", "/console/sources", P::Templates),
    rule("GET", "/console/keys", P::KeysManage),
    rule("GET", "/console/audit", P::AuditRead),
    rule("GET", "/console/admin", P::UsersManage),
    rule("POST", "/api/v1/ingest", P::Ingest),
    rule("GET", "/", P::Ingest),
    rule("WRITE", "/_bulk", P::Ingest),
    rule("WRITE", "/{index}/_bulk", P::Ingest),
    rule("GET", "/api/v1/templates/**", P::Templates),
    rule("WRITE", "/api/v1/templates/**", P::ParsersManage),
    rule("GET", "/api/v1/parsers/**", P::Templates),
    rule("WRITE", "/api/v1/parsers/**", P::ParsersManage),
    rule("GET", "/metrics", P::Metrics),
    rule("POST", "/api/v1/audit/verify", P::AuditRead),
    rule("GET", "/api/v1/audit/**", P::AuditRead),
    rule("GET", "/api/v1/alerts/**", P::AlertsRead),
    rule("WRITE", "/api/v1/alerts/**", P::AlertsWrite),
    rule("GET", "/console/alerts/**", P::AlertsRead),
    rule("GET", "/api/v1/rules/**", P::RulesRead),
    rule("WRITE", "/api/v1/rules/**", P::RulesWrite),
    rule("GET", "/console/rules", P::RulesRead),
    rule("GET", "/api/v1/incidents/**", P::IncidentsRead),
    rule("WRITE", "/api/v1/incidents/**", P::IncidentsWrite),
    rule("GET", "/console/incidents/**", P::IncidentsRead),
    rule("GET", "/api/v1/agents/**", P::AgentsRead),
    rule("WRITE", "/api/v1/agents/**", P::AgentsWrite),
    rule("GET", "/api/v1/posture/**", P::PostureRead),
    rule("WRITE", "/api/v1/posture/**", P::PostureManage),
    rule("GET", "/api/v1/kms/seal-status", P::KmsStatus),
    rule("POST", "/api/v1/kms/unseal", P::KmsSeal),
    rule("POST", "/api/v1/kms/seal", P::KmsSeal),
    rule("POST", "/api/v1/kms/keys/{name}/encrypt", P::KeysUse),
    rule("POST", "/api/v1/kms/keys/{name}/decrypt", P::KeysUse),
    rule("POST", "/api/v1/kms/keys/{name}/rewrap", P::KeysUse),
    rule("POST", "/api/v1/kms/keys/{name}/datakey", P::KeysUse),
    rule(
        "POST",
        "/api/v1/kms/keys/{name}/datakey-wrapped",
        P::KeysUse,
    ),
    rule("POST", "/api/v1/kms/keys/{name}/sign", P::KeysUse),
    rule("POST", "/api/v1/kms/keys/{name}/verify", P::KeysUse),
    rule("POST", "/api/v1/kms/keys/{name}/hmac", P::KeysUse),
    rule("ANY", "/api/v1/kms/**", P::KeysManage),
    rule("WRITE", "/v1/transit/encrypt/**", P::KeysUse),
    rule("WRITE", "/v1/transit/decrypt/**", P::KeysUse),
    rule("WRITE", "/v1/transit/rewrap/**", P::KeysUse),
    rule("WRITE", "/v1/transit/datakey/**", P::KeysUse),
    rule("WRITE", "/v1/transit/sign/**", P::KeysUse),
    rule("WRITE", "/v1/transit/verify/**", P::KeysUse),
    rule("WRITE", "/v1/transit/hmac/**", P::KeysUse),
    rule("ANY", "/v1/transit/**", P::KeysManage),
    rule("WRITE", "/v1/sys/unseal", P::KmsSeal),
    rule("WRITE", "/v1/sys/seal", P::KmsSeal),
];

/// Whether `method` is covered by a row's `methods`.
pub(crate) fn method_matches(methods: &str, method: &str) -> bool {
    match methods {
        "ANY" => true,
        "WRITE" => matches!(method, "POST" | "PUT" | "PATCH" | "DELETE"),
        "GET" => matches!(method, "GET" | "HEAD"),
        other => other == method,
    }
}

/// Whether `path` matches `pattern` (see [`RouteRule::pattern`]).
pub fn path_matches(pattern: &str, path: &str) -> bool {
    let mut want = pattern.split('/').skip(1);
    let mut have = path.split('/').skip(1);
    loop {
        match (want.next(), have.next()) {
            (Some("**"), _) => return true,
            (None, None) => return true,
            (Some(w), Some(h)) => {
                let param = w.starts_with('{') && w.ends_with('}');
                if !(param && !h.is_empty() || w == h) {
                    return false;
                }
            }
            _ => return false,
        }
    }
}

/// The row that decides a request, or `None` (denied: no row covers it).
pub fn rule_for(method: &str, path: &str) -> Option<&'static RouteRule> {
    ROUTES.iter().find(|r| {
        method_matches(r.methods, method)
            && path
                .as_bytes()
                .starts_with(&r.pattern.as_bytes()[..r.literal_head])
            && path_matches(r.pattern, path)
    })
}

/// Whether any of `roles` may make this request ([`Permission::Session`] rows need none).
pub fn allowed(roles: &[Role], method: &str, path: &str) -> bool {
    rule_for(method, path).is_some_and(|r| {
        r.permission == Permission::Session || roles.iter().any(|role| role.grants(r.permission))
    })
}

/// The table as Markdown: one row per route, one column per role (`yes` or `-`).
pub fn matrix_markdown() -> String {
    let mut out = String::from("| method | route |");
    for role in ALL_ROLES {
        out.push_str(&format!(" {role} |"));
    }
    out.push_str("\n|---|---|");
    for _ in ALL_ROLES {
        out.push_str("---|");
    }
    out.push('\n');
    for r in ROUTES {
        out.push_str(&format!("| {} | `{}` |", r.methods, r.pattern));
        for role in ALL_ROLES {
            out.push_str(if role.grants(r.permission) {
                " yes |"
            } else {
                " - |"
            });
        }
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_match_segments() {
        assert!(path_matches("/api/v1/alerts/**", "/api/v1/alerts"));
        assert!(path_matches("/api/v1/alerts/**", "/api/v1/alerts/7/ack"));
        assert!(!path_matches("/api/v1/alerts/**", "/api/v1/alertsx"));
        assert!(path_matches("/{index}/_bulk", "/logs/_bulk"));
        assert!(!path_matches("/{index}/_bulk", "//_bulk"));
        assert!(path_matches("/", "/"));
        assert!(!path_matches("/", "/x"));
        assert!(!path_matches("/api/v1/events", "/api/v1/events/x"));
    }

    #[test]
    fn specific_rows_win_and_unknown_routes_are_denied() {
        let encrypt = rule_for("POST", "/api/v1/kms/keys/k/encrypt").unwrap();
        assert_eq!(encrypt.permission, Permission::KeysUse);
        let rotate = rule_for("POST", "/api/v1/kms/keys/k/rotate").unwrap();
        assert_eq!(rotate.permission, Permission::KeysManage);
        assert!(rule_for("GET", "/api/v1/secret-new-thing").is_none());
        assert!(rule_for("DELETE", "/api/v1/events").is_none());
        assert!(!allowed(&[Role::Operator], "GET", "/api/v1/audit/records"));
        assert!(allowed(&[Role::Auditadmin], "GET", "/api/v1/audit/records"));
        assert!(!allowed(&[Role::Secadmin], "POST", "/v1/transit/encrypt/k"));
        assert!(allowed(&[Role::User], "POST", "/v1/transit/encrypt/k"));
    }

    #[test]
    fn docs_access_md_holds_this_table() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/access.md");
        let doc = std::fs::read_to_string(path).expect("docs/access.md");
        assert!(
            doc.contains(&matrix_markdown()),
            "docs/access.md is out of date; paste this table into it:\n{}",
            matrix_markdown()
        );
    }
}
