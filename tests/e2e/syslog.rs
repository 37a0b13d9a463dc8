//! Syslog over UDP, TCP (both RFC 6587 framings) and TLS, from real clients.

use crate::harness::{tempdir, Server};
use std::{io::Write, net::TcpStream, process::Command};

/// Runs util-linux `logger` against the server.
fn logger(server: &Server, args: &[&str], message: &str) {
    let port = server.syslog.port().to_string();
    let status = Command::new("logger")
        .args(["-n", "127.0.0.1", "-P", &port])
        .args(args)
        .arg(message)
        .status()
        .expect("util-linux logger must be installed (.ci/run installs bsdutils)");
    assert!(status.success(), "logger {args:?} failed");
}

#[test]
fn logger_over_udp_and_tcp_with_both_framings_is_searchable_with_fields() {
    let dir = tempdir();
    let server = Server::start(dir.path(), None);
    logger(
        &server,
        &["-d", "--rfc5424", "-t", "myapp", "-p", "auth.warning"],
        "udp message token-udp-5424",
    );
    logger(
        &server,
        &["-d", "--rfc3164", "-t", "sshd", "-p", "auth.err"],
        "udp message token-udp-3164",
    );
    logger(
        &server,
        &["-T", "--rfc5424", "-t", "tcpapp", "-p", "user.notice"],
        "lf framed token-tcp-lf",
    );
    logger(
        &server,
        &[
            "-T",
            "--octet-count",
            "--rfc5424",
            "-t",
            "octapp",
            "-p",
            "daemon.info",
            "--sd-id",
            "origin@32473",
            "--sd-param",
            "ip=\"192.0.2.1\"",
        ],
        "octet framed token-tcp-octet",
    );

    let e = &server.wait_for("token-udp-5424", 1)[0];
    assert_eq!(e["metadata"]["product"]["name"], "myapp");
    assert_eq!(e["metadata"]["log_name"], "syslog-udp");
    assert_eq!(e["metadata"]["log_format"], "rfc5424");
    assert_eq!(e["severity_id"], 3, "warning maps to OCSF medium: {e}");
    assert!(
        e["device"]["hostname"]
            .as_str()
            .is_some_and(|h| !h.is_empty()),
        "{e}"
    );
    assert!(e["raw_data"].as_str().unwrap().contains("token-udp-5424"));
    assert!(e.get("unparsed").is_none(), "{e}");

    let e = &server.wait_for("token-udp-3164", 1)[0];
    assert_eq!(e["metadata"]["product"]["name"], "sshd");
    assert_eq!(e["metadata"]["log_format"], "rfc3164");
    assert_eq!(e["severity_id"], 4, "err maps to OCSF high: {e}");

    let e = &server.wait_for("token-tcp-lf", 1)[0];
    assert_eq!(e["metadata"]["log_name"], "syslog-tcp");
    assert_eq!(e["metadata"]["product"]["name"], "tcpapp");

    let e = &server.wait_for("token-tcp-octet", 1)[0];
    assert_eq!(e["metadata"]["product"]["name"], "octapp");
    assert_eq!(
        e["unmapped"]["syslog"]["sd"]["origin@32473"]["ip"], "192.0.2.1",
        "{e}"
    );

    // Field queries reach the same events.
    assert_eq!(server.wait_for("app:octapp", 1).len(), 1);
    assert_eq!(server.wait_for("source:syslog-udp", 2).len(), 2);
}

#[test]
fn syslog_over_tls_is_received() {
    let dir = tempdir();
    let server = Server::start(dir.path(), None);
    let mut tls = server.tls_connect(server.syslog_tls);
    for i in 0..3 {
        let msg = format!(
            "<165>1 2026-11-23T10:00:0{i}.000Z tlshost tlsapp - - - over tls token-tls-{i}"
        );
        write!(tls, "{} {msg}", msg.len()).unwrap();
    }
    tls.flush().unwrap();
    let events = server.wait_for("tlsapp", 3);
    assert_eq!(events.len(), 3);
    assert!(events
        .iter()
        .all(|e| e["metadata"]["log_name"] == "syslog-tls"));
    assert!(events.iter().all(|e| e["device"]["hostname"] == "tlshost"));
    // Newest first.
    assert!(events[0]["message"]
        .as_str()
        .unwrap()
        .ends_with("token-tls-2"));
}

#[test]
fn malformed_oversized_and_binary_input_is_kept_or_rejected_never_lost_silently() {
    let dir = tempdir();
    let server = Server::start(dir.path(), Some("[syslog]\nmax_message_bytes = 1024\n"));
    let mut tcp = TcpStream::connect(server.syslog).unwrap();
    // Garbage without a syslog header: kept, unparsed.
    tcp.write_all(b"this is not syslog marker-garbage\n")
        .unwrap();
    // Non-UTF-8 bytes inside an RFC 5424 message, with a BOM before MSG.
    tcp.write_all(b"<13>1 - binhost binapp - - - \xEF\xBB\xBFbytes \xff\xfe marker-binary\n")
        .unwrap();
    // An oversized octet-counted frame: rejected and counted, and the stream goes on.
    let big = "x".repeat(5000);
    write!(tcp, "{} {big}", big.len()).unwrap();
    // Binary noise with NULs, then a good message after it.
    tcp.write_all(b"\x00\x01\x02\x03\xff\n").unwrap();
    let good = "<14>1 - okhost okapp - - - marker-after-oversized";
    write!(tcp, "{} {good}", good.len()).unwrap();
    tcp.flush().unwrap();
    drop(tcp);

    let e = &server.wait_for("marker-garbage", 1)[0];
    assert_eq!(e["unparsed"], true, "{e}");
    assert_eq!(e["message"], "this is not syslog marker-garbage");

    let e = &server.wait_for("marker-binary", 1)[0];
    assert_eq!(e["metadata"]["product"]["name"], "binapp");
    let b64 = e["raw_data_base64"]
        .as_str()
        .expect("exact bytes kept when not UTF-8");
    assert!(!b64.is_empty());
    assert!(
        !e["message"].as_str().unwrap().starts_with('\u{feff}'),
        "BOM stripped: {e}"
    );

    assert_eq!(server.wait_for("marker-after-oversized", 1).len(), 1);
    let metrics = server.metrics();
    assert!(
        metrics.lines().any(|l| l
            .starts_with("palisade_events_dropped_total{source=\"syslog-tcp\"")
            && !l.ends_with(" 0")),
        "oversized frame counted as dropped:\n{metrics}"
    );
    assert!(server.count("unparsed:true") >= 1);
    assert_eq!(server.get_public("/healthz").0, 200, "server survived");
}
