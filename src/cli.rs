//! The command line: clap definitions, and each subcommand turned into calls on the
//! config, model, evaluator and report layers. Exit codes: 0 ok, 1 failure, 2 bad input.

use crate::commands::setup::load_experiment;
use crate::config;
pub use crate::flags::{BackendFlag, BenchArgs, EvaluateArgs, GlobalArgs, OptimizeArgs, SweepAction, SweepArgs};
use anyhow::Result;
use clap::{Parser, Subcommand};
use std::path::PathBuf;

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
    /// Run an experiment over config keys (a tornado, a grid, a Latin hypercube, Sobol or
    /// Morris): points.csv, sensitivity measures, figures and report.md; `sweep collect
    /// DIR` merges shards, `sweep slurm` writes Slurm array scripts
    Sweep(SweepArgs),
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

#[derive(Debug, Subcommand)]
pub enum ConfigAction {
    /// Print the embedded default config, to copy and edit
    Show,
    /// Print the scenarios a config's runs are evaluated on, as CSV: one row per sampled
    /// scenario (0 .. scenarios.count - 1 of scenarios.seed; one, equal to nominal, when the
    /// config has no [uncertainty]) after a `nominal` row, one column per parameter in the
    /// model's units (the field names the step and the kernel use)
    Scenarios {
        /// Config file (default: the embedded configs/terafab.toml)
        #[arg(value_name = "CONFIG")]
        config: Option<PathBuf>,
    },
}

use crate::input::BadInput;

/// The global flags each subcommand reads; any other given is refused (issue 12: `check
/// --seed 5` or `bench --out DIR` were accepted and meant nothing).
fn flags_used(command: &Command) -> (&'static str, &'static [&'static str]) {
    match command {
        Command::Check { .. } => ("check", &[]),
        Command::Config { action: ConfigAction::Show } => ("config show", &[]),
        Command::Config { action: ConfigAction::Scenarios { .. } } => ("config scenarios", &[]),
        Command::Devices => ("devices", &[]),
        Command::Evaluate(_) => ("evaluate", &["--backend", "--adapter", "--seed", "--out"]),
        Command::Optimize(_) => ("optimize", &["--backend", "--adapter", "--seed", "--out"]),
        Command::Bench(_) => ("bench", &["--backend", "--adapter", "--seed"]),
        // The sweep file holds the design's seed; optimize points derive theirs from it.
        Command::Sweep(SweepArgs { action: Some(SweepAction::Collect { .. }), .. }) => ("sweep collect", &[]),
        Command::Sweep(_) => ("sweep", &["--backend", "--adapter", "--out"]),
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
        Command::Config { action: ConfigAction::Scenarios { config } } => {
            let exp = load_experiment(config.as_deref(), g)?;
            print!("{}", scenarios_csv(&exp));
            Ok(())
        }
        Command::Devices => devices(),
        Command::Evaluate(args) => {
            let exp = load_experiment(args.config.as_deref(), g)?;
            crate::commands::evaluate::run(&exp, args, g)
        }
        Command::Optimize(args) => crate::commands::optimize::run(args, g),
        Command::Sweep(args) => crate::commands::sweep::run(args, g),
        Command::Bench(args) => {
            let which = g.backend.unwrap_or(BackendFlag::All);
            let no_backend = GlobalArgs { backend: None, adapter: g.adapter.clone(), out: g.out.clone(), ..*g };
            let exp = load_experiment(args.config.as_deref(), &no_backend)?;
            crate::commands::bench::run(&exp, args, which, g)
        }
        Command::Simulate { config, policy, scenario } => {
            let exp = load_experiment(config.as_deref(), g)?;
            crate::commands::simulate::run(&exp, policy, scenario, g)
        }
    }
}

/// The nominal scenario and the sampled ones as CSV, every value in shortest round-trip form.
fn scenarios_csv(exp: &crate::config::Experiment) -> String {
    let fields: Vec<&str> = crate::model::PARAM_SPECS.iter().map(|p| p.field).collect();
    let mut out = format!("scenario,{}\n", fields.join(","));
    let nominal = std::iter::once(("nominal".to_string(), exp.params));
    let sampled = exp.sampled_scenarios().into_iter().enumerate().map(|(k, p)| (k.to_string(), p));
    for (name, p) in nominal.chain(sampled) {
        let values: Vec<String> = p.to_vec().iter().map(|v| format!("{v:?}")).collect();
        out.push_str(&format!("{name},{}\n", values.join(",")));
    }
    out
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
    use crate::eval::simd::SimdPath;
    let paths: Vec<&str> = SimdPath::supported().iter().map(|p| p.describe()).collect();
    println!(
        "CPU: {} ({} threads); SIMD lanes: {} (this CPU runs: {})",
        crate::eval::cpu::cpu_model(),
        rayon::current_num_threads(),
        SimdPath::detect().describe(),
        paths.join("; ")
    );
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
