//! `GET /console/live`: the overview's panels as server-sent events. Every few seconds the
//! stream carries one `panels` event whose data is the freshly rendered panel HTML as a
//! JSON string; the page's script swaps it in. A stream ends after a while so the browser
//! reconnects, which authenticates the session again (an ended session stops the pushes).
//! A client that does not ask for `text/event-stream` (a script, a probe) gets one event
//! with the panels as they are now, and the answer ends.

use super::overview::live_panels;
use crate::api::ApiState;
use axum::{
    extract::State,
    http::{header, HeaderMap},
    response::sse::{Event, KeepAlive, Sse},
    Extension,
};
use futures_util::stream::{self, Stream};
use palisade_console::Template;
use palisade_iam::Identity;
use std::{
    convert::Infallible,
    sync::Arc,
    time::{Duration, Instant},
};

/// How often the panels are pushed.
const PUSH_EVERY: Duration = Duration::from_secs(5);
/// How long one stream lasts before the browser must reconnect (and re-authenticate).
const STREAM_LIFETIME: Duration = Duration::from_secs(300);

/// The `panels` event of one rendering (or of the message saying why it failed).
fn panels_event(rendered: Result<String, String>) -> Event {
    let html = rendered.unwrap_or_else(|why| {
        format!(
            "<p class=\"error\" role=\"alert\">the panels could not be drawn: {}</p>",
            palisade_console::chart::escape_xml(&why)
        )
    });
    let data = serde_json::to_string(&html).unwrap_or_else(|_| "\"\"".into());
    Event::default().event("panels").data(data)
}

/// Whether the request comes from an `EventSource` (which asks for `text/event-stream`).
fn wants_stream(headers: &HeaderMap) -> bool {
    headers
        .get_all(header::ACCEPT)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .any(|v| v.contains("text/event-stream"))
}

/// `GET /console/live`.
pub async fn stream(
    State(state): State<Arc<ApiState>>,
    Extension(identity): Extension<Identity>,
    headers: HeaderMap,
) -> Sse<impl Stream<Item = Result<Event, Infallible>>> {
    let streaming = wants_stream(&headers);
    let ends = Instant::now() + STREAM_LIFETIME;
    let start = (state, identity, true);
    let pushes = stream::unfold(start, move |(state, identity, first)| async move {
        if streaming {
            tokio::time::sleep(PUSH_EVERY).await;
            if Instant::now() >= ends {
                return None;
            }
        } else if !first {
            return None;
        }
        let rendered = live_panels(state.clone(), &identity)
            .await
            .render()
            .map_err(|e| e.to_string());
        Some((Ok(panels_event(rendered)), (state, identity, false)))
    });
    Sse::new(pushes).keep_alive(KeepAlive::default())
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::response::IntoResponse;

    #[test]
    fn only_an_event_source_gets_a_stream() {
        let mut headers = HeaderMap::new();
        assert!(!wants_stream(&headers));
        headers.insert(header::ACCEPT, "*/*".parse().unwrap());
        assert!(!wants_stream(&headers));
        headers.insert(header::ACCEPT, "text/event-stream".parse().unwrap());
        assert!(wants_stream(&headers));
    }

    #[tokio::test]
    async fn an_event_carries_the_panels_as_one_json_line() {
        let event = panels_event(Ok("<p>a\r\nb</p>".into()));
        let once = stream::iter([Ok::<_, Infallible>(event)]);
        let response = Sse::new(once).into_response();
        let body = axum::body::to_bytes(response.into_body(), 1 << 16)
            .await
            .unwrap();
        let text = String::from_utf8(body.to_vec()).unwrap();
        assert_eq!(text, "event: panels\ndata: \"<p>a\\r\\nb</p>\"\n\n");
        let failed = panels_event(Err("<bad>".into()));
        let once = stream::iter([Ok::<_, Infallible>(failed)]);
        let body = axum::body::to_bytes(Sse::new(once).into_response().into_body(), 1 << 16)
            .await
            .unwrap();
        assert!(String::from_utf8_lossy(&body).contains("&lt;bad&gt;"));
    }
}
