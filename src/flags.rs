//! The flags the subcommands take (clap argument structs) and what they mean as config
//! choices: shared by `cli` (which parses them) and `commands` (which act on them), so
//! neither imports the other's definitions.

use crate::config::{self, BackendChoice};
use crate::input::BadInput;
use anyhow::Result;
use std::path::PathBuf;

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

#[derive(Debug, clap::Args)]
pub struct EvaluateArgs {
    /// Config file (default: the embedded configs/terafab.toml)
    #[arg(value_name = "CONFIG")]
    pub config: Option<PathBuf>,
    /// Policy vectors to evaluate, one per CSV row (a header row is allowed)
    #[arg(long, value_name = "FILE.csv", conflicts_with = "sample", required_unless_present = "sample")]
    pub policies: Option<PathBuf>,
    /// Evaluate N quasi-random policies, reproducible from the seed (1 to 2^40, as
    /// --budget)
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..=crate::config::MAX_BUDGET_EVALS))]
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

#[derive(Debug, clap::Args)]
#[command(args_conflicts_with_subcommands = true, subcommand_negates_reqs = true)]
pub struct SweepArgs {
    #[command(subcommand)]
    pub action: Option<SweepAction>,
    /// Sweep file (configs/sweeps/ has examples)
    #[arg(value_name = "SWEEP.toml", required = true)]
    pub file: Option<PathBuf>,
    /// Run only shard I of N (0-based; runs are dealt out round-robin). Default: from
    /// SLURM_ARRAY_TASK_ID and SLURM_ARRAY_TASK_COUNT, or from JOB_COMPLETION_INDEX and
    /// the sweep file's `shards`; else the whole sweep
    #[arg(long, value_name = "I/N", value_parser = shard_flag)]
    pub shard: Option<(usize, usize)>,
    /// Check the sweep and every point's config, print the plan, run nothing
    #[arg(long)]
    pub dry_run: bool,
}

#[derive(Debug, clap::Subcommand)]
pub enum SweepAction {
    /// Merge the results in a sweep folder (all shards) into points.csv, the sensitivity
    /// measures, figures and report.md, and say which points are missing
    Collect {
        #[arg(value_name = "DIR")]
        dir: PathBuf,
    },
    /// Write Slurm array scripts that run the sweep's shards and then collect (into
    /// DIR/slurm/), and with --submit submit them
    Slurm(SlurmArgs),
}

#[derive(Debug, clap::Args)]
pub struct SlurmArgs {
    #[arg(value_name = "SWEEP.toml")]
    pub file: PathBuf,
    /// Slurm partition for every job
    #[arg(long)]
    pub partition: Option<String>,
    /// GPUs per array task
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..=64))]
    pub gpus_per_task: Option<u32>,
    /// At most this many tasks of an array at once
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..=100_000))]
    pub array_limit: Option<u64>,
    /// Shards (array tasks) in all; default: one per optimize run, or one per 4,096
    /// fixed-policy points
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..=1_000_000))]
    pub shards: Option<u64>,
    /// Submit the scripts with sbatch (else only write them)
    #[arg(long)]
    pub submit: bool,
}

/// `--shard I/N`: 0 <= I < N.
fn shard_flag(s: &str) -> Result<(usize, usize), String> {
    let parsed =
        s.split_once('/').and_then(|(i, n)| Some((i.trim().parse::<usize>().ok()?, n.trim().parse::<usize>().ok()?)));
    match parsed {
        Some((i, n)) if n >= 1 && i < n => Ok((i, n)),
        Some((i, n)) => Err(format!("`{s}`: shard {i} of {n} does not exist; I runs from 0 to N - 1, N at least 1")),
        None => Err(format!("`{s}` is not I/N (e.g. 0/4)")),
    }
}
