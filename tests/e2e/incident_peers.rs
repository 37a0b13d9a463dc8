//! Real peers for the incident tests: an HTTP webhook receiver that checks signatures and
//! fails on purpose, a syslog UDP receiver, and an aiosmtpd SMTP server (when installed).

use std::{
    io::{BufRead, BufReader, Read, Write},
    net::{SocketAddr, TcpListener, UdpSocket},
    path::Path,
    process::{Child, Command, Stdio},
    sync::{Arc, Mutex},
    time::Duration,
};

/// One request the receiver got.
#[derive(Debug, Clone)]
pub struct Received {
    pub body: serde_json::Value,
    /// Whether `X-Palisade-Signature` matched the shared secret.
    pub signature_ok: bool,
    /// The status answered.
    pub answered: u16,
}

/// An HTTP receiver on a loopback port; answers 500 to the first `fail_first` requests.
pub struct Receiver {
    pub addr: SocketAddr,
    pub got: Arc<Mutex<Vec<Received>>>,
}

impl Receiver {
    pub fn start(secret: &'static [u8], fail_first: usize) -> Receiver {
        Receiver::start_on("127.0.0.1:0".parse().unwrap(), secret, fail_first)
    }

    pub fn start_on(addr: SocketAddr, secret: &'static [u8], fail_first: usize) -> Receiver {
        let listener = TcpListener::bind(addr).unwrap();
        let addr = listener.local_addr().unwrap();
        let got = Arc::new(Mutex::new(Vec::new()));
        let log = got.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
                let mut reader = BufReader::new(stream);
                let (mut length, mut timestamp, mut signature) = (0usize, 0i64, String::new());
                loop {
                    let mut line = String::new();
                    if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                        break;
                    }
                    let lower = line.to_ascii_lowercase();
                    let value = line
                        .split_once(':')
                        .map_or("", |(_, v)| v.trim())
                        .to_owned();
                    if lower.starts_with("content-length:") {
                        length = value.parse().unwrap_or(0);
                    } else if lower.starts_with("x-palisade-timestamp:") {
                        timestamp = value.parse().unwrap_or(0);
                    } else if lower.starts_with("x-palisade-signature:") {
                        signature = value;
                    }
                }
                let mut body = vec![0u8; length];
                if reader.read_exact(&mut body).is_err() {
                    continue;
                }
                let mut log = log.lock().unwrap();
                let answered = if log.len() < fail_first { 500 } else { 200 };
                log.push(Received {
                    body: serde_json::from_slice(&body).unwrap_or(serde_json::Value::Null),
                    signature_ok: palisade_incident::notify::webhook::verify(
                        secret, timestamp, &body, &signature,
                    ),
                    answered,
                });
                drop(log);
                let reason = if answered == 200 {
                    "OK"
                } else {
                    "Internal Server Error"
                };
                let answer = format!("HTTP/1.1 {answered} {reason}\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok");
                let _ = reader.get_mut().write_all(answer.as_bytes());
            }
        });
        Receiver { addr, got }
    }

    pub fn received(&self) -> Vec<Received> {
        self.got.lock().unwrap().clone()
    }
}

/// Receives syslog datagrams.
pub fn syslog_receiver() -> (SocketAddr, Arc<Mutex<Vec<String>>>) {
    let socket = UdpSocket::bind("127.0.0.1:0").unwrap();
    let addr = socket.local_addr().unwrap();
    let lines = Arc::new(Mutex::new(Vec::new()));
    let log = lines.clone();
    std::thread::spawn(move || {
        let mut buf = vec![0u8; 65_536];
        while let Ok((n, _)) = socket.recv_from(&mut buf) {
            log.lock()
                .unwrap()
                .push(String::from_utf8_lossy(&buf[..n]).into_owned());
        }
    });
    (addr, lines)
}

/// An aiosmtpd server writing received mail into `maildir`, with STARTTLS offered when a
/// certificate is given; `None` (with a message) when aiosmtpd is not installed.
pub struct Smtp {
    child: Child,
    pub port: u16,
}

impl Smtp {
    pub fn start(maildir: &Path, tls: Option<(&Path, &Path)>) -> Option<Smtp> {
        let present = Command::new("python3")
            .args(["-c", "import aiosmtpd"])
            .status()
            .is_ok_and(|s| s.success());
        if !present {
            eprintln!(
                "SKIPPED: the aiosmtpd Python package is not installed (.ci/run installs it)"
            );
            return None;
        }
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let mut cmd = Command::new("python3");
        cmd.args(["-m", "aiosmtpd", "-n", "-l", &format!("127.0.0.1:{port}")]);
        if let Some((cert, key)) = tls {
            cmd.arg("--tlscert").arg(cert).arg("--tlskey").arg(key);
        }
        cmd.args(["-c", "aiosmtpd.handlers.Mailbox"]).arg(maildir);
        let child = cmd
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap();
        let deadline = std::time::Instant::now() + Duration::from_secs(20);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                std::time::Instant::now() < deadline,
                "aiosmtpd did not start"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        Some(Smtp { child, port })
    }
}

impl Drop for Smtp {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The messages in a maildir's `new` folder.
pub fn mails(maildir: &Path) -> Vec<String> {
    std::fs::read_dir(maildir.join("new"))
        .map(|dir| {
            dir.flatten()
                .filter_map(|e| std::fs::read_to_string(e.path()).ok())
                .collect()
        })
        .unwrap_or_default()
}

/// Waits up to 30 s for `check`.
pub fn eventually(what: &str, mut check: impl FnMut() -> bool) {
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    while !check() {
        assert!(
            std::time::Instant::now() < deadline,
            "timed out waiting for {what}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}
