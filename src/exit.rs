//! One scheme of exit codes for `report` and the dashboard, so a pipeline or a wrapper
//! script can tell what a finding said from what went wrong before anything was looked
//! at. 0–3 are the report's verdicts; the others follow BSD `sysexits.h`, so they stay
//! clear of them and of the shell's 126–165.

/// Nothing above info (the dashboard: quit normally).
pub const OK: u8 = 0;
/// Warnings, nothing critical.
pub const WARNINGS: u8 = 1;
/// At least one critical finding.
pub const CRITICAL: u8 = 2;
/// A source could not be read or a candidate was still being checked: nothing critical
/// among what is known, but the picture is incomplete.
pub const INCOMPLETE: u8 = 3;
/// The command line was wrong, or the dashboard was started without a terminal
/// (`EX_USAGE`).
pub const USAGE: u8 = 64;
/// Setup: config.toml, a theme, the kubeconfig or its context, the region, or the
/// credentials were unusable; nothing was looked at (`EX_CONFIG`).
pub const SETUP: u8 = 78;
/// Failed while running: the terminal went away, the simulator could not start
/// (`EX_SOFTWARE`).
pub const FAILED: u8 = 70;

/// Killed by a signal the dashboard caught (SIGTERM, SIGHUP, SIGINT): 128 + its number,
/// as a shell reports it.
pub fn signal(number: i32) -> u8 {
    u8::try_from(128 + number).unwrap_or(FAILED)
}

/// Marks an error as one of setup, for [`SETUP`].
#[derive(Debug, thiserror::Error)]
#[error(transparent)]
pub struct SetupError(#[from] pub anyhow::Error);

/// Marks an error as one of usage, for [`USAGE`].
#[derive(Debug, thiserror::Error)]
#[error(transparent)]
pub struct UsageError(#[from] pub anyhow::Error);

pub fn setup(e: impl Into<anyhow::Error>) -> anyhow::Error {
    SetupError(e.into()).into()
}

pub fn usage(e: impl Into<anyhow::Error>) -> anyhow::Error {
    UsageError(e.into()).into()
}

/// The code for an error that ended the program.
pub fn code_for(e: &anyhow::Error) -> u8 {
    if e.downcast_ref::<SetupError>().is_some() {
        SETUP
    } else if e.downcast_ref::<UsageError>().is_some() {
        USAGE
    } else {
        FAILED
    }
}

/// The table `--help` and the README show.
pub const HELP: &str = "Exit codes:\n  \
0   no findings above info (dashboard: quit)\n  \
1   warnings\n  \
2   critical findings\n  \
3   incomplete: a source could not be read or a finding was still being checked\n  \
64  usage: bad command line, or the dashboard started without a terminal\n  \
70  failed while running\n  \
78  setup: config.toml, theme, kubeconfig, context, region or credentials unusable\n  \
128+N  ended by signal N (143 SIGTERM, 129 SIGHUP, 130 SIGINT)\n\
A fleet report exits with its worst cluster's code (2, then 3, then 1, then 0);\n\
--fail-on critical turns 1 into 0, --fail-on never turns every verdict into 0.";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn setup_and_usage_errors_keep_their_class_through_context() {
        use anyhow::Context;
        let e = Err::<(), _>(setup(anyhow::anyhow!("no such context")))
            .context("connecting")
            .unwrap_err();
        assert_eq!(code_for(&e), SETUP);
        assert_eq!(code_for(&usage(anyhow::anyhow!("x"))), USAGE);
        assert_eq!(code_for(&anyhow::anyhow!("terminal lost")), FAILED);
        assert_eq!(signal(15), 143);
        let codes = [
            OK,
            WARNINGS,
            CRITICAL,
            INCOMPLETE,
            USAGE,
            SETUP,
            FAILED,
            signal(1),
        ];
        let distinct: std::collections::BTreeSet<u8> = codes.into_iter().collect();
        assert_eq!(distinct.len(), codes.len());
    }
}
