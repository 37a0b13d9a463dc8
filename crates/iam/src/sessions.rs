//! Console sessions: a cookie credential plus a CSRF token that every state-changing request
//! made with the cookie must carry in `X-CSRF-Token`.

use crate::{now_ms, role::parse_roles, secret, Credential, Iam, IamError, Identity};
use palisade_core::TenantId;
use palisade_state::rusqlite::{params, OptionalExtension};
use zeroize::Zeroizing;

/// A new session's secrets, handed to the browser once.
#[derive(Debug)]
pub struct SessionInfo {
    /// The cookie value.
    pub cookie: Zeroizing<String>,
    /// The CSRF token.
    pub csrf: Zeroizing<String>,
    /// Expiry, epoch ms.
    pub expires_ms: i64,
}

impl Iam {
    /// Opens a session for an account (`iam.session_ttl`); `totp_pending`: one that may only
    /// enrol a second factor.
    pub(crate) fn create_session(
        &self,
        user_id: i64,
        totp_pending: bool,
    ) -> Result<SessionInfo, IamError> {
        let (id, cookie) = secret::new_credential();
        let csrf = secret::random_hex(32);
        let ttl = i64::try_from(self.config.session_ttl.0).unwrap_or(i64::MAX);
        let expires_ms = now_ms().saturating_add(ttl);
        self.store.with(|c| {
            c.execute(
                "DELETE FROM iam_sessions WHERE expires_ms <= ?1",
                [now_ms()],
            )?;
            c.execute(
                "INSERT INTO iam_sessions (id, user_id, digest, csrf_digest, expires_ms,
                                           totp_pending)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![
                    id,
                    user_id,
                    secret::digest(&cookie),
                    secret::digest(&csrf),
                    expires_ms,
                    totp_pending
                ],
            )
        })?;
        Ok(SessionInfo {
            cookie,
            csrf,
            expires_ms,
        })
    }

    /// The identity behind a session cookie. `csrf` is the request's `X-CSRF-Token`; it must
    /// match when `state_changing` (anything but GET and HEAD).
    pub fn authenticate_session(
        &self,
        cookie: &str,
        csrf: Option<&str>,
        state_changing: bool,
    ) -> Result<Identity, IamError> {
        let denied = |why: &str| IamError::Unauthenticated(format!("invalid session: {why}"));
        let id = secret::credential_id(cookie).ok_or_else(|| denied("malformed"))?;
        type SessionRow = (
            Vec<u8>,
            Vec<u8>,
            i64,
            i64,
            String,
            String,
            String,
            bool,
            bool,
            bool,
        );
        let row: Option<SessionRow> = self.store.with(|c| {
            c.query_row(
                "SELECT s.digest, s.csrf_digest, s.expires_ms, u.id, u.name, u.tenant, u.roles,
                        u.disabled, n.suspended, s.totp_pending
                 FROM iam_sessions s JOIN iam_users u ON u.id = s.user_id
                 JOIN iam_tenants n ON n.name = u.tenant WHERE s.id = ?1",
                [id],
                |r| SessionRow::try_from(r),
            )
            .optional()
        })?;
        let Some((
            digest,
            csrf_digest,
            expires,
            user_id,
            user,
            tenant,
            roles,
            disabled,
            suspended,
            totp_pending,
        )) = row
        else {
            return Err(denied("unknown or ended"));
        };
        if !secret::digest_matches(cookie, &digest) {
            return Err(denied("unknown or ended"));
        }
        if expires <= now_ms() || disabled || suspended {
            return Err(denied("expired, or the account or tenant is disabled"));
        }
        if state_changing && !csrf.is_some_and(|t| secret::digest_matches(t, &csrf_digest)) {
            return Err(IamError::Forbidden(
                "missing or wrong X-CSRF-Token for a state-changing request made with a session cookie"
                    .into(),
            ));
        }
        Ok(Identity {
            user_id,
            user,
            tenant: TenantId::new(&tenant).map_err(|_| denied("bad tenant"))?,
            roles: if totp_pending {
                Vec::new()
            } else {
                parse_roles(&roles).unwrap_or_default()
            },
            credential: Credential::Session(id.to_owned()),
        })
    }

    /// Ends a session.
    pub fn end_session(&self, id: &str) -> Result<(), IamError> {
        self.store
            .with(|c| c.execute("DELETE FROM iam_sessions WHERE id = ?1", [id]))?;
        Ok(())
    }
}
