//! A request the API refuses before looking at its body still leaves the connection usable for
//! the next request, even when the body arrives after the request head: clients such as
//! Python's `requests` or `ureq` reuse connections and do not retry a POST on a connection the
//! server closed under them.

use crate::harness::{tempdir, Server, TlsStream};
use std::{
    io::{Read, Write},
    time::Duration,
};

/// Reads one HTTP/1.1 response with a `content-length`; its status.
fn read_response(tls: &mut TlsStream) -> u16 {
    let mut got = Vec::new();
    let mut byte = [0u8; 1];
    while !got.ends_with(b"\r\n\r\n") {
        let n = tls.read(&mut byte).expect("the response head arrives");
        assert_eq!(n, 1, "the server closed the connection: {got:?}");
        got.push(byte[0]);
    }
    let head = String::from_utf8_lossy(&got).to_ascii_lowercase();
    let length: usize = head
        .lines()
        .find_map(|l| l.strip_prefix("content-length:"))
        .and_then(|v| v.trim().parse().ok())
        .expect("a content-length");
    let mut body = vec![0u8; length];
    tls.read_exact(&mut body).unwrap();
    head[9..12].parse().unwrap()
}

#[test]
fn a_refused_post_whose_body_arrives_late_keeps_the_connection() {
    let dir = tempdir();
    let server = Server::start(dir.path(), None);
    let mut tls = server.tls_connect(server.api);
    tls.sock
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();

    for round in 0..3 {
        // The head first; the body only after the server could have answered already.
        write!(
            tls,
            "POST /api/v1/kms/keys/probe/encrypt HTTP/1.1\r\nHost: localhost\r\n\
             Authorization: Bearer not-a-token\r\nContent-Type: application/json\r\n\
             Content-Length: 2\r\n\r\n"
        )
        .unwrap();
        tls.flush().unwrap();
        std::thread::sleep(Duration::from_millis(200));
        tls.write_all(b"{}").unwrap();
        tls.flush().unwrap();
        assert_eq!(read_response(&mut tls), 401, "round {round}");
    }
    // And a plain request after them, on the same connection.
    write!(
        tls,
        "GET /api/v1/events?q=x HTTP/1.1\r\nHost: localhost\r\n\
         Authorization: Bearer {}\r\n\r\n",
        server.token
    )
    .unwrap();
    tls.flush().unwrap();
    assert_eq!(read_response(&mut tls), 200);
}
