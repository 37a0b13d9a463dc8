//! The lean HTTPS client of `palisade bench kms`: hyper's HTTP/1.1 client connection directly
//! over rustls, on one current-thread runtime for every connection, with request bodies
//! encoded once and answers parsed without copying. Each connection keeps one request in
//! flight (keep-alive, no pipelining), as Vault clients do.

use anyhow::{bail, Context};
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::{client::conn::http1::SendRequest, header, Method, Request, StatusCode};
use hyper_util::rt::TokioIo;
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
    authorization: header::HeaderValue,
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
        let authorization = header::HeaderValue::from_str(&format!("Bearer {token}"))
            .context("the token holds characters a header cannot carry")?;
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
        let sender = match &self.tls {
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
                handshake(TokioIo::new(stream)).await?
            }
            None => handshake(TokioIo::new(tcp)).await?,
        };
        Ok(Connection {
            sender,
            target: self.clone(),
        })
    }
}

/// Starts HTTP/1.1 on an established stream; the connection is driven by its own task.
async fn handshake<T>(io: T) -> anyhow::Result<SendRequest<Full<Bytes>>>
where
    T: hyper::rt::Read + hyper::rt::Write + Unpin + Send + 'static,
{
    let (sender, connection) = hyper::client::conn::http1::handshake(io)
        .await
        .context("HTTP handshake failed")?;
    tokio::spawn(async move {
        if let Err(e) = connection.await {
            eprintln!("bench connection closed: {e}");
        }
    });
    Ok(sender)
}

/// One keep-alive connection.
pub struct Connection {
    sender: SendRequest<Full<Bytes>>,
    target: Target,
}

impl Connection {
    /// POSTs a JSON body to `path`; the body of a 200 answer, or an error with the server's.
    pub async fn post(&mut self, path: &str, body: Bytes) -> anyhow::Result<Bytes> {
        let request = Request::builder()
            .method(Method::POST)
            .uri(path)
            .header(header::HOST, &self.target.host)
            .header(header::AUTHORIZATION, self.target.authorization.clone())
            .header(header::CONTENT_TYPE, "application/json")
            .body(Full::new(body))?;
        self.send(request).await
    }

    /// GETs `path` with the token; the body of a 200 answer, or an error with the server's.
    pub async fn get(&mut self, path: &str) -> anyhow::Result<Bytes> {
        let request = Request::builder()
            .method(Method::GET)
            .uri(path)
            .header(header::HOST, &self.target.host)
            .header(header::AUTHORIZATION, self.target.authorization.clone())
            .body(Full::new(Bytes::new()))?;
        self.send(request).await
    }

    async fn send(&mut self, request: Request<Full<Bytes>>) -> anyhow::Result<Bytes> {
        let (method, path) = (request.method().clone(), request.uri().clone());
        self.sender.ready().await.context("connection lost")?;
        let response = self.sender.send_request(request).await?;
        let status = response.status();
        let body = response.into_body().collect().await?.to_bytes();
        if status != StatusCode::OK {
            bail!(
                "{method} {path}: server answered {status}: {}",
                String::from_utf8_lossy(&body)
            );
        }
        Ok(body)
    }
}

/// GETs `path` on `connection` until `until`, one request in flight; returns the requests
/// answered (the floor of HTTPS+HTTP when `path` does no work, such as `/healthz`).
pub async fn get_until(
    mut connection: Connection,
    path: Arc<str>,
    until: Instant,
) -> anyhow::Result<u64> {
    let mut requests = 0u64;
    while Instant::now() < until {
        connection.get(&path).await?;
        requests += 1;
    }
    Ok(requests)
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
    pub encrypt_body: Bytes,
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
) -> anyhow::Result<u64> {
    let mut items = 0u64;
    let mut body = Vec::with_capacity(work.encrypt_body.len() * 2);
    while Instant::now() < until {
        let sealed = connection
            .post(&work.encrypt_path, work.encrypt_body.clone())
            .await?;
        decrypt_body(&sealed, work.batch, &mut body)?;
        let opened = connection
            .post(&work.decrypt_path, Bytes::copy_from_slice(&body))
            .await?;
        check_plaintext(&opened, &work.plaintext_b64, work.batch)?;
        items += 2 * work.batch as u64;
    }
    Ok(items)
}
