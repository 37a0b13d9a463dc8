//! The sign-in page: a form (with a login CSRF token bound to a short-lived cookie) that
//! goes through the API's own login (`POST /api/v1/login`: password, TOTP, lockout, audit
//! record), then keeps the session cookie and hands the session's CSRF token to the pages.

use super::{cookie_in, html, CSRF_COOKIE};
use crate::api::{iam::login::LoginBody, ApiState};
use axum::{
    body::to_bytes,
    extract::{ConnectInfo, State},
    http::{header, HeaderMap, HeaderValue, StatusCode},
    response::{IntoResponse, Redirect, Response},
    Form, Json,
};
use palisade_console::pages::LoginPage;
use serde::Deserialize;
use std::{net::SocketAddr, sync::Arc};
use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

/// The pre-login cookie holding the form's CSRF token.
const LOGIN_CSRF_COOKIE: &str = "palisade_login_csrf";

/// What the sign-in form posts.
#[derive(Deserialize)]
pub struct SignIn {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    tenant: String,
    #[serde(default)]
    user: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    totp: String,
}

/// A fresh sign-in form with a new login CSRF token.
fn form_page(status: StatusCode, tenant: &str, user: &str, error: Option<String>) -> Response {
    let csrf = crate::auth::new_request_id();
    let page = LoginPage {
        csrf: csrf.clone(),
        tenant: if tenant.is_empty() { "default" } else { tenant }.to_owned(),
        user: user.to_owned(),
        error,
    };
    let mut response = html(status, &page);
    let cookie = format!(
        "{LOGIN_CSRF_COOKIE}={csrf}; Path=/console/login; Max-Age=900; Secure; HttpOnly; SameSite=Strict"
    );
    if let Ok(value) = HeaderValue::from_str(&cookie) {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
    response
}

/// `GET /console/login`.
pub async fn form() -> Response {
    form_page(StatusCode::OK, "", "", None)
}

/// `POST /console/login`: signs in and redirects to the overview, or shows the form again
/// with the reason.
pub async fn submit(
    State(state): State<Arc<ApiState>>,
    peer: ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Form(form): Form<SignIn>,
) -> Response {
    let expected = cookie_in(&headers, LOGIN_CSRF_COOKIE).unwrap_or_default();
    let fresh = !expected.is_empty() && bool::from(expected.as_bytes().ct_eq(form.csrf.as_bytes()));
    if !fresh {
        let why = "the sign-in form expired or was not sent from this page; try again";
        return form_page(
            StatusCode::FORBIDDEN,
            &form.tenant,
            &form.user,
            Some(why.into()),
        );
    }
    let body = LoginBody {
        tenant: Some(form.tenant.clone()).filter(|t| !t.is_empty()),
        user: form.user.clone(),
        password: form.password,
        totp: Some(form.totp.trim().to_owned()).filter(|t| !t.is_empty()),
    };
    let answer = crate::api::iam::login::login(State(state), peer, Json(body)).await;
    let status = answer.status();
    let cookies: Vec<HeaderValue> = answer
        .headers()
        .get_all(header::SET_COOKIE)
        .iter()
        .cloned()
        .collect();
    let parsed = match to_bytes(answer.into_body(), 64 * 1024).await {
        Ok(bytes) => serde_json::from_slice::<serde_json::Value>(&bytes).unwrap_or_default(),
        Err(_) => serde_json::Value::Null,
    };
    if status != StatusCode::OK {
        let why = parsed["error"]
            .as_str()
            .unwrap_or("sign-in failed")
            .to_owned();
        return form_page(status, &form.tenant, &form.user, Some(why));
    }
    let csrf = Zeroizing::new(parsed["csrf_token"].as_str().unwrap_or_default().to_owned());
    let max_age =
        (parsed["expires_ms"].as_i64().unwrap_or(0) - palisade_core::time::now_ms()) / 1000;
    let landing = if parsed["totp_enrolment_required"].as_bool() == Some(true) {
        "/console/account"
    } else {
        "/console/"
    };
    let mut response = Redirect::to(landing).into_response();
    let headers = response.headers_mut();
    for cookie in cookies {
        headers.append(header::SET_COOKIE, cookie);
    }
    let csrf_cookie = format!(
        "{CSRF_COOKIE}={}; Path=/console; Max-Age={max_age}; Secure; HttpOnly; SameSite=Strict",
        csrf.as_str()
    );
    if let Ok(value) = HeaderValue::from_str(&csrf_cookie) {
        headers.append(header::SET_COOKIE, value);
    }
    let spent = format!("{LOGIN_CSRF_COOKIE}=; Path=/console/login; Max-Age=0");
    if let Ok(value) = HeaderValue::from_str(&spent) {
        headers.append(header::SET_COOKIE, value);
    }
    response
}
