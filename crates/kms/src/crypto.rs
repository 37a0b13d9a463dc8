//! Every primitive, from `ring`: AEAD, signatures, HMAC, key derivation and randomness.
//! Nothing here implements a primitive; these functions fix how Palisade uses each one.

use crate::{error::KmsError, keytype::KeyType, secret::Secret};
use ring::{
    aead, hmac,
    rand::{SecureRandom, SystemRandom},
    signature::{self, KeyPair},
};

/// Length of the random nonce prepended to every ciphertext.
pub const NONCE_LEN: usize = 12;
/// Length of the authentication tag appended to every ciphertext.
pub const TAG_LEN: usize = 16;

/// Fills `buf` from the operating system's CSPRNG.
pub fn fill_random(buf: &mut [u8]) {
    // The OS generator failing is not a condition a key service can continue from.
    SystemRandom::new()
        .fill(buf)
        .expect("the operating system's random number generator failed");
}

fn aead_algorithm(kind: KeyType) -> Result<&'static aead::Algorithm, KmsError> {
    match kind {
        KeyType::Aes256Gcm => Ok(&aead::AES_256_GCM),
        KeyType::ChaCha20Poly1305 => Ok(&aead::CHACHA20_POLY1305),
        other => Err(KmsError::Refused(format!(
            "a {} key cannot encrypt or decrypt",
            other.name()
        ))),
    }
}

fn aead_key(kind: KeyType, key: &Secret) -> Result<aead::LessSafeKey, KmsError> {
    let unbound = aead::UnboundKey::new(aead_algorithm(kind)?, key.expose())
        .map_err(|_| KmsError::Crypto("key material has the wrong length".into()))?;
    Ok(aead::LessSafeKey::new(unbound))
}

/// Encrypts with a fresh random nonce; returns `nonce || ciphertext || tag`.
pub fn seal(kind: KeyType, key: &Secret, aad: &[u8], plain: &[u8]) -> Result<Vec<u8>, KmsError> {
    let key = aead_key(kind, key)?;
    let mut nonce = [0u8; NONCE_LEN];
    fill_random(&mut nonce);
    let mut out = Vec::with_capacity(NONCE_LEN + plain.len() + TAG_LEN);
    out.extend_from_slice(&nonce);
    out.extend_from_slice(plain);
    let tag = key
        .seal_in_place_separate_tag(
            aead::Nonce::assume_unique_for_key(nonce),
            aead::Aad::from(aad),
            &mut out[NONCE_LEN..],
        )
        .map_err(|_| KmsError::Crypto("encryption failed".into()))?;
    out.extend_from_slice(tag.as_ref());
    Ok(out)
}

/// Decrypts `nonce || ciphertext || tag` written by [`seal`] with the same associated data.
pub fn open(kind: KeyType, key: &Secret, aad: &[u8], sealed: &[u8]) -> Result<Vec<u8>, KmsError> {
    let key = aead_key(kind, key)?;
    let failed = || KmsError::Crypto("decryption failed: wrong key, context or ciphertext".into());
    if sealed.len() < NONCE_LEN + TAG_LEN {
        return Err(failed());
    }
    let (nonce, body) = sealed.split_at(NONCE_LEN);
    let nonce = aead::Nonce::try_assume_unique_for_key(nonce).map_err(|_| failed())?;
    let mut buf = body.to_vec();
    let plain_len = key
        .open_in_place(nonce, aead::Aad::from(aad), &mut buf)
        .map_err(|_| failed())?
        .len();
    buf.truncate(plain_len);
    Ok(buf)
}

/// How an ECDSA signature is encoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SignatureEncoding {
    /// ASN.1 DER `SEQUENCE { r, s }` (Vault's default `asn1`).
    #[default]
    Der,
    /// Fixed-width `r || s` (IEEE P1363, Vault's `jws`).
    Fixed,
}

fn ecdsa_algorithms(
    encoding: SignatureEncoding,
) -> (
    &'static signature::EcdsaSigningAlgorithm,
    &'static signature::EcdsaVerificationAlgorithm,
) {
    match encoding {
        SignatureEncoding::Der => (
            &signature::ECDSA_P256_SHA256_ASN1_SIGNING,
            &signature::ECDSA_P256_SHA256_ASN1,
        ),
        SignatureEncoding::Fixed => (
            &signature::ECDSA_P256_SHA256_FIXED_SIGNING,
            &signature::ECDSA_P256_SHA256_FIXED,
        ),
    }
}

/// A new P-256 private key as a PKCS#8 document.
pub fn generate_ecdsa_pkcs8() -> Result<Secret, KmsError> {
    let (alg, _) = ecdsa_algorithms(SignatureEncoding::Der);
    signature::EcdsaKeyPair::generate_pkcs8(alg, &SystemRandom::new())
        .map(|doc| Secret::new(doc.as_ref().to_vec()))
        .map_err(|_| KmsError::Crypto("ECDSA key generation failed".into()))
}

fn ecdsa_pair(
    key: &Secret,
    encoding: SignatureEncoding,
) -> Result<signature::EcdsaKeyPair, KmsError> {
    let (alg, _) = ecdsa_algorithms(encoding);
    signature::EcdsaKeyPair::from_pkcs8(alg, key.expose(), &SystemRandom::new())
        .map_err(|_| KmsError::BadInput("not a valid PKCS#8 P-256 private key".into()))
}

/// The uncompressed public point of a P-256 private key.
pub fn ecdsa_public_key(key: &Secret) -> Result<Vec<u8>, KmsError> {
    Ok(ecdsa_pair(key, SignatureEncoding::Der)?
        .public_key()
        .as_ref()
        .to_vec())
}

fn ed25519_pair(seed: &Secret) -> Result<signature::Ed25519KeyPair, KmsError> {
    signature::Ed25519KeyPair::from_seed_unchecked(seed.expose())
        .map_err(|_| KmsError::Crypto("Ed25519 seed must be 32 bytes".into()))
}

/// The public key of a signing key (`None` for symmetric keys).
pub fn public_key(kind: KeyType, key: &Secret) -> Result<Option<Vec<u8>>, KmsError> {
    match kind {
        KeyType::Ed25519 => Ok(Some(ed25519_pair(key)?.public_key().as_ref().to_vec())),
        KeyType::EcdsaP256 => ecdsa_public_key(key).map(Some),
        _ => Ok(None),
    }
}

/// Signs `message` (hashed with SHA-512 inside Ed25519, SHA-256 for ECDSA).
pub fn sign(
    kind: KeyType,
    key: &Secret,
    message: &[u8],
    encoding: SignatureEncoding,
) -> Result<Vec<u8>, KmsError> {
    match kind {
        KeyType::Ed25519 => Ok(ed25519_pair(key)?.sign(message).as_ref().to_vec()),
        KeyType::EcdsaP256 => ecdsa_pair(key, encoding)?
            .sign(&SystemRandom::new(), message)
            .map(|s| s.as_ref().to_vec())
            .map_err(|_| KmsError::Crypto("ECDSA signing failed".into())),
        other => Err(KmsError::Refused(format!(
            "a {} key cannot sign",
            other.name()
        ))),
    }
}

/// Checks a signature against a public key of `kind`.
pub fn verify_with_public(
    kind: KeyType,
    public: &[u8],
    message: &[u8],
    sig: &[u8],
    encoding: SignatureEncoding,
) -> Result<bool, KmsError> {
    let alg: &dyn signature::VerificationAlgorithm = match kind {
        KeyType::Ed25519 => &signature::ED25519,
        KeyType::EcdsaP256 => ecdsa_algorithms(encoding).1,
        other => {
            return Err(KmsError::Refused(format!(
                "a {} key cannot verify signatures",
                other.name()
            )))
        }
    };
    Ok(signature::UnparsedPublicKey::new(alg, public)
        .verify(message, sig)
        .is_ok())
}

/// HMAC-SHA-256 of `message`.
pub fn hmac_sign(key: &Secret, message: &[u8]) -> Vec<u8> {
    hmac::sign(&hmac::Key::new(hmac::HMAC_SHA256, key.expose()), message)
        .as_ref()
        .to_vec()
}

/// Checks an HMAC-SHA-256 tag in constant time.
pub fn hmac_verify(key: &Secret, message: &[u8], tag: &[u8]) -> bool {
    hmac::verify(
        &hmac::Key::new(hmac::HMAC_SHA256, key.expose()),
        message,
        tag,
    )
    .is_ok()
}

/// Derives a 256-bit key from a passphrase with PBKDF2-HMAC-SHA-256.
pub fn derive_from_passphrase(passphrase: &[u8], salt: &[u8], iterations: u32) -> Secret {
    let mut out = vec![0u8; 32];
    let rounds = std::num::NonZeroU32::new(iterations.max(1)).unwrap_or(std::num::NonZeroU32::MIN);
    ring::pbkdf2::derive(
        ring::pbkdf2::PBKDF2_HMAC_SHA256,
        rounds,
        salt,
        passphrase,
        &mut out,
    );
    Secret::new(out)
}
