//! The web console under `/console/` (docs/console.md): the pages of `palisade-console`,
//! fed from the same state the API reads. Pages go through the same authentication (the
//! session cookie), route-table authorization and audit as the API; a page opened without a
//! valid session redirects to the sign-in page.

mod account;
mod admin;
mod alerts;
mod audit;
mod data;
mod facets;
mod incident;
mod incidents;
mod keys;
mod live;
mod login;
mod overview;
mod rules;
mod search;
mod soc;
mod sources;

use super::ApiState;
use axum::{
    extract::Path,
    http::{header, HeaderMap, HeaderValue, StatusCode},
    middleware,
    response::{IntoResponse, Redirect, Response},
    routing::get,
    Router,
};
use palisade_console::{
    pages::{NavItem, Session},
    Template,
};
use palisade_iam::Identity;
use std::sync::Arc;

/// The cookie that hands the session's CSRF token back to the pages (same lifetime as the
/// session cookie; never readable by scripts).
const CSRF_COOKIE: &str = "palisade_csrf";

/// Every page of the menu, in order; each is shown only to roles the route table lets open it.
const PAGES: &[(&str, &str)] = &[
    ("Overview", "/console/"),
    ("Search", "/console/search"),
    ("Alerts", "/console/alerts"),
    ("Incidents", "/console/incidents"),
    ("Rules", "/console/rules"),
    ("Sources", "/console/sources"),
    ("Keys", "/console/keys"),
    ("Audit", "/console/audit"),
    ("Admin", "/console/admin"),
    ("Account", "/console/account"),
];

/// Routes anyone may reach: the sign-in page and the static assets.
pub fn public_routes() -> Router<Arc<ApiState>> {
    Router::new()
        .route("/console", get(|| async { Redirect::to("/console/") }))
        .route("/console/login", get(login::form).post(login::submit))
        .route("/console/assets/{name}", get(asset))
}

/// The pages behind the session, with the server's authentication and audit middleware; a
/// request it refuses as unauthenticated is sent to the sign-in page.
pub fn routes(state: Arc<ApiState>) -> Router<Arc<ApiState>> {
    Router::new()
        .route("/console/", get(overview::page))
        .route("/console/search", get(search::page))
        .route("/console/search.csv", get(search::csv))
        .route("/console/live", get(live::stream))
        .route("/console/alerts", get(alerts::list))
        .route("/console/alerts/{id}", get(alerts::one))
        .route("/console/incidents", get(incidents::list))
        .route("/console/incidents/{id}", get(incident::one))
        .route("/console/rules", get(rules::page))
        .route("/console/account", get(account::page))
        .route("/console/sources", get(sources::page))
        .route("/console/keys", get(keys::page))
        .route("/console/audit", get(audit::page))
        .route("/console/admin", get(admin::page))
        .layer(middleware::from_fn_with_state(
            state,
            crate::auth::authenticate,
        ))
        .layer(middleware::map_response(to_sign_in))
}

/// Turns "who are you?" into a redirect to the sign-in page.
async fn to_sign_in(response: Response) -> Response {
    if response.status() == StatusCode::UNAUTHORIZED {
        return Redirect::to("/console/login").into_response();
    }
    response
}

async fn asset(Path(name): Path<String>) -> Response {
    match palisade_console::assets::by_name(&name) {
        Some(a) => (
            [
                (header::CONTENT_TYPE, a.content_type),
                (header::CACHE_CONTROL, "max-age=300"),
            ],
            a.body,
        )
            .into_response(),
        None => (StatusCode::NOT_FOUND, "no such asset").into_response(),
    }
}

/// Who is signed in and the menu their roles may see; `current` marks the page shown.
fn session_of(identity: &Identity, headers: &HeaderMap, current: &str) -> Session {
    let nav = PAGES
        .iter()
        .filter(|(_, href)| palisade_iam::access::allowed(&identity.roles, "GET", href))
        .map(|&(label, href)| NavItem {
            label,
            href,
            active: href == current,
        })
        .collect();
    Session {
        user: identity.user.clone(),
        tenant: identity.tenant.to_string(),
        roles: palisade_iam::role::roles_text(&identity.roles),
        csrf: cookie_in(headers, CSRF_COOKIE).unwrap_or_default(),
        nav,
    }
}

/// The value of cookie `name` among the request's `Cookie` headers.
fn cookie_in(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_owned())
}

/// A rendered page (or a 500 saying the template failed), never cached.
fn html(status: StatusCode, page: &impl Template) -> Response {
    match page.render() {
        Ok(body) => {
            let mut response = (
                status,
                [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
                body,
            )
                .into_response();
            response
                .headers_mut()
                .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            response
        }
        Err(e) => super::error(
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("console page failed to render: {e}"),
        ),
    }
}
