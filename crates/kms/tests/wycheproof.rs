//! Wycheproof vectors for every primitive exactly as Palisade uses it: AES-256-GCM and
//! ChaCha20-Poly1305 with 96-bit nonces and 128-bit tags in the `nonce || ciphertext || tag`
//! layout, ECDSA P-256/SHA-256 in DER and fixed encodings, Ed25519, and full-length
//! HMAC-SHA-256. Reads ../shared/corpus/wycheproof beside the repository and skips when absent.

use palisade_kms::{crypto, KeyType, Secret, SignatureEncoding};
use serde_json::Value;
use std::path::PathBuf;

fn corpus_file(name: &str) -> Option<Value> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/corpus/wycheproof")
        .join(name);
    match std::fs::read(&path) {
        Ok(bytes) => Some(serde_json::from_slice(&bytes).expect("Wycheproof file is JSON")),
        Err(_) => {
            eprintln!(
                "SKIP: {} not found (the Wycheproof corpus is not beside this checkout)",
                path.display()
            );
            None
        }
    }
}

fn hex(text: &Value) -> Vec<u8> {
    let s = text.as_str().expect("hex string");
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).expect("hex"))
        .collect()
}

/// Runs every test of every group that `usable` accepts; returns how many ran.
fn each_test(
    file: &Value,
    usable: impl Fn(&Value) -> bool,
    mut check: impl FnMut(&Value, &Value),
) -> usize {
    let mut ran = 0;
    for group in file["testGroups"].as_array().expect("testGroups") {
        if !usable(group) {
            continue;
        }
        for test in group["tests"].as_array().expect("tests") {
            check(group, test);
            ran += 1;
        }
    }
    ran
}

fn aead(file: &str, kind: KeyType) {
    let Some(file) = corpus_file(file) else {
        return;
    };
    let palisade_shape =
        |g: &Value| g["keySize"] == 256 && g["ivSize"] == 96 && g["tagSize"] == 128;
    let ran = each_test(&file, palisade_shape, |_, t| {
        let sealed = [hex(&t["iv"]), hex(&t["ct"]), hex(&t["tag"])].concat();
        let opened = crypto::open(kind, &Secret::new(hex(&t["key"])), &hex(&t["aad"]), &sealed);
        match t["result"].as_str() {
            Some("valid") => assert_eq!(
                opened.expect("valid vector opens"),
                hex(&t["msg"]),
                "tcId {}",
                t["tcId"]
            ),
            Some("invalid") => assert!(opened.is_err(), "invalid vector tcId {} opened", t["tcId"]),
            _ => {}
        }
    });
    assert!(ran > 50, "only {ran} vectors matched Palisade's AEAD shape");
}

#[test]
fn aes_256_gcm() {
    aead("aes_gcm_test.json", KeyType::Aes256Gcm);
}

#[test]
fn chacha20_poly1305() {
    aead("chacha20_poly1305_test.json", KeyType::ChaCha20Poly1305);
}

fn signatures(file: &str, kind: KeyType, encoding: SignatureEncoding) {
    let Some(file) = corpus_file(file) else {
        return;
    };
    let public = |g: &Value| match kind {
        KeyType::Ed25519 => hex(&g["publicKey"]["pk"]),
        _ => hex(&g["publicKey"]["uncompressed"]),
    };
    let sha256 = |g: &Value| kind == KeyType::Ed25519 || g["sha"] == "SHA-256";
    let ran = each_test(&file, sha256, |g, t| {
        let valid = crypto::verify_with_public(
            kind,
            &public(g),
            &hex(&t["msg"]),
            &hex(&t["sig"]),
            encoding,
        )
        .unwrap();
        match t["result"].as_str() {
            Some("valid") => assert!(valid, "valid signature tcId {} refused", t["tcId"]),
            Some("invalid") => assert!(!valid, "invalid signature tcId {} accepted", t["tcId"]),
            _ => {}
        }
    });
    assert!(ran > 100, "only {ran} signature vectors ran");
}

#[test]
fn ecdsa_p256_sha256_der() {
    signatures(
        "ecdsa_secp256r1_sha256_test.json",
        KeyType::EcdsaP256,
        SignatureEncoding::Der,
    );
}

#[test]
fn ecdsa_p256_sha256_fixed() {
    signatures(
        "ecdsa_secp256r1_sha256_p1363_test.json",
        KeyType::EcdsaP256,
        SignatureEncoding::Fixed,
    );
}

#[test]
fn ed25519_verify() {
    signatures(
        "ed25519_test.json",
        KeyType::Ed25519,
        SignatureEncoding::Der,
    );
}

#[test]
fn ed25519_sign_from_stored_seed_matches_rfc8032() {
    // RFC 8032 section 7.1, test 1: Palisade stores the 32-byte seed as the key material.
    let seed = hex(&"9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60".into());
    let public = hex(&"d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a".into());
    let sig = hex(&"e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b".into());
    let seed = Secret::new(seed);
    assert_eq!(
        crypto::public_key(KeyType::Ed25519, &seed)
            .unwrap()
            .unwrap(),
        public
    );
    assert_eq!(
        crypto::sign(KeyType::Ed25519, &seed, b"", SignatureEncoding::Der).unwrap(),
        sig
    );
}

#[test]
fn hmac_sha256_full_tag() {
    let Some(file) = corpus_file("hmac_sha256_test.json") else {
        return;
    };
    let ran = each_test(
        &file,
        |g| g["tagSize"] == 256,
        |_, t| {
            let key = Secret::new(hex(&t["key"]));
            let (msg, tag) = (hex(&t["msg"]), hex(&t["tag"]));
            let ok = crypto::hmac_verify(&key, &msg, &tag);
            match t["result"].as_str() {
                Some("valid") => {
                    assert!(ok, "tcId {}", t["tcId"]);
                    assert_eq!(crypto::hmac_sign(&key, &msg), tag);
                }
                Some("invalid") => assert!(!ok, "invalid tag tcId {} accepted", t["tcId"]),
                _ => {}
            }
        },
    );
    assert!(ran > 20, "only {ran} HMAC vectors ran");
}
