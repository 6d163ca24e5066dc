//! One kind's list-then-watch, kept honest about what it knows.
//!
//! kube-runtime's watcher hides what this needs to see: when a resumed watch was accepted,
//! bookmarks, and the resourceVersion it resumes from. Without them a kind that rarely
//! changes stayed stale long after its fault cleared (live only when an object next
//! changed), and after the API server was replaced the watches resumed at a version the
//! new server had not reached, which it accepts and then silently drops everything up
//! to. So the loop is written out here, on kube-client's list and watch:
//!
//! - live once a list completes, or once the server accepts a watch after a failure;
//! - a relist on 410 Gone, on "Too large resource version" (504, cause
//!   ResourceVersionTooLarge), on `r`, and when the server turns out to be behind the
//!   version we resume from: checked with one LIST limit=1 after a failure, and after a
//!   watch that brought no bookmark for a while (a server behind us sends none);
//! - retries back off (capped, `backoff`), and `r` cuts a wait short.

use std::fmt::Debug;
use std::time::Duration;

use futures::StreamExt;
use kube::api::{ListParams, WatchEvent, WatchParams};
use kube::runtime::watcher;
use kube::{Api, Resource, ResourceExt};
use serde::de::DeserializeOwned;
use tokio::sync::mpsc::Sender;
use tokio::time::{Instant, sleep, sleep_until, timeout};

use super::backoff::Backoff;
use super::first_list::Turn;
use super::health::Tracker;
use super::kube_errors::{describe, is_gone_event, needs_relist, retry_for};
use super::refresh::Requests;
use crate::model::{Change, Health, KubeMsg, SourceId, SourceMsg};

/// The server ends each watch after this; the watch then resumes.
const WATCH_SECONDS: u32 = 290;
/// A watch silent for longer than the server's own timeout is dead (a vanished peer).
const IDLE: Duration = Duration::from_secs(WATCH_SECONDS as u64 + 15);
/// API servers send a bookmark about once a minute; none for this long after a watch
/// starts and the server is asked where it stands.
const BOOKMARK_GRACE: Duration = Duration::from_secs(90);
/// The version check is one small LIST; a server that cannot answer it in this time is
/// not checked this round.
const CHECK_TIMEOUT: Duration = Duration::from_secs(10);
/// A server that refuses our version again this soon after a fresh list is at fault (it
/// was not replaced): the relist waits out a backoff rather than running in a loop.
const RELIST_SETTLE: Duration = Duration::from_secs(5);

enum Next {
    Relist,
    /// The app has gone away.
    Stop,
}

/// Lists and watches one kind (or one selection of it) until the app goes away.
pub(super) async fn run<K>(
    api: Api<K>,
    source: SourceId,
    cfg: watcher::Config,
    wrap: impl Fn(Change<K>) -> KubeMsg,
    tx: Sender<SourceMsg>,
    relist: Requests,
    first: Turn,
) where
    K: Resource + Clone + DeserializeOwned + Debug + Send + 'static,
{
    let mut w = Watch {
        api,
        cfg,
        wrap,
        tx,
        relist,
        first,
        health: Tracker::new(source),
        backoff: Backoff::default(),
        failing: false,
    };
    if !w.say(w.health.syncing()).await {
        return;
    }
    w.first.wait().await;
    loop {
        let Some((rv, listed_at)) = w.list().await else {
            return;
        };
        if let Next::Stop = w.watch(rv, listed_at).await {
            return;
        }
    }
}

struct Watch<K: Resource + Clone, W> {
    api: Api<K>,
    cfg: watcher::Config,
    wrap: W,
    tx: Sender<SourceMsg>,
    relist: Requests,
    first: Turn,
    health: Tracker,
    backoff: Backoff,
    /// The last word about the source was a failure.
    failing: bool,
}

impl<K, W> Watch<K, W>
where
    K: Resource + Clone + DeserializeOwned + Debug + Send + 'static,
    W: Fn(Change<K>) -> KubeMsg,
{
    /// Lists in pages until a list completes: the version to watch from, and when the
    /// list began. `None` when the app has gone away.
    async fn list(&mut self) -> Option<(String, Instant)> {
        loop {
            let started = Instant::now();
            // Any `r` so far is served: this list and the watch after it are as current
            // as a new one would be.
            self.relist.served();
            let listed = self.pages().await?;
            self.first.end();
            match listed {
                Ok(rv) => {
                    self.failing = false;
                    self.backoff.succeeded();
                    let h = self.health.live();
                    return self.say(h).await.then_some((rv, started));
                }
                Err(e) => {
                    self.fail_then_wait(&e, started).await?;
                }
            }
        }
    }

    /// One whole list; the outer `None` when the app has gone away. The model holds the
    /// old rows until `InitDone`, so a relist never blanks a pane, and it hears of a relist
    /// only once the server has answered its first page.
    async fn pages(&mut self) -> Option<Result<String, watcher::Error>> {
        let mut cont: Option<String> = None;
        loop {
            let mut lp = self.list_params();
            if let Some(c) = &cont {
                lp = lp.continue_token(c);
            }
            let page = match self.api.list(&lp).await {
                Ok(p) => p,
                Err(e) => return Some(Err(watcher::Error::InitialListFailed(e))),
            };
            if cont.is_none() && !self.send(Change::InitStart).await {
                return None;
            }
            for o in page.items {
                if !self.send(Change::InitApply(o)).await {
                    return None;
                }
            }
            match page.metadata.continue_.filter(|c| !c.is_empty()) {
                Some(c) => cont = Some(c),
                None => {
                    let Some(rv) = page.metadata.resource_version.filter(|v| !v.is_empty()) else {
                        return Some(Err(watcher::Error::NoResourceVersion));
                    };
                    return self.send(Change::InitDone).await.then_some(Ok(rv));
                }
            }
        }
    }

    /// Watches from `rv`, resuming after each end, until a relist is due.
    async fn watch(&mut self, mut rv: String, listed_at: Instant) -> Next {
        let wp = self.watch_params();
        loop {
            let started = tokio::select! {
                biased;
                _ = self.relist.wanted(listed_at) => return Next::Relist,
                s = self.api.watch(&wp, &rv) => s,
            };
            let mut stream = match started {
                Ok(s) => s.boxed(),
                Err(e) => {
                    let e = watcher::Error::WatchStartFailed(e);
                    if needs_relist(&e) {
                        return self.relist_after(&e, listed_at).await;
                    }
                    match self.fail_then_wait(&e, listed_at).await {
                        None => return Next::Stop,
                        Some(true) => return Next::Relist,
                        Some(false) => continue,
                    }
                }
            };
            if self.failing {
                // Accepted after a failure: live again, if it is the server we knew.
                if self.behind(&rv).await {
                    return Next::Relist;
                }
                self.failing = false;
                let h = self.health.live();
                if !self.say(h).await {
                    return Next::Stop;
                }
            }
            let mut check_at = Some(Instant::now() + BOOKMARK_GRACE);
            let ended = loop {
                let item = tokio::select! {
                    biased;
                    _ = self.relist.wanted(listed_at) => return Next::Relist,
                    _ = sleep_until(check_at.unwrap_or(listed_at)), if check_at.is_some() => {
                        check_at = None;
                        if self.behind(&rv).await {
                            return Next::Relist;
                        }
                        continue;
                    }
                    item = timeout(IDLE, stream.next()) => item,
                };
                let ev = match item {
                    Ok(Some(Ok(ev))) => ev,
                    // Ended by the server, or dead: resume at once.
                    Ok(None) | Err(_) => break None,
                    Ok(Some(Err(e))) => break Some(watcher::Error::WatchFailed(e)),
                };
                let change = match ev {
                    WatchEvent::Added(o) | WatchEvent::Modified(o) => {
                        advance(&mut rv, &o);
                        Change::Apply(o)
                    }
                    WatchEvent::Deleted(o) => {
                        advance(&mut rv, &o);
                        Change::Delete(o)
                    }
                    WatchEvent::Bookmark(b) => {
                        if !b.metadata.resource_version.is_empty() {
                            rv = b.metadata.resource_version;
                        }
                        check_at = None;
                        continue;
                    }
                    WatchEvent::Error(s) => break Some(watcher::Error::WatchError(s)),
                };
                if !self.send(change).await {
                    return Next::Stop;
                }
            };
            if let Some(e) = ended {
                if is_gone_event(&e) || needs_relist(&e) {
                    return self.relist_after(&e, listed_at).await;
                }
                match self.fail_then_wait(&e, listed_at).await {
                    None => return Next::Stop,
                    Some(true) => return Next::Relist,
                    Some(false) => {}
                }
            }
        }
    }

    /// Whether the server's current version is older than the one we resume from: it is
    /// not the server we were watching (replaced, or restored from a backup), and would
    /// drop everything up to our version. Versions are opaque to clients in principle;
    /// where they are not numbers, nothing is concluded.
    async fn behind(&self, rv: &str) -> bool {
        let Ok(ours) = rv.parse::<u64>() else {
            return false;
        };
        let lp = self.list_params().limit(1);
        match timeout(CHECK_TIMEOUT, self.api.list(&lp)).await {
            Ok(Ok(list)) => list
                .metadata
                .resource_version
                .and_then(|v| v.parse::<u64>().ok())
                .is_some_and(|current| current < ours),
            _ => false,
        }
    }

    /// The watch cannot resume from its version (it expired, or the server never had it):
    /// a relist, at once unless the last one was just now.
    async fn relist_after(&mut self, e: &watcher::Error, listed_at: Instant) -> Next {
        if listed_at.elapsed() < RELIST_SETTLE && self.fail_then_wait(e, listed_at).await.is_none()
        {
            return Next::Stop;
        }
        Next::Relist
    }

    /// Reports `e`, saying when the next try is due (so the wait is chosen before the
    /// report), then waits it out. `None` when the app has gone away; `Some(true)` if `r`
    /// cut the wait short (a relist is wanted).
    async fn fail_then_wait(&mut self, e: &watcher::Error, last_start: Instant) -> Option<bool> {
        self.failing = true;
        let wait = self.backoff.failed(retry_for(e));
        let h = Tracker::retrying(describe(self.health.source, e, &self.health), wait);
        if !self.say(h).await {
            return None;
        }
        Some(tokio::select! {
            _ = sleep(wait) => false,
            _ = self.relist.wanted(last_start) => true,
        })
    }

    fn list_params(&self) -> ListParams {
        let mut lp = ListParams::default();
        if let Some(n) = self.cfg.page_size {
            lp = lp.limit(n);
        }
        if let Some(l) = &self.cfg.label_selector {
            lp = lp.labels(l);
        }
        if let Some(f) = &self.cfg.field_selector {
            lp = lp.fields(f);
        }
        lp
    }

    fn watch_params(&self) -> WatchParams {
        let mut wp = WatchParams::default().timeout(WATCH_SECONDS);
        if let Some(l) = &self.cfg.label_selector {
            wp = wp.labels(l);
        }
        if let Some(f) = &self.cfg.field_selector {
            wp = wp.fields(f);
        }
        wp
    }

    async fn send(&self, change: Change<K>) -> bool {
        self.tx
            .send(SourceMsg::from((self.wrap)(change)))
            .await
            .is_ok()
    }

    async fn say(&self, h: Health) -> bool {
        self.tx.send(SourceMsg::Health(h)).await.is_ok()
    }
}

/// The version to resume from moves with every event that carries one.
fn advance<K: Resource>(rv: &mut String, o: &K) {
    if let Some(v) = o.resource_version().filter(|v| !v.is_empty()) {
        *rv = v;
    }
}
