//! What the subcommands share before they run: the experiment with the global flags
//! applied, a policy from a file or a built-in name, a scenario by name, the output folder.

use crate::config::{self, BUILTIN_POLICIES, Experiment};
use crate::flags::{GlobalArgs, backend_choice};
use crate::input::BadInput;
use crate::model;
use crate::model::policy::{Alloc, parse_policy_toml};
use anyhow::Result;
use std::path::{Path, PathBuf};

/// Loads the config (or the default) and applies the global overrides.
pub fn load_experiment(path: Option<&Path>, g: &GlobalArgs) -> Result<Experiment> {
    let mut exp = config::load_or_default(path).map_err(|e| BadInput(e.to_string()))?;
    if !g.quiet {
        for w in config::off_centre(&exp) {
            eprintln!("{}: {w}", exp.source);
        }
    }
    if let Some(seed) = g.seed {
        exp.seed = seed;
    }
    if let Some(b) = g.backend {
        exp.backend = backend_choice(b)?;
    }
    Ok(exp)
}

/// Reads a policy file or a built-in policy for the experiment's knots (a built-in one
/// written for other knots is re-sampled onto these, as the report's comparison does).
pub fn load_policy(spec: &str, exp: &Experiment) -> Result<Vec<Alloc<f64>>> {
    let (name, text) = match BUILTIN_POLICIES.iter().find(|(n, _)| *n == spec) {
        Some((n, t)) => (format!("built-in policy {n}"), t.to_string()),
        None => {
            let path = Path::new(spec);
            if path.is_dir() {
                return Err(BadInput(format!("--policy {spec}: is a directory; give a policy .toml file")).into());
            }
            let text = crate::input::read_bounded_text(path, crate::input::MAX_TEXT_FILE_BYTES).map_err(|e| {
                BadInput(format!("--policy {spec}: {e}; give a policy file or one of: balanced, ground-only"))
            })?;
            (spec.to_string(), text)
        }
    };
    if BUILTIN_POLICIES.iter().any(|(n, _)| *n == spec) {
        return Ok(crate::config::builtin_policy(&text, &exp.run)?.0);
    }
    parse_policy_toml(&text, exp.run.knots, Some(&exp.run.knot_labels()))
        .map_err(|e| BadInput(format!("{name}: {e}")).into())
}

/// The scenario named by `--scenario`.
pub fn pick_scenario(exp: &Experiment, which: &str) -> Result<model::Params<f64>> {
    if which == "nominal" {
        return Ok(exp.params);
    }
    let count = exp.scenarios.count;
    match which.parse::<usize>() {
        Ok(k) if k < count => Ok(exp.scenario(k)),
        _ => Err(BadInput(format!(
            "--scenario {which}: must be `nominal`, `all` or a scenario number from 0 to {} (scenarios.count = {count})",
            count - 1
        ))
        .into()),
    }
}

/// `--out`, or `runs/<name>-<UTC timestamp>`.
pub fn out_dir(g: &GlobalArgs, exp: &Experiment) -> PathBuf {
    g.out.clone().unwrap_or_else(|| {
        // Two commands in the same second must not share a folder: the second gets -2, -3...
        let stem = format!("{}-{}", exp.name, utc_stamp());
        let runs = PathBuf::from("runs");
        (1..)
            .map(|k| runs.join(if k == 1 { stem.clone() } else { format!("{stem}-{k}") }))
            .find(|p| !p.exists())
            .expect("an unused folder name")
    })
}

/// `YYYYMMDDTHHMMSSZ` now, from the system clock.
pub fn utc_stamp() -> String {
    let secs = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs());
    let (days, rem) = ((secs / 86_400) as i64, secs % 86_400);
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}{m:02}{d:02}T{:02}{:02}{:02}Z", rem / 3600, rem % 3600 / 60, rem % 60)
}
