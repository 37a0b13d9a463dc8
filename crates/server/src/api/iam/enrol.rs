//! `/api/v1/users/me/totp`: a signed-in account enrols its own TOTP second factor. Begin
//! answers a fresh secret, its `otpauth://` URI and that URI as a QR code (SVG), to this
//! account only; confirm with a current code makes it the account's second factor.

use super::{answer, blocking, Caller};
use crate::api::ApiState;
use axum::{extract::State, response::Response, Json};
use palisade_iam::{Credential, IamError, Identity};
use serde::Deserialize;
use serde_json::json;
use std::sync::Arc;

/// Enrolment binds a second factor to password sign-ins, so it needs a session.
fn session_only(caller: &Identity) -> Result<(), IamError> {
    match caller.credential {
        Credential::Session(_) => Ok(()),
        Credential::Token(_) => Err(IamError::BadInput(
            "a second factor is enrolled from a signed-in session, not with an API token".into(),
        )),
    }
}

/// `POST /api/v1/users/me/totp`: `{"secret", "uri", "qr_svg"}`, pending until confirmed.
pub async fn begin(State(state): State<Arc<ApiState>>, Caller(caller): Caller) -> Response {
    let iam = state.iam.clone();
    answer(
        blocking(move || {
            session_only(&caller)?;
            let offer = iam.begin_totp_enrolment(caller.user_id)?;
            let qr = palisade_console::qr::svg(&offer.uri, "TOTP enrolment QR code")
                .map_err(IamError::BadInput)?;
            Ok(json!({
                "secret": offer.secret.as_str(),
                "uri": offer.uri.as_str(),
                "qr_svg": qr,
            }))
        })
        .await,
    )
}

/// Body of `POST /api/v1/users/me/totp/confirm`.
#[derive(Deserialize)]
pub struct ConfirmBody {
    /// The 6-digit code the authenticator app shows.
    code: String,
}

/// `POST /api/v1/users/me/totp/confirm {"code"}`: the account as it is now enrolled.
pub async fn confirm(
    State(state): State<Arc<ApiState>>,
    Caller(caller): Caller,
    Json(body): Json<ConfirmBody>,
) -> Response {
    let iam = state.iam.clone();
    answer(
        blocking(move || {
            session_only(&caller)?;
            let user = iam.confirm_totp_enrolment(caller.user_id, &body.code)?;
            Ok(json!({ "user": user }))
        })
        .await,
    )
}
