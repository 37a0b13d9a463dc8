//! Lockout per source address, and where administrator tokens may be used from.

use super::*;
use std::net::IpAddr;

fn from(user: &str, password: &str, ip: &str) -> LoginAttempt {
    LoginAttempt {
        source: Some(ip.parse().unwrap()),
        ..attempt(user, password, None)
    }
}

#[test]
fn spraying_many_accounts_locks_the_source_address_out() {
    let config = IamConfig {
        lockout_threshold: 3,
        source_lockout_threshold: 4,
        lockout_base: Duration(300),
        ..IamConfig::default()
    };
    let (_dir, iam) = iam_with(config);
    iam.create_tenant(&tenant("acme")).unwrap();
    let password = "a long enough passphrase";
    for name in ["ann", "bob", "cid"] {
        iam.create_user(&new_user("acme", name, &[Role::User], Some(password)))
            .unwrap();
    }
    let attacker = "198.51.100.7";
    // One guess per account (and one unknown account): no account reaches its threshold.
    for name in ["ann", "bob", "cid", "nobody"] {
        let e = iam
            .login(&from(name, "Spring2026!!", attacker))
            .unwrap_err();
        assert!(matches!(e, IamError::Unauthenticated(_)), "{e}");
    }
    let source: IpAddr = attacker.parse().unwrap();
    let locked = iam.source_locked_for(source).unwrap();
    assert!(locked.is_some_and(|ms| ms > 0 && ms <= 300), "{locked:?}");
    // Refused before the password is looked at, even the right one.
    let e = iam.login(&from("ann", password, attacker)).unwrap_err();
    assert!(matches!(e, IamError::SourceLocked(_)), "{e}");
    assert!(e.to_string().contains("from this address"), "{e}");
    // Other addresses, and the accounts themselves, are unaffected.
    assert!(iam.login(&from("ann", password, "192.0.2.10")).is_ok());
    // After the back-off the next failure locks again, for twice as long.
    std::thread::sleep(std::time::Duration::from_millis(350));
    assert!(iam.login(&from("bob", "Summer2026!!", attacker)).is_err());
    let again = iam.source_locked_for(source).unwrap();
    assert!(again.is_some_and(|ms| ms > 300 && ms <= 600), "{again:?}");
}

#[test]
fn source_lockout_can_be_turned_off_and_forgets_old_failures() {
    let (_dir, iam) = iam_with(IamConfig {
        source_lockout_threshold: 0,
        ..IamConfig::default()
    });
    iam.create_tenant(&tenant("acme")).unwrap();
    for _ in 0..21 {
        assert!(iam
            .login(&from("nobody", "guess guess!", "203.0.113.1"))
            .is_err());
    }
    let ip: IpAddr = "203.0.113.1".parse().unwrap();
    assert_eq!(iam.source_locked_for(ip).unwrap(), None);

    let (_dir, iam) = iam_with(IamConfig {
        source_lockout_threshold: 2,
        source_lockout_window: Duration(100),
        ..IamConfig::default()
    });
    iam.create_tenant(&tenant("acme")).unwrap();
    assert!(iam
        .login(&from("nobody", "guess guess!", "203.0.113.1"))
        .is_err());
    std::thread::sleep(std::time::Duration::from_millis(150));
    assert!(iam
        .login(&from("nobody", "guess guess!", "203.0.113.1"))
        .is_err());
    assert_eq!(
        iam.source_locked_for(ip).unwrap(),
        None,
        "the count restarted"
    );
}

#[test]
fn administrator_tokens_only_from_admin_networks_and_new_networks_are_noticed() {
    let (_dir, iam) = iam_with(IamConfig {
        admin_networks: vec!["10.0.0.0/8".into()],
        ..IamConfig::default()
    });
    iam.create_tenant(&tenant("acme")).unwrap();
    let admin = iam
        .create_user(&new_user("acme", "root", &[Role::Sysadmin], None))
        .unwrap();
    let user = iam
        .create_user(&new_user("acme", "ann", &[Role::User], None))
        .unwrap();
    let token = |user_id, role| {
        let (_, text) = iam
            .create_token(&NewToken {
                user_id,
                role,
                ttl_ms: None,
                description: String::new(),
            })
            .unwrap();
        iam.authenticate_token(&text).unwrap()
    };
    let admin = token(admin.id, Role::Sysadmin);
    let user = token(user.id, Role::User);
    let inside = Some("10.1.2.3".parse().unwrap());
    let outside = Some("192.0.2.1".parse().unwrap());
    assert!(iam.check_token_source(&admin, inside).is_ok());
    let e = iam.check_token_source(&admin, outside).unwrap_err();
    assert!(matches!(e, IamError::Forbidden(_)), "{e}");
    assert!(e.to_string().contains("not allowed from 192.0.2.1"), "{e}");
    assert!(iam.check_token_source(&admin, None).is_err());
    assert!(iam.check_token_source(&user, outside).is_ok());

    let Credential::Token(id) = &user.credential else {
        panic!("a token identity");
    };
    let ip = |s: &str| s.parse::<IpAddr>().unwrap();
    assert_eq!(iam.note_token_network(id, ip("192.0.2.1")).unwrap(), None);
    assert_eq!(iam.note_token_network(id, ip("192.0.2.200")).unwrap(), None);
    assert_eq!(
        iam.note_token_network(id, ip("198.51.100.9")).unwrap(),
        Some("198.51.100.0/24".into())
    );
    assert_eq!(
        iam.note_token_network(id, ip("198.51.100.10")).unwrap(),
        None
    );
}
