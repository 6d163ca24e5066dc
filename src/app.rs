//! The event loop: terminal keys, the source channel and a render tick merged with
//! `tokio::select!`; bursts are coalesced and the screen is redrawn only when something
//! changed (or once a second, for ages).

use std::time::Duration;

use crossterm::event::{Event as TermEvent, EventStream, KeyEventKind};
use futures::{Stream, StreamExt};
use ratatui::Terminal;
use ratatui::backend::Backend;
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
use crate::ui::{self, ObjectKind, ObjectRef, Theme, UiCommand, UiState};

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
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ended {
    Quit,
    Signal(i32),
    /// `:ctx NAME`: the loop hands back so the caller can connect afresh.
    Switch(String),
}

/// Connects to another kubeconfig context for `:ctx NAME`, and says in `ui` what the new
/// context is (its name, colour, whether it is read-only).
pub trait Switch {
    fn switch(
        &mut self,
        context: &str,
        ui: &mut UiState,
    ) -> impl std::future::Future<Output = anyhow::Result<(Connection, Option<Executor>)>>;
}

/// What a caller may learn from the loop as it runs; the churn bench times keypresses to
/// frames through it. The dashboard observes nothing.
pub trait Observe {
    /// A key was handled (its frame is the next one drawn).
    fn key_handled(&mut self) {}
    /// A frame reached the terminal.
    fn frame_drawn(&mut self, _session: &Headless) {}
    /// `events` source messages were folded, then the findings settled in `settle`.
    fn folded(&mut self, _events: usize, _settle: Duration) {}
}

impl Observe for () {}

/// `executor` is `None` in read-only mode: then nothing here can change anything.
pub async fn run(
    mut conn: Connection,
    mut ui: UiState,
    mut executor: Option<Executor>,
    policy: Policy,
    switcher: &mut impl Switch,
) -> anyhow::Result<Ended> {
    let mut terminal = ratatui::try_init()?;
    if ui.mouse {
        crossterm::execute!(std::io::stdout(), crossterm::event::EnableMouseCapture)?;
        // ratatui's hook restores the screen on a panic; give the terminal its mouse back
        // too, or the shell after it would receive the mouse's escape sequences.
        let hook = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let _ = crossterm::execute!(std::io::stdout(), crossterm::event::DisableMouseCapture);
            hook(info);
        }));
    }
    let mut keys = EventStream::new();
    let result = loop {
        // A `:readonly` in the last loop dropped its borrow of the executor; drop the
        // executor itself, so that no later loop gets it back.
        if ui.read_only {
            executor = None;
        }
        let session = Headless::start_with(&conn, Clock::system(), policy.clone());
        let ended = drive(
            &conn,
            executor.as_ref(),
            session,
            &mut ui,
            &mut terminal,
            &mut keys,
            &mut (),
        )
        .await;
        // The session is gone with every source it ran: nothing of the old World remains.
        let name = match ended {
            Ok(Ended::Switch(name)) => name,
            other => break other,
        };
        ui.forget_cluster();
        let was = ui.context.clone().unwrap_or_else(|| "-".into());
        // Connecting can take a while (an exec credential plugin, a slow API server): show
        // an empty world meanwhile, never the old cluster's rows.
        ui.notice = Some(format!("connecting to {name}…"));
        let mut blank = World::default();
        blank.target.context = Some(name.clone());
        let now = jiff::Timestamp::now();
        terminal.draw(|f| ui::render(f, &blank, &Default::default(), &ui, now))?;
        match switcher.switch(&name, &mut ui).await {
            Ok((c, e)) => {
                conn = c;
                executor = e;
                ui.notice = Some(format!("switched to {name}"));
            }
            Err(e) => {
                ui.notice = Some(format!("cannot switch to {name}: {e:#}. Still on {was}"));
            }
        }
    };
    if ui.mouse {
        let _ = crossterm::execute!(std::io::stdout(), crossterm::event::DisableMouseCapture);
    }
    ratatui::restore();
    result
}

/// The loop itself, over any terminal and key stream. Dropping the session on return
/// stops every source.
pub async fn drive<B, K>(
    conn: &Connection,
    mut executor: Option<&Executor>,
    mut s: Headless,
    ui: &mut UiState,
    terminal: &mut Terminal<B>,
    keys: &mut K,
    observe: &mut impl Observe,
) -> anyhow::Result<Ended>
where
    B: Backend,
    B::Error: std::error::Error + Send + Sync + 'static,
    K: Stream<Item = std::io::Result<TermEvent>> + Unpin,
{
    let (itx, mut irx) = mpsc::unbounded_channel::<Internal>();
    let mut signals = Signals::new()?;
    let mut ticker = tokio::time::interval(AGE_TICK);
    let mut dirty = true;
    // A keypress is answered at once: the frame spacing is for bursts of messages.
    let mut keyed = false;
    let mut last_draw = Instant::now() - FRAME;

    loop {
        if dirty && (keyed || last_draw.elapsed() >= FRAME) {
            let now = s.clock.now();
            let (world, findings) = (&s.world, &s.findings);
            terminal.draw(|f| ui::render(f, world, findings, ui, now))?;
            last_draw = Instant::now();
            dirty = false;
            keyed = false;
            observe.frame_drawn(&s);
        }
        let frame_due = last_draw + FRAME;
        tokio::select! {
            Some(msg) = s.recv() => {
                s.apply(msg);
                let mut events = 1;
                // Fold what else is already queued before drawing once.
                for _ in 0..BATCH {
                    match s.try_recv() {
                        Some(m) => s.apply(m),
                        None => break,
                    }
                    events += 1;
                }
                // Evaluated as messages arrive, never on the way to a frame: a keypress
                // is drawn with the findings as they stand.
                let started = std::time::Instant::now();
                s.settle();
                observe.folded(events, started.elapsed());
                dirty = true;
            }
            Some(ev) = keys.next() => match ev {
                Ok(TermEvent::Key(k)) if k.kind != KeyEventKind::Release => {
                    for cmd in ui::handle_key(ui, k, &s.world, &s.findings) {
                        match cmd {
                            UiCommand::Quit => return Ok(Ended::Quit),
                            UiCommand::Refresh => s.refresh.all(),
                            UiCommand::FetchObject(r) => spawn_fetch(&conn.kube, &s.world, r, itx.clone()),
                            UiCommand::Execute(a) => spawn_action(executor, a, itx.clone()),
                            // The one client that could change anything goes away with it.
                            UiCommand::ReadOnly => executor = None,
                            UiCommand::Copy(text) => copy(&mut std::io::stdout(), &text)?,
                            UiCommand::SwitchContext(name) => return Ok(Ended::Switch(name)),
                            UiCommand::SetTheme(name) => {
                                match Theme::load(&name, crate::config::themes_dir().as_deref()) {
                                    Ok(t) => ui.theme = t,
                                    Err(e) => ui.notice = Some(e.to_string()),
                                }
                            }
                        }
                    }
                    observe.key_handled();
                    dirty = true;
                    keyed = true;
                }
                Ok(TermEvent::Mouse(m)) if ui.mouse => {
                    for cmd in ui::handle_mouse(ui, m, &s.world, &s.findings) {
                        if cmd == UiCommand::Quit {
                            return Ok(Ended::Quit);
                        }
                    }
                    dirty = true;
                    keyed = true;
                }
                Ok(TermEvent::Resize(..)) => dirty = true,
                Ok(_) => {}
                Err(e) => return Err(e.into()),
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
            n = signals.next() => return Ok(Ended::Signal(n)),
        }
    }
}

/// OSC 52: the terminal (or the one at the far end of SSH) puts the text on its clipboard.
/// Base64 keeps whatever the identifier holds from being read as a control sequence.
/// Written to stdout, where the dashboard's terminal is.
fn copy(out: &mut impl std::io::Write, text: &str) -> std::io::Result<()> {
    use base64::Engine as _;
    let b64 = base64::engine::general_purpose::STANDARD.encode(text);
    write!(out, "\x1b]52;c;{b64}\x07")?;
    out.flush()
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
        | ObjectKind::MountTarget
        | ObjectKind::EbsVolume => return None,
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn copy_is_one_osc_52_sequence_whatever_the_text_holds() {
        let mut out = Vec::new();
        super::copy(&mut out, "pvc-1\x1b[2J").unwrap();
        assert_eq!(out, b"\x1b]52;c;cHZjLTEbWzJK\x07");
    }
}
