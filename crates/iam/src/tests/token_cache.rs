//! Remembered token checks give the answer the database would give, at every request.

use super::*;
use palisade_state::rusqlite::{params, Connection};

/// Account alice in a new tenant acme with a token of role user; returns its id and secret.
fn user_token(iam: &Iam, ttl_ms: Option<i64>) -> (String, Zeroizing<String>) {
    iam.create_tenant(&tenant("acme")).unwrap();
    let user = iam
        .create_user(&new_user("acme", "alice", &[Role::User], None))
        .unwrap();
    let (info, text) = iam
        .create_token(&NewToken {
            user_id: user.id,
            role: Role::User,
            ttl_ms,
            description: "cache test".into(),
        })
        .unwrap();
    (info.id, text)
}

/// Another connection (say, an administrator's sqlite3 shell) revokes token `id`.
fn revoke_from_another_connection(data_dir: &std::path::Path, id: &str) {
    let other = Connection::open(palisade_state::state_path(data_dir)).unwrap();
    other
        .execute(
            "UPDATE iam_tokens SET revoked_ms = 1 WHERE id = ?1",
            params![id],
        )
        .unwrap();
}

#[test]
fn a_revocation_refuses_the_very_next_request() {
    let (_dir, iam) = iam();
    let (id, text) = user_token(&iam, None);
    for _ in 0..3 {
        assert_eq!(
            iam.authenticate_token(&text).unwrap().roles,
            vec![Role::User]
        );
    }
    let mut tampered = text.to_string();
    tampered.pop();
    tampered.push(if text.ends_with('0') { '1' } else { '0' });
    assert!(iam.authenticate_token(&tampered).is_err());
    iam.revoke_token(&id).unwrap();
    let e = iam.authenticate_token(&text).unwrap_err().to_string();
    assert!(e.contains("revoked"), "{e}");
}

#[test]
fn a_suspended_tenant_and_a_write_by_another_process_are_seen_at_once() {
    let (dir, iam) = iam();
    let (id, text) = user_token(&iam, None);
    assert!(iam.authenticate_token(&text).is_ok());
    iam.set_tenant_suspended(&tenant("acme"), true).unwrap();
    assert!(iam.authenticate_token(&text).is_err());
    iam.set_tenant_suspended(&tenant("acme"), false).unwrap();
    assert!(iam.authenticate_token(&text).is_ok());
    revoke_from_another_connection(dir.path(), &id);
    let e = iam.authenticate_token(&text).unwrap_err().to_string();
    assert!(e.contains("revoked"), "{e}");
}

#[test]
fn a_remembered_token_still_expires() {
    let (_dir, iam) = iam();
    let (_, text) = user_token(&iam, Some(300));
    assert!(iam.authenticate_token(&text).is_ok());
    std::thread::sleep(std::time::Duration::from_millis(350));
    let e = iam.authenticate_token(&text).unwrap_err().to_string();
    assert!(e.contains("expired"), "{e}");
}

#[test]
fn the_non_waiting_check_steps_aside_while_the_store_is_busy_unless_it_remembers() {
    let (_dir, iam) = iam();
    let (_, text) = user_token(&iam, None);
    let (_, unchecked) = iam
        .create_token(&NewToken {
            user_id: iam.authenticate_token(&text).unwrap().user_id,
            role: Role::User,
            ttl_ms: None,
            description: "never checked".into(),
        })
        .unwrap();
    let checked = iam.try_authenticate_token(&text).unwrap().unwrap();
    assert_eq!(checked.tenant.as_str(), "acme");
    iam.store
        .with(|_| {
            // Remembered: answered without the connection.
            let again = iam.try_authenticate_token(&text).unwrap().unwrap();
            assert_eq!(again.user, "alice");
            // Not remembered: needs the connection, which is busy.
            assert!(iam.try_authenticate_token(&unchecked).is_none());
            Ok(())
        })
        .unwrap();
}

#[test]
fn a_write_by_another_process_reaches_the_non_waiting_check_within_the_check_interval() {
    let (dir, iam) = iam();
    let (id, text) = user_token(&iam, None);
    assert!(iam.try_authenticate_token(&text).unwrap().is_ok());
    revoke_from_another_connection(dir.path(), &id);
    std::thread::sleep(palisade_state::OTHER_WRITERS_CHECK + std::time::Duration::from_millis(5));
    let e = iam
        .try_authenticate_token(&text)
        .unwrap()
        .unwrap_err()
        .to_string();
    assert!(e.contains("revoked"), "{e}");
}

#[test]
fn a_known_token_network_needs_no_lookup() {
    let (_dir, iam) = iam();
    let (id, _) = user_token(&iam, None);
    let ip: std::net::IpAddr = "192.0.2.7".parse().unwrap();
    assert!(!iam.token_network_known(&id, ip));
    assert_eq!(iam.note_token_network(&id, ip).unwrap(), None);
    assert!(iam.token_network_known(&id, "192.0.2.200".parse().unwrap()));
    let elsewhere: std::net::IpAddr = "198.51.100.1".parse().unwrap();
    assert!(!iam.token_network_known(&id, elsewhere));
    assert_eq!(
        iam.note_token_network(&id, elsewhere).unwrap().as_deref(),
        Some("198.51.100.0/24")
    );
    assert!(iam.token_network_known(&id, elsewhere));
}
