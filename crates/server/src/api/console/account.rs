//! The account page (`/console/account`): the signed-in account's second factor, enrolled
//! through the API's self-enrolment routes (`/api/v1/users/me/totp`) from the page's script.
//! A session that must enrol before anything else lands here after sign-in.

use super::{html, session_of};
use crate::api::ApiState;
use axum::{
    extract::State,
    http::{HeaderMap, StatusCode},
    response::Response,
    Extension,
};
use palisade_console::pages::admin::AccountPage;
use palisade_iam::Identity;
use std::sync::Arc;

/// `GET /console/account`.
pub async fn page(
    State(state): State<Arc<ApiState>>,
    Extension(identity): Extension<Identity>,
    headers: HeaderMap,
) -> Response {
    let iam = state.iam.clone();
    let id = identity.user_id;
    let user = tokio::task::spawn_blocking(move || iam.user_by_id(id)).await;
    let enrolled = match user {
        Ok(Ok(user)) => user.totp_enrolled,
        Ok(Err(e)) => return crate::api::error(StatusCode::NOT_FOUND, e.to_string()),
        Err(e) => return crate::api::error(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()),
    };
    let page = AccountPage {
        session: session_of(&identity, &headers, "/console/account"),
        totp_enrolled: enrolled,
        enrolment_required: identity.roles.is_empty(),
    };
    html(StatusCode::OK, &page)
}
