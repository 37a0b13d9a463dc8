//! `palisade serve`: everything a single node runs.

use crate::{api, audit_trail::TrailSink, http, token};
use anyhow::Context;
use palisade_core::{config::Config, IdentitySealer, IngestSink, Sealer};
use palisade_ingest::SyslogOptions;
use palisade_pipeline::Pipeline;
use std::{net::SocketAddr, sync::Arc};
use tokio::net::{TcpListener, UdpSocket};

/// Addresses actually bound (useful when the configuration asked for port 0).
#[derive(Debug, Clone)]
pub struct Bound {
    /// The API.
    pub api: SocketAddr,
    /// UDP and TCP syslog.
    pub syslog: Option<SocketAddr>,
    /// Syslog over TLS.
    pub syslog_tls: Option<SocketAddr>,
}

/// Starts the pipeline, the collectors and the API; runs until Ctrl-C or SIGTERM.
pub async fn run(config: Config) -> anyhow::Result<()> {
    config.validate()?;
    create_private_dir(&config.data_dir)
        .with_context(|| format!("cannot create data directory {}", config.data_dir.display()))?;
    let state_store = Arc::new(
        palisade_state::StateStore::open(&palisade_state::state_path(&config.data_dir))
            .context("cannot open the state store")?,
    );
    let iam = Arc::new(palisade_iam::Iam::open(
        state_store.clone(),
        config.iam.clone(),
    )?);
    bootstrap_operator(&iam, &config.data_dir)?;
    let kms = Arc::new(
        palisade_kms::Kms::open_with(&config.data_dir, &config.kms)
            .context("cannot open the key management service")?,
    );
    announce_seal(&kms);
    let at_rest = if config.kms.encrypt_at_rest {
        Some(Arc::new(
            palisade_kms::at_rest::AtRestSealer::new(kms.clone(), state_store.clone())
                .context("cannot prepare encryption at rest")?,
        ))
    } else {
        None
    };
    let sealer: Arc<dyn Sealer> = match &at_rest {
        Some(at_rest) => at_rest.clone(),
        None => Arc::new(IdentitySealer),
    };
    announce_at_rest(&kms, at_rest.is_some());
    let audit_dir = palisade_audit::audit_dir(&config.data_dir);
    let audit_log = Arc::new(
        palisade_audit::AuditLog::open(&audit_dir, &IdentitySealer, Default::default())
            .with_context(|| format!("cannot open the audit trail in {}", audit_dir.display()))?,
    );
    let (store_key_trail, store_key_events) =
        crate::kms::store_audit::StoreKeyTrail::new(audit_log.clone());
    let store_key_trail: Arc<dyn palisade_kms::at_rest::StoreKeyAudit> = Arc::new(store_key_trail);
    if let Some(at_rest) = &at_rest {
        at_rest.set_audit(store_key_trail.clone());
    }
    let incidents =
        palisade_incident::IncidentManager::start(state_store.clone(), config.incidents.clone())
            .context("cannot start incident management")?;
    let detection = palisade_alerts::DetectionService::start(
        &config.detection,
        &config.data_dir,
        state_store.clone(),
    )
    .context("cannot load the detection rules")?;
    detection.add_sink(incidents.clone());
    let detector: Option<Arc<dyn palisade_core::Detector>> =
        config.detection.enabled.then(|| detection.clone() as _);
    let parsers = Arc::new(crate::parser_chains::ParserChainStore::open(
        state_store.clone(),
        config.parsers.clone(),
    )?);
    let wal_keys = at_rest.is_some().then(|| {
        let keys = palisade_kms::at_rest::WalKeyring::new(kms.clone());
        keys.set_audit(store_key_trail.clone());
        Arc::new(keys) as Arc<dyn palisade_core::wal_seal::WalKeys>
    });
    let pipeline =
        Pipeline::start_with_wal_keys(&config, sealer, parsers.compile()?, detector, wal_keys)?;
    let sink: Arc<dyn IngestSink> = pipeline.clone();
    detection.publish_findings(sink.clone());
    tokio::spawn(crate::kms::forward_records(store_key_events, sink.clone()));
    let opts = SyslogOptions {
        tenant: config.syslog.tenant.clone(),
        max_message_bytes: config.syslog.max_message_bytes,
        max_connections: config.syslog.max_connections,
        idle_timeout: config.syslog.idle_timeout.as_std(),
    };
    let (tls_config, cert_path) = palisade_ingest::tls::server_config(
        &config.data_dir,
        config.api.tls_cert.as_deref(),
        config.api.tls_key.as_deref(),
        &[b"http/1.1"],
    )?;
    let mut bound = Bound {
        api: config.api.listen,
        syslog: None,
        syslog_tls: None,
    };
    if let Some(addr) = config.syslog.listen {
        let (udp, tcp) = bind_syslog(addr).await?;
        bound.syslog = Some(udp.local_addr()?);
        tokio::spawn(palisade_ingest::serve_udp(udp, sink.clone(), opts.clone()));
        tokio::spawn(palisade_ingest::serve_stream(
            tcp,
            None,
            sink.clone(),
            opts.clone(),
        ));
    }
    if let Some(addr) = config.syslog.tls_listen {
        // The same certificate as the API, without the API's ALPN (syslog negotiates none).
        let mut syslog_tls = (*tls_config).clone();
        syslog_tls.alpn_protocols.clear();
        let tcp = TcpListener::bind(addr)
            .await
            .with_context(|| format!("cannot bind syslog TLS {addr}"))?;
        bound.syslog_tls = Some(tcp.local_addr()?);
        let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(syslog_tls));
        tokio::spawn(palisade_ingest::serve_stream(
            tcp,
            Some(acceptor),
            sink.clone(),
            opts,
        ));
    }
    let backup_passphrase = std::env::var("PALISADE_KMS_BACKUP_PASSPHRASE")
        .ok()
        .map(zeroize::Zeroizing::new);
    let kms = crate::kms::KmsService::start(kms, sink.clone(), backup_passphrase, at_rest);
    let agents = api::agents::Agents {
        registry: palisade_agent::registry::Registry::open(state_store.clone())
            .context("cannot prepare the agent registry")?,
        config: config.agents.clone(),
        data_dir: config.data_dir.clone(),
    };
    let posture = Arc::new(
        api::posture::PostureService::open(&config.posture, state_store.clone())
            .context("cannot prepare the compliance posture")?,
    );
    let state = Arc::new(api::ApiState {
        pipeline: pipeline.clone(),
        iam,
        state: state_store,
        audit: Arc::new(TrailSink::start(audit_log.clone(), pipeline.clone())),
        audit_log: audit_log.clone(),
        max_body_bytes: config.ingest.max_body_bytes,
        kms,
        detection,
        incidents,
        agents,
        parsers,
        posture,
        event_summary: Arc::new(crate::summary::EventSummary::new()),
    });
    let listener = TcpListener::bind(config.api.listen)
        .await
        .with_context(|| format!("cannot bind API {}", config.api.listen))?;
    bound.api = listener.local_addr()?;
    let acceptor = (!config.api.insecure_http).then(|| tokio_rustls::TlsAcceptor::from(tls_config));
    let scheme = if acceptor.is_some() { "https" } else { "http" };
    tokio::spawn(api::agents::watch_silence(state.clone()));
    tokio::spawn(crate::summary::keep_fresh(
        state.event_summary.clone(),
        pipeline.clone(),
    ));
    tokio::spawn(crate::audit_verify::watch(
        state.clone(),
        config.audit.verify_interval,
    ));
    tokio::spawn(http::serve(listener, acceptor, api::router(state)));
    announce(&bound, scheme, &cert_path);
    shutdown_signal().await;
    tracing::info!("shutting down: writing in-memory events to segments");
    pipeline.flush();
    audit_log.close();
    Ok(())
}

/// First start: `<data-dir>/admin.token` (created when absent) becomes the revocable token of
/// the bootstrap operator account (docs/iam.md).
fn bootstrap_operator(iam: &palisade_iam::Iam, data_dir: &std::path::Path) -> anyhow::Result<()> {
    if !iam.needs_bootstrap()? {
        return Ok(());
    }
    let token_path = data_dir.join("admin.token");
    let (admin_token, created) = token::load_or_create(&token_path)
        .with_context(|| format!("cannot read or create {}", token_path.display()))?;
    iam.bootstrap(&admin_token)?;
    if created {
        println!(
            "Bootstrap operator token written to {} (mode 0600); revoke it once you have your own accounts.",
            token_path.display()
        );
    }
    Ok(())
}

/// Creates the data directory readable by its owner only (it holds logs, keys and the token).
fn create_private_dir(dir: &std::path::Path) -> std::io::Result<()> {
    if dir.exists() {
        return Ok(());
    }
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir)
}

/// Says loudly when keys are protected by the development file seal, and how to unseal a
/// sealed key service.
fn announce_seal(kms: &palisade_kms::Kms) {
    let status = kms.status();
    if kms.seal_config() == palisade_kms::SealConfig::File {
        let warning =
            "WARNING: the key management service uses the DEVELOPMENT FILE SEAL: its root key \
            lies unencrypted in <data-dir>/kms/dev-root.key. Do not keep real keys this way; \
            initialise a Shamir seal with `palisade operator init` (docs/kms.md).";
        eprintln!("{warning}");
    } else if let Some(reason) = &status.error {
        eprintln!("ERROR: the key service stays sealed: {reason}");
    } else if status.sealed {
        println!(
            "Key service sealed: submit {} of {} shares with `palisade operator unseal`.",
            status.threshold, status.shares
        );
    }
}

/// Says whether stored events are encrypted, and what a sealed key service means for them.
fn announce_at_rest(kms: &palisade_kms::Kms, enabled: bool) {
    if !enabled {
        eprintln!(
            "WARNING: encryption at rest is turned off ([kms] encrypt_at_rest = false): new \
            event segments are stored unencrypted."
        );
    } else if kms.status().sealed {
        println!(
            "Encryption at rest: the key service is sealed, so stored events cannot be read, \
            input is refused (/readyz says not ready) and the write-ahead log is replayed only \
            once it is unsealed."
        );
    }
}

/// Prints where everything listens, one line per service, for people and for test harnesses.
fn announce(bound: &Bound, scheme: &str, cert: &std::path::Path) {
    println!(
        "API listening on {scheme}://{} (certificate {})",
        bound.api,
        cert.display()
    );
    if let Some(a) = bound.syslog {
        println!("Syslog listening on udp://{a} and tcp://{a}");
    }
    if let Some(a) = bound.syslog_tls {
        println!("Syslog TLS listening on tls://{a}");
    }
    println!("Ready.");
}

async fn shutdown_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term =
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(s) => s,
                Err(_) => return std::future::pending().await,
            };
        tokio::select! { _ = ctrl_c => {}, _ = term.recv() => {} }
    }
    #[cfg(not(unix))]
    let _ = ctrl_c.await;
}

/// How many UDP ports an ephemeral syslog address tries before giving up on finding one whose
/// TCP twin is free too.
const EPHEMERAL_SYSLOG_TRIES: usize = 16;

/// Binds syslog UDP and TCP on the same port of `addr`. With port 0 the system picks the UDP
/// port, and its TCP twin may already be taken by another program: then another port is tried.
async fn bind_syslog(addr: SocketAddr) -> anyhow::Result<(UdpSocket, TcpListener)> {
    let mut tries = 0;
    loop {
        let udp = UdpSocket::bind(addr)
            .await
            .with_context(|| format!("cannot bind syslog UDP {addr}"))?;
        match TcpListener::bind(udp.local_addr()?).await {
            Ok(tcp) => return Ok((udp, tcp)),
            Err(e)
                if addr.port() == 0
                    && e.kind() == std::io::ErrorKind::AddrInUse
                    && tries + 1 < EPHEMERAL_SYSLOG_TRIES =>
            {
                tries += 1;
            }
            Err(e) => {
                return Err(e).with_context(|| {
                    format!(
                        "cannot bind syslog TCP {}",
                        udp.local_addr().unwrap_or(addr)
                    )
                })
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn syslog_gets_one_port_for_udp_and_tcp() {
        let (udp, tcp) = bind_syslog("127.0.0.1:0".parse().unwrap()).await.unwrap();
        assert_ne!(udp.local_addr().unwrap().port(), 0);
        assert_eq!(udp.local_addr().unwrap(), tcp.local_addr().unwrap());
    }

    #[tokio::test]
    async fn a_named_port_whose_tcp_twin_is_taken_is_an_error_naming_tcp() {
        let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = taken.local_addr().unwrap();
        let Ok(udp) = std::net::UdpSocket::bind(addr) else {
            return; // the UDP port is taken too: nothing to learn on this machine
        };
        drop(udp);
        let err = bind_syslog(addr).await.expect_err("TCP port is taken");
        assert!(
            format!("{err:#}").contains(&format!("cannot bind syslog TCP {addr}")),
            "{err:#}"
        );
    }
}
