//! `[kms.pkcs11]`: the hardware security module that keeps the key service's root key wrapped
//! under a key that never leaves it (the `pkcs11` seal, docs/kms.md).
//!
//! The PIN is never written here: it is read from the file `pin_file` or, when that is unset,
//! from the environment variable named by `pin_env`.

use serde::{Deserialize, Serialize};
use std::path::PathBuf;

/// The SoftHSM2 module as Debian installs it.
pub const DEFAULT_PKCS11_MODULE: &str = "/usr/lib/softhsm/libsofthsm2.so";
/// The environment variable holding the token PIN when no `pin_file` is set.
pub const DEFAULT_PKCS11_PIN_ENV: &str = "PALISADE_PKCS11_PIN";

/// `[kms.pkcs11]`
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(default, deny_unknown_fields)]
pub struct Pkcs11Config {
    /// Path of the PKCS#11 module (shared library) to load.
    pub module: PathBuf,
    /// Label of the token that holds the wrapping key (used when `slot` is unset).
    pub token_label: String,
    /// Slot id of the token; overrides `token_label` when set.
    pub slot: Option<u64>,
    /// File whose first line is the user PIN of the token.
    pub pin_file: Option<PathBuf>,
    /// Environment variable holding the user PIN when `pin_file` is unset.
    pub pin_env: String,
    /// Label of the AES wrapping key inside the token (created at `operator init` if absent).
    pub key_label: String,
}

impl Default for Pkcs11Config {
    fn default() -> Self {
        Pkcs11Config {
            module: PathBuf::from(DEFAULT_PKCS11_MODULE),
            token_label: "palisade".to_owned(),
            slot: None,
            pin_file: None,
            pin_env: DEFAULT_PKCS11_PIN_ENV.to_owned(),
            key_label: "palisade-root-wrap".to_owned(),
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::config::Config;

    #[test]
    fn the_section_parses_defaults_apply_and_a_pin_key_is_refused() {
        let config = Config::parse(
            "[kms.pkcs11]\ntoken_label = \"hsm1\"\npin_file = \"/etc/palisade/hsm.pin\"\n",
        )
        .unwrap();
        let hsm = &config.kms.pkcs11;
        assert_eq!(hsm.token_label, "hsm1");
        assert_eq!(hsm.module.to_str(), Some(super::DEFAULT_PKCS11_MODULE));
        assert_eq!(hsm.pin_env, super::DEFAULT_PKCS11_PIN_ENV);
        assert!(Config::parse("[kms]\nencrypt_at_rest = true\n").is_ok());
        let err = Config::parse("[kms.pkcs11]\npin = \"1234\"\n").unwrap_err();
        assert!(err.to_string().contains("unknown field `pin`"), "{err}");
    }
}
