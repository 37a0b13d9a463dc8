//! The PKCS#11 seal through the real binary and a real SoftHSM2 token: `operator init --seal
//! pkcs11` wraps the root key in the token, every start unseals automatically (a key made
//! before a restart still decrypts, the PIN coming from a file or from the environment), and a
//! wrong PIN or a missing module leaves the server sealed, saying why on `/readyz` and in
//! `seal-status`, without panicking.

use crate::harness::{bin, tempdir, Server};
use std::{
    path::{Path, PathBuf},
    process::Command,
};

const MODULE: &str = "/usr/lib/softhsm/libsofthsm2.so";
const PIN: &str = "e2e-pin-31337";

/// A SoftHSM2 token in `dir`: the softhsm2.conf path and the PIN file.
struct Token {
    conf: PathBuf,
    pin_file: PathBuf,
}

/// Creates the token, or returns `None` (after saying so) when SoftHSM2 is not installed
/// outside CI; in CI (`CI` set) a missing module fails the test.
fn softhsm_token(dir: &Path) -> Option<Token> {
    if !Path::new(MODULE).exists() && std::env::var_os("CI").is_none() {
        eprintln!("skipping: {MODULE} is absent (apt-get install softhsm2 to run this test)");
        return None;
    }
    let tokens = dir.join("tokens");
    std::fs::create_dir_all(&tokens).unwrap();
    let conf = dir.join("softhsm2.conf");
    std::fs::write(
        &conf,
        format!(
            "directories.tokendir = {}\nobjectstore.backend = file\nlog.level = ERROR\n",
            tokens.display()
        ),
    )
    .unwrap();
    let out = Command::new("softhsm2-util")
        .env("SOFTHSM2_CONF", &conf)
        .args(["--init-token", "--free", "--label", "palisade-e2e"])
        .args(["--pin", PIN, "--so-pin", "e2e-so-pin"])
        .output()
        .expect("softhsm2-util runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let pin_file = dir.join("hsm.pin");
    std::fs::write(&pin_file, format!("{PIN}\n")).unwrap();
    Some(Token { conf, pin_file })
}

/// A palisade.toml whose `[kms.pkcs11]` section has these extra lines.
fn config(extra: &str) -> String {
    format!("[kms.pkcs11]\ntoken_label = \"palisade-e2e\"\n{extra}")
}

fn start(dir: &Path, token: &Token, toml: &str, env: &[(&str, &str)]) -> Server {
    let conf = token.conf.display().to_string();
    let mut all = vec![("SOFTHSM2_CONF", conf.as_str())];
    all.extend_from_slice(env);
    Server::start_with_env(dir, Some(toml), &all)
}

fn use_key(server: &Server, action: &str, body: serde_json::Value) -> (u16, serde_json::Value) {
    let user = server.token_for("user");
    let path = format!("/api/v1/kms/keys/k/{action}");
    server.call_as(&user, "POST", &path, Some(&body))
}

fn seal_status(server: &Server) -> serde_json::Value {
    let (status, body) = server.get("/api/v1/kms/seal-status", &[]);
    assert_eq!(status, 200, "{body}");
    body
}

/// Restarts with `toml` and checks the server stays sealed, explaining `why`.
fn assert_sealed_because(dir: &Path, token: &Token, toml: &str, why: &str, ct: &str) -> PathBuf {
    let server = start(dir, token, toml, &[]);
    let status = seal_status(&server);
    assert_eq!(status["sealed"], true, "{status}");
    let reason = status["error"].as_str().unwrap_or_default();
    assert!(reason.contains(why), "{reason:?} should say {why:?}");
    let (code, ready) = server.get_public("/readyz");
    assert_eq!(code, 503, "{ready}");
    assert!(ready.contains(why), "{ready}");
    assert!(
        !ready.contains(PIN) && !reason.contains(PIN),
        "the PIN leaked"
    );
    let (code, body) = use_key(&server, "decrypt", serde_json::json!({"ciphertext": ct}));
    assert_eq!(code, 503, "a sealed server must refuse: {body}");
    let (code, out, err) = server.cli(&["operator", "seal-status"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("Why sealed:") && out.contains(why), "{out}");
    server.kill9()
}

#[test]
fn pkcs11_seal_unseals_itself_at_every_start_and_stays_sealed_on_a_wrong_pin() {
    let dir = tempdir();
    let Some(token) = softhsm_token(dir.path()) else {
        return;
    };
    let pin_line = format!("pin_file = {:?}\n", token.pin_file.display().to_string());
    let toml = config(&pin_line);
    let toml_path = dir.path().join("palisade.toml");
    std::fs::write(&toml_path, &toml).unwrap();
    let out = Command::new(bin())
        .args(["operator", "init", "--seal", "pkcs11", "--config"])
        .arg(&toml_path)
        .arg("--data-dir")
        .arg(dir.path().join("data"))
        .env("SOFTHSM2_CONF", &token.conf)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("PKCS#11 seal"), "{stdout}");
    assert!(!stdout.contains("Unseal share"), "{stdout}");

    // First start: unsealed with no operator action; a key is made and used.
    let server = start(dir.path(), &token, &toml, &[]);
    let status = seal_status(&server);
    assert_eq!(
        (&status["seal"], &status["sealed"]),
        (&"pkcs11".into(), &false.into()),
        "{status}"
    );
    assert_eq!(server.get_public("/readyz").0, 200);
    let (code, body) = server.post("/api/v1/kms/keys", "application/json", br#"{"name":"k"}"#);
    assert_eq!(code, 201, "{body}");
    let (code, ct) = use_key(
        &server,
        "encrypt",
        serde_json::json!({"plaintext": "aHNtIHNlY3JldA=="}),
    );
    assert_eq!(code, 200, "{ct}");
    let ct = ct["ciphertext"].as_str().unwrap().to_owned();

    // After a restart it unseals itself again and the key made before still decrypts.
    let dir_path = server.kill9();
    let server = start(&dir_path, &token, &toml, &[]);
    let (code, plain) = use_key(&server, "decrypt", serde_json::json!({"ciphertext": ct}));
    assert_eq!(
        (code, plain["plaintext"].as_str()),
        (200, Some("aHNtIHNlY3JldA==")),
        "{plain}"
    );
    let dir_path = server.kill9();

    // A wrong PIN, then an unreachable module: sealed, with the reason.
    std::fs::write(&token.pin_file, "0000-wrong\n").unwrap();
    let dir_path = assert_sealed_because(&dir_path, &token, &toml, "wrong PIN", &ct);
    let missing = config(&format!(
        "{pin_line}module = \"/nonexistent/libpkcs11.so\"\n"
    ));
    let dir_path = assert_sealed_because(&dir_path, &token, &missing, "cannot load", &ct);

    // The PIN from the environment (no pin_file): unsealed again, nothing was damaged.
    let server = start(
        &dir_path,
        &token,
        &config(""),
        &[("PALISADE_PKCS11_PIN", PIN)],
    );
    assert_eq!(seal_status(&server)["sealed"], false);
    let (code, plain) = use_key(&server, "decrypt", serde_json::json!({"ciphertext": ct}));
    assert_eq!(
        (code, plain["plaintext"].as_str()),
        (200, Some("aHNtIHNlY3JldA=="))
    );
}
