//! API tokens: 256 random bits, shown once, stored as a digest, scoped to one account (so one
//! tenant) and one of its roles, expiring, revocable.

use crate::token_cache::Remembered;
use crate::{now_ms, role::Role, secret, Credential, Iam, IamError, Identity, BOOTSTRAP_TOKEN_ID};
use palisade_core::TenantId;
use palisade_state::rusqlite::{self, params, Connection, OptionalExtension, Row};
use serde::Serialize;
use zeroize::Zeroizing;

/// What creating a token needs.
#[derive(Debug, Clone)]
pub struct NewToken {
    /// The account it acts as.
    pub user_id: i64,
    /// The one role it carries (one the account holds).
    pub role: Role,
    /// Lifetime in ms; `None`: `iam.token_ttl`; `Some(0)`: never expires.
    pub ttl_ms: Option<i64>,
    /// What it is for.
    pub description: String,
}

/// A token as the API shows it (never the secret).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TokenInfo {
    /// Token id (the secret's public part).
    pub id: String,
    /// The account's tenant.
    pub tenant: String,
    /// The account name.
    pub user: String,
    /// The role it carries.
    pub role: Role,
    /// What it is for.
    pub description: String,
    /// Creation time, epoch ms.
    pub created_ms: i64,
    /// Expiry, epoch ms (`None`: never).
    pub expires_ms: Option<i64>,
    /// When it was revoked, epoch ms.
    pub revoked_ms: Option<i64>,
}

const TOKEN_COLUMNS: &str = "t.id, u.tenant, u.name, t.role, t.description, t.created_ms, \
     t.expires_ms, t.revoked_ms";

fn token_row(r: &Row<'_>) -> palisade_state::rusqlite::Result<TokenInfo> {
    let role: String = r.get(3)?;
    Ok(TokenInfo {
        id: r.get(0)?,
        tenant: r.get(1)?,
        user: r.get(2)?,
        role: Role::parse(&role).unwrap_or(Role::User),
        description: r.get(4)?,
        created_ms: r.get(5)?,
        expires_ms: r.get(6)?,
        revoked_ms: r.get(7)?,
    })
}

impl Iam {
    /// Creates a token; returns it and its secret text, which is not kept and never shown
    /// again.
    pub fn create_token(&self, new: &NewToken) -> Result<(TokenInfo, Zeroizing<String>), IamError> {
        let user = self.user_by_id(new.user_id)?;
        if !user.roles.contains(&new.role) {
            return Err(IamError::BadInput(format!(
                "user {} does not hold role {}",
                user.name, new.role
            )));
        }
        if user.disabled {
            return Err(IamError::BadInput(format!(
                "user {} is disabled",
                user.name
            )));
        }
        let ttl = new
            .ttl_ms
            .unwrap_or(i64::try_from(self.config.token_ttl.0).unwrap_or(i64::MAX));
        if ttl < 0 {
            return Err(IamError::BadInput(
                "token lifetime cannot be negative".into(),
            ));
        }
        let expires = (ttl > 0).then(|| now_ms().saturating_add(ttl));
        let (id, text) = secret::new_credential();
        self.insert_token(
            &id,
            user.id,
            new.role,
            &secret::digest(&text),
            &new.description,
            expires,
        )?;
        Ok((self.token(&id)?, text))
    }

    pub(crate) fn insert_token(
        &self,
        id: &str,
        user_id: i64,
        role: Role,
        digest: &[u8],
        description: &str,
        expires_ms: Option<i64>,
    ) -> Result<(), IamError> {
        self.store.with(|c| {
            c.execute(
                "INSERT INTO iam_tokens (id, user_id, role, digest, description, created_ms, expires_ms)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                params![id, user_id, role.name(), digest, description, now_ms(), expires_ms],
            )
        })?;
        Ok(())
    }

    /// One token.
    pub fn token(&self, id: &str) -> Result<TokenInfo, IamError> {
        self.store
            .with(|c| {
                c.query_row(
                    &format!(
                        "SELECT {TOKEN_COLUMNS} FROM iam_tokens t JOIN iam_users u ON u.id = t.user_id
                         WHERE t.id = ?1"
                    ),
                    [id],
                    token_row,
                )
                .optional()
            })?
            .ok_or_else(|| IamError::NotFound(format!("no token {id}")))
    }

    /// Tokens of one tenant (or every tenant), optionally of one account.
    pub fn list_tokens(
        &self,
        tenant: Option<&TenantId>,
        user_id: Option<i64>,
    ) -> Result<Vec<TokenInfo>, IamError> {
        Ok(self.store.with(|c| {
            let mut stmt = c.prepare(&format!(
                "SELECT {TOKEN_COLUMNS} FROM iam_tokens t JOIN iam_users u ON u.id = t.user_id
                 WHERE (?1 IS NULL OR u.tenant = ?1) AND (?2 IS NULL OR u.id = ?2)
                 ORDER BY t.created_ms, t.id"
            ))?;
            let rows = stmt.query_map(params![tenant.map(TenantId::as_str), user_id], token_row)?;
            rows.collect()
        })?)
    }

    /// Revokes a token (it stays listed, marked revoked).
    pub fn revoke_token(&self, id: &str) -> Result<TokenInfo, IamError> {
        let n = self.store.with(|c| {
            c.execute(
                "UPDATE iam_tokens SET revoked_ms = ?2 WHERE id = ?1 AND revoked_ms IS NULL",
                params![id, now_ms()],
            )
        })?;
        let token = self.token(id)?;
        if n == 0 {
            return Err(IamError::Conflict(format!("token {id} is revoked already")));
        }
        Ok(token)
    }

    /// The identity behind a presented token: the digest compared in constant time, then
    /// expiry, revocation, the account and its tenant checked (a check that succeeded is
    /// remembered until the state store changes, see `token_cache`).
    pub fn authenticate_token(&self, presented: &str) -> Result<Identity, IamError> {
        let id = secret::credential_id(presented).unwrap_or(BOOTSTRAP_TOKEN_ID);
        let found = self.store.with(|c| self.find_token(c, id))?;
        self.check_token(presented, id, found)
    }

    /// [`Iam::authenticate_token`] without waiting for the state store: `None` while another
    /// caller holds it, so an async caller can move to a blocking thread instead.
    /// A remembered check needs no connection at all.
    pub fn try_authenticate_token(&self, presented: &str) -> Option<Result<Identity, IamError>> {
        let id = secret::credential_id(presented).unwrap_or(BOOTSTRAP_TOKEN_ID);
        if let Some(remembered) = self.token_cache.get(self.store.generation(), id) {
            return Some(self.check_token(presented, id, Found::Remembered(remembered)));
        }
        let found = match self.store.try_with(|c| self.find_token(c, id))? {
            Ok(found) => found,
            Err(e) => return Some(Err(e.into())),
        };
        Some(self.check_token(presented, id, found))
    }

    /// The remembered check of token `id` if the store has not changed since (another
    /// connection's commits included), else its row.
    fn find_token(&self, c: &Connection, id: &str) -> rusqlite::Result<Found> {
        let stamp = self.store.generation_exact(c);
        if let Some(remembered) = self.token_cache.get(stamp, id) {
            return Ok(Found::Remembered(remembered));
        }
        let row = c
            .prepare_cached(
                "SELECT t.digest, t.role, t.expires_ms, t.revoked_ms, u.id, u.name, u.tenant,
                        u.roles, u.disabled, n.suspended
                 FROM iam_tokens t JOIN iam_users u ON u.id = t.user_id
                 JOIN iam_tenants n ON n.name = u.tenant WHERE t.id = ?1",
            )?
            .query_row([id], |r| TokenRow::try_from(r))
            .optional()?;
        Ok(Found::Row(stamp, row))
    }

    /// Checks a presented token against what [`Iam::find_token`] found.
    fn check_token(&self, presented: &str, id: &str, found: Found) -> Result<Identity, IamError> {
        let denied = |why: &str| IamError::Unauthenticated(format!("invalid token: {why}"));
        let (stamp, row) = match found {
            Found::Remembered(remembered) => {
                if !secret::digest_matches(presented, &remembered.digest) {
                    return Err(denied("unknown"));
                }
                if remembered.expires_ms.is_some_and(|e| e <= now_ms()) {
                    return Err(denied("expired"));
                }
                return Ok(remembered.identity);
            }
            Found::Row(stamp, row) => (stamp, row),
        };
        let Some((
            digest,
            role,
            expires,
            revoked,
            user_id,
            user,
            tenant,
            roles,
            disabled,
            suspended,
        )) = row
        else {
            // Spend the same digest comparison on unknown ids.
            secret::digest_matches(presented, &[0u8; 32]);
            return Err(denied("unknown"));
        };
        if !secret::digest_matches(presented, &digest) {
            return Err(denied("unknown"));
        }
        if revoked.is_some() {
            return Err(denied("revoked"));
        }
        if expires.is_some_and(|e| e <= now_ms()) {
            return Err(denied("expired"));
        }
        if disabled {
            return Err(denied("the account is disabled"));
        }
        if suspended {
            return Err(IamError::Forbidden(format!("tenant {tenant} is suspended")));
        }
        let role = Role::parse(&role).map_err(|_| denied("unknown role"))?;
        let held = crate::role::parse_roles(&roles).unwrap_or_default();
        if !held.contains(&role) {
            return Err(denied("the account no longer holds the token's role"));
        }
        let identity = Identity {
            user_id,
            user,
            tenant: TenantId::new(&tenant).map_err(|_| denied("bad tenant"))?,
            roles: vec![role],
            credential: Credential::Token(id.to_owned()),
        };
        let remembered = Remembered {
            digest,
            expires_ms: expires,
            identity: identity.clone(),
        };
        self.token_cache.remember(stamp, id, remembered);
        Ok(identity)
    }
}

/// The columns [`Iam::find_token`] reads: digest, role, expiry, revocation, account id, name,
/// tenant, roles, disabled, tenant suspended.
type TokenRow = (
    Vec<u8>,
    String,
    Option<i64>,
    Option<i64>,
    i64,
    String,
    String,
    String,
    bool,
    bool,
);

/// What a token lookup found.
enum Found {
    /// A check that succeeded while the store stood where it stands now.
    Remembered(Remembered),
    /// The token's row (if any), read when the store was at this generation.
    Row(u64, Option<TokenRow>),
}
