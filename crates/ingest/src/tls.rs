//! TLS server configuration for the syslog TLS listener and the HTTPS API.
//!
//! A configured certificate and key are used as they are. Otherwise Palisade keeps its own
//! under `<data_dir>/tls/`, generating a self-signed certificate on first start (for
//! `localhost`, `127.0.0.1`, `::1` and the machine's host name) and reusing it afterwards, so
//! clients that pinned it keep working across restarts.

use anyhow::{bail, Context as _};
use rustls::{
    pki_types::{CertificateDer, PrivateKeyDer},
    ServerConfig,
};
use std::{
    fs,
    io::{BufReader, Write as _},
    path::{Path, PathBuf},
    sync::Arc,
};

/// Loads cert+key PEM when configured, else `<data_dir>/tls/cert.pem`+`key.pem`, else
/// generates a self-signed certificate (rcgen) for localhost, 127.0.0.1, ::1 and the machine's
/// host name, the key written with mode 0600. Returns the server configuration (offering the
/// `alpn` protocols) and the certificate's path.
pub fn server_config(
    data_dir: &Path,
    cert: Option<&Path>,
    key: Option<&Path>,
    alpn: &[&[u8]],
) -> anyhow::Result<(Arc<ServerConfig>, PathBuf)> {
    let (cert_path, key_path) = match (cert, key) {
        (Some(cert), Some(key)) => (cert.to_path_buf(), key.to_path_buf()),
        (None, None) => own_certificate(&data_dir.join("tls"))?,
        _ => bail!("a TLS certificate and its private key must be configured together"),
    };
    let chain = load_certificates(&cert_path)?;
    let private_key = load_private_key(&key_path)?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .context("TLS protocol versions")?
        .with_no_client_auth()
        .with_single_cert(chain, private_key)
        .with_context(|| {
            format!(
                "TLS key {} does not match certificate {}",
                key_path.display(),
                cert_path.display()
            )
        })?;
    config.alpn_protocols = alpn.iter().map(|protocol| protocol.to_vec()).collect();
    Ok((Arc::new(config), cert_path))
}

/// The paths of Palisade's own certificate and key in `dir`, generated when absent.
fn own_certificate(dir: &Path) -> anyhow::Result<(PathBuf, PathBuf)> {
    let cert_path = dir.join("cert.pem");
    let key_path = dir.join("key.pem");
    match (cert_path.exists(), key_path.exists()) {
        (true, true) => return Ok((cert_path, key_path)),
        (false, false) => {}
        _ => bail!(
            "{} holds only one of cert.pem and key.pem; restore the other or remove both to \
             generate a new self-signed certificate",
            dir.display()
        ),
    }
    create_private_dir(dir)?;
    let mut names = vec![
        "localhost".to_owned(),
        "127.0.0.1".to_owned(),
        "::1".to_owned(),
    ];
    names.extend(host_name().filter(|name| !names.contains(name)));
    let mut params = rcgen::CertificateParams::new(names).context("certificate names")?;
    params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "Palisade self-signed");
    let key_pair = rcgen::KeyPair::generate().context("generating the TLS key")?;
    let certificate = params
        .self_signed(&key_pair)
        .context("signing the TLS certificate")?;
    write_atomically(&key_path, key_pair.serialize_pem().as_bytes(), 0o600)?;
    write_atomically(&cert_path, certificate.pem().as_bytes(), 0o644)?;
    tracing::info!(cert = %cert_path.display(), "generated a self-signed TLS certificate");
    Ok((cert_path, key_path))
}

/// The machine's host name, when it is a usable DNS name.
fn host_name() -> Option<String> {
    let name = fs::read_to_string("/proc/sys/kernel/hostname")
        .or_else(|_| fs::read_to_string("/etc/hostname"))
        .ok()?;
    let name = name.trim().to_ascii_lowercase();
    let usable = !name.is_empty()
        && name.len() <= 253
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.');
    usable.then_some(name)
}

fn create_private_dir(dir: &Path) -> anyhow::Result<()> {
    let mut builder = fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder
        .create(dir)
        .with_context(|| format!("creating {}", dir.display()))
}

/// Writes `contents` to a temporary file with `mode` and renames it into place, so a crash
/// never leaves a half-written key or certificate behind.
fn write_atomically(path: &Path, contents: &[u8], mode: u32) -> anyhow::Result<()> {
    let temporary = path.with_extension("pem.tmp");
    let mut options = fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, mode);
    #[cfg(not(unix))]
    let _ = mode;
    let write = || -> std::io::Result<()> {
        let mut file = options.open(&temporary)?;
        file.write_all(contents)?;
        file.sync_all()?;
        fs::rename(&temporary, path)
    };
    write().with_context(|| format!("writing {}", path.display()))
}

fn load_certificates(path: &Path) -> anyhow::Result<Vec<CertificateDer<'static>>> {
    let file = fs::File::open(path).with_context(|| format!("opening {}", path.display()))?;
    let chain = rustls_pemfile::certs(&mut BufReader::new(file))
        .collect::<Result<Vec<_>, _>>()
        .with_context(|| format!("reading certificates from {}", path.display()))?;
    if chain.is_empty() {
        bail!("{} contains no PEM certificate", path.display());
    }
    Ok(chain)
}

fn load_private_key(path: &Path) -> anyhow::Result<PrivateKeyDer<'static>> {
    let file = fs::File::open(path).with_context(|| format!("opening {}", path.display()))?;
    rustls_pemfile::private_key(&mut BufReader::new(file))
        .with_context(|| format!("reading the private key from {}", path.display()))?
        .with_context(|| format!("{} contains no PEM private key", path.display()))
}
