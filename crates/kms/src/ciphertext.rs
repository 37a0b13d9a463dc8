//! The `vault:vN:<base64>` text form of ciphertexts, signatures and HMACs, as HashiCorp Vault's
//! transit engine writes them, so existing clients can store and pass them unchanged.

use crate::error::KmsError;
use base64::{engine::general_purpose::STANDARD, Engine};

/// Formats `bytes` made with key version `version`.
pub fn format(version: u32, bytes: &[u8]) -> String {
    format!("vault:v{version}:{}", STANDARD.encode(bytes))
}

/// Splits `vault:vN:<base64>` into the version and the decoded bytes.
pub fn parse(text: &str) -> Result<(u32, Vec<u8>), KmsError> {
    let bad =
        |why: &str| KmsError::BadInput(format!("malformed value: {why} (want vault:vN:<base64>)"));
    let rest = text
        .strip_prefix("vault:v")
        .ok_or_else(|| bad("no vault:v prefix"))?;
    let (version, body) = rest.split_once(':').ok_or_else(|| bad("no version"))?;
    let version: u32 = version
        .parse()
        .map_err(|_| bad("version is not a number"))?;
    if version == 0 {
        return Err(bad("version 0 does not exist"));
    }
    let bytes = STANDARD
        .decode(body)
        .map_err(|_| bad("body is not base64"))?;
    Ok((version, bytes))
}

/// Decodes standard base64 input, naming the field in the error.
pub fn decode_b64(field: &str, text: &str) -> Result<Vec<u8>, KmsError> {
    STANDARD
        .decode(text)
        .map_err(|_| KmsError::BadInput(format!("{field} must be base64")))
}

/// Encodes bytes as standard base64.
pub fn encode_b64(bytes: &[u8]) -> String {
    STANDARD.encode(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn round_trips_and_refuses_malformed() {
        let text = format(7, b"abc");
        assert_eq!(text, "vault:v7:YWJj");
        assert_eq!(parse(&text).unwrap(), (7, b"abc".to_vec()));
        for bad in [
            "",
            "vault:",
            "vault:v:YWJj",
            "vault:v0:YWJj",
            "vault:vx:YWJj",
            "vault:v1:***",
            "v1:YWJj",
        ] {
            assert!(parse(bad).is_err(), "{bad:?} accepted");
        }
    }

    proptest! {
        #[test]
        fn never_panics(text in ".*") {
            let _ = parse(&text);
        }
    }
}
