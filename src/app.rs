//! The event loop: terminal keys, the source channel and a render tick merged with
//! `tokio::select!`; bursts are coalesced and the screen is redrawn only when something
//! changed (or once a second, for ages).

use std::time::Duration;

use crossterm::event::{Event as TermEvent, EventStream, KeyEventKind};
use futures::StreamExt;
use tokio::sync::mpsc;
use tokio::time::Instant;

use crate::actions::{Action, Executor, Outcome};
use crate::clock::Clock;
use crate::headless::Headless;
use crate::model::World;
use crate::model::findings::Policy;
use crate::signals::Signals;
use crate::sources::connect::Connection;
use crate::sources::fetch;
use crate::ui::{self, ObjectKind, ObjectRef, UiCommand, UiState};

/// At most one frame per this, however fast messages arrive.
const FRAME: Duration = Duration::from_millis(16);
/// Ages on screen move; redraw this often even when nothing else did.
const AGE_TICK: Duration = Duration::from_secs(1);
/// How many queued source messages one wake-up folds before drawing.
const BATCH: usize = 4096;

/// What finished in the background and comes back to the loop.
enum Internal {
    Detail(ObjectRef, Result<String, String>),
    Action(Outcome),
}

/// How the dashboard ended, for the exit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ended {
    Quit,
    Signal(i32),
}

/// `executor` is `None` in read-only mode: then nothing here can change anything.
pub async fn run(
    conn: Connection,
    mut ui: UiState,
    executor: Option<Executor>,
    policy: Policy,
) -> anyhow::Result<Ended> {
    let (itx, mut irx) = mpsc::unbounded_channel::<Internal>();
    let mut s = Headless::start_with(&conn, Clock::system(), policy);

    let mut terminal = ratatui::try_init()?;
    let mut signals = Signals::new()?;
    let mut keys = EventStream::new();
    let mut ticker = tokio::time::interval(AGE_TICK);
    let mut dirty = true;
    let mut last_draw = Instant::now() - FRAME;

    let result: anyhow::Result<Ended> = loop {
        if dirty && last_draw.elapsed() >= FRAME {
            let now = s.clock.now();
            let (world, findings) = (&s.world, &s.findings);
            if let Err(e) = terminal.draw(|f| ui::render(f, world, findings, &ui, now)) {
                break Err(e.into());
            }
            last_draw = Instant::now();
            dirty = false;
        }
        let frame_due = last_draw + FRAME;
        tokio::select! {
            Some(msg) = s.recv() => {
                s.apply(msg);
                // Fold what else is already queued before drawing once.
                for _ in 0..BATCH {
                    match s.try_recv() {
                        Some(m) => s.apply(m),
                        None => break,
                    }
                }
                // Evaluated as messages arrive, never on the way to a frame: a keypress
                // is drawn with the findings as they stand.
                s.settle();
                dirty = true;
            }
            Some(ev) = keys.next() => match ev {
                Ok(TermEvent::Key(k)) if k.kind != KeyEventKind::Release => {
                    for cmd in ui::handle_key(&mut ui, k, &s.world, &s.findings) {
                        match cmd {
                            UiCommand::Quit => return finish(s, Ok(Ended::Quit)),
                            UiCommand::Refresh => s.refresh.all(),
                            UiCommand::FetchObject(r) => spawn_fetch(&conn.kube, &s.world, r, itx.clone()),
                            UiCommand::Execute(a) => spawn_action(executor.as_ref(), a, itx.clone()),
                        }
                    }
                    dirty = true;
                }
                Ok(TermEvent::Resize(..)) => dirty = true,
                Ok(_) => {}
                Err(e) => break Err(e.into()),
            },
            Some(done) = irx.recv() => {
                match done {
                    Internal::Detail(r, yaml) => ui.set_detail_yaml(&r, yaml),
                    Internal::Action(outcome) => {
                        // Kubernetes changes arrive through the watches; AWS ones need a poll.
                        s.refresh.now();
                        ui.action_finished(outcome);
                    }
                }
                dirty = true;
            }
            _ = ticker.tick() => {
                // Time alone can change findings, and a burst's last evaluation may have
                // been spaced out.
                s.settle();
                dirty = true;
            }
            _ = tokio::time::sleep_until(frame_due), if dirty => {}
            n = signals.next() => break Ok(Ended::Signal(n)),
        }
    };
    finish(s, result)
}

/// Stops every source (dropping the session aborts its tasks) and gives the terminal back.
fn finish(session: Headless, result: anyhow::Result<Ended>) -> anyhow::Result<Ended> {
    drop(session);
    ratatui::restore();
    result
}

/// Runs off the render path; the outcome comes back as a message.
fn spawn_action(executor: Option<&Executor>, action: Action, itx: mpsc::UnboundedSender<Internal>) {
    let Some(ex) = executor.cloned() else {
        let outcome = Outcome {
            action,
            result: Err("read-only: no component that can change anything exists".into()),
        };
        let _ = itx.send(Internal::Action(outcome));
        return;
    };
    tokio::spawn(async move {
        let outcome = ex.run(action).await;
        let _ = itx.send(Internal::Action(outcome));
    });
}

/// Kubernetes objects are fetched whole; AWS objects are shown as stordeck last saw them.
fn spawn_fetch(
    client: &kube::Client,
    world: &World,
    r: ObjectRef,
    itx: mpsc::UnboundedSender<Internal>,
) {
    let Some((group, version, kind, plural)) = kube_kind(r.kind) else {
        let yaml = crate::model::describe::aws_yaml(world, r.kind.label(), &r.name);
        let _ = itx.send(Internal::Detail(r, yaml));
        return;
    };
    let client = client.clone();
    tokio::spawn(async move {
        let gvk = kube::api::GroupVersionKind::gvk(group, version, kind);
        let yaml = fetch::object_yaml(&client, &gvk, plural, r.namespace.as_deref(), &r.name).await;
        let _ = itx.send(Internal::Detail(r, yaml));
    });
}

fn kube_kind(k: ObjectKind) -> Option<(&'static str, &'static str, &'static str, &'static str)> {
    Some(match k {
        ObjectKind::Pv => ("", "v1", "PersistentVolume", "persistentvolumes"),
        ObjectKind::Pvc => ("", "v1", "PersistentVolumeClaim", "persistentvolumeclaims"),
        ObjectKind::Node => ("", "v1", "Node", "nodes"),
        ObjectKind::CsiDriver => ("storage.k8s.io", "v1", "CSIDriver", "csidrivers"),
        ObjectKind::StorageClass => ("storage.k8s.io", "v1", "StorageClass", "storageclasses"),
        ObjectKind::DaemonSet => ("apps", "v1", "DaemonSet", "daemonsets"),
        ObjectKind::AckFileSystem => (
            "efs.services.k8s.aws",
            "v1alpha1",
            "FileSystem",
            "filesystems",
        ),
        ObjectKind::Addon
        | ObjectKind::FileSystem
        | ObjectKind::AccessPoint
        | ObjectKind::MountTarget => return None,
    })
}
