//! Passwords: the policy a new password must meet, and Argon2id hashing.

use argon2::{
    password_hash::{rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString},
    Argon2,
};

/// The longest password accepted (hashing cost must stay bounded).
pub const MAX_PASSWORD_BYTES: usize = 1024;

/// Checks a new password: at least `min_length` characters, at most
/// [`MAX_PASSWORD_BYTES`] bytes, at least 5 distinct characters, and not containing the
/// account name.
pub fn check_policy(password: &str, user: &str, min_length: usize) -> Result<(), String> {
    let chars = password.chars().count();
    if chars < min_length {
        return Err(format!(
            "password too short: {chars} characters, the policy asks for at least {min_length}"
        ));
    }
    if password.len() > MAX_PASSWORD_BYTES {
        return Err(format!(
            "password too long: at most {MAX_PASSWORD_BYTES} bytes"
        ));
    }
    let mut distinct: Vec<char> = password.chars().collect();
    distinct.sort_unstable();
    distinct.dedup();
    if distinct.len() < 5 {
        return Err("password too simple: use at least 5 different characters".into());
    }
    if !user.is_empty() && password.to_lowercase().contains(&user.to_lowercase()) {
        return Err("password must not contain the account name".into());
    }
    Ok(())
}

/// An Argon2id hash (PHC string, random salt, the crate's recommended parameters).
pub fn hash(password: &str) -> Result<String, String> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| format!("cannot hash password: {e}"))
}

/// Whether `password` matches the stored PHC string (the comparison inside is constant-time).
pub fn verify(password: &str, stored: &str) -> bool {
    if password.len() > MAX_PASSWORD_BYTES {
        return false;
    }
    PasswordHash::new(stored)
        .map(|parsed| {
            Argon2::default()
                .verify_password(password.as_bytes(), &parsed)
                .is_ok()
        })
        .unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn policy_names_what_is_wrong() {
        assert!(check_policy("short", "alice", 12)
            .unwrap_err()
            .contains("short"));
        assert!(check_policy("aaaaaaaaaaaaaaa", "bob", 12)
            .unwrap_err()
            .contains("simple"));
        assert!(check_policy("my-Alice-password", "alice", 12)
            .unwrap_err()
            .contains("account name"));
        assert!(check_policy("correct horse battery", "alice", 12).is_ok());
    }

    #[test]
    fn hashes_are_argon2id_and_verify() {
        let stored = hash("correct horse battery").unwrap();
        assert!(stored.starts_with("$argon2id$"));
        assert!(verify("correct horse battery", &stored));
        assert!(!verify("correct horse batterx", &stored));
        assert!(!verify("x", "not a hash"));
        assert_ne!(hash("correct horse battery").unwrap(), stored);
    }
}
