//! The keyring on disk: one file sealed with the root key, replaced atomically.

use crate::{crypto, error::KmsError, keyring::Keyring, keytype::KeyType, secret::Secret};
use std::{fs, io::Write, path::Path};

/// Associated data binding the keyring file's ciphertext to its purpose and format.
const KEYRING_AAD: &[u8] = b"palisade-kms keyring v1";

/// Writes `bytes` to `path` so that a crash leaves either the old or the new file: write a
/// temporary file beside it (mode 0600), fsync, rename over, fsync the directory.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let tmp = path.with_extension("tmp");
    let mut options = fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(&tmp)?;
    file.write_all(bytes)?;
    file.sync_all()?;
    drop(file);
    fs::rename(&tmp, path)?;
    fs::File::open(dir)?.sync_all()
}

/// Creates a directory readable by its owner only.
pub fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    let mut builder = fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir)
}

/// Seals the keyring with the root key and writes it atomically.
pub fn save_keyring(path: &Path, root: &Secret, keyring: &Keyring) -> Result<(), KmsError> {
    let plain = Secret::new(
        serde_json::to_vec(keyring)
            .map_err(|e| KmsError::Storage(format!("cannot encode the keyring: {e}")))?,
    );
    let sealed = crypto::seal(KeyType::Aes256Gcm, root, KEYRING_AAD, plain.expose())?;
    write_atomic(path, &sealed)
        .map_err(|e| KmsError::Storage(format!("cannot write {}: {e}", path.display())))
}

/// Reads and opens the keyring; fails when `root` is not the key it was sealed with.
pub fn load_keyring(path: &Path, root: &Secret) -> Result<Keyring, KmsError> {
    let sealed = fs::read(path)
        .map_err(|e| KmsError::Storage(format!("cannot read {}: {e}", path.display())))?;
    let plain = Secret::new(
        crypto::open(KeyType::Aes256Gcm, root, KEYRING_AAD, &sealed).map_err(|_| {
            KmsError::Crypto(
                "the root key does not open the keyring (wrong shares or key file)".into(),
            )
        })?,
    );
    serde_json::from_slice(plain.expose())
        .map_err(|e| KmsError::Storage(format!("the keyring file is damaged: {e}")))
}
