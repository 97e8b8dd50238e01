//! One file per subcommand: turn arguments into settings, call the engine, hand the result to
//! the renderers, decide the exit status.

pub(crate) mod audit;
pub(crate) mod bench;
pub(crate) mod compare;
pub(crate) mod imports;
pub(crate) mod load;
pub(crate) mod monitor;
pub(crate) mod profile;
pub(crate) mod report;
pub(crate) mod rule;
pub(crate) mod scan;

use crate::cli::Command;
use crate::exit::Status;
use crate::output::OutputPolicy;

pub(crate) fn run(command: Command, out: &OutputPolicy) -> anyhow::Result<Status> {
    match command {
        Command::Scan(args) => scan::run(args, out),
        Command::Rule(args) => rule::run(args, out),
        Command::Load(args) => load::run(args, out),
        Command::Bench(args) => bench::run(args, out),
        Command::Imports(args) => imports::run(args, out),
        Command::Monitor(args) => monitor::run(args, out),
        Command::Profile(args) => profile::run(args, out),
        Command::Audit(args) => audit::run(args, out),
        Command::Report(args) => report::run(args, out),
        Command::Compare(args) => compare::run(args, out),
    }
}
