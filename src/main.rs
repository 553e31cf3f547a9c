//! The `terafab` binary: parse, run, print the whole error chain, set the exit code.

use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    stop_quietly_when_stdout_closes();
    let cli = terafab::cli::Cli::parse();
    match terafab::cli::run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            if e.downcast_ref::<terafab::cli::BadInput>().is_some() { ExitCode::from(2) } else { ExitCode::FAILURE }
        }
    }
}

/// `println!` panics when standard output is gone (`terafab ... | head -1`, a full disk).
/// That is the reader's choice or the disk's state, not a bug: say so in one line and
/// exit 1, as other tools stop, instead of printing a panic and a backtrace. An optimize
/// run stopped this way resumes from its checkpoint.
fn stop_quietly_when_stdout_closes() {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let message = info
            .payload()
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| info.payload().downcast_ref::<&str>().copied())
            .unwrap_or("");
        if let Some(why) = message.strip_prefix("failed printing to stdout: ") {
            eprintln!("error: standard output is closed or full ({why}); stopping");
            std::process::exit(1);
        }
        default(info);
    }));
}
