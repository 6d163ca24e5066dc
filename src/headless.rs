//! The sources and the model without a terminal: for `report`, screenshots and tests,
//! which need the same live World the dashboard shows.

use std::time::Duration;

use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use crate::model::{SourceId, SourceMsg, World};
use crate::sources::aws::{Refresh, spawn_pollers};
use crate::sources::connect::Connection;
use crate::sources::kube::spawn_watchers;

pub struct Headless {
    pub world: World,
    pub refresh: Refresh,
    rx: mpsc::Receiver<SourceMsg>,
    tasks: Vec<JoinHandle<()>>,
}

impl Headless {
    pub fn start(conn: &Connection) -> Self {
        let (tx, rx) = mpsc::channel(4096);
        let refresh = Refresh::default();
        let mut tasks = spawn_watchers(&conn.kube, &tx);
        tasks.extend(spawn_pollers(conn.aws.clone(), &tx, &refresh));
        let mut world = World::default();
        world.target = conn.target.clone();
        Headless {
            world,
            refresh,
            rx,
            tasks,
        }
    }

    /// Folds source messages until `done(world)` holds; false if `timeout` passed first.
    pub async fn until(&mut self, timeout: Duration, done: impl Fn(&World) -> bool) -> bool {
        let deadline = tokio::time::Instant::now() + timeout;
        while !done(&self.world) {
            match tokio::time::timeout_at(deadline, self.rx.recv()).await {
                Ok(Some(msg)) => self.world.apply(msg, jiff::Timestamp::now()),
                Ok(None) | Err(_) => return false,
            }
        }
        true
    }

    /// Until every source has answered once: live, or with the error it met.
    pub async fn first_sync(&mut self, timeout: Duration) -> bool {
        self.until(timeout, |w| w.first_sync_done(&SourceId::ALL))
            .await
    }
}

impl Drop for Headless {
    fn drop(&mut self) {
        for t in &self.tasks {
            t.abort();
        }
    }
}
