//! The `perfaudit` binary: parse the command line, resolve the output policy, run one command,
//! turn its outcome into an exit code. The work lives in the library crates.

mod audit;
mod cli;
mod commands;
mod exit;
mod output;

use clap::Parser;
use std::process::ExitCode;

/// mimalloc for the whole process: a scan allocates and frees millions of small AST nodes, and
/// glibc's malloc spent ~19% of a scan's CPU in its own bookkeeping (perf, saleor corpus).
/// Built with the `cc` crate only. `no_thp`: never ask for transparent huge pages, which
/// tripled a scan's peak RSS (90 MiB instead of 31 MiB) for no speed gain.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    // Started as a watchdog of perfaudit's children: run it and exit (see
    // `perfaudit_bench::watchdog`); else remember this executable for starting watchdogs.
    perfaudit_bench::watchdog::run_if_watchdog();
    // Deep stacks for the worker threads: a scan's checks recurse once per level of the code's
    // nesting. Reserved, not committed; if the pool cannot be built, rayon's default is used.
    let _ = rayon::ThreadPoolBuilder::new()
        .stack_size(perfaudit_scan::pipeline::WORKER_STACK)
        .build_global();
    let cli = cli::Cli::parse();
    let policy = output::OutputPolicy::from_global(&cli.global);
    let outcome = commands::run(cli.command, &policy);
    exit::finish(outcome)
}
