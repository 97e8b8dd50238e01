//! `perfaudit rule`. (Under construction by its issue; this placeholder only parses.)

use crate::exit::Status;
use crate::output::OutputPolicy;
use clap::Args;

#[derive(Debug, Args)]
pub struct RuleArgs {
    /// Arguments (being built).
    #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
    pub rest: Vec<String>,
}

pub fn run(_args: RuleArgs, _out: &OutputPolicy) -> anyhow::Result<Status> {
    anyhow::bail!("`perfaudit rule` is not available in this build yet")
}
