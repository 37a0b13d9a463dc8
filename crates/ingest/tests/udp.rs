//! Syslog over UDP with real sockets.

mod common;
use common::*;
use palisade_core::{IngestSink, PayloadFormat, Transport};
use palisade_ingest::serve_udp;
use std::sync::Arc;
use tokio::net::UdpSocket;

/// A UDP listener with a collecting sink, and a client socket to send from.
async fn start_udp() -> (
    Arc<CollectingSink>,
    std::net::SocketAddr,
    tokio::task::JoinHandle<()>,
    UdpSocket,
) {
    let server = UdpSocket::bind("127.0.0.1:0").await.expect("bind");
    let addr = server.local_addr().expect("addr");
    let sink = CollectingSink::new();
    let task = tokio::spawn(serve_udp(
        server,
        sink.clone() as Arc<dyn IngestSink>,
        options(480, 8),
    ));
    let client = UdpSocket::bind("127.0.0.1:0").await.expect("bind client");
    (sink, addr, task, client)
}

#[tokio::test]
async fn datagrams_become_records_without_line_ends() {
    let (sink, addr, task, client) = start_udp().await;
    for datagram in [
        &b"<13>one\n"[..],
        b"<13>two\r\n",
        b"<13>three\0",
        b"<13>four",
    ] {
        client.send_to(datagram, addr).await.expect("send");
    }
    let payloads = sink.wait_records(4).await;
    assert_eq!(payloads, ["<13>one", "<13>two", "<13>three", "<13>four"]);
    let records = sink.records.lock().expect("lock").clone();
    let client_addr = client.local_addr().expect("client addr").to_string();
    for record in &records {
        assert_eq!(record.tenant.as_str(), "acme");
        assert_eq!(record.source, "syslog-udp");
        assert_eq!(record.transport, Transport::Udp);
        assert_eq!(record.format, PayloadFormat::Syslog);
        assert_eq!(record.peer.as_deref(), Some(client_addr.as_str()));
        assert!(record.received_ms > 1_600_000_000_000);
    }
    task.abort();
}

#[tokio::test]
async fn oversized_and_empty_datagrams_are_counted_and_later_ones_arrive() {
    let (sink, addr, task, client) = start_udp().await;
    client.send_to(&[b'x'; 481], addr).await.expect("send big");
    client.send_to(b"\n", addr).await.expect("send empty");
    client
        .send_to(&[0xff, 0xfe, 0x80], addr)
        .await
        .expect("send binary");
    client.send_to(&[b'y'; 480], addr).await.expect("send max");
    sink.wait_records(2).await;
    sink.wait_until("2 rejections", |s| s.rejections().len() == 2)
        .await;
    assert_eq!(
        sink.rejections(),
        ["datagram exceeds max_message_bytes", "empty datagram"]
    );
    let records = sink.records.lock().expect("lock").clone();
    assert_eq!(records[0].payload, [0xff, 0xfe, 0x80]);
    assert_eq!(records[1].payload.len(), 480);
    task.abort();
}

#[tokio::test]
async fn a_burst_is_batched() {
    let server = UdpSocket::bind("127.0.0.1:0").await.expect("bind");
    let addr = server.local_addr().expect("addr");
    let sink = CollectingSink::new();
    let client = UdpSocket::bind("127.0.0.1:0").await.expect("bind client");
    // Queue the burst before the collector starts, so it is all waiting at once.
    for i in 0..200 {
        client
            .send_to(format!("<13>msg {i}").as_bytes(), addr)
            .await
            .expect("send");
    }
    let task = tokio::spawn(serve_udp(
        server,
        sink.clone() as Arc<dyn IngestSink>,
        options(480, 8),
    ));
    let payloads = sink.wait_records(200).await;
    assert_eq!(payloads[199], "<13>msg 199");
    let batches = sink.batches.load(std::sync::atomic::Ordering::SeqCst);
    assert!(batches < 10, "{batches} batches for 200 queued datagrams");
    task.abort();
}
