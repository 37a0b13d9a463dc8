//! Second-factor self-enrolment: a signed-in account asks for a fresh TOTP secret (kept
//! pending, shown only to that account), then confirms it with a code from its authenticator
//! app. Only then does the secret become the account's second factor. An administrator who
//! signed in with a password alone while a second factor is required holds a session that
//! may do nothing but this; confirming ends such sessions, so the next sign-in uses the code.

use crate::{now_ms, totp, users::UserInfo, Iam, IamError};
use palisade_state::rusqlite::{params, OptionalExtension};
use zeroize::Zeroizing;

/// A second factor offered to an account, shown to it once.
#[derive(Debug)]
pub struct TotpEnrolment {
    /// The base32 secret (for typing into an authenticator app).
    pub secret: Zeroizing<String>,
    /// The `otpauth://` URI (what the QR code holds).
    pub uri: Zeroizing<String>,
}

impl Iam {
    /// Offers account `user_id` a fresh TOTP secret, replacing any earlier unconfirmed offer.
    /// Refused when the account has a second factor already.
    pub fn begin_totp_enrolment(&self, user_id: i64) -> Result<TotpEnrolment, IamError> {
        let user = self.user_by_id(user_id)?;
        if user.totp_enrolled {
            return Err(IamError::Conflict(
                "a second factor is enrolled already for this account".into(),
            ));
        }
        let secret = Zeroizing::new(totp::new_secret());
        self.store.with(|c| {
            c.execute(
                "UPDATE iam_users SET totp_pending = ?2 WHERE id = ?1",
                params![user_id, secret.as_str()],
            )
        })?;
        let uri = Zeroizing::new(totp::otpauth_uri(&secret, &user.tenant, &user.name));
        Ok(TotpEnrolment { secret, uri })
    }

    /// Confirms the pending secret of `user_id` with a `code` of it: the secret becomes the
    /// account's second factor (the code counts as used), and sessions opened without one end.
    pub fn confirm_totp_enrolment(&self, user_id: i64, code: &str) -> Result<UserInfo, IamError> {
        let pending: Option<Option<String>> = self.store.with(|c| {
            c.query_row(
                "SELECT totp_pending FROM iam_users WHERE id = ?1",
                [user_id],
                |r| r.get(0),
            )
            .optional()
        })?;
        let Some(secret) = pending.flatten().map(Zeroizing::new) else {
            return Err(IamError::BadInput(
                "no second-factor enrolment is in progress: begin one first".into(),
            ));
        };
        let unix = u64::try_from(now_ms() / 1000).unwrap_or(0);
        let Some(step) = totp::matching_step(&secret, code, unix) else {
            return Err(IamError::BadInput(
                "wrong code: enter the 6 digits the authenticator app shows now".into(),
            ));
        };
        let step = i64::try_from(step).unwrap_or(i64::MAX);
        self.store.with(|c| {
            let tx = c.transaction()?;
            tx.execute(
                "UPDATE iam_users SET totp_secret = totp_pending, totp_pending = NULL,
                        totp_last_step = ?2 WHERE id = ?1",
                params![user_id, step],
            )?;
            tx.execute(
                "DELETE FROM iam_sessions WHERE user_id = ?1 AND totp_pending = 1",
                [user_id],
            )?;
            tx.commit()
        })?;
        self.user_by_id(user_id)
    }
}

#[cfg(test)]
mod tests {
    use crate::{totp, Iam, IamError, LoginAttempt, NewUser, Permission, Role};
    use palisade_core::{iam_config::IamConfig, TenantId};
    use palisade_state::StateStore;
    use std::sync::Arc;
    use zeroize::Zeroizing;

    const PASSWORD: &str = "a long enough passphrase";

    fn attempt(code: Option<String>) -> LoginAttempt {
        LoginAttempt {
            tenant: TenantId::new("acme").unwrap(),
            user: "sec".into(),
            password: Zeroizing::new(PASSWORD.into()),
            totp: code,
            source: None,
        }
    }

    fn unix_now() -> u64 {
        u64::try_from(palisade_core::time::now_ms() / 1000).unwrap()
    }

    #[test]
    fn an_administrator_enrols_its_own_second_factor_then_needs_it() {
        let dir = tempfile::tempdir().unwrap();
        let store = Arc::new(StateStore::open(&palisade_state::state_path(dir.path())).unwrap());
        let iam = Iam::open(store, IamConfig::default()).unwrap();
        let acme = TenantId::new("acme").unwrap();
        iam.create_tenant(&acme).unwrap();
        let user = iam
            .create_user(&NewUser {
                tenant: acme,
                name: "sec".into(),
                roles: vec![Role::Secadmin],
                password: Some(Zeroizing::new(PASSWORD.into())),
            })
            .unwrap();
        assert!(
            !user.totp_enrolled,
            "creation leaves the second factor to the account"
        );

        // A password alone opens a session that may only enrol.
        let first = iam.login(&attempt(None)).unwrap();
        assert!(first.totp_enrolment_required);
        let pending = iam
            .authenticate_session(&first.session.cookie, None, false)
            .unwrap();
        assert!(pending.roles.is_empty());
        assert!(pending.can(Permission::Session));
        assert!(!pending.can(Permission::EventsSearch));

        let wrong = iam.confirm_totp_enrolment(user.id, "123456").unwrap_err();
        assert!(wrong.to_string().contains("begin one first"), "{wrong}");
        let offer = iam.begin_totp_enrolment(user.id).unwrap();
        assert!(offer
            .uri
            .starts_with("otpauth://totp/Palisade:acme%2Fsec?secret="));
        let bad = iam.confirm_totp_enrolment(user.id, "abcdef").unwrap_err();
        assert!(matches!(bad, IamError::BadInput(_)), "{bad}");

        // Confirm with the previous step's code, so the current one is still fresh for login.
        let earlier = totp::code_at(&offer.secret, unix_now() - totp::STEP_SECS).unwrap();
        let enrolled = iam.confirm_totp_enrolment(user.id, &earlier).unwrap();
        assert!(enrolled.totp_enrolled);
        assert!(
            iam.authenticate_session(&first.session.cookie, None, false)
                .is_err(),
            "the password-only session ends at confirmation"
        );
        assert!(matches!(
            iam.begin_totp_enrolment(user.id),
            Err(IamError::Conflict(_))
        ));

        let refused = iam.login(&attempt(None)).unwrap_err();
        assert!(
            refused.to_string().contains("TOTP code is required"),
            "{refused}"
        );
        let code = totp::code_at(&offer.secret, unix_now()).unwrap();
        let full = iam.login(&attempt(Some(code))).unwrap();
        assert!(!full.totp_enrolment_required);
        assert_eq!(full.identity.roles, vec![Role::Secadmin]);
    }
}
