//! The signals that end stordeck (SIGTERM, SIGHUP, SIGINT), caught so the terminal is
//! given back first and the exit code says which one it was.

pub struct Signals {
    #[cfg(unix)]
    set: Vec<(i32, tokio::signal::unix::Signal)>,
}

impl Signals {
    pub fn new() -> std::io::Result<Self> {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            let kinds = [
                (15, SignalKind::terminate()),
                (1, SignalKind::hangup()),
                (2, SignalKind::interrupt()),
            ];
            let set = kinds
                .into_iter()
                .map(|(n, k)| Ok((n, signal(k)?)))
                .collect::<std::io::Result<_>>()?;
            Ok(Signals { set })
        }
        #[cfg(not(unix))]
        Ok(Signals {})
    }

    /// Waits for the next one; its number.
    pub async fn next(&mut self) -> i32 {
        #[cfg(unix)]
        {
            let waits = self.set.iter_mut().map(|(n, s)| {
                let n = *n;
                Box::pin(async move {
                    s.recv().await;
                    n
                })
            });
            futures::future::select_all(waits).await.0
        }
        #[cfg(not(unix))]
        {
            let _ = tokio::signal::ctrl_c().await;
            2
        }
    }
}
