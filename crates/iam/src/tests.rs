//! Tests of the identity service against a real state store in a temporary directory.

use super::*;
use palisade_core::config::Duration;
use zeroize::Zeroizing;

fn iam_with(config: IamConfig) -> (tempfile::TempDir, Iam) {
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(StateStore::open(&palisade_state::state_path(dir.path())).unwrap());
    (dir, Iam::open(store, config).unwrap())
}

fn iam() -> (tempfile::TempDir, Iam) {
    iam_with(IamConfig::default())
}

fn tenant(name: &str) -> TenantId {
    TenantId::new(name).unwrap()
}

fn new_user(t: &str, name: &str, roles: &[Role], password: Option<&str>) -> NewUser {
    NewUser {
        tenant: tenant(t),
        name: name.into(),
        roles: roles.to_vec(),
        password: password.map(|p| Zeroizing::new(p.to_owned())),
    }
}

fn attempt(user: &str, password: &str, totp: Option<String>) -> LoginAttempt {
    LoginAttempt {
        tenant: tenant("acme"),
        user: user.into(),
        password: Zeroizing::new(password.into()),
        totp,
        source: Some("127.0.0.1".parse().unwrap()),
    }
}

#[test]
fn bootstrap_token_is_an_operator_and_revocable() {
    let (_dir, iam) = iam();
    assert!(iam.needs_bootstrap().unwrap());
    let token = "a".repeat(64);
    iam.bootstrap(&token).unwrap();
    assert!(!iam.needs_bootstrap().unwrap());
    let who = iam.authenticate_token(&token).unwrap();
    assert_eq!(who.user, BOOTSTRAP_USER);
    assert!(who.is_operator());
    assert!(iam.authenticate_token(&"b".repeat(64)).is_err());
    iam.revoke_token(BOOTSTRAP_TOKEN_ID).unwrap();
    let e = iam.authenticate_token(&token).unwrap_err().to_string();
    assert!(e.contains("revoked"), "{e}");
    // A second bootstrap (a restart) does not bring it back.
    iam.bootstrap(&token).unwrap();
    assert!(iam.authenticate_token(&token).is_err());
}

#[test]
fn tokens_carry_one_held_role_and_expire() {
    let (_dir, iam) = iam();
    iam.create_tenant(&tenant("acme")).unwrap();
    let alice = iam
        .create_user(&new_user(
            "acme",
            "alice",
            &[Role::User, Role::Secadmin],
            None,
        ))
        .unwrap();
    let make = |role, ttl_ms| {
        iam.create_token(&NewToken {
            user_id: alice.id,
            role,
            ttl_ms,
            description: "test".into(),
        })
    };
    let (info, text) = make(Role::User, None).unwrap();
    assert!(info.expires_ms.is_some());
    let who = iam.authenticate_token(&text).unwrap();
    assert_eq!(who.roles, vec![Role::User]);
    assert_eq!(who.tenant.as_str(), "acme");
    assert!(make(Role::Sysadmin, None).is_err());
    let (_, forever) = make(Role::Secadmin, Some(0)).unwrap();
    assert_eq!(
        iam.authenticate_token(&forever).unwrap().roles,
        vec![Role::Secadmin]
    );
    let (_, expired) = make(Role::User, Some(1)).unwrap();
    std::thread::sleep(std::time::Duration::from_millis(5));
    assert!(iam
        .authenticate_token(&expired)
        .unwrap_err()
        .to_string()
        .contains("expired"));
    // A tampered secret with a real id fails the digest comparison.
    let mut tampered = text.to_string();
    tampered.pop();
    tampered.push(if text.ends_with('0') { '1' } else { '0' });
    assert!(iam.authenticate_token(&tampered).is_err());
    iam.set_user_disabled(alice.id, true).unwrap();
    assert!(iam.authenticate_token(&text).is_err());
}

#[test]
fn separation_of_duties_and_password_policy_hold_at_creation() {
    let (_dir, iam) = iam();
    iam.create_tenant(&tenant("acme")).unwrap();
    let e = iam
        .create_user(&new_user(
            "acme",
            "eve",
            &[Role::Sysadmin, Role::Auditadmin],
            None,
        ))
        .unwrap_err();
    assert!(e.to_string().contains("separation of duties"), "{e}");
    let e = iam
        .create_user(&new_user("acme", "bob", &[Role::User], Some("short")))
        .unwrap_err();
    assert!(e.to_string().contains("too short"), "{e}");
    assert!(iam
        .create_user(&new_user("nowhere", "bob", &[Role::User], None))
        .is_err());
    iam.create_user(&new_user("acme", "bob", &[Role::User], None))
        .unwrap();
    assert!(matches!(
        iam.create_user(&new_user("acme", "bob", &[Role::User], None)),
        Err(IamError::Conflict(_))
    ));
}

#[test]
fn lockout_backs_off_and_totp_codes_are_single_use() {
    let config = IamConfig {
        lockout_threshold: 3,
        lockout_base: Duration(200),
        ..IamConfig::default()
    };
    let (_dir, iam) = iam_with(config);
    iam.create_tenant(&tenant("acme")).unwrap();
    let password = "a long enough passphrase";
    let admin = iam
        .create_user(&new_user("acme", "root", &[Role::Secadmin], Some(password)))
        .unwrap();
    let secret = iam.begin_totp_enrolment(admin.id).unwrap().secret;
    let now = u64::try_from(palisade_core::time::now_ms() / 1000).unwrap();
    let earlier = totp::code_at(&secret, now - totp::STEP_SECS).unwrap();
    iam.confirm_totp_enrolment(admin.id, &earlier).unwrap();
    let code = totp::code_at(&secret, now).unwrap();
    assert!(iam.login(&attempt("root", password, None)).is_err());
    let ok = iam
        .login(&attempt("root", password, Some(code.clone())))
        .unwrap();
    assert_eq!(ok.identity.user_id, admin.id);
    let session = iam
        .authenticate_session(&ok.session.cookie, Some(&ok.session.csrf), true)
        .unwrap();
    assert_eq!(session.roles, vec![Role::Secadmin]);
    assert!(iam
        .authenticate_session(&ok.session.cookie, None, true)
        .is_err());
    assert!(iam
        .authenticate_session(&ok.session.cookie, None, false)
        .is_ok());
    let replay = iam
        .login(&attempt("root", password, Some(code)))
        .unwrap_err();
    assert!(replay.to_string().contains("already used"), "{replay}");
    for _ in 0..2 {
        assert!(matches!(
            iam.login(&attempt("root", "wrong password!!", None)),
            Err(IamError::Unauthenticated(_))
        ));
    }
    // Third failure (with the replay above): locked, even for the right password.
    let locked = iam.login(&attempt("root", password, None)).unwrap_err();
    assert!(
        matches!(locked, IamError::Locked(ms) if ms > 0 && ms <= 200),
        "{locked}"
    );
    std::thread::sleep(std::time::Duration::from_millis(250));
    // One more failure doubles the lock.
    assert!(iam
        .login(&attempt("root", "wrong password!!", None))
        .is_err());
    let locked = iam.login(&attempt("root", password, None)).unwrap_err();
    assert!(
        matches!(locked, IamError::Locked(ms) if ms > 200 && ms <= 400),
        "{locked}"
    );
}

#[test]
fn admin_logins_only_from_allowed_networks() {
    let config = IamConfig {
        admin_networks: vec!["10.0.0.0/8".into()],
        require_totp_for_admins: false,
        ..IamConfig::default()
    };
    let (_dir, iam) = iam_with(config);
    iam.create_tenant(&tenant("acme")).unwrap();
    let password = "a long enough passphrase";
    iam.create_user(&new_user("acme", "root", &[Role::Sysadmin], Some(password)))
        .unwrap();
    iam.create_user(&new_user("acme", "ann", &[Role::User], Some(password)))
        .unwrap();
    let e = iam.login(&attempt("root", password, None)).unwrap_err();
    assert!(e.to_string().contains("not allowed from 127.0.0.1"), "{e}");
    let mut inside = attempt("root", password, None);
    inside.source = Some("10.9.8.7".parse().unwrap());
    assert!(iam.login(&inside).is_ok());
    assert!(iam.login(&attempt("ann", password, None)).is_ok());
}

#[test]
fn deleting_a_tenant_removes_its_accounts_and_suspending_blocks_them() {
    let (_dir, iam) = iam();
    iam.create_tenant(&tenant("acme")).unwrap();
    let u = iam
        .create_user(&new_user("acme", "bob", &[Role::User], None))
        .unwrap();
    let (_, text) = iam
        .create_token(&NewToken {
            user_id: u.id,
            role: Role::User,
            ttl_ms: None,
            description: String::new(),
        })
        .unwrap();
    iam.set_tenant_suspended(&tenant("acme"), true).unwrap();
    assert!(matches!(
        iam.authenticate_token(&text),
        Err(IamError::Forbidden(_))
    ));
    iam.set_tenant_suspended(&tenant("acme"), false).unwrap();
    assert!(iam.authenticate_token(&text).is_ok());
    iam.store
        .with(|c| {
            c.execute_batch(
                "CREATE TABLE other_alerts (id INTEGER PRIMARY KEY, tenant TEXT NOT NULL);
                 INSERT INTO other_alerts (tenant) VALUES ('acme'), ('acme'), ('default');",
            )
        })
        .unwrap();
    let swept = iam.delete_tenant(&tenant("acme")).unwrap();
    assert_eq!(swept, vec![("other_alerts".to_owned(), 2)]);
    let left: i64 = iam
        .store
        .with(|c| c.query_row("SELECT COUNT(*) FROM other_alerts", [], |r| r.get(0)))
        .unwrap();
    assert_eq!(left, 1, "other tenants' rows stay");
    assert!(iam.authenticate_token(&text).is_err());
    assert!(iam.list_users(Some(&tenant("acme"))).unwrap().is_empty());
    assert!(iam.list_tokens(None, None).unwrap().is_empty());
    assert!(iam.delete_tenant(&TenantId::default()).is_err());
}

proptest::proptest! {
    /// Credentials, networks, role lists, route paths and TOTP codes come from the network:
    /// no input makes their parsers panic.
    #[test]
    fn parsers_of_untrusted_text_never_panic(text in ".{0,200}", method in "[A-Z]{0,8}") {
        let _ = secret::credential_id(&text);
        let _ = network::Network::parse(&text);
        let _ = role::parse_roles(&text);
        let _ = access::rule_for(&method, &text);
        let _ = totp::matching_step("JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP", &text, 1_700_000_000);
        let _ = password::check_policy(&text, "alice", 12);
    }

    /// The literal-head check before the segment walk never changes which row decides:
    /// paths are built from the table's own segments (and stray ones), so most come close to
    /// some row.
    #[test]
    fn the_deciding_row_is_the_first_whose_pattern_matches(
        picks in proptest::collection::vec(0usize..400, 0..7),
        trailing_slash in proptest::bool::ANY,
        method in proptest::sample::select(vec!["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"]),
    ) {
        let segments: Vec<&str> = access::ROUTES
            .iter()
            .flat_map(|r| r.pattern.split('/'))
            .chain(["x", "", "**", "{name}"])
            .collect();
        let mut path: String = picks
            .iter()
            .map(|i| format!("/{}", segments[i % segments.len()]))
            .collect();
        if trailing_slash || path.is_empty() {
            path.push('/');
        }
        let walked = access::ROUTES
            .iter()
            .find(|r| access::method_matches(r.methods, method) && access::path_matches(r.pattern, &path))
            .map(|r| (r.methods, r.pattern));
        let decided = access::rule_for(method, &path).map(|r| (r.methods, r.pattern));
        proptest::prop_assert_eq!(decided, walked, "{} {}", method, path);
    }
}

mod sources;
mod token_cache;
