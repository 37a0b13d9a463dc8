//! The write-ahead log's sealing seam: a data key per log file, made and unwrapped by the key
//! service, and the AEAD that seals the log's frames with it.
//!
//! The log asks [`WalKeys::create`] for a key when it starts a file and writes the returned
//! wrapped form and file id into the file's header; after a restart [`WalKeys::open`] unwraps
//! it again. Frames are sealed through a [`FrameCipher`], which numbers them: a counter may be
//! sealed once, so a nonce is never used twice under one key.

use crate::SealError;

/// Length of the authentication tag a sealed frame carries after its ciphertext.
pub const FRAME_TAG_BYTES: usize = 16;
/// Length of a log file's id.
pub const FILE_ID_BYTES: usize = 16;

/// Seals and opens the frames of one log file under that file's data key.
pub trait FrameCipher: Send + Sync {
    /// Encrypts `in_out` in place as frame `counter`, binding `aad`, and returns the tag. A
    /// counter not above every counter sealed before by this cipher is refused, so that no
    /// nonce is reused.
    fn seal(
        &self,
        counter: u64,
        aad: &[u8],
        in_out: &mut [u8],
    ) -> Result<[u8; FRAME_TAG_BYTES], SealError>;

    /// Decrypts `in_out` (ciphertext then tag) sealed as frame `counter` with `aad`; returns
    /// the length of the plaintext now at its start. Fails when anything was altered.
    fn open(&self, counter: u64, aad: &[u8], in_out: &mut [u8]) -> Result<usize, SealError>;
}

/// The data key of a new log file.
pub struct NewFileKey {
    /// The file's random id (bound into its data key's wrapping and into every frame).
    pub file_id: [u8; FILE_ID_BYTES],
    /// The data key wrapped by the key service, for the file header.
    pub wrapped: Vec<u8>,
    /// The cipher sealing the file's frames.
    pub cipher: Box<dyn FrameCipher>,
}

/// Where the write-ahead log gets its file keys.
pub trait WalKeys: Send + Sync + 'static {
    /// `None` when keys can be made and unwrapped now; otherwise why not (for example: the
    /// key service is sealed).
    fn unavailable(&self) -> Option<String>;

    /// Makes the data key of a new log file.
    fn create(&self) -> Result<NewFileKey, SealError>;

    /// Unwraps the data key of the file `file_id` from the `wrapped` form in its header.
    fn open(
        &self,
        file_id: &[u8; FILE_ID_BYTES],
        wrapped: &[u8],
    ) -> Result<Box<dyn FrameCipher>, SealError>;
}
