//! The `perfaudit` binary: parse the command line, resolve the output policy, run one command,
//! turn its outcome into an exit code. The work lives in the library crates.

mod audit;
mod cli;
mod commands;
mod exit;
mod output;

use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    let policy = output::OutputPolicy::from_global(&cli.global);
    let outcome = commands::run(cli.command, &policy);
    exit::finish(outcome)
}
