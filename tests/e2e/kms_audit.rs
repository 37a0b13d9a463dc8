//! How key-use calls are audited: one durable record carrying the outcome, written before
//! the answer is released (state-changing key calls keep intent then outcome), and a trail
//! that cannot take the record refuses the call without releasing its result.

use crate::{
    audit::{records, Tmpfs},
    harness::{tempdir, Server},
};
use base64::Engine;
use serde_json::{json, Value};

/// The trail's records whose object is exactly `path`.
fn records_of(server: &Server, path: &str) -> Vec<Value> {
    records(server)
        .into_iter()
        .filter(|r| r["object"] == path)
        .collect()
}

/// Creates key `name` (as the operator) and encrypts `text` under it as `user`: the
/// plaintext in base64 and the encrypt answer.
fn key_and_ciphertext(server: &Server, user: &str, name: &str, text: &str) -> (String, Value) {
    let (status, body) = server.call_as(
        &server.token,
        "POST",
        "/api/v1/kms/keys",
        Some(&json!({"name": name})),
    );
    assert_eq!(status, 201, "{body}");
    let plaintext = base64::engine::general_purpose::STANDARD.encode(text);
    let (status, sealed) = server.call_as(
        user,
        "POST",
        &format!("/api/v1/kms/keys/{name}/encrypt"),
        Some(&json!({"plaintext": plaintext})),
    );
    assert_eq!(status, 200, "{sealed}");
    (plaintext, sealed)
}

fn event_types(records: &[Value]) -> Vec<&str> {
    records
        .iter()
        .map(|r| r["event_type"].as_str().unwrap_or_default())
        .collect()
}

#[test]
fn a_key_use_call_is_one_outcome_record_and_a_key_change_is_two() {
    let dir = tempdir();
    let server = Server::start(dir.path(), None);
    let user = server.token_for("user");
    let (_, sealed) = key_and_ciphertext(&server, &user, "audited", "audited secret");
    let encrypt = "/api/v1/kms/keys/audited/encrypt";
    let decrypt = "/v1/transit/decrypt/audited";
    let body = json!({"ciphertext": sealed["ciphertext"]});
    let (status, opened) = server.call_as(&user, "POST", decrypt, Some(&body));
    assert_eq!(status, 200, "{opened}");
    let bad = json!({"ciphertext": "vault:v1:AAAA"});
    let (status, _) = server.call_as(
        &user,
        "POST",
        "/api/v1/kms/keys/audited/decrypt",
        Some(&bad),
    );
    assert_eq!(status, 400);
    let rotate = "/api/v1/kms/keys/audited/rotate";
    let (status, body) = server.call_as(&server.token, "POST", rotate, Some(&json!({})));
    assert_eq!(status, 200, "{body}");

    for (path, status, result) in [
        (encrypt, 200, "success"),
        (decrypt, 200, "success"),
        ("/api/v1/kms/keys/audited/decrypt", 400, "failure"),
    ] {
        let found = records_of(&server, path);
        assert_eq!(event_types(&found), ["api.response"], "{path}: {found:#?}");
        assert_eq!(found[0]["status"], status, "{path}: {found:#?}");
        assert_eq!(found[0]["result"], result, "{path}: {found:#?}");
        assert_eq!(found[0]["subject"]["role"], "user", "{path}: {found:#?}");
    }
    let found = records_of(&server, rotate);
    assert_eq!(
        event_types(&found),
        ["api.request", "api.response"],
        "{found:#?}"
    );
    assert_eq!(found[0]["request_id"], found[1]["request_id"]);
}

#[test]
fn a_trail_that_cannot_take_the_record_refuses_a_decrypt_without_its_plaintext() {
    let dir = tempdir();
    let Some(audit) = Tmpfs::mount(&dir.path().join("data/audit"), "256k") else {
        eprintln!("skipping: cannot mount a tmpfs here (needs root or CAP_SYS_ADMIN)");
        return;
    };
    let server = Server::start(dir.path(), None);
    let user = server.token_for("user");
    let (plaintext, sealed) = key_and_ciphertext(&server, &user, "guarded", "launch code 0000");
    let body = json!({"ciphertext": sealed["ciphertext"]});

    audit.remount("ro");
    for path in [
        "/api/v1/kms/keys/guarded/decrypt",
        "/v1/transit/decrypt/guarded",
    ] {
        let (status, answer) = server.call_as(&user, "POST", path, Some(&body));
        assert_eq!(status, 503, "{path}: {answer}");
        let text = answer.to_string();
        assert!(
            !text.contains(&plaintext),
            "{path} released the plaintext: {text}"
        );
        assert!(
            text.contains("audit record not written") && text.contains("refused"),
            "{path}: {text}"
        );
    }
    audit.remount("rw");
    let (status, opened) = server.call_as(
        &user,
        "POST",
        "/api/v1/kms/keys/guarded/decrypt",
        Some(&body),
    );
    assert_eq!(status, 200, "{opened}");
    assert_eq!(opened["plaintext"], plaintext.as_str());
}
