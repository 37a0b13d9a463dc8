//! Helpers shared by the integration tests: generated file trees.

use std::path::Path;

/// Writes `text` at `rel` under `root`, creating directories, with `mode`.
pub fn write(root: &Path, rel: &str, text: &str, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    let path = root.join(rel);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(&path, text).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode)).unwrap();
}
