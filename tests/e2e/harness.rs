//! Starting, talking to and killing a real server.

use std::{
    io::{BufRead, BufReader},
    net::{SocketAddr, TcpStream},
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    sync::{mpsc, Arc},
    time::{Duration, Instant},
};

/// A client TLS connection to the server ([`Server::tls_connect`]).
pub type TlsStream = rustls::StreamOwned<rustls::ClientConnection, TcpStream>;

/// A running `palisade serve` in its own data directory.
pub struct Server {
    pub child: Child,
    pub dir: PathBuf,
    pub api: SocketAddr,
    pub syslog: SocketAddr,
    pub syslog_tls: SocketAddr,
    pub token: String,
    agent: ureq::Agent,
}

/// The path of the binary under test.
pub fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_palisade")
}

impl Server {
    /// Starts a server in `dir` (created if needed) with an optional palisade.toml body.
    pub fn start(dir: &Path, config: Option<&str>) -> Server {
        Server::start_with_env(dir, config, &[])
    }

    /// [`Server::start`] with extra environment variables for the server process.
    pub fn start_with_env(dir: &Path, config: Option<&str>, env: &[(&str, &str)]) -> Server {
        std::fs::create_dir_all(dir).unwrap();
        let mut cmd = Command::new(bin());
        cmd.arg("serve")
            .arg("--data-dir")
            .arg(dir.join("data"))
            .args([
                "--api",
                "127.0.0.1:0",
                "--syslog",
                "127.0.0.1:0",
                "--syslog-tls",
                "127.0.0.1:0",
            ])
            .env("RUST_LOG", "warn")
            .envs(env.iter().copied())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit());
        if let Some(text) = config {
            let path = dir.join("palisade.toml");
            std::fs::write(&path, text).unwrap();
            cmd.arg("--config").arg(path);
        }
        let mut child = cmd.spawn().expect("start palisade serve");
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let (mut api, mut syslog, mut syslog_tls) = (None, None, None);
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let line = rx
                .recv_timeout(deadline.saturating_duration_since(Instant::now()))
                .expect("server did not print Ready. within 60 s");
            let addr_after = |prefix: &str| -> Option<SocketAddr> {
                let rest = line.split(prefix).nth(1)?;
                rest.split_whitespace().next()?.parse().ok()
            };
            if line.starts_with("API listening on") {
                api = addr_after("://");
            } else if line.starts_with("Syslog listening") {
                syslog = addr_after("udp://");
            } else if line.starts_with("Syslog TLS") {
                syslog_tls = addr_after("tls://");
            } else if line == "Ready." {
                break;
            }
        }
        let token = std::fs::read_to_string(dir.join("data/admin.token"))
            .unwrap()
            .trim()
            .to_owned();
        let agent = ureq::AgentBuilder::new()
            .tls_config(Arc::new(client_tls(&dir.join("data/tls/cert.pem"))))
            .timeout(Duration::from_secs(60))
            .build();
        Server {
            child,
            dir: dir.to_owned(),
            api: api.expect("API address"),
            syslog: syslog.expect("syslog address"),
            syslog_tls: syslog_tls.expect("syslog TLS address"),
            token,
            agent,
        }
    }

    /// `https://127.0.0.1:PORT`
    pub fn url(&self) -> String {
        format!("https://{}", self.api)
    }

    /// A TLS connection to one of the server's listeners (`addr`), trusting its certificate.
    pub fn tls_connect(&self, addr: SocketAddr) -> TlsStream {
        let config = Arc::new(client_tls(&self.dir.join("data/tls/cert.pem")));
        let name = rustls::pki_types::ServerName::try_from("localhost").unwrap();
        let conn = rustls::ClientConnection::new(config, name).unwrap();
        rustls::StreamOwned::new(conn, TcpStream::connect(addr).unwrap())
    }

    /// GET with the admin token; (status, body).
    pub fn get(&self, path: &str, query: &[(&str, &str)]) -> (u16, serde_json::Value) {
        let mut req = self
            .agent
            .get(&format!("{}{path}", self.url()))
            .set("Authorization", &format!("Bearer {}", self.token));
        for (k, v) in query {
            req = req.query(k, v);
        }
        json_answer(req.call())
    }

    /// POST with the admin token; (status, body).
    pub fn post(&self, path: &str, content_type: &str, body: &[u8]) -> (u16, serde_json::Value) {
        let req = self
            .agent
            .post(&format!("{}{path}", self.url()))
            .set("Authorization", &format!("Bearer {}", self.token))
            .set("Content-Type", content_type);
        json_answer(req.send_bytes(body))
    }

    /// Any method with the admin token and a text body; (status, body).
    pub fn send(&self, method: &str, path: &str, body: &str) -> (u16, serde_json::Value) {
        let req = self
            .agent
            .request(method, &format!("{}{path}", self.url()))
            .set("Authorization", &format!("Bearer {}", self.token));
        json_answer(req.send_string(body))
    }

    /// GET without a token, as text; (status, body).
    pub fn get_public(&self, path: &str) -> (u16, String) {
        match self.agent.get(&format!("{}{path}", self.url())).call() {
            Ok(r) => (r.status(), r.into_string().unwrap()),
            Err(ureq::Error::Status(code, r)) => (code, r.into_string().unwrap_or_default()),
            Err(e) => panic!("GET {path}: {e}"),
        }
    }

    /// The /metrics text.
    pub fn metrics(&self) -> String {
        self.agent
            .get(&format!("{}/metrics", self.url()))
            .set("Authorization", &format!("Bearer {}", self.token))
            .call()
            .unwrap()
            .into_string()
            .unwrap()
    }

    /// Searches until `want` events match or 20 s pass; returns the last answer's events.
    pub fn wait_for(&self, q: &str, want: usize) -> Vec<serde_json::Value> {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let (status, body) = self.get("/api/v1/events", &[("q", q), ("limit", "10000")]);
            assert_eq!(status, 200, "search {q:?}: {body}");
            let events = body["events"].as_array().cloned().unwrap_or_default();
            if events.len() >= want || Instant::now() > deadline {
                return events;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Every page of a search, following `next_cursor`; returns the pages' events in order.
    pub fn search_pages(&self, q: &str, page_size: usize) -> Vec<Vec<serde_json::Value>> {
        let limit = page_size.to_string();
        let mut pages = Vec::new();
        let mut cursor: Option<String> = None;
        loop {
            let mut query = vec![("q", q), ("limit", limit.as_str())];
            if let Some(c) = &cursor {
                query.push(("cursor", c));
            }
            let (status, body) = self.get("/api/v1/events", &query);
            assert_eq!(status, 200, "{body}");
            pages.push(body["events"].as_array().cloned().unwrap_or_default());
            match body["next_cursor"].as_str() {
                Some(c) => cursor = Some(c.to_owned()),
                None => return pages,
            }
            assert!(pages.len() < 10_000, "pagination does not end");
        }
    }

    /// Counts matches of a query with `| stats count()`.
    pub fn count(&self, q: &str) -> u64 {
        let (status, body) = self.get("/api/v1/events", &[("q", &format!("{q} | stats count()"))]);
        assert_eq!(status, 200, "{body}");
        body["table"]["rows"][0][0].as_u64().unwrap_or(0)
    }

    /// A request with `token` (any method; JSON or empty body); (status, body).
    pub fn call_as(
        &self,
        token: &str,
        method: &str,
        path: &str,
        body: Option<&serde_json::Value>,
    ) -> (u16, serde_json::Value) {
        let req = self
            .agent
            .request(method, &format!("{}{path}", self.url()))
            .set("Authorization", &format!("Bearer {token}"));
        match body {
            Some(b) => json_answer(
                req.set("Content-Type", "application/json")
                    .send_string(&b.to_string()),
            ),
            None => json_answer(req.call()),
        }
    }

    /// GET with `token`; (status, body).
    pub fn get_as(
        &self,
        token: &str,
        path: &str,
        query: &[(&str, &str)],
    ) -> (u16, serde_json::Value) {
        let mut req = self
            .agent
            .get(&format!("{}{path}", self.url()))
            .set("Authorization", &format!("Bearer {token}"));
        for (k, v) in query {
            req = req.query(k, v);
        }
        json_answer(req.call())
    }

    /// A fresh account in `tenant` (created when absent) holding `role`, and an API token
    /// for it, made with the bootstrap operator token; (user name, token).
    pub fn account(&self, tenant: &str, role: &str) -> (String, String) {
        static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        let user = format!("{role}-{n}-{nanos}");
        let (status, body) = self.call_as(
            &self.token,
            "POST",
            "/api/v1/tenants",
            Some(&serde_json::json!({ "name": tenant })),
        );
        assert!(
            status == 201 || status == 409,
            "create tenant {tenant}: {status} {body}"
        );
        let new_user = serde_json::json!({ "tenant": tenant, "name": user, "roles": role });
        let (status, body) = self.call_as(&self.token, "POST", "/api/v1/users", Some(&new_user));
        assert_eq!(status, 201, "create user: {body}");
        let new_token = serde_json::json!({ "tenant": tenant, "user": user, "role": role });
        let (status, body) = self.call_as(&self.token, "POST", "/api/v1/tokens", Some(&new_token));
        assert_eq!(status, 201, "create token: {body}");
        (user, body["token"].as_str().expect("token").to_owned())
    }

    /// A token of a fresh account holding `role` in the default tenant.
    pub fn token_for(&self, role: &str) -> String {
        self.account("default", role).1
    }

    /// Runs the CLI against this server; (exit code, stdout, stderr).
    pub fn cli(&self, args: &[&str]) -> (i32, String, String) {
        let out = Command::new(bin())
            .args(args)
            .env("PALISADE_SERVER", self.url())
            .env("PALISADE_TOKEN_FILE", self.dir.join("data/admin.token"))
            .env("PALISADE_CA_CERT", self.dir.join("data/tls/cert.pem"))
            .output()
            .unwrap();
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    }

    /// SIGKILL, no chance to flush anything.
    pub fn kill9(mut self) -> PathBuf {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
        self.dir.clone()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn json_answer(result: Result<ureq::Response, ureq::Error>) -> (u16, serde_json::Value) {
    match result {
        Ok(r) => (r.status(), r.into_json().unwrap_or(serde_json::Value::Null)),
        Err(ureq::Error::Status(code, r)) => {
            (code, r.into_json().unwrap_or(serde_json::Value::Null))
        }
        Err(e) => panic!("request failed: {e}"),
    }
}

/// A rustls client that trusts the server's generated certificate.
pub fn client_tls(cert: &Path) -> rustls::ClientConfig {
    let pem = std::fs::read(cert).unwrap();
    let mut roots = rustls::RootCertStore::empty();
    for c in rustls_pemfile::certs(&mut pem.as_slice()) {
        roots.add(c.unwrap()).unwrap();
    }
    rustls::ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth()
}

/// A fresh temporary directory kept for the test's lifetime.
pub fn tempdir() -> tempfile::TempDir {
    tempfile::Builder::new()
        .prefix("palisade-e2e-")
        .tempdir()
        .unwrap()
}
