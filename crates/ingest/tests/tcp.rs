//! Syslog over TCP (RFC 6587 framing) with real sockets.

mod common;
use common::*;
use palisade_core::{IngestSink, Transport};
use palisade_ingest::serve_stream;
use std::{net::SocketAddr, sync::Arc, time::Duration};
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::{TcpListener, TcpStream},
    task::JoinHandle,
};

async fn start(
    max_message_bytes: usize,
    max_connections: usize,
) -> (Arc<CollectingSink>, SocketAddr, JoinHandle<()>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    let sink = CollectingSink::new();
    let opts = options(max_message_bytes, max_connections);
    let task = tokio::spawn(serve_stream(
        listener,
        None,
        sink.clone() as Arc<dyn IngestSink>,
        opts,
    ));
    (sink, addr, task)
}

async fn send_and_close(addr: SocketAddr, bytes: &[u8]) {
    let mut stream = TcpStream::connect(addr).await.expect("connect");
    stream.write_all(bytes).await.expect("write");
    stream.shutdown().await.expect("shutdown");
}

/// True when the server closes the connection within two seconds.
async fn closed_by_server(stream: &mut TcpStream) -> bool {
    let mut buf = [0u8; 16];
    matches!(
        tokio::time::timeout(Duration::from_secs(2), stream.read(&mut buf)).await,
        Ok(Ok(0)) | Ok(Err(_))
    )
}

#[tokio::test]
async fn octet_counted_frames() {
    let (sink, addr, task) = start(480, 8).await;
    send_and_close(addr, b"11 <13>1 hello14 <13>1 world!\n!").await;
    assert_eq!(
        sink.wait_records(2).await,
        ["<13>1 hello", "<13>1 world!\n!"]
    );
    let record = sink.records.lock().expect("lock")[0].clone();
    assert_eq!(record.source, "syslog-tcp");
    assert_eq!(record.transport, Transport::Tcp);
    assert!(record.peer.is_some_and(|p| p.starts_with("127.0.0.1:")));
    task.abort();
}

#[tokio::test]
async fn lf_frames_with_crlf_nul_and_a_final_unterminated_frame() {
    let (sink, addr, task) = start(480, 8).await;
    send_and_close(addr, b"<13>a\n<13>b\r\n\n<13>c\0<13>last").await;
    assert_eq!(
        sink.wait_records(4).await,
        ["<13>a", "<13>b", "<13>c", "<13>last"]
    );
    task.abort();
}

#[tokio::test]
async fn mixed_framing_on_one_connection() {
    let (sink, addr, task) = start(480, 8).await;
    send_and_close(addr, b"3 abc<13>lf one\n4 defg\n<13>lf two\n").await;
    assert_eq!(
        sink.wait_records(4).await,
        ["abc", "<13>lf one", "defg", "<13>lf two"]
    );
    task.abort();
}

#[tokio::test]
async fn a_frame_split_into_single_bytes() {
    let (sink, addr, task) = start(480, 8).await;
    let mut stream = TcpStream::connect(addr).await.expect("connect");
    stream.set_nodelay(true).expect("nodelay");
    let input = b"25 <34>1 - host app - - - hi<13>Oct 11 22:14:15 h t: lf\n";
    for byte in input {
        stream.write_all(&[*byte]).await.expect("write");
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    assert_eq!(
        sink.wait_records(2).await,
        ["<34>1 - host app - - - hi", "<13>Oct 11 22:14:15 h t: lf"]
    );
    assert!(sink.rejections().is_empty());
    drop(stream);
    task.abort();
}

#[tokio::test]
async fn oversized_frames_are_rejected_and_the_next_ones_still_arrive() {
    let (sink, addr, task) = start(64, 8).await;
    let mut input = b"100 ".to_vec();
    input.extend([b'x'; 100]);
    input.extend(b"5 after");
    input.extend([b'y'; 200]);
    input.extend(b"\n<13>ok\n");
    send_and_close(addr, &input).await;
    assert_eq!(sink.wait_records(2).await, ["after", "<13>ok"]);
    sink.wait_until("2 rejections", |s| s.rejections().len() == 2)
        .await;
    assert_eq!(sink.rejections(), ["frame exceeds max_message_bytes"; 2]);
    assert!(sink
        .rejected
        .lock()
        .expect("lock")
        .iter()
        .all(|(s, _)| s == "syslog-tcp"));
    task.abort();
}

#[tokio::test]
async fn binary_garbage_is_stored_as_it_came() {
    let (sink, addr, task) = start(480, 8).await;
    send_and_close(addr, &[0xff, 0xfe, 0x80, 0x01, b'\n', 0xc3, 0x28]).await;
    sink.wait_records(2).await;
    let records = sink.records.lock().expect("lock").clone();
    assert_eq!(records[0].payload, [0xff, 0xfe, 0x80, 0x01]);
    assert_eq!(records[1].payload, [0xc3, 0x28]);
    task.abort();
}

#[tokio::test]
async fn a_bad_octet_count_closes_the_connection_after_earlier_frames() {
    let (sink, addr, task) = start(480, 8).await;
    let mut stream = TcpStream::connect(addr).await.expect("connect");
    stream.write_all(b"2 ok12x oops").await.expect("write");
    assert!(closed_by_server(&mut stream).await);
    assert_eq!(sink.wait_records(1).await, ["ok"]);
    assert_eq!(sink.rejections(), ["invalid octet count"]);
    task.abort();
}

#[tokio::test]
async fn connections_over_the_limit_are_refused_and_counted() {
    let (sink, addr, task) = start(480, 1).await;
    let mut first = TcpStream::connect(addr).await.expect("connect first");
    first.write_all(b"<13>first\n").await.expect("write");
    sink.wait_records(1).await;
    let mut second = TcpStream::connect(addr).await.expect("connect second");
    assert!(closed_by_server(&mut second).await);
    assert_eq!(sink.rejections(), ["too many connections"]);
    first.write_all(b"<13>still served\n").await.expect("write");
    assert_eq!(sink.wait_records(2).await[1], "<13>still served");
    drop(first);
    // The slot is free again once the first connection is gone.
    tokio::time::sleep(Duration::from_millis(100)).await;
    send_and_close(addr, b"<13>third\n").await;
    assert_eq!(sink.wait_records(3).await[2], "<13>third");
    task.abort();
}

#[tokio::test]
async fn a_failing_sink_closes_the_connection() {
    let (sink, addr, task) = start(480, 8).await;
    sink.fail.store(true, std::sync::atomic::Ordering::SeqCst);
    let mut stream = TcpStream::connect(addr).await.expect("connect");
    stream.write_all(b"<13>not stored\n").await.expect("write");
    assert!(closed_by_server(&mut stream).await);
    assert!(sink.payloads().is_empty());
    task.abort();
}

#[tokio::test]
async fn aborting_the_listener_ends_its_connections() {
    let (sink, addr, task) = start(480, 8).await;
    let mut stream = TcpStream::connect(addr).await.expect("connect");
    stream.write_all(b"<13>before\n").await.expect("write");
    sink.wait_records(1).await;
    task.abort();
    assert!(closed_by_server(&mut stream).await);
}

#[tokio::test]
async fn an_idle_connection_is_closed_and_its_last_message_kept() {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    let sink = CollectingSink::new();
    let opts = palisade_ingest::SyslogOptions {
        idle_timeout: Duration::from_millis(300),
        ..options(480, 8)
    };
    let task = tokio::spawn(serve_stream(
        listener,
        None,
        sink.clone() as Arc<dyn IngestSink>,
        opts,
    ));
    let mut stream = TcpStream::connect(addr).await.expect("connect");
    stream
        .write_all(b"<13>1 done\n<13>1 no newline yet")
        .await
        .expect("write");
    assert!(
        closed_by_server(&mut stream).await,
        "idle connection closed"
    );
    assert_eq!(
        sink.wait_records(2).await,
        ["<13>1 done", "<13>1 no newline yet"]
    );
    task.abort();
}
