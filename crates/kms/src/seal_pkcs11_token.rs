//! The token behind the `pkcs11` seal: loads the PKCS#11 module, finds the token, logs in with
//! the PIN, finds (or creates) the AES-256 wrapping key — sensitive and non-extractable, so it
//! never leaves the token — and runs AES-GCM with it inside the token.

use crate::{
    error::{KmsError, KmsResult},
    secret::Secret,
};
use cryptoki::{
    context::{CInitializeArgs, CInitializeFlags, Pkcs11},
    error::{Error as CkError, RvError},
    mechanism::{aead::GcmParams, Mechanism},
    object::{Attribute, KeyType, ObjectClass, ObjectHandle},
    session::{Session, UserType},
    slot::Slot,
    types::AuthPin,
};
use palisade_core::pkcs11_config::Pkcs11Config;
use std::sync::Mutex;
use zeroize::Zeroizing;

/// A PKCS#11 module is initialised once per process at a time: every use takes this lock,
/// initialises, works, and finalises.
static MODULE_LOCK: Mutex<()> = Mutex::new(());

/// AES-GCM nonce length in bytes.
pub const GCM_IV_LEN: usize = 12;

/// Whether [`with_wrapping_key`] may create the wrapping key when the token lacks it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyPolicy {
    /// Create it (at `operator init`).
    CreateIfAbsent,
    /// It must already exist (at every start).
    MustExist,
}

/// The wrapping key inside a logged-in session.
pub struct WrappingKey<'a> {
    session: &'a Session,
    handle: ObjectHandle,
}

impl WrappingKey<'_> {
    /// Encrypts `plain` with AES-GCM inside the token under the nonce `iv`, binding `aad`;
    /// returns the ciphertext followed by the 16-byte tag.
    pub fn seal(&self, iv: &[u8; GCM_IV_LEN], aad: &[u8], plain: &[u8]) -> KmsResult<Vec<u8>> {
        let mut iv = *iv;
        let params = GcmParams::new(&mut iv, aad, 128.into())
            .map_err(|e| hsm(format!("bad AES-GCM parameters: {e}")))?;
        self.session
            .encrypt(&Mechanism::AesGcm(params), self.handle, plain)
            .map_err(|e| hsm(format!("the token cannot encrypt with AES-GCM: {e}")))
    }

    /// Decrypts what [`WrappingKey::seal`] made; fails when the key, nonce or `aad` differ.
    pub fn open(&self, iv: &[u8; GCM_IV_LEN], aad: &[u8], sealed: &[u8]) -> KmsResult<Secret> {
        let mut iv = *iv;
        let params = GcmParams::new(&mut iv, aad, 128.into())
            .map_err(|e| hsm(format!("bad AES-GCM parameters: {e}")))?;
        self.session
            .decrypt(&Mechanism::AesGcm(params), self.handle, sealed)
            .map(Secret::new)
            .map_err(|_| {
                KmsError::Crypto(
                    "the token's wrapping key does not open the wrapped root key (another key \
                     under the same label, or a damaged file)"
                        .into(),
                )
            })
    }
}

#[cfg(test)]
impl WrappingKey<'_> {
    /// The key's `(CKA_EXTRACTABLE, CKA_SENSITIVE)` attributes, as the token reports them.
    pub fn protection(&self) -> KmsResult<(bool, bool)> {
        use cryptoki::object::AttributeType;
        let attrs = self
            .session
            .get_attributes(
                self.handle,
                &[AttributeType::Extractable, AttributeType::Sensitive],
            )
            .map_err(|e| hsm(format!("cannot read the key's attributes: {e}")))?;
        let (mut extractable, mut sensitive) = (true, false);
        for attr in attrs {
            match attr {
                Attribute::Extractable(v) => extractable = v,
                Attribute::Sensitive(v) => sensitive = v,
                _ => {}
            }
        }
        Ok((extractable, sensitive))
    }
}

/// A PKCS#11 failure, with what was being done.
fn hsm(message: String) -> KmsError {
    KmsError::Hsm(message)
}

/// Runs `op` with the wrapping key in a logged-in session, then logs out and finalises the
/// module whatever `op` returned.
pub fn with_wrapping_key<T>(
    config: &Pkcs11Config,
    policy: KeyPolicy,
    op: impl FnOnce(&WrappingKey<'_>) -> KmsResult<T>,
) -> KmsResult<T> {
    let _guard = MODULE_LOCK.lock().unwrap_or_else(|e| e.into_inner());
    let pin = read_pin(config)?;
    let module = config.module.display();
    let ctx = Pkcs11::new(&config.module)
        .map_err(|e| hsm(format!("cannot load the PKCS#11 module {module}: {e}")))?;
    ctx.initialize(CInitializeArgs::new(CInitializeFlags::OS_LOCKING_OK))
        .map_err(|e| hsm(format!("the PKCS#11 module {module} failed to start: {e}")))?;
    let result = in_session(&ctx, config, &pin, policy, op);
    // Finalising can only fail if the module was not initialised; nothing is left to undo.
    let _ = ctx.finalize();
    result
}

fn in_session<T>(
    ctx: &Pkcs11,
    config: &Pkcs11Config,
    pin: &AuthPin,
    policy: KeyPolicy,
    op: impl FnOnce(&WrappingKey<'_>) -> KmsResult<T>,
) -> KmsResult<T> {
    let slot = find_slot(ctx, config)?;
    let session = ctx
        .open_rw_session(slot)
        .map_err(|e| hsm(format!("cannot open a session on the token: {e}")))?;
    session
        .login(UserType::User, Some(pin))
        .map_err(login_error)?;
    let result = find_or_create_key(&session, &config.key_label, policy).and_then(|handle| {
        op(&WrappingKey {
            session: &session,
            handle,
        })
    });
    let _ = session.logout();
    result
}

/// Reads the PIN from `pin_file` (its first line) or from the `pin_env` variable. Error
/// messages name where the PIN was looked for, never the PIN.
pub fn read_pin(config: &Pkcs11Config) -> KmsResult<AuthPin> {
    let text = match &config.pin_file {
        Some(path) => Zeroizing::new(std::fs::read_to_string(path).map_err(|e| {
            hsm(format!(
                "cannot read the token PIN file {}: {e}",
                path.display()
            ))
        })?),
        None => Zeroizing::new(std::env::var(&config.pin_env).map_err(|_| {
            hsm(format!(
                "no token PIN: set [kms.pkcs11] pin_file, or the environment variable {}",
                config.pin_env
            ))
        })?),
    };
    let pin = text.lines().next().unwrap_or_default().trim();
    if pin.is_empty() {
        return Err(hsm("the token PIN is empty".into()));
    }
    Ok(AuthPin::new(Box::from(pin)))
}

fn login_error(e: CkError) -> KmsError {
    match e {
        CkError::Pkcs11(RvError::PinIncorrect | RvError::PinInvalid | RvError::PinLenRange, _) => {
            hsm("the token refused the PIN (wrong PIN)".into())
        }
        CkError::Pkcs11(RvError::PinLocked, _) => {
            hsm("the token's user PIN is locked after too many wrong PINs".into())
        }
        CkError::Pkcs11(RvError::UserPinNotInitialized, _) => {
            hsm("the token has no user PIN yet (initialise it with softhsm2-util)".into())
        }
        other => hsm(format!("cannot log in to the token: {other}")),
    }
}

/// The slot named by `slot`, or the one whose token carries `token_label`.
fn find_slot(ctx: &Pkcs11, config: &Pkcs11Config) -> KmsResult<Slot> {
    let slots = ctx
        .get_slots_with_initialized_token()
        .map_err(|e| hsm(format!("cannot list the module's tokens: {e}")))?;
    if let Some(id) = config.slot {
        return slots
            .into_iter()
            .find(|s| s.id() == id)
            .ok_or_else(|| hsm(format!("no initialised token in slot {id}")));
    }
    for slot in slots {
        let info = ctx
            .get_token_info(slot)
            .map_err(|e| hsm(format!("cannot read token information: {e}")))?;
        if info.label().trim_end() == config.token_label {
            return Ok(slot);
        }
    }
    Err(hsm(format!(
        "no token labelled {:?} in the PKCS#11 module {}",
        config.token_label,
        config.module.display()
    )))
}

fn key_template(label: &str) -> Vec<Attribute> {
    vec![
        Attribute::Class(ObjectClass::SECRET_KEY),
        Attribute::KeyType(KeyType::AES),
        Attribute::Token(true),
        Attribute::Label(label.as_bytes().to_vec()),
    ]
}

/// The AES key labelled `label`; with [`KeyPolicy::CreateIfAbsent`] a new one is generated
/// inside the token (256 bits, private, sensitive, non-extractable, encrypt and decrypt only).
fn find_or_create_key(
    session: &Session,
    label: &str,
    policy: KeyPolicy,
) -> KmsResult<ObjectHandle> {
    let found = session
        .find_objects(&key_template(label))
        .map_err(|e| hsm(format!("cannot search the token for key {label:?}: {e}")))?;
    match (found.as_slice(), policy) {
        ([one], _) => Ok(*one),
        ([], KeyPolicy::MustExist) => Err(hsm(format!(
            "the token has no AES key labelled {label:?} (wrong token, or the key was deleted)"
        ))),
        ([], KeyPolicy::CreateIfAbsent) => {
            let mut template = key_template(label);
            template.extend([
                Attribute::ValueLen(32.into()),
                Attribute::Private(true),
                Attribute::Sensitive(true),
                Attribute::Extractable(false),
                Attribute::Encrypt(true),
                Attribute::Decrypt(true),
                Attribute::Wrap(false),
                Attribute::Unwrap(false),
            ]);
            session
                .generate_key(&Mechanism::AesKeyGen, &template)
                .map_err(|e| hsm(format!("cannot create key {label:?} in the token: {e}")))
        }
        (many, _) => Err(hsm(format!(
            "the token holds {} AES keys labelled {label:?}; keep one or choose another key_label",
            many.len()
        ))),
    }
}
