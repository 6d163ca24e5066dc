//! `stordeck screenshots`: the demo's panes as SVG pictures, rendered by the same code the
//! terminal uses, after the demo's stories have played out.

use std::path::Path;
use std::time::Duration;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;

use crate::headless::Headless;
use crate::sim::{self, SimOptions};
use crate::sources::connect;
use crate::ui::{self, Theme, UiState};

/// (file stem, keys that bring the view up from the first pane)
const SHOTS: &[(&str, &str)] = &[
    ("1-csi-drivers", "1"),
    ("2-addons", "2"),
    ("3-volumes", "3"),
    ("4-access-points", "4"),
    ("5-lifecycle", "5"),
    ("6-findings", "6"),
    ("7-ebs-volumes", "7"),
    // The stranded EBS volume of shop/postgres-0, with the Events its pod was told.
    ("findings-stranded-symptoms", "6jjj"),
    // EKS's own verdict beside stordeck's: the add-on insight, with its recommendation.
    ("findings-eks-insight", "6/eks-insight\n"),
    ("volume-detail", "3\n"),
    ("help", "?"),
];

pub async fn write_all(
    out: &Path,
    width: u16,
    height: u16,
    theme: Theme,
) -> anyhow::Result<Vec<std::path::PathBuf>> {
    let handle = sim::start(SimOptions {
        live_clock: false,
        ..Default::default()
    })
    .await?;
    {
        // Let the timeline play: the node disruption, fs-B turning available, new PVs.
        let mut st = sim::lock(&handle.shared);
        st.clock_offset += jiff::SignedDuration::from_secs(60);
        st.run_due();
    }
    let (cluster, region, account) = handle.cluster();
    let conn = connect::simulator(&handle.url(), &cluster, &region, &account, true).await?;
    let mut h = Headless::start(&conn);
    if !h.first_sync(Duration::from_secs(60)).await {
        anyhow::bail!("the demo did not sync within 60 s");
    }
    // As an operator would see it a little later: candidates confirmed or cleared (the
    // stranded volume's agent settle is 30 s), not a screen of "checking".
    h.until_findings(Duration::from_secs(60), |_, f| f.checking().is_empty())
        .await;
    std::fs::create_dir_all(out)?;
    let findings = &h.findings;
    let mut written = Vec::new();
    for (stem, keys) in SHOTS {
        let mut ui = UiState::new(theme.clone(), false);
        ui.time_zone = jiff::tz::TimeZone::UTC;
        let now = jiff::Timestamp::now();
        for c in keys.chars() {
            let code = if c == '\n' {
                KeyCode::Enter
            } else {
                KeyCode::Char(c)
            };
            ui::handle_key(
                &mut ui,
                KeyEvent::new(code, KeyModifiers::NONE),
                &h.world,
                findings,
            );
        }
        let mut term = Terminal::new(TestBackend::new(width, height))?;
        term.draw(|f| ui::render(f, &h.world, findings, &ui, now))?;
        let path = out.join(format!("{stem}.svg"));
        std::fs::write(&path, ui::svg::to_svg(term.backend().buffer()))?;
        written.push(path);
    }
    Ok(written)
}
