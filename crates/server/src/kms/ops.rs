//! The data operations (encrypt, decrypt, rewrap, data key, sign, verify, HMAC), with the
//! request and answer shapes both APIs share (Vault transit's field names), single or batched.
//! Every item produces one operation record.

use super::{CallContext, KmsService};
use palisade_kms::{ciphertext, KmsError, KmsResult, SignatureEncoding};
use serde::Deserialize;
use serde_json::{json, Value};

/// The most items one batch request may carry.
pub const MAX_BATCH: usize = 10_000;

/// One item of a data operation; which fields matter depends on the operation.
#[derive(Debug, Default, Clone, Deserialize)]
pub struct Item {
    /// Base64 plaintext (encrypt).
    pub plaintext: Option<String>,
    /// `vault:vN:` ciphertext (decrypt, rewrap).
    pub ciphertext: Option<String>,
    /// Base64 encryption context, bound as associated data.
    pub context: Option<String>,
    /// Base64 associated data (takes precedence over `context`).
    pub associated_data: Option<String>,
    /// Base64 input (sign, verify, HMAC).
    pub input: Option<String>,
    /// `vault:vN:` signature (verify).
    pub signature: Option<String>,
    /// `vault:vN:` HMAC (verify).
    pub hmac: Option<String>,
    /// `asn1` (default) or `jws` for ECDSA signatures.
    pub marshaling_algorithm: Option<String>,
    /// Only `sha2-256` is offered for ECDSA and HMAC (`algorithm` in Vault's HMAC call).
    #[serde(alias = "algorithm")]
    pub hash_algorithm: Option<String>,
    /// Data key size (128, 256, 512).
    pub bits: Option<u32>,
}

/// A request: one item, or a `batch_input` list of items.
#[derive(Debug, Default, Deserialize)]
pub struct Request {
    /// The single item (fields at the top level).
    #[serde(flatten)]
    pub item: Item,
    /// Items of a batch request.
    pub batch_input: Option<Vec<Item>>,
}

/// Which data operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DataOp {
    /// Encrypt.
    Encrypt,
    /// Decrypt.
    Decrypt,
    /// Rewrap to the newest version.
    Rewrap,
    /// Data key, plaintext and wrapped (`true`) or wrapped only.
    DataKey(bool),
    /// Sign.
    Sign,
    /// Verify a signature or an HMAC.
    Verify,
    /// HMAC.
    Hmac,
}

impl DataOp {
    fn name(self) -> &'static str {
        match self {
            DataOp::Encrypt => "encrypt",
            DataOp::Decrypt => "decrypt",
            DataOp::Rewrap => "rewrap",
            DataOp::DataKey(_) => "data_key",
            DataOp::Sign => "sign",
            DataOp::Verify => "verify",
            DataOp::Hmac => "hmac",
        }
    }
}

fn required<'a>(field: &str, value: &'a Option<String>) -> KmsResult<&'a str> {
    value
        .as_deref()
        .ok_or_else(|| KmsError::BadInput(format!("missing field {field:?}")))
}

fn aad(item: &Item) -> KmsResult<Vec<u8>> {
    match item.associated_data.as_deref().or(item.context.as_deref()) {
        Some(text) => ciphertext::decode_b64("context", text),
        None => Ok(Vec::new()),
    }
}

fn encoding(item: &Item) -> KmsResult<SignatureEncoding> {
    if let Some(h) = item.hash_algorithm.as_deref() {
        if h != "sha2-256" {
            return Err(KmsError::BadInput(format!(
                "hash_algorithm {h:?} is not offered; use sha2-256"
            )));
        }
    }
    match item.marshaling_algorithm.as_deref() {
        None | Some("asn1") => Ok(SignatureEncoding::Der),
        Some("jws") => Ok(SignatureEncoding::Fixed),
        Some(other) => Err(KmsError::BadInput(format!(
            "marshaling_algorithm {other:?} must be asn1 or jws"
        ))),
    }
}

/// Runs one item; returns the answer fields and the key version used.
fn run_item(
    service: &KmsService,
    ctx: &CallContext,
    name: &str,
    op: DataOp,
    item: &Item,
) -> KmsResult<(Value, u32)> {
    let caller = &ctx.caller;
    service.kms.read(|ring| match op {
        DataOp::Encrypt => {
            let plain =
                ciphertext::decode_b64("plaintext", required("plaintext", &item.plaintext)?)?;
            let out = ring.encrypt(caller, name, &aad(item)?, &plain)?;
            Ok((
                json!({"ciphertext": out.value, "key_version": out.version}),
                out.version,
            ))
        }
        DataOp::Decrypt => {
            let out = ring.decrypt(
                caller,
                name,
                &aad(item)?,
                required("ciphertext", &item.ciphertext)?,
            )?;
            Ok((
                json!({"plaintext": ciphertext::encode_b64(out.value.expose())}),
                out.version,
            ))
        }
        DataOp::Rewrap => {
            let out = ring.rewrap(
                caller,
                name,
                &aad(item)?,
                required("ciphertext", &item.ciphertext)?,
            )?;
            Ok((
                json!({"ciphertext": out.value, "key_version": out.version}),
                out.version,
            ))
        }
        DataOp::DataKey(with_plaintext) => {
            let out = ring.data_key(
                caller,
                name,
                &aad(item)?,
                item.bits.unwrap_or(256),
                with_plaintext,
            )?;
            let mut answer =
                json!({"ciphertext": out.value.ciphertext, "key_version": out.version});
            if let Some(p) = &out.value.plaintext {
                answer["plaintext"] = Value::String(ciphertext::encode_b64(p.expose()));
            }
            Ok((answer, out.version))
        }
        DataOp::Sign => {
            let input = ciphertext::decode_b64("input", required("input", &item.input)?)?;
            let out = ring.sign(caller, name, &input, encoding(item)?)?;
            Ok((
                json!({"signature": out.value, "key_version": out.version}),
                out.version,
            ))
        }
        DataOp::Verify => {
            let input = ciphertext::decode_b64("input", required("input", &item.input)?)?;
            let out = match (&item.signature, &item.hmac) {
                (Some(sig), None) => ring.verify(caller, name, &input, sig, encoding(item)?)?,
                (None, Some(tag)) => ring.verify_hmac(caller, name, &input, tag)?,
                _ => {
                    return Err(KmsError::BadInput(
                        "give exactly one of signature and hmac".into(),
                    ))
                }
            };
            Ok((json!({"valid": out.value}), out.version))
        }
        DataOp::Hmac => {
            if let Some(h) = item.hash_algorithm.as_deref().filter(|h| *h != "sha2-256") {
                return Err(KmsError::BadInput(format!(
                    "hmac algorithm {h:?} is not offered; use sha2-256"
                )));
            }
            let input = ciphertext::decode_b64("input", required("input", &item.input)?)?;
            let out = ring.hmac(caller, name, &input)?;
            Ok((
                json!({"hmac": out.value, "key_version": out.version}),
                out.version,
            ))
        }
    })
}

/// Runs one item and records the key operation (with the key version it used, if it ran).
async fn run_recorded(
    service: &KmsService,
    ctx: &CallContext,
    name: &str,
    op: DataOp,
    item: &Item,
) -> KmsResult<Value> {
    let result = run_item(service, ctx, name, op, item);
    let version = result.as_ref().ok().map(|r| r.1);
    let outcome = result.as_ref().map(|_| ());
    service
        .record(ctx, op.name(), Some(name), version, outcome)
        .await;
    result.map(|r| r.0)
}

/// Runs a request: a single item answers its fields or fails; a batch answers
/// `{"batch_results": [...]}` with an `error` field in each failed item.
pub async fn run(
    service: &KmsService,
    ctx: &CallContext,
    name: &str,
    op: DataOp,
    request: Request,
) -> KmsResult<Value> {
    match request.batch_input {
        None => run_recorded(service, ctx, name, op, &request.item).await,
        Some(items) if items.len() > MAX_BATCH => Err(KmsError::BadInput(format!(
            "a batch holds at most {MAX_BATCH} items"
        ))),
        Some(items) => {
            let mut results = Vec::with_capacity(items.len());
            for item in &items {
                let result = run_recorded(service, ctx, name, op, item).await;
                if let Err(KmsError::Sealed) = result {
                    return Err(KmsError::Sealed);
                }
                results.push(result.unwrap_or_else(|e| json!({"error": e.to_string()})));
            }
            Ok(json!({"batch_results": results}))
        }
    }
}
