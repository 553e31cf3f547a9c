//! The command line: clap definitions, and each subcommand turned into calls on the
//! config, model, evaluator and report layers. Exit codes: 0 ok, 1 failure, 2 bad input.

use crate::config::{self, BackendChoice, Experiment};
use crate::model::policy::{PhaseAlloc, parse_policy_toml};
use crate::model::{self, simulate};
use crate::report::{self, summary::TrajectorySummary};
use anyhow::{Context, Result};
use clap::{Parser, Subcommand};
use std::path::{Path, PathBuf};

#[derive(Debug, Parser)]
#[command(
    name = "terafab",
    version,
    about = "GPU-accelerated compute-substrate optimizer: how fast can a self-improving \
chip/fab/energy loop reach 1 TW/yr of compute, and how?"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
    #[command(flatten)]
    pub global: GlobalArgs,
}

/// Flags every subcommand accepts.
#[derive(Debug, clap::Args)]
pub struct GlobalArgs {
    /// Evaluator: the GPU, the CPU, or the GPU when one exists (default: the config's run.backend)
    #[arg(long, global = true, value_enum)]
    pub backend: Option<BackendChoice>,
    /// Use the GPU adapter whose name contains this text (see `terafab devices`)
    #[arg(long, global = true, value_name = "NAME")]
    pub adapter: Option<String>,
    /// Seed for scenarios and search (default: the config's run.seed)
    #[arg(long, global = true)]
    pub seed: Option<u64>,
    /// Output folder (default: runs/<config-name>-<UTC timestamp>)
    #[arg(long, global = true, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Print only errors
    #[arg(long, short, global = true)]
    pub quiet: bool,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Validate config files (exit 0 when all are valid, 2 otherwise)
    Check {
        #[arg(required = true, value_name = "CONFIG")]
        configs: Vec<PathBuf>,
    },
    /// Config helpers
    Config {
        #[command(subcommand)]
        action: ConfigAction,
    },
    /// List every GPU adapter wgpu can see
    Devices,
    /// Evaluate a batch of policy vectors on every scenario: writes policies.csv and costs.csv
    Evaluate(EvaluateArgs),
    /// Simulate one policy month by month: writes trajectory.csv and summary.json
    Simulate {
        /// Config file (default: the embedded configs/terafab.toml)
        #[arg(value_name = "CONFIG")]
        config: Option<PathBuf>,
        /// Policy file, or a built-in policy: balanced, ground-only
        #[arg(long, value_name = "FILE")]
        policy: String,
        /// Scenario: `nominal` (central values) or K, the K-th sampled scenario of the seed
        #[arg(long, default_value = "nominal")]
        scenario: String,
    },
}

#[derive(Debug, clap::Args)]
pub struct EvaluateArgs {
    /// Config file (default: the embedded configs/terafab.toml)
    #[arg(value_name = "CONFIG")]
    pub config: Option<PathBuf>,
    /// Policy vectors to evaluate, one per CSV row (a header row is allowed)
    #[arg(long, value_name = "FILE.csv", conflicts_with = "sample", required_unless_present = "sample")]
    pub policies: Option<PathBuf>,
    /// Evaluate N quasi-random policies, reproducible from the seed
    #[arg(long, value_name = "N")]
    pub sample: Option<u64>,
}

#[derive(Debug, Subcommand)]
pub enum ConfigAction {
    /// Print the embedded default config, to copy and edit
    Show,
}

/// An error caused by the user's input (exit code 2) rather than a failure (exit 1).
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct BadInput(pub String);

/// Built-in policies, so comparisons work from any directory.
pub const BUILTIN_POLICIES: [(&str, &str); 2] = [
    ("balanced", include_str!("../configs/policies/balanced.toml")),
    ("ground-only", include_str!("../configs/policies/ground-only.toml")),
];

pub fn run(cli: Cli) -> Result<()> {
    let g = &cli.global;
    match &cli.command {
        Command::Check { configs } => check(configs, g.quiet),
        Command::Config { action: ConfigAction::Show } => {
            print!("{}", config::DEFAULT_CONFIG);
            Ok(())
        }
        Command::Devices => devices(),
        Command::Evaluate(args) => {
            let exp = load_experiment(args.config.as_deref(), g)?;
            crate::commands::evaluate::run(&exp, args, g)
        }
        Command::Simulate { config, policy, scenario } => {
            let exp = load_experiment(config.as_deref(), g)?;
            simulate_cmd(&exp, policy, scenario, g)
        }
    }
}

/// Loads the config (or the default) and applies the global overrides.
pub fn load_experiment(path: Option<&Path>, g: &GlobalArgs) -> Result<Experiment> {
    let mut exp = config::load_or_default(path).map_err(|e| BadInput(e.to_string()))?;
    if let Some(seed) = g.seed {
        exp.seed = seed;
    }
    if let Some(b) = g.backend {
        exp.backend = b;
    }
    Ok(exp)
}

fn check(paths: &[PathBuf], quiet: bool) -> Result<()> {
    let mut bad = Vec::new();
    for p in paths {
        match config::load(p) {
            Ok(e) => {
                if !quiet {
                    println!(
                        "{}: ok ({} months from {}, {} phases, objective {}, {} uncertain parameters)",
                        p.display(),
                        e.run.horizon_months,
                        e.run.start,
                        e.run.phases,
                        e.run.objective.name(),
                        e.uncertainty.entries.len()
                    );
                }
            }
            Err(e) => bad.push(e.to_string()),
        }
    }
    if bad.is_empty() { Ok(()) } else { Err(BadInput(bad.join("\n")).into()) }
}

fn devices() -> Result<()> {
    let adapters = crate::gpu::adapter::list_adapters();
    if adapters.is_empty() {
        println!("{}", crate::gpu::adapter::INSTALL_HINT);
        return Ok(());
    }
    for a in adapters {
        println!("{}", crate::gpu::adapter::AdapterSummary::from(&a.get_info()));
    }
    Ok(())
}

/// Reads a policy file or a built-in policy for the experiment's phases.
pub fn load_policy(spec: &str, exp: &Experiment) -> Result<Vec<PhaseAlloc<f64>>> {
    let (name, text) = match BUILTIN_POLICIES.iter().find(|(n, _)| *n == spec) {
        Some((n, t)) => (format!("built-in policy {n}"), t.to_string()),
        None => {
            let path = Path::new(spec);
            if path.is_dir() {
                return Err(BadInput(format!("--policy {spec}: is a directory; give a policy .toml file")).into());
            }
            let text = std::fs::read_to_string(path).map_err(|e| {
                BadInput(format!(
                    "--policy {spec}: cannot read it ({e}); give a policy file or one of: balanced, ground-only"
                ))
            })?;
            (spec.to_string(), text)
        }
    };
    parse_policy_toml(&text, exp.run.phases).map_err(|e| BadInput(format!("{name}: {e}")).into())
}

/// The scenario named by `--scenario`.
pub fn pick_scenario(exp: &Experiment, which: &str) -> Result<model::Params<f64>> {
    if which == "nominal" {
        return Ok(exp.params);
    }
    let k: usize = which
        .parse()
        .map_err(|_| BadInput(format!("--scenario {which}: must be `nominal` or a scenario number 0, 1, 2, ...")))?;
    Ok(exp.uncertainty.scenario(&exp.params, exp.seed, k))
}

/// `--out`, or `runs/<name>-<UTC timestamp>`.
pub fn out_dir(g: &GlobalArgs, exp: &Experiment) -> PathBuf {
    g.out.clone().unwrap_or_else(|| PathBuf::from("runs").join(format!("{}-{}", exp.name, utc_stamp())))
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

fn simulate_cmd(exp: &Experiment, policy: &str, scenario: &str, g: &GlobalArgs) -> Result<()> {
    let phases = load_policy(policy, exp)?;
    let params = pick_scenario(exp, scenario)?;
    let t = simulate(&exp.run, &params, &phases);
    let out = out_dir(g, exp);
    let csv = report::trajectory::to_csv(&exp.run, params.ground_pue, &t)?;
    report::write_atomic(&out.join("trajectory.csv"), &csv)?;
    let mut summary = serde_json::to_value(TrajectorySummary::new(&exp.run, &t))?;
    let extra = serde_json::json!({
        "config": exp.source, "config_sha256": exp.sha256, "policy": policy, "scenario": scenario,
        "seed": exp.seed, "terafab_version": env!("CARGO_PKG_VERSION"),
    });
    summary.as_object_mut().context("summary is an object")?.extend(extra.as_object().cloned().unwrap_or_default());
    report::write_atomic(&out.join("summary.json"), serde_json::to_string_pretty(&summary)?.as_bytes())?;
    if !g.quiet {
        println!("{}", report::summary::headline(&exp.run, &t));
        println!("wrote {}/trajectory.csv and summary.json", out.display());
    }
    Ok(())
}
