//! Watch streams: newline-delimited JSON events, resumed from a resourceVersion, with
//! bookmarks, server-side timeouts, the 410 `ERROR` event when the version is too old,
//! and the API server's handling of a version the store has not reached yet.

use std::collections::HashMap;
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use futures::StreamExt;
use serde_json::{Value, json};
use tokio::sync::broadcast::error::RecvError;

use super::fields::FieldSelector;
use super::kube_api::field_selector;
use super::resources::ResourceDef;
use super::selector::Selector;
use super::status::{BLOCK_TIMEOUT, status_body, status_error, too_large_body};
use super::store::{Bus, StoreEvent, labels_of};
use super::{Shared, lock};

const BOOKMARK_EVERY: Duration = Duration::from_secs(5);
const MAX_TIMEOUT: Duration = Duration::from_secs(1800);

struct Filter {
    def: &'static ResourceDef,
    namespace: Option<String>,
    fields: FieldSelector,
    selector: Selector,
}

impl Filter {
    fn admits(&self, ev: &StoreEvent) -> bool {
        ev.resource == self.def.plural && self.admits_object(&ev.object)
    }

    fn admits_object(&self, obj: &Value) -> bool {
        let m = &obj["metadata"];
        self.namespace
            .as_ref()
            .is_none_or(|ns| m["namespace"].as_str() == Some(ns))
            && self.fields.matches(obj)
            && self.selector.matches(&labels_of(obj))
    }
}

pub async fn serve(
    shared: &Shared,
    def: &'static ResourceDef,
    namespace: Option<String>,
    q: &HashMap<String, String>,
) -> Response {
    let selector = match Selector::parse(q.get("labelSelector").map_or("", String::as_str)) {
        Ok(s) => s,
        Err(e) => return status_error(StatusCode::BAD_REQUEST, "BadRequest", &e),
    };
    let fields = match field_selector(q, def) {
        Ok(f) => f,
        Err(e) => return status_error(StatusCode::BAD_REQUEST, "BadRequest", &e),
    };
    let filter = Filter {
        def,
        namespace,
        fields,
        selector,
    };
    let bookmarks = q.get("allowWatchBookmarks").is_some_and(|b| b == "true");
    let timeout = q
        .get("timeoutSeconds")
        .and_then(|t| t.parse().ok())
        .map_or(MAX_TIMEOUT, |s: u64| {
            Duration::from_secs(s).min(MAX_TIMEOUT)
        });
    let since = requested_version(q);
    // A watch-list (sendInitialEvents) waits for the store to reach its version and fails
    // in-stream if it does not; a plain watch ahead is accepted and waits for events, as
    // the API server's cacher does (waitUntilWatchCacheFreshAndForceAllEvents).
    let mut refused = None;
    if let Some(rv) = since
        && q.get("sendInitialEvents").is_some_and(|v| v == "true")
        && let Err(current) = wait_until_reached(shared, rv).await
    {
        refused = Some(event_line("ERROR", &too_large_body(rv, current)));
    }

    // Subscribe before reading the backlog, under one lock, so no event falls between.
    let (rx, backlog, current, oldest) = {
        let st = lock(shared);
        let oldest = st.store.oldest_resource_version();
        let rx = st.store.subscribe();
        let current = st.store.resource_version();
        let backlog: Vec<Bytes> = match since {
            _ if refused.is_some() => refused.iter().cloned().collect(),
            Some(rv) if rv < oldest => vec![gone(rv, oldest)],
            Some(rv) => st
                .store
                .events_since(def.plural, rv)
                .iter()
                .filter(|e| filter.admits(e))
                .map(|e| event_line(e.kind.as_str(), &e.object))
                .collect(),
            // No version: the current state as synthetic ADDED events, then what follows.
            None => st
                .store
                .list(def.plural)
                .filter(|(_, o)| filter.admits_object(o))
                .map(|(_, o)| event_line("ADDED", o))
                .collect(),
        };
        (rx, backlog, current, oldest)
    };
    let ended_at_start = refused.is_some() || matches!(since, Some(rv) if rv < oldest);
    let head = futures::stream::iter(backlog.into_iter().map(Ok::<_, std::io::Error>));
    let live = Live {
        rx,
        filter,
        last_rv: since.unwrap_or(current).max(current),
        ahead_of_store: since.is_some_and(|rv| rv > current),
        bookmarks,
        deadline: tokio::time::Instant::now() + timeout,
        done: ended_at_start,
    };
    let tail = futures::stream::unfold(live, |mut live| async move {
        let line = live.next_line().await?;
        Some((Ok(line), live))
    });
    (
        [(header::CONTENT_TYPE, "application/json")],
        Body::from_stream(head.chain(tail)),
    )
        .into_response()
}

/// The live part of one watch stream.
struct Live {
    rx: tokio::sync::broadcast::Receiver<Bus>,
    filter: Filter,
    /// The newest version this stream has accounted for; nothing at or below it is sent.
    last_rv: u64,
    /// Asked for a version the store had not reached: no bookmark until it has.
    ahead_of_store: bool,
    bookmarks: bool,
    deadline: tokio::time::Instant,
    done: bool,
}

impl Live {
    /// The next line to send, or None when the stream ends.
    async fn next_line(&mut self) -> Option<Bytes> {
        if self.done {
            return None;
        }
        loop {
            tokio::select! {
                _ = tokio::time::sleep_until(self.deadline) => return None,
                _ = tokio::time::sleep(BOOKMARK_EVERY), if self.bookmarks && !self.ahead_of_store => {
                    let def = self.filter.def;
                    return Some(event_line("BOOKMARK", &json!({"kind": def.kind, "apiVersion": def.api_version(),
                        "metadata": {"resourceVersion": self.last_rv.to_string()}})));
                }
                got = self.rx.recv() => match got {
                    Ok(Bus::Event(ev)) if ev.rv <= self.last_rv => {}
                    Ok(Bus::Event(ev)) => {
                        self.last_rv = ev.rv;
                        self.ahead_of_store = false;
                        if self.filter.admits(&ev) {
                            return Some(event_line(ev.kind.as_str(), &ev.object));
                        }
                    }
                    // A watcher that fell this far behind must relist, as after compaction.
                    Ok(Bus::Expire) | Err(RecvError::Lagged(_)) => {
                        self.done = true;
                        return Some(gone(self.last_rv, self.last_rv + 1));
                    }
                    Ok(Bus::Drop) | Err(RecvError::Closed) => return None,
                },
            }
        }
    }
}

fn event_line(kind: &str, obj: &Value) -> Bytes {
    let mut line = serde_json::to_vec(&json!({"type": kind, "object": obj})).unwrap_or_default();
    line.push(b'\n');
    Bytes::from(line)
}

fn gone(asked: u64, oldest: u64) -> Bytes {
    let mut status = status_body(
        StatusCode::GONE,
        "Expired",
        &format!("too old resource version: {asked} ({oldest})"),
    );
    status["metadata"] = json!({});
    event_line("ERROR", &status)
}

/// The `resourceVersion` a list or watch asked for; 0 and absent both mean "any".
pub fn requested_version(q: &HashMap<String, String>) -> Option<u64> {
    q.get("resourceVersion")
        .and_then(|r| r.parse().ok())
        .filter(|r| *r > 0)
}

/// Waits up to the API server's block timeout for the store to reach `rv`; Err carries
/// the version it had when the wait gave up.
pub async fn wait_until_reached(shared: &Shared, rv: u64) -> Result<(), u64> {
    let deadline = tokio::time::Instant::now() + BLOCK_TIMEOUT;
    loop {
        let current = lock(shared).store.resource_version();
        if current >= rv {
            return Ok(());
        }
        if tokio::time::Instant::now() >= deadline {
            return Err(current);
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
