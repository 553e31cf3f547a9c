//! The `terafab` binary: parse, run, print the whole error chain, set the exit code.

use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = terafab::cli::Cli::parse();
    match terafab::cli::run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            if e.downcast_ref::<terafab::cli::BadInput>().is_some() { ExitCode::from(2) } else { ExitCode::FAILURE }
        }
    }
}
