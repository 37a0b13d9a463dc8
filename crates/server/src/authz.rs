//! Authorization, the step between authentication and the audit record: the route table
//! ([`palisade_iam::access::ROUTES`]) names the permission a request needs (no row: denied),
//! and a `tenant` query parameter naming another tenant is refused unless the caller is an
//! operator. Handlers scope everything else by the caller's tenant.

use axum::{extract::Query, http::Uri};
use palisade_iam::{access, Identity};

/// Allows or refuses a request; the error says why.
pub fn authorize(identity: &Identity, method: &str, uri: &Uri) -> Result<(), String> {
    let path = uri.path();
    let Some(rule) = access::rule_for(method, path) else {
        return Err(format!(
            "{method} {path} is not an API route anyone may call"
        ));
    };
    if !identity.can(rule.permission) {
        return Err(format!(
            "{} (acting as {}) lacks {:?}, which {method} {} needs",
            identity.user,
            palisade_iam::role::roles_text(&identity.roles),
            rule.permission,
            rule.pattern
        ));
    }
    if identity.is_operator() {
        return Ok(());
    }
    let Query(params) = Query::<Vec<(String, String)>>::try_from_uri(uri)
        .map_err(|e| format!("malformed query string: {e}"))?;
    for (key, value) in params {
        if key == "tenant" && value != identity.tenant.as_str() {
            return Err(format!("not allowed to act in tenant {value:?}"));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use palisade_iam::{Credential, Role};

    fn who(role: Role) -> Identity {
        Identity {
            user_id: 1,
            user: "u".into(),
            tenant: palisade_core::TenantId::new("acme").unwrap(),
            roles: vec![role],
            credential: Credential::Token("t".into()),
        }
    }

    fn uri(text: &str) -> Uri {
        text.parse().unwrap()
    }

    #[test]
    fn roles_and_tenants_are_checked() {
        let user = who(Role::User);
        assert!(authorize(&user, "GET", &uri("/api/v1/events?q=x")).is_ok());
        assert!(authorize(&user, "GET", &uri("/api/v1/events?tenant=acme")).is_ok());
        let foreign = authorize(&user, "GET", &uri("/api/v1/events?tenant=other")).unwrap_err();
        assert!(foreign.contains("other"), "{foreign}");
        assert!(authorize(&user, "GET", &uri("/api/v1/events?tenant=%2A")).is_err());
        assert!(authorize(&user, "GET", &uri("/api/v1/audit/records")).is_err());
        assert!(authorize(&user, "GET", &uri("/api/v1/unknown")).is_err());
        let operator = who(Role::Operator);
        assert!(authorize(&operator, "GET", &uri("/api/v1/events?tenant=*")).is_ok());
        assert!(authorize(&operator, "GET", &uri("/api/v1/audit/records")).is_err());
    }
}
