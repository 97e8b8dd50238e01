//! `perfaudit audit`. (Under construction by its issue; this placeholder only parses.)

use crate::exit::Status;
use crate::output::OutputPolicy;
use clap::Args;

#[derive(Debug, Args)]
pub struct AuditArgs {
    /// Arguments (being built).
    #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
    pub rest: Vec<String>,
}

pub fn run(_args: AuditArgs, _out: &OutputPolicy) -> anyhow::Result<Status> {
    anyhow::bail!("`perfaudit audit` is not available in this build yet")
}
