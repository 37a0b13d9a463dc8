//! Signed JSON webhooks, shared by the webhook channel and webhook response actions.
//!
//! Each request carries `X-Palisade-Timestamp` (epoch ms) and, when the channel has a secret,
//! `X-Palisade-Signature: sha256=<hex HMAC-SHA-256 over "<timestamp>.<body>">`, so the receiver
//! can check origin and integrity and refuse replays of old requests.

use palisade_core::time::now_ms;
use ring::hmac;
use std::{path::Path, time::Duration};
use zeroize::Zeroizing;

/// Longest response body kept from a webhook.
const MAX_RESPONSE_BYTES: u64 = 16 * 1024;

/// The signature header value for `body` sent at `timestamp` with `secret`.
pub fn signature(secret: &[u8], timestamp: i64, body: &[u8]) -> String {
    let key = hmac::Key::new(hmac::HMAC_SHA256, secret);
    let mut ctx = hmac::Context::with_key(&key);
    ctx.update(timestamp.to_string().as_bytes());
    ctx.update(b".");
    ctx.update(body);
    let tag = ctx.sign();
    let hex: String = tag.as_ref().iter().map(|b| format!("{b:02x}")).collect();
    format!("sha256={hex}")
}

/// Checks a signature header in constant time (for receivers and tests).
pub fn verify(secret: &[u8], timestamp: i64, body: &[u8], header: &str) -> bool {
    let Some(hex) = header.strip_prefix("sha256=") else {
        return false;
    };
    let Some(tag) = decode_hex(hex) else {
        return false;
    };
    let key = hmac::Key::new(hmac::HMAC_SHA256, secret);
    let mut message = timestamp.to_string().into_bytes();
    message.push(b'.');
    message.extend_from_slice(body);
    hmac::verify(&key, &message, &tag).is_ok()
}

fn decode_hex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok())
        .collect()
}

/// Reads a secret file (trailing newline trimmed).
pub fn read_secret(path: &Path) -> Result<Zeroizing<Vec<u8>>, String> {
    let mut bytes = Zeroizing::new(
        std::fs::read(path)
            .map_err(|e| format!("cannot read secret file {}: {e}", path.display()))?,
    );
    while bytes.last().is_some_and(|b| b.is_ascii_whitespace()) {
        bytes.pop();
    }
    Ok(bytes)
}

/// POSTs `body` as JSON to `url`, signed when `secret_file` is set; the status and the
/// (bounded) response body of a 2xx answer, or why it failed.
pub fn post(
    url: &str,
    secret_file: Option<&Path>,
    body: &str,
    timeout: Duration,
) -> Result<(u16, String), String> {
    let timestamp = now_ms();
    let agent = ureq::AgentBuilder::new()
        .timeout(timeout)
        .redirects(0)
        .build();
    let mut request = agent
        .post(url)
        .set("Content-Type", "application/json")
        .set("User-Agent", "palisade-incidents")
        .set("X-Palisade-Timestamp", &timestamp.to_string());
    if let Some(path) = secret_file {
        let secret = read_secret(path)?;
        request = request.set(
            "X-Palisade-Signature",
            &signature(&secret, timestamp, body.as_bytes()),
        );
    }
    let read = |response: ureq::Response| {
        let status = response.status();
        let mut text = String::new();
        let _ = std::io::Read::read_to_string(
            &mut std::io::Read::take(response.into_reader(), MAX_RESPONSE_BYTES),
            &mut text,
        );
        (status, text)
    };
    match request.send_string(body) {
        Ok(response) => Ok(read(response)),
        Err(ureq::Error::Status(code, response)) => {
            let (_, text) = read(response);
            Err(format!("{url} answered {code}: {}", text.trim()))
        }
        Err(e) => Err(format!("cannot reach {url}: {e}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures_verify_and_detect_tampering() {
        let header = signature(b"s3cret", 1700000000000, b"{\"a\":1}");
        assert!(header.starts_with("sha256=") && header.len() == 7 + 64);
        assert!(verify(b"s3cret", 1700000000000, b"{\"a\":1}", &header));
        assert!(!verify(b"s3cret", 1700000000001, b"{\"a\":1}", &header));
        assert!(!verify(b"other", 1700000000000, b"{\"a\":1}", &header));
        assert!(!verify(b"s3cret", 1700000000000, b"{\"a\":2}", &header));
        assert!(!verify(b"s3cret", 1700000000000, b"{\"a\":1}", "sha256=zz"));
    }
}
