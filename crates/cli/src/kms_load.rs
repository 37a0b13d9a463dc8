//! The lean HTTPS client of `palisade bench kms`: HTTP/1.1 written directly over rustls
//! ([`crate::kms_wire`]), on one current-thread runtime for every connection, with request
//! heads and bodies encoded once and answers parsed without copying. Each connection keeps
//! one request in flight (keep-alive, no pipelining), as Vault clients do.

use crate::kms_wire::Wire;
use anyhow::{bail, Context};
use serde::Deserialize;
use std::{sync::Arc, time::Instant};
use tokio::net::TcpStream;

/// Where the key service is and how to reach it.
#[derive(Clone)]
pub struct Target {
    /// `host:port` to connect to.
    address: String,
    /// The `Host` header and, with TLS, the name the certificate must carry.
    host: String,
    /// TLS settings; `None` for a plain-HTTP server on loopback.
    tls: Option<tokio_rustls::TlsConnector>,
    /// `Bearer <token>`, encoded once.
    authorization: String,
}

impl Target {
    /// A target for the server at `url` (`https://host:port` or `http://host:port`).
    pub fn new(
        url: &str,
        token: &str,
        tls: Option<Arc<rustls::ClientConfig>>,
    ) -> anyhow::Result<Target> {
        let (https, rest) = match url.split_once("://") {
            Some(("https", rest)) => (true, rest),
            Some(("http", rest)) => (false, rest),
            _ => bail!("server URL {url:?} must start with https:// or http://"),
        };
        let host = rest.trim_end_matches('/').to_owned();
        if host.is_empty() || host.contains('/') {
            bail!("server URL {url:?} must be scheme://host:port without a path");
        }
        let tls = match (https, tls) {
            (true, Some(config)) => Some(tokio_rustls::TlsConnector::from(config)),
            (true, None) => bail!("an https server needs a TLS configuration"),
            (false, _) => None,
        };
        if token.bytes().any(|b| b.is_ascii_control() || !b.is_ascii()) {
            bail!("the token holds characters a header cannot carry");
        }
        let authorization = format!("Bearer {token}");
        let address = if host
            .rsplit_once(':')
            .is_some_and(|(_, p)| p.parse::<u16>().is_ok())
        {
            host.clone()
        } else {
            format!("{host}:{}", if https { 443 } else { 80 })
        };
        Ok(Target {
            address,
            host,
            tls,
            authorization,
        })
    }

    /// Opens one keep-alive connection (TCP_NODELAY, TLS when configured).
    pub async fn connect(&self) -> anyhow::Result<Connection> {
        let tcp = TcpStream::connect(&self.address)
            .await
            .with_context(|| format!("cannot connect to {}", self.address))?;
        tcp.set_nodelay(true)?;
        let wire = match &self.tls {
            Some(connector) => {
                let name = self.host.rsplit_once(':').map_or(&*self.host, |(h, _)| h);
                let name = rustls::pki_types::ServerName::try_from(
                    name.trim_start_matches('[')
                        .trim_end_matches(']')
                        .to_owned(),
                )
                .with_context(|| format!("{name:?} is not a server name"))?;
                let stream = connector
                    .connect(name, tcp)
                    .await
                    .context("TLS handshake with the server failed")?;
                Wire::new(Box::new(stream))
            }
            None => Wire::new(Box::new(tcp)),
        };
        Ok(Connection {
            wire,
            target: self.clone(),
        })
    }
}

/// One keep-alive connection.
pub struct Connection {
    wire: Wire,
    target: Target,
}

impl Connection {
    /// The request head of `method path` with the token (and a JSON content type for a POST),
    /// encoded once and sent with every request of a loop.
    pub fn head(&self, method: &str, path: &str) -> Vec<u8> {
        let content_type = if method == "POST" {
            "Content-Type: application/json\r\n"
        } else {
            ""
        };
        format!(
            "{method} {path} HTTP/1.1\r\nHost: {}\r\nAuthorization: {}\r\n{content_type}",
            self.target.host, self.target.authorization
        )
        .into_bytes()
    }

    /// Sends a request with `head` (see [`Connection::head`]) and `body`; the body of a 200
    /// answer, or an error with the server's.
    pub async fn send(&mut self, head: &[u8], body: &[u8]) -> anyhow::Result<&[u8]> {
        let (status, answer) = self.wire.exchange(head, body).await?;
        if status != 200 {
            let line = head.split(|b| *b == b'\r').next().unwrap_or_default();
            bail!(
                "{}: server answered {status}: {}",
                String::from_utf8_lossy(line),
                String::from_utf8_lossy(answer)
            );
        }
        Ok(answer)
    }
}

/// GETs `path` on `connection` until `until`, one request in flight; returns the requests
/// answered (the floor of HTTPS+HTTP when `path` does no work, such as `/healthz`).
pub async fn get_until(
    mut connection: Connection,
    path: Arc<str>,
    until: Instant,
) -> anyhow::Result<Tally> {
    let head = connection.head("GET", &path);
    let mut tally = Tally::default();
    let mut sent = Instant::now();
    while sent < until {
        connection.send(&head, b"").await?;
        sent = tally.answered(sent, 1);
    }
    Ok(tally)
}

/// What one connection's loop did: operations, and the time each request took.
#[derive(Debug, Default)]
pub struct Tally {
    /// Operations answered (items of encrypt and decrypt requests, or GET requests).
    pub items: u64,
    /// Each request's time from sending to the whole answer, in microseconds.
    pub latencies_us: Vec<u32>,
}

impl Tally {
    /// Counts a request sent at `sent` that answered `items` operations; returns now.
    fn answered(&mut self, sent: Instant, items: u64) -> Instant {
        let now = Instant::now();
        let us = now.duration_since(sent).as_micros();
        self.latencies_us
            .push(u32::try_from(us).unwrap_or(u32::MAX));
        self.items += items;
        now
    }

    /// Adds another connection's tally.
    pub fn merge(&mut self, other: Tally) {
        self.items += other.items;
        self.latencies_us.extend(other.latencies_us);
    }
}

/// An encrypt answer, single or batched (only what the benchmark reads).
#[derive(Deserialize)]
struct Sealed<'a> {
    #[serde(borrow, default)]
    ciphertext: Option<&'a str>,
    #[serde(borrow, default)]
    batch_results: Vec<SealedItem<'a>>,
}

#[derive(Deserialize)]
struct SealedItem<'a> {
    #[serde(borrow)]
    ciphertext: &'a str,
}

/// A decrypt answer, single or batched.
#[derive(Deserialize)]
struct Opened<'a> {
    #[serde(borrow, default)]
    plaintext: Option<&'a str>,
    #[serde(borrow, default)]
    batch_results: Vec<OpenedItem<'a>>,
}

#[derive(Deserialize)]
struct OpenedItem<'a> {
    #[serde(borrow)]
    plaintext: &'a str,
}

/// The request bodies of one encrypt+decrypt round, built once and reused.
pub struct Workload {
    /// `POST` path of encrypt.
    pub encrypt_path: String,
    /// `POST` path of decrypt.
    pub decrypt_path: String,
    /// The encrypt body, shared by every request.
    pub encrypt_body: Vec<u8>,
    /// The base64 plaintext every decrypt must give back.
    pub plaintext_b64: String,
    /// Items per request.
    pub batch: usize,
}

/// Builds the decrypt body for the ciphertexts of an encrypt answer into `out`.
fn decrypt_body(answer: &[u8], batch: usize, out: &mut Vec<u8>) -> anyhow::Result<()> {
    let sealed: Sealed = serde_json::from_slice(answer).context("unexpected encrypt answer")?;
    out.clear();
    if batch == 1 {
        let ct = sealed
            .ciphertext
            .context("the encrypt answer holds no ciphertext")?;
        out.extend_from_slice(b"{\"ciphertext\":");
        serde_json::to_writer(&mut *out, ct)?;
        out.push(b'}');
        return Ok(());
    }
    if sealed.batch_results.len() != batch {
        bail!(
            "the encrypt answer holds {} results for {batch} items",
            sealed.batch_results.len()
        );
    }
    out.extend_from_slice(b"{\"batch_input\":[");
    for (i, item) in sealed.batch_results.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        out.extend_from_slice(b"{\"ciphertext\":");
        serde_json::to_writer(&mut *out, item.ciphertext)?;
        out.push(b'}');
    }
    out.extend_from_slice(b"]}");
    Ok(())
}

/// Checks that a decrypt answer gives back the plaintext that was encrypted.
fn check_plaintext(answer: &[u8], expected: &str, batch: usize) -> anyhow::Result<()> {
    let opened: Opened = serde_json::from_slice(answer).context("unexpected decrypt answer")?;
    let right = if batch == 1 {
        opened.plaintext == Some(expected)
    } else {
        opened.batch_results.len() == batch
            && opened.batch_results.iter().all(|i| i.plaintext == expected)
    };
    if !right {
        bail!("decrypt did not give back the plaintext that was encrypted");
    }
    Ok(())
}

/// Encrypts and decrypts on `connection` until `until`; returns the items processed.
pub async fn encrypt_decrypt_until(
    mut connection: Connection,
    work: Arc<Workload>,
    until: Instant,
) -> anyhow::Result<Tally> {
    let encrypt_head = connection.head("POST", &work.encrypt_path);
    let decrypt_head = connection.head("POST", &work.decrypt_path);
    let mut tally = Tally::default();
    let mut body = Vec::with_capacity(work.encrypt_body.len() * 2);
    let batch = work.batch as u64;
    let mut sent = Instant::now();
    while sent < until {
        let sealed = connection.send(&encrypt_head, &work.encrypt_body).await?;
        decrypt_body(sealed, work.batch, &mut body)?;
        sent = tally.answered(sent, batch);
        let opened = connection.send(&decrypt_head, &body).await?;
        check_plaintext(opened, &work.plaintext_b64, work.batch)?;
        sent = tally.answered(sent, batch);
    }
    Ok(tally)
}
