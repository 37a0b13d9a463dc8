//! The agent's HTTPS connection to the server.

use anyhow::Context;
use std::{path::Path, sync::Arc, time::Duration};

/// Why a request did not succeed.
#[derive(Debug, thiserror::Error)]
pub enum SendError {
    /// The server answered with an error status.
    #[error("server answered {status}: {message}")]
    Refused {
        /// HTTP status.
        status: u16,
        /// The server's `error` message (or body).
        message: String,
    },
    /// The server could not be reached (or the connection broke).
    #[error("cannot reach the server: {0}")]
    Unreachable(String),
}

impl SendError {
    /// Whether sending the same request again can never succeed (the request itself is bad).
    pub fn is_permanent(&self) -> bool {
        matches!(
            self,
            SendError::Refused {
                status: 400 | 413 | 422,
                ..
            }
        )
    }
}

/// A connection to one server.
pub struct ServerClient {
    base: String,
    http: ureq::Agent,
}

impl ServerClient {
    /// A client of `server` (`https://host:port`); for https, `ca_file` is the PEM
    /// certificate(s) to trust: the server's own self-signed certificate (pinned) or the CA
    /// that signed it. Without it the system's roots are not consulted: https needs a CA file.
    pub fn new(server: &str, ca_file: Option<&Path>) -> anyhow::Result<ServerClient> {
        let mut builder = ureq::AgentBuilder::new()
            .timeout_connect(Duration::from_secs(10))
            .timeout(Duration::from_secs(60));
        if server.starts_with("https://") {
            let ca = ca_file.context(
                "an https server needs --ca-file (the server's certificate, <data-dir>/tls/cert.pem)",
            )?;
            builder = builder.tls_config(Arc::new(tls_config(ca)?));
        } else if !server.starts_with("http://") {
            anyhow::bail!("--server must start with https:// (or http:// for a test server)");
        }
        Ok(ServerClient {
            base: server.trim_end_matches('/').to_owned(),
            http: builder.build(),
        })
    }

    /// POSTs `body` to `path` (with a bearer token when given); the JSON answer.
    pub fn post(
        &self,
        path: &str,
        token: Option<&str>,
        content_type: &str,
        body: &[u8],
    ) -> Result<serde_json::Value, SendError> {
        let mut req = self
            .http
            .post(&format!("{}{path}", self.base))
            .set("Content-Type", content_type);
        if let Some(token) = token {
            req = req.set("Authorization", &format!("Bearer {token}"));
        }
        match req.send_bytes(body) {
            Ok(resp) => resp
                .into_json()
                .map_err(|e| SendError::Unreachable(format!("unreadable answer: {e}"))),
            Err(ureq::Error::Status(status, resp)) => {
                let text = resp.into_string().unwrap_or_default();
                let message = serde_json::from_str::<serde_json::Value>(&text)
                    .ok()
                    .and_then(|v| v["error"].as_str().map(str::to_owned))
                    .unwrap_or(text);
                Err(SendError::Refused { status, message })
            }
            Err(e) => Err(SendError::Unreachable(e.to_string())),
        }
    }
}

/// A rustls configuration trusting only the certificates in `ca`.
fn tls_config(ca: &Path) -> anyhow::Result<rustls::ClientConfig> {
    let pem =
        std::fs::read(ca).with_context(|| format!("cannot read --ca-file {}", ca.display()))?;
    let mut roots = rustls::RootCertStore::empty();
    for cert in rustls_pemfile::certs(&mut pem.as_slice()) {
        roots.add(cert.with_context(|| format!("{} is not PEM", ca.display()))?)?;
    }
    if roots.is_empty() {
        anyhow::bail!("{} holds no PEM certificate", ca.display());
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    Ok(rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()?
        .with_root_certificates(roots)
        .with_no_client_auth())
}
