//! TOTP second factor (RFC 6238: HMAC-SHA1, 6 digits, 30-second steps, one step of clock
//! skew either way), with replay protection: a code's time step must be newer than the last
//! one accepted for the account.

use subtle::ConstantTimeEq;
use totp_rs::{Algorithm, Secret, TOTP};

/// Seconds per TOTP step.
pub const STEP_SECS: u64 = 30;

/// A fresh 160-bit secret, base32 (what authenticator apps take).
pub fn new_secret() -> String {
    let mut bytes = [0u8; 20];
    rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, &mut bytes);
    Secret::Raw(bytes.to_vec()).to_encoded().to_string()
}

fn totp(secret_b32: &str) -> Result<TOTP, String> {
    let bytes = Secret::Encoded(secret_b32.to_owned())
        .to_bytes()
        .map_err(|_| "stored TOTP secret is not base32".to_string())?;
    TOTP::new(Algorithm::SHA1, 6, 1, STEP_SECS, bytes).map_err(|e| format!("TOTP secret: {e}"))
}

/// The code for `unix_secs` (for enrolment checks and tests).
pub fn code_at(secret_b32: &str, unix_secs: u64) -> Result<String, String> {
    Ok(totp(secret_b32)?.generate(unix_secs))
}

/// The time step a presented code belongs to (now, or one step either side), compared in
/// constant time; `None` when it matches none.
pub fn matching_step(secret_b32: &str, code: &str, unix_secs: u64) -> Option<u64> {
    let totp = totp(secret_b32).ok()?;
    let now_step = unix_secs / STEP_SECS;
    let mut found = None;
    for step in [now_step.saturating_sub(1), now_step, now_step + 1] {
        let expected = totp.generate(step * STEP_SECS);
        if bool::from(expected.as_bytes().ct_eq(code.trim().as_bytes())) {
            found = Some(step);
        }
    }
    found
}

/// The `otpauth://` URI an authenticator app enrols from.
pub fn otpauth_uri(secret_b32: &str, tenant: &str, user: &str) -> String {
    format!(
        "otpauth://totp/Palisade:{tenant}%2F{user}?secret={secret_b32}&issuer=Palisade&algorithm=SHA1&digits=6&period={STEP_SECS}"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc6238_sha1_vector() {
        // RFC 6238 appendix B: secret "12345678901234567890", T = 59 -> 94287082 (8 digits);
        // the 6-digit code is its last six digits.
        let secret = Secret::Raw(b"12345678901234567890".to_vec())
            .to_encoded()
            .to_string();
        assert_eq!(code_at(&secret, 59).unwrap(), "287082");
    }

    #[test]
    fn codes_match_their_step_with_skew() {
        let secret = new_secret();
        let now = 1_700_000_000;
        let code = code_at(&secret, now).unwrap();
        assert_eq!(matching_step(&secret, &code, now), Some(now / STEP_SECS));
        assert_eq!(
            matching_step(&secret, &code, now + STEP_SECS),
            Some(now / STEP_SECS)
        );
        assert_eq!(matching_step(&secret, &code, now + 3 * STEP_SECS), None);
        assert_eq!(matching_step(&secret, "000000x", now), None);
    }
}
