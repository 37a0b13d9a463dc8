//! JSON answers written in one pass into one buffer. Key service answers are mostly base64
//! (ciphertexts, plaintexts, data keys) of a kilobyte or more: a string with nothing to escape
//! is copied whole instead of being checked byte by byte as `serde_json` does, and the buffer
//! is sized from the strings up front instead of growing. The text is exactly `serde_json`'s.

use axum::{
    http::{header, HeaderValue},
    response::{IntoResponse, Response},
};
use serde_json::Value;

/// A `200 OK` answer with `value` as its JSON body.
pub fn json_answer(value: &Value) -> Response {
    let mut body = Vec::with_capacity(64 + text_len(value));
    write(value, &mut body);
    (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        )],
        body,
    )
        .into_response()
}

/// The bytes of the strings in `value`, names included: most of its text.
fn text_len(value: &Value) -> usize {
    match value {
        Value::String(s) => s.len() + 2,
        Value::Array(items) => items.iter().map(|v| text_len(v) + 1).sum(),
        Value::Object(map) => map.iter().map(|(k, v)| k.len() + 4 + text_len(v)).sum(),
        _ => 8,
    }
}

/// Appends `value` as compact JSON text, as `serde_json::to_writer` would.
fn write(value: &Value, out: &mut Vec<u8>) {
    match value {
        Value::String(s) => write_str(s, out),
        Value::Array(items) => {
            out.push(b'[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write(item, out);
            }
            out.push(b']');
        }
        Value::Object(map) => {
            out.push(b'{');
            for (i, (name, item)) in map.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write_str(name, out);
                out.push(b':');
                write(item, out);
            }
            out.push(b'}');
        }
        // Null, booleans and numbers: short, and serde_json's own formatting.
        scalar => {
            let _ = serde_json::to_writer(&mut *out, scalar);
        }
    }
}

/// Appends `s` as a JSON string: copied whole when it has nothing to escape.
fn write_str(s: &str, out: &mut Vec<u8>) {
    // No early exit, so the check runs over wide chunks at a time.
    let plain = s.bytes().fold(true, |plain, b| {
        plain & (b >= 0x20) & (b != b'"') & (b != b'\\')
    });
    if plain {
        out.reserve(s.len() + 2);
        out.push(b'"');
        out.extend_from_slice(s.as_bytes());
        out.push(b'"');
    } else {
        let _ = serde_json::to_writer(&mut *out, s);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn value() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::from),
            any::<i64>().prop_map(Value::from),
            any::<u64>().prop_map(Value::from),
            any::<f64>().prop_map(Value::from),
            "\\PC*".prop_map(Value::from),
            "[\\x00-\\x7f]{0,12}".prop_map(Value::from),
            "[A-Za-z0-9+/=:]{0,200}".prop_map(Value::from),
        ];
        leaf.prop_recursive(3, 24, 4, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
                prop::collection::btree_map("\\PC{0,6}|[\"\\\\\\n]", inner, 0..4)
                    .prop_map(|m| Value::Object(m.into_iter().collect())),
            ]
        })
    }

    proptest! {
        #[test]
        fn the_text_is_serde_json_s(v in value()) {
            let mut ours = Vec::new();
            write(&v, &mut ours);
            prop_assert_eq!(String::from_utf8(ours).unwrap(), serde_json::to_string(&v).unwrap());
        }
    }

    #[tokio::test]
    async fn an_answer_is_json_with_its_content_type() {
        let answer =
            json_answer(&serde_json::json!({"ciphertext": "vault:v1:QUJD", "key_version": 1}));
        assert_eq!(answer.status(), 200);
        assert_eq!(answer.headers()[header::CONTENT_TYPE], "application/json");
        let body = axum::body::to_bytes(answer.into_body(), 1 << 20)
            .await
            .unwrap();
        assert_eq!(
            &body[..],
            br#"{"ciphertext":"vault:v1:QUJD","key_version":1}"#
        );
    }
}
