//! A small blocking client for the Palisade API, shared by the CLI commands.

use anyhow::{bail, Context};
use std::{path::PathBuf, sync::Arc};

/// Where the server is and how to authenticate, as flags shared by client commands.
#[derive(clap::Args, Debug, Clone)]
pub struct ServerArgs {
    /// Server API URL.
    #[arg(
        long,
        env = "PALISADE_SERVER",
        default_value = "https://127.0.0.1:8443"
    )]
    pub server: String,
    /// File holding the API token.
    #[arg(
        long,
        env = "PALISADE_TOKEN_FILE",
        default_value = "./palisade-data/admin.token"
    )]
    pub token_file: PathBuf,
    /// PEM certificate to trust for the server (the generated one lives in <data-dir>/tls/cert.pem).
    #[arg(
        long,
        env = "PALISADE_CA_CERT",
        default_value = "./palisade-data/tls/cert.pem"
    )]
    pub ca_cert: PathBuf,
}

/// An authenticated connection to the API.
pub struct Client {
    base: String,
    token: String,
    agent: ureq::Agent,
    tls: Option<Arc<rustls::ClientConfig>>,
}

impl Client {
    /// Reads the token and, for https, the certificate to trust.
    pub fn new(args: &ServerArgs) -> anyhow::Result<Client> {
        let token = std::fs::read_to_string(&args.token_file)
            .with_context(|| format!("cannot read token file {}", args.token_file.display()))?
            .trim()
            .to_owned();
        let mut builder = ureq::AgentBuilder::new().timeout(std::time::Duration::from_secs(300));
        let tls = if args.server.starts_with("https://") {
            Some(Arc::new(tls_config(&args.ca_cert)?))
        } else {
            None
        };
        if let Some(tls) = &tls {
            builder = builder.tls_config(tls.clone());
        }
        Ok(Client {
            base: args.server.trim_end_matches('/').to_owned(),
            token,
            agent: builder.build(),
            tls,
        })
    }

    /// The API token.
    pub fn token(&self) -> &str {
        &self.token
    }

    /// The TLS settings trusting the server's certificate (`None` for plain HTTP).
    pub fn tls(&self) -> Option<Arc<rustls::ClientConfig>> {
        self.tls.clone()
    }

    /// A request to `path` carrying the token.
    fn request(&self, method: &str, path: &str) -> ureq::Request {
        self.agent
            .request(method, &format!("{}{path}", self.base))
            .set("Authorization", &format!("Bearer {}", self.token))
    }

    /// GET a path with query parameters; the JSON body of a 2xx answer.
    pub fn get(&self, path: &str, query: &[(&str, &str)]) -> anyhow::Result<serde_json::Value> {
        let mut req = self.request("GET", path);
        for (k, v) in query {
            req = req.query(k, v);
        }
        Ok(success(req.call())?.into_json()?)
    }

    /// GET a path; the text body of a 2xx answer.
    pub fn get_text(&self, path: &str) -> anyhow::Result<String> {
        Ok(success(self.request("GET", path).call())?.into_string()?)
    }

    /// POST a body; the JSON body of a 2xx answer.
    pub fn post(
        &self,
        path: &str,
        content_type: &str,
        body: &[u8],
    ) -> anyhow::Result<serde_json::Value> {
        let req = self.request("POST", path).set("Content-Type", content_type);
        Ok(success(req.send_bytes(body))?.into_json()?)
    }
}

impl Client {
    /// Sends a JSON body with `method` (`POST`, `PATCH`, ...); the JSON body of a 2xx answer.
    pub fn send_json(
        &self,
        method: &str,
        path: &str,
        body: &serde_json::Value,
    ) -> anyhow::Result<serde_json::Value> {
        let req = self
            .request(method, path)
            .set("Content-Type", "application/json");
        Ok(success(req.send_string(&body.to_string()))?.into_json()?)
    }
}

/// The response of a 2xx answer; otherwise an error with the server's `error` message (or
/// its body), or why the server could not be reached.
fn success(result: Result<ureq::Response, ureq::Error>) -> anyhow::Result<ureq::Response> {
    match result {
        Ok(resp) => Ok(resp),
        Err(ureq::Error::Status(code, resp)) => {
            let body = resp.into_string().unwrap_or_default();
            let message = serde_json::from_str::<serde_json::Value>(&body)
                .ok()
                .and_then(|v| v["error"].as_str().map(str::to_owned))
                .unwrap_or(body);
            bail!("server answered {code}: {message}")
        }
        Err(e) => bail!("cannot reach the server: {e}"),
    }
}

/// A rustls client configuration that trusts the given PEM certificate(s).
fn tls_config(ca: &std::path::Path) -> anyhow::Result<rustls::ClientConfig> {
    let pem = std::fs::read(ca).with_context(|| {
        format!(
            "cannot read {} (the server's certificate; pass --ca-cert)",
            ca.display()
        )
    })?;
    let mut roots = rustls::RootCertStore::empty();
    for cert in rustls_pemfile::certs(&mut pem.as_slice()) {
        roots.add(cert?)?;
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    Ok(rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()?
        .with_root_certificates(roots)
        .with_no_client_auth())
}
