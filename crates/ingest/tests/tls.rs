//! The generated certificate and syslog over TLS (RFC 5425) with a real client.

mod common;
use common::*;
use palisade_core::{IngestSink, Transport};
use palisade_ingest::{serve_stream, tls::server_config};
use rustls::pki_types::{CertificateDer, ServerName};
use std::{fs, sync::Arc};
use tokio::{
    io::AsyncWriteExt,
    net::{TcpListener, TcpStream},
};
use tokio_rustls::{TlsAcceptor, TlsConnector};

fn client_trusting(cert_pem: &[u8]) -> TlsConnector {
    let mut roots = rustls::RootCertStore::empty();
    for cert in rustls_pemfile::certs(&mut &cert_pem[..]) {
        let cert: CertificateDer<'static> = cert.expect("PEM certificate");
        roots.add(cert).expect("add root");
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .expect("versions")
        .with_root_certificates(roots)
        .with_no_client_auth();
    TlsConnector::from(Arc::new(config))
}

#[test]
fn generated_key_is_private_and_reused() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (_, cert_path) = server_config(dir.path(), None, None, &[]).expect("first");
    assert_eq!(cert_path, dir.path().join("tls/cert.pem"));
    let key_path = dir.path().join("tls/key.pem");
    use std::os::unix::fs::PermissionsExt as _;
    let mode = fs::metadata(&key_path).expect("key").permissions().mode();
    assert_eq!(mode & 0o777, 0o600);
    let first_cert = fs::read(&cert_path).expect("cert");
    let first_key = fs::read(&key_path).expect("key");
    let (_, again) = server_config(dir.path(), None, None, &[b"h2"]).expect("second");
    assert_eq!(again, cert_path);
    assert_eq!(fs::read(&cert_path).expect("cert"), first_cert);
    assert_eq!(fs::read(&key_path).expect("key"), first_key);
}

#[test]
fn configured_files_are_used_and_must_come_in_pairs() {
    let generated = tempfile::tempdir().expect("tempdir");
    server_config(generated.path(), None, None, &[]).expect("generate");
    let cert = generated.path().join("tls/cert.pem");
    let key = generated.path().join("tls/key.pem");
    let other = tempfile::tempdir().expect("tempdir");
    let (_, used) = server_config(other.path(), Some(&cert), Some(&key), &[]).expect("configured");
    assert_eq!(used, cert);
    assert!(
        !other.path().join("tls").exists(),
        "nothing generated when configured"
    );
    assert!(server_config(other.path(), Some(&cert), None, &[]).is_err());
    fs::remove_file(&key).expect("remove key");
    let err = server_config(generated.path(), None, None, &[]).expect_err("half a pair");
    assert!(err.to_string().contains("only one of"), "{err}");
}

/// A TLS syslog listener with a generated certificate in a fresh directory (kept alive by
/// the returned guard), its certificate path, sink, address and task.
async fn start_tls() -> (
    tempfile::TempDir,
    std::path::PathBuf,
    Arc<CollectingSink>,
    std::net::SocketAddr,
    tokio::task::JoinHandle<()>,
) {
    let dir = tempfile::tempdir().expect("tempdir");
    let (config, cert_path) = server_config(dir.path(), None, None, &[]).expect("config");
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    let sink = CollectingSink::new();
    let task = tokio::spawn(serve_stream(
        listener,
        Some(TlsAcceptor::from(config)),
        sink.clone() as Arc<dyn IngestSink>,
        options(480, 8),
    ));
    (dir, cert_path, sink, addr, task)
}

#[tokio::test]
async fn tls_client_sends_framed_messages() {
    let (_dir, cert_path, sink, addr, task) = start_tls().await;
    let connector = client_trusting(&fs::read(&cert_path).expect("cert"));
    for name in ["localhost", "127.0.0.1"] {
        let tcp = TcpStream::connect(addr).await.expect("connect");
        let server_name = ServerName::try_from(name.to_owned()).expect("name");
        let mut tls = connector
            .connect(server_name, tcp)
            .await
            .expect("handshake");
        tls.write_all(format!("17 <13>1 - {name:.3} a -").as_bytes())
            .await
            .expect("write");
        tls.write_all(b" -17 <13>1 - - - - - x")
            .await
            .expect("write");
        tls.shutdown().await.expect("close");
    }
    let payloads = sink.wait_records(4).await;
    assert_eq!(payloads[0], "<13>1 - loc a - -");
    assert_eq!(payloads[1], "<13>1 - - - - - x");
    assert_eq!(payloads[2], "<13>1 - 127 a - -");
    let record = sink.records.lock().expect("lock")[0].clone();
    assert_eq!(record.source, "syslog-tls");
    assert_eq!(record.transport, Transport::Tls);
    task.abort();
}

#[tokio::test]
async fn a_plain_tcp_client_on_the_tls_port_is_rejected() {
    let (_dir, _, sink, addr, task) = start_tls().await;
    let mut tcp = TcpStream::connect(addr).await.expect("connect");
    tcp.write_all(b"<13>plain text on a TLS port\n")
        .await
        .expect("write");
    sink.wait_until("a rejection", |s| !s.rejections().is_empty())
        .await;
    assert_eq!(sink.rejections(), ["TLS handshake failed"]);
    assert!(sink.payloads().is_empty());
    task.abort();
}
