//! The administrator API token written at first start.

use rand::RngCore;
use std::{io::Write, path::Path};
use zeroize::Zeroizing;

/// Reads `<data_dir>/admin.token`, or creates it (mode 0600) with 256 random bits.
/// Returns the token and whether it was created now.
pub fn load_or_create(path: &Path) -> anyhow::Result<(Zeroizing<String>, bool)> {
    if path.exists() {
        let token = Zeroizing::new(std::fs::read_to_string(path)?.trim().to_owned());
        anyhow::ensure!(
            token.len() >= 32,
            "{} holds no valid token (delete it to have a new one generated)",
            path.display()
        );
        return Ok((token, false));
    }
    let mut bytes = Zeroizing::new([0u8; 32]);
    rand::rngs::OsRng.fill_bytes(bytes.as_mut());
    let token = Zeroizing::new(bytes.iter().map(|b| format!("{b:02x}")).collect::<String>());
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(path)?;
    file.write_all(token.as_bytes())?;
    file.write_all(b"\n")?;
    file.sync_all()?;
    Ok((token, true))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_is_created_private_and_then_reused() {
        let dir = std::env::temp_dir().join(format!("palisade-token-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("admin.token");
        let _ = std::fs::remove_file(&path);
        let (first, created) = load_or_create(&path).unwrap();
        assert!(created);
        assert_eq!(first.len(), 64);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        let (again, created) = load_or_create(&path).unwrap();
        assert!(!created);
        assert_eq!(*first, *again);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
