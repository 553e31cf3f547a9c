//! The `terafab` binary: parse, run, print the whole error chain, set the exit code.

use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    quiet_mesa_when_asked();
    stop_quietly_when_stdout_closes();
    let cli = terafab::cli::Cli::parse();
    match terafab::cli::run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            if e.downcast_ref::<terafab::input::BadInput>().is_some() { ExitCode::from(2) } else { ExitCode::FAILURE }
        }
    }
}

/// Mesa's device-select Vulkan layer prints an `XDG_RUNTIME_DIR` line on headless machines
/// whatever the program asks; `-q` promises only errors. With `-q` (and the variable not
/// already set) it is switched off, as `NODEVICE_SELECT=1` does, before wgpu loads it.
/// wgpu still lists every adapter itself, so nothing is chosen differently.
fn quiet_mesa_when_asked() {
    let quiet = std::env::args_os().skip(1).any(|a| a == "-q" || a == "--quiet");
    if quiet && std::env::var_os("NODEVICE_SELECT").is_none() {
        // SAFETY: the first statement of main: no other thread exists yet that could
        // read or write the environment concurrently (set_var's only hazard).
        #[allow(unsafe_code)]
        unsafe {
            std::env::set_var("NODEVICE_SELECT", "1");
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
