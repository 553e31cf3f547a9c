//! The command line: clap definitions, and each subcommand turned into calls on the
//! config, model, evaluator and report layers. Exit codes: 0 ok, 1 failure, 2 bad input.

use crate::config::{self, BackendChoice, Experiment};
use crate::model::policy::{Alloc, parse_policy_toml};
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
    /// Evaluator: the GPU, the CPU, or the GPU when one exists (default: the config's
    /// run.backend); `all` is for `bench` only (its default)
    #[arg(long, global = true, value_enum)]
    pub backend: Option<BackendFlag>,
    /// Use the GPU adapter whose name contains this text (see `terafab devices`)
    #[arg(long, global = true, value_name = "NAME")]
    pub adapter: Option<String>,
    /// Seed of the search and of quasi-random samples (default: the config's run.seed); the
    /// scenarios come from the config's scenarios.seed, whatever this is. At most 2^63 - 1,
    /// the most `run.seed` takes, so every run's seed can be written into a config
    #[arg(long, global = true, value_parser = clap::value_parser!(u64).range(0..=i64::MAX as u64))]
    pub seed: Option<u64>,
    /// Output folder (default: runs/<config-name>-<UTC timestamp>)
    #[arg(long, global = true, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Print only errors
    #[arg(long, short, global = true)]
    pub quiet: bool,
}

/// `--backend`: a config's choice, or `all` (every backend, for `bench`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum BackendFlag {
    /// The GPU when an adapter exists, else the CPU (saying so)
    Auto,
    Gpu,
    Cpu,
    /// Every backend this machine has (bench only)
    All,
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
    /// Search for the fastest policy (the main job): writes report.md, summary.json,
    /// best_policy.toml, trajectory.csv, convergence.csv and plots
    Optimize(OptimizeArgs),
    /// Measure evaluator throughput (trajectory-steps/s) per backend and batch size
    Bench(BenchArgs),
    /// Simulate one policy month by month: writes trajectory.csv and summary.json
    Simulate {
        /// Config file (default: the embedded configs/terafab.toml)
        #[arg(value_name = "CONFIG")]
        config: Option<PathBuf>,
        /// Policy file, or a built-in policy: balanced, ground-only
        #[arg(long, value_name = "FILE")]
        policy: String,
        /// Scenario: `nominal` (central values), K (the K-th sampled scenario of the seed), or
        /// `all`: the config's sampled scenarios and their aggregate, the cost `optimize` minimises
        /// (trajectory.csv is then the nominal scenario's)
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
    /// Write costs.csv only (with --sample, the policies are reproducible from N and the seed)
    #[arg(long)]
    pub costs_only: bool,
}

#[derive(Debug, clap::Args)]
pub struct OptimizeArgs {
    /// Config file (default: the embedded configs/terafab.toml)
    #[arg(value_name = "CONFIG")]
    pub config: Option<PathBuf>,
    /// Evaluations in all (default: the config's search.budget_evals, else sized to the device)
    #[arg(long, value_name = "EVALS", value_parser = clap::value_parser!(u64).range(1..=crate::config::MAX_BUDGET_EVALS))]
    pub budget: Option<u64>,
    /// Wall-clock limit in seconds; the run stops after the generation that crosses it
    #[arg(long, value_name = "SECONDS", value_parser = run_seconds)]
    pub time: Option<f64>,
    /// Continue the run in this folder (after a crash, a kill or a reboot)
    #[arg(long, value_name = "DIR")]
    pub resume: Option<PathBuf>,
    /// Progress and the result as JSON lines on stdout
    #[arg(long)]
    pub json: bool,
}

/// The longest wall-clock limit a flag takes: 10^8 s (about 3 years); beyond it a
/// deadline no longer fits the clock's arithmetic, and no run is meant to last longer.
const MAX_SECONDS: f64 = 1e8;

/// `--time`: the range `search.time_seconds` takes in a config (0.1 s to 10^7 s): below
/// it no chunk of work finishes, and a run could never write its results.
fn run_seconds(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(v) if config::TIME_SECONDS.contains(&v) => Ok(v),
        Ok(v) if v.is_finite() && v > 0.0 => Err(format!("`{s}` seconds is outside 0.1 to 1e7 (about 4 months)")),
        _ => Err(format!("`{s}` is not a positive number of seconds")),
    }
}

fn positive_seconds(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(v) if v.is_finite() && v > 0.0 && v <= MAX_SECONDS => Ok(v),
        Ok(v) if v.is_finite() && v > MAX_SECONDS => {
            Err(format!("`{s}` seconds is more than the {MAX_SECONDS:e} (about 3 years) allowed"))
        }
        _ => Err(format!("`{s}` is not a positive number of seconds")),
    }
}

#[derive(Debug, clap::Args)]
pub struct BenchArgs {
    /// Config file (default: the embedded configs/terafab.toml)
    #[arg(value_name = "CONFIG")]
    pub config: Option<PathBuf>,
    /// One JSON object per line instead of a table
    #[arg(long)]
    pub json: bool,
    /// Smallest batch, as log2 of the number of trajectories (candidates x scenarios)
    #[arg(long, default_value_t = 12, value_parser = clap::value_parser!(u32).range(4..=30))]
    pub min_log2: u32,
    /// Largest batch, as log2 of the number of trajectories
    #[arg(long, default_value_t = 22, value_parser = clap::value_parser!(u32).range(4..=30))]
    pub max_log2: u32,
    /// Step between batch sizes, in powers of two
    #[arg(long, default_value_t = 2, value_parser = clap::value_parser!(u32).range(1..=8))]
    pub step_log2: u32,
    /// Keep repeating a batch until this many seconds have passed (at least once)
    #[arg(long, default_value_t = 1.0, value_parser = positive_seconds)]
    pub min_seconds: f64,
}

#[derive(Debug, Subcommand)]
pub enum ConfigAction {
    /// Print the embedded default config, to copy and edit
    Show,
}

pub use crate::input::BadInput;

pub use crate::config::BUILTIN_POLICIES;

/// The global flags each subcommand reads; any other given is refused (issue 12: `check
/// --seed 5` or `bench --out DIR` were accepted and meant nothing).
fn flags_used(command: &Command) -> (&'static str, &'static [&'static str]) {
    match command {
        Command::Check { .. } => ("check", &[]),
        Command::Config { .. } => ("config show", &[]),
        Command::Devices => ("devices", &[]),
        Command::Evaluate(_) => ("evaluate", &["--backend", "--adapter", "--seed", "--out"]),
        Command::Optimize(_) => ("optimize", &["--backend", "--adapter", "--seed", "--out"]),
        Command::Bench(_) => ("bench", &["--backend", "--adapter", "--seed"]),
        // simulate computes with the f64 reference, on scenarios from scenarios.seed.
        Command::Simulate { .. } => ("simulate", &["--out"]),
    }
}

fn refuse_unused_flags(command: &Command, g: &GlobalArgs) -> Result<(), BadInput> {
    let (name, used) = flags_used(command);
    let given = [
        (g.backend.is_some(), "--backend"),
        (g.adapter.is_some(), "--adapter"),
        (g.seed.is_some(), "--seed"),
        (g.out.is_some(), "--out"),
    ];
    match given.iter().find(|(set, flag)| *set && !used.contains(flag)) {
        Some((_, flag)) => {
            let takes =
                if used.is_empty() { "only --quiet".to_string() } else { format!("{} and --quiet", used.join(", ")) };
            Err(BadInput(format!("{flag} means nothing to `terafab {name}`, which takes {takes}")))
        }
        None => Ok(()),
    }
}

pub fn run(cli: Cli) -> Result<()> {
    let g = &cli.global;
    refuse_unused_flags(&cli.command, g)?;
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
        Command::Optimize(args) => crate::commands::optimize::run(args, g),
        Command::Bench(args) => {
            let which = g.backend.unwrap_or(BackendFlag::All);
            let no_backend = GlobalArgs { backend: None, adapter: g.adapter.clone(), out: g.out.clone(), ..*g };
            let exp = load_experiment(args.config.as_deref(), &no_backend)?;
            crate::commands::bench::run(&exp, args, which, g)
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

/// `--backend` as a config's choice (`all` is for `bench` only).
pub fn backend_choice(flag: BackendFlag) -> Result<BackendChoice> {
    Ok(match flag {
        BackendFlag::Auto => BackendChoice::Auto,
        BackendFlag::Gpu => BackendChoice::Gpu,
        BackendFlag::Cpu => BackendChoice::Cpu,
        BackendFlag::All => {
            return Err(BadInput(
                "--backend all: only `terafab bench` runs every backend; use auto, gpu or cpu".into(),
            )
            .into());
        }
    })
}

fn check(paths: &[PathBuf], quiet: bool) -> Result<()> {
    let mut bad = Vec::new();
    for p in paths {
        match config::load(p) {
            Ok(e) => {
                for w in config::off_centre(&e) {
                    eprintln!("{}: {w}", p.display());
                }
                if !quiet {
                    println!(
                        "{}: ok ({} months from {}, {} policy knots, objective {}, {} uncertain parameters)",
                        p.display(),
                        e.run.horizon_months,
                        e.run.start,
                        e.run.knots,
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

fn simulate_cmd(exp: &Experiment, policy: &str, scenario: &str, g: &GlobalArgs) -> Result<()> {
    let phases = load_policy(policy, exp)?;
    let all = scenario == "all";
    let params = if all { exp.params } else { pick_scenario(exp, scenario)? };
    let out = out_dir(g, exp);
    let _lock = crate::commands::lock::lock_run_folder(&out, crate::commands::lock::Writer::Simulate)?;
    let t = simulate(&exp.run, &params, &phases);
    let csv = report::trajectory::to_csv(&exp.run, &params, &t)?;
    report::write_atomic(&out.join("trajectory.csv"), &csv)?;
    let mut summary = serde_json::to_value(TrajectorySummary::new(&exp.run, &params, &t))?;
    let extra = serde_json::json!({
        "config": exp.source, "config_sha256": exp.sha256, "policy": policy, "scenario": scenario,
        "seed": exp.seed, "scenario_seed": exp.scenarios.seed, "terafab_version": env!("CARGO_PKG_VERSION"),
        "model_version": crate::model::MODEL_VERSION,
    });
    let fields = summary.as_object_mut().context("summary is an object")?;
    fields.extend(extra.as_object().cloned().unwrap_or_default());
    let mut aggregate = None;
    if all {
        let problem = crate::eval::Problem::from_experiment(exp);
        let (cost, per) = crate::eval::policy_cost(&problem, &phases);
        fields.insert("aggregate".into(), problem.aggregate.to_string().into());
        fields.insert("aggregate_cost".into(), cost.into());
        fields.insert("scenario_costs".into(), per.clone().into());
        aggregate = Some((problem.aggregate, per.len(), cost));
    }
    report::write_atomic(&out.join("summary.json"), serde_json::to_string_pretty(&summary)?.as_bytes())?;
    if !g.quiet {
        println!("{}", report::summary::headline(&exp.run, &t));
        if let Some((how, n, cost)) = aggregate {
            println!("cost over {n} scenarios ({how}): {cost} {}", exp.run.objective.cost_unit());
        }
        println!("wrote {}/trajectory.csv and summary.json", out.display());
    }
    Ok(())
}
