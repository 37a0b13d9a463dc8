//! Serving the router over HTTPS (or plain HTTP on loopback) with hyper.

use axum::{body::Body, extract::ConnectInfo, http::StatusCode, response::Response, Router};
use http_body_util::BodyExt;
use hyper::{body::Incoming, Request};
use hyper_util::rt::TokioIo;
use std::{convert::Infallible, net::SocketAddr};
use tokio::{
    io::{AsyncRead, AsyncWrite},
    net::TcpListener,
};
use tokio_rustls::TlsAcceptor;
use tower::ServiceExt;

/// How long a client may take to finish the TLS handshake, and to send a request's headers:
/// slow or silent clients must not hold connections open.
const CLIENT_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(15);

/// Request bodies that declare at most this many bytes are read whole before the request is
/// handled. A request answered without reading its body (refused by authentication or
/// authorization, or by a handler that takes none) would otherwise leave unread bytes behind,
/// and hyper closes such a connection, possibly after the client has already sent its next
/// request on it, which then fails with an unexpected end of stream.
const READ_FIRST_BODY_BYTES: u64 = 64 * 1024;

/// Accepts connections until the task is aborted; TLS when an acceptor is given.
pub async fn serve(listener: TcpListener, tls: Option<TlsAcceptor>, app: Router) {
    loop {
        let (tcp, peer) = match listener.accept().await {
            Ok(conn) => conn,
            Err(e) => {
                tracing::warn!(error = %e, "accept failed");
                tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                continue;
            }
        };
        let _ = tcp.set_nodelay(true);
        let app = app.clone();
        let tls = tls.clone();
        tokio::spawn(async move {
            match tls {
                Some(acceptor) => {
                    match tokio::time::timeout(CLIENT_TIMEOUT, acceptor.accept(tcp)).await {
                        Ok(Ok(stream)) => serve_connection(stream, peer, app).await,
                        Ok(Err(e)) => tracing::debug!(%peer, error = %e, "TLS handshake failed"),
                        Err(_) => tracing::debug!(%peer, "TLS handshake timed out"),
                    }
                }
                None => serve_connection(tcp, peer, app).await,
            }
        });
    }
}

async fn serve_connection<S>(stream: S, peer: SocketAddr, app: Router)
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let service = hyper::service::service_fn(move |req: Request<Incoming>| {
        let app = app.clone();
        async move {
            let mut req = match read_small_body(req).await {
                Ok(req) => req,
                Err(refusal) => return Ok::<_, Infallible>(refusal),
            };
            req.extensions_mut().insert(ConnectInfo(peer));
            app.oneshot(req).await
        }
    });
    if let Err(e) = hyper::server::conn::http1::Builder::new()
        .timer(hyper_util::rt::TokioTimer::new())
        .header_read_timeout(CLIENT_TIMEOUT)
        .serve_connection(TokioIo::new(stream), service)
        .await
    {
        tracing::debug!(%peer, error = %e, "HTTP connection ended with an error");
    }
}

/// The request, with its body read whole first when it declares a small length
/// ([`READ_FIRST_BODY_BYTES`]); other bodies are streamed to the handler as they arrive. A body
/// that breaks off or does not arrive within [`CLIENT_TIMEOUT`] is answered with an error.
async fn read_small_body(req: Request<Incoming>) -> Result<Request<Body>, Response> {
    // hyper has parsed `Content-Length` already: its exact size hint is that length.
    let declared = hyper::body::Body::size_hint(req.body()).exact();
    if !declared.is_some_and(|n| n > 0 && n <= READ_FIRST_BODY_BYTES) {
        return Ok(req.map(Body::new));
    }
    let (parts, body) = req.into_parts();
    match tokio::time::timeout(CLIENT_TIMEOUT, body.collect()).await {
        Ok(Ok(read)) => Ok(Request::from_parts(parts, Body::from(read.to_bytes()))),
        Ok(Err(e)) => Err(crate::api::error(
            StatusCode::BAD_REQUEST,
            format!("cannot read the request body: {e}"),
        )),
        Err(_) => Err(crate::api::error(
            StatusCode::REQUEST_TIMEOUT,
            "the request body did not arrive in time".to_owned(),
        )),
    }
}
