//! `terafab sweep` as a user runs it: the smoke tornado, shards and collect giving the
//! same points.csv as one run (by flag, Slurm's and Kubernetes' variables), a sweep killed
//! at random moments and rerun, and bad sweep files refused before anything runs.

mod common;

use assert_cmd::Command;
use predicates::prelude::*;
use std::path::Path;

fn terafab() -> Command {
    let mut c = Command::cargo_bin("terafab").unwrap();
    for v in ["SLURM_ARRAY_TASK_ID", "SLURM_ARRAY_TASK_COUNT", "SLURM_ARRAY_TASK_MIN", "JOB_COMPLETION_INDEX"] {
        c.env_remove(v);
    }
    c
}

fn run_sweep(file: &Path, out: &Path, extra: &[&str]) {
    terafab()
        .args(["sweep", file.to_str().unwrap(), "--out", out.to_str().unwrap(), "--backend", "cpu", "-q"])
        .args(extra)
        .assert()
        .success();
}

/// A small optimize sweep: a grid of two points, two search seeds each, tiny budgets.
fn optimize_sweep(dir: &Path, extra: &str) -> std::path::PathBuf {
    let file = dir.join("opt.toml");
    std::fs::write(
        &file,
        format!(
            r#"design = "grid"
seed = 5
{extra}
[point]
action = "optimize"
budget = 2500
seeds_per_point = 2
[set]
"scenarios.count" = 2
"search.compare_random" = false
"search.polish_evals" = 200
"search.population" = 32
[[vary]]
key = "market.supply_gw_per_year"
values = [10.0, 40.0]
"#
        ),
    )
    .unwrap();
    file
}

#[test]
fn the_smoke_sweep_names_its_drivers_in_order() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("smoke");
    run_sweep(Path::new("configs/sweeps/smoke.toml"), &out, &[]);
    let csv = std::fs::read_to_string(out.join("points.csv")).unwrap();
    assert_eq!(csv.lines().count(), 8, "7 points and a header:\n{csv}");
    let header = csv.lines().next().unwrap();
    for col in ["point", "market.supply_gw_per_year", "cost", "sustained_gw_per_year", "peak_gw_per_year", "binding"] {
        assert!(header.split(',').any(|h| h == col), "no column {col} in {header}");
    }
    let report = std::fs::read_to_string(out.join("report.md")).unwrap();
    let rent = report.find("1. `demand.rental_trend_per_year`: swing").expect(&report);
    let fab = report.find("2. `fab.capex_busd_per_kwspm`: swing").expect(&report);
    assert!(rent < fab);
    for f in ["sweep.json", "tornado.png", "tornado.svg"] {
        assert!(out.join(f).exists(), "{f} missing");
    }
    // Run again into the same folder: everything was saved, nothing reruns, same points.
    let before = common::points_without_wall_time(&out);
    run_sweep(Path::new("configs/sweeps/smoke.toml"), &out, &[]);
    assert_eq!(common::points_without_wall_time(&out), before);
}

#[test]
fn shards_and_collect_give_the_points_of_one_run() {
    let dir = tempfile::tempdir().unwrap();
    let file = optimize_sweep(dir.path(), "");
    let whole = dir.path().join("whole");
    run_sweep(&file, &whole, &[]);
    assert!(whole.join("response.png").exists(), "a grid draws the cost against each key");
    let sharded = dir.path().join("sharded");
    for i in 0..3 {
        run_sweep(&file, &sharded, &["--shard", &format!("{i}/3")]);
    }
    assert!(!sharded.join("points.csv").exists(), "a shard wrote the merged outputs");
    terafab().args(["sweep", "collect", sharded.to_str().unwrap(), "-q"]).assert().success();
    assert_eq!(common::points_without_wall_time(&sharded), common::points_without_wall_time(&whole));
    // Slurm's array variables pick the shard when no flag does.
    let slurm = dir.path().join("slurm");
    for i in 0..2 {
        terafab()
            .args(["sweep", file.to_str().unwrap(), "--out", slurm.to_str().unwrap(), "--backend", "cpu", "-q"])
            .env("SLURM_ARRAY_TASK_ID", (i + 1).to_string())
            .env("SLURM_ARRAY_TASK_MIN", "1")
            .env("SLURM_ARRAY_TASK_COUNT", "2")
            .assert()
            .success();
    }
    terafab().args(["sweep", "collect", slurm.to_str().unwrap(), "-q"]).assert().success();
    assert_eq!(common::points_without_wall_time(&slurm), common::points_without_wall_time(&whole));
}

#[test]
fn the_kubernetes_example_job_shards_collect_to_one_run() {
    let manifest = std::fs::read_to_string("docs/kubernetes/sweep-job.yaml").unwrap();
    let completions: usize = manifest
        .lines()
        .find_map(|l| l.trim().strip_prefix("completions:"))
        .and_then(|v| v.trim().parse().ok())
        .expect("completions: N in the example Job");
    assert!(manifest.contains("completionMode: Indexed") && manifest.contains("\"sweep\""));
    let dir = tempfile::tempdir().unwrap();
    let file = optimize_sweep(dir.path(), &format!("shards = {completions}"));
    let whole = dir.path().join("whole");
    run_sweep(&file, &whole, &[]);
    let k8s = dir.path().join("k8s");
    for i in 0..completions {
        terafab()
            .args(["sweep", file.to_str().unwrap(), "--out", k8s.to_str().unwrap(), "--backend", "cpu"])
            .env("JOB_COMPLETION_INDEX", i.to_string())
            .assert()
            .success()
            .stdout(predicate::str::contains(format!("shard {i}/{completions} done")));
    }
    terafab().args(["sweep", "collect", k8s.to_str().unwrap(), "-q"]).assert().success();
    assert_eq!(common::points_without_wall_time(&k8s), common::points_without_wall_time(&whole));
}

#[test]
fn collect_names_the_missing_points() {
    let dir = tempfile::tempdir().unwrap();
    let file = optimize_sweep(dir.path(), "");
    let out = dir.path().join("part");
    run_sweep(&file, &out, &["--shard", "0/2"]);
    terafab()
        .args(["sweep", "collect", out.to_str().unwrap(), "-q"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("2 of 4 runs are missing").and(predicate::str::contains("point 0 seed 1")));
    let csv = std::fs::read_to_string(out.join("points.csv")).unwrap();
    assert_eq!(csv.lines().count(), 3, "the two finished runs and a header");
}

#[test]
fn a_sweep_killed_at_random_moments_resumes_to_the_same_points() {
    use rand::{Rng, SeedableRng};
    let dir = tempfile::tempdir().unwrap();
    let file = optimize_sweep(dir.path(), "");
    let whole = dir.path().join("whole");
    run_sweep(&file, &whole, &[]);
    let killed = dir.path().join("killed");
    let bin = assert_cmd::cargo::cargo_bin("terafab");
    let mut rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(3);
    for _ in 0..4 {
        let mut child = std::process::Command::new(&bin)
            .args(["sweep", file.to_str().unwrap(), "--out", killed.to_str().unwrap(), "--backend", "cpu", "-q"])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(std::time::Duration::from_millis(rng.random_range(100..1500)));
        let _ = child.kill(); // SIGKILL
        let _ = child.wait();
    }
    run_sweep(&file, &killed, &[]);
    assert_eq!(common::points_without_wall_time(&killed), common::points_without_wall_time(&whole));
}

#[test]
fn bad_sweeps_are_refused_before_anything_runs() {
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        // A value the config refuses: the file, the point, the key.
        (
            "design = \"one-at-a-time\"\n[point]\naction = \"evaluate\"\npolicy = \"balanced\"\n[[vary]]\nkey = \"fab.wafer_cost_kusd\"\nlow = -1.0\nhigh = 40.0\n",
            vec![": point 1 (fab.wafer_cost_kusd = -1", "must be >= 0.03"],
        ),
        // A key the config does not have.
        (
            "design = \"grid\"\n[point]\naction = \"evaluate\"\npolicy = \"balanced\"\n[[vary]]\nkey = \"fab.wafer_cost\"\nvalues = [1.0, 2.0]\n",
            vec![": point 0", "wafer_cost"],
        ),
        (
            "design = \"tornado\"\n[point]\naction = \"evaluate\"\npolicy = \"balanced\"\n",
            vec!["design = \"tornado\": must be one of"],
        ),
        (
            "design = \"sobol\"\n[point]\naction = \"evaluate\"\npolicy = \"balanced\"\n[[vary]]\nkey = \"market.max_share\"\nlow = 0.1\nhigh = 0.3\n",
            vec!["needs samples"],
        ),
        (
            "design = \"grid\"\n[point]\naction = \"optimize\"\nseeds_per_point = 0\n[[vary]]\nkey = \"market.max_share\"\nvalues = [0.1]\n",
            vec!["seeds_per_point = 0"],
        ),
        // Hostile review: ten keys of 8,192 steps wrapped the point count to 0.
        (&huge_grid(), vec!["points; at most 200000 are allowed"]),
        // A fixed policy that does not fit a point's knots is refused up front.
        (
            &format!(
                "design = \"grid\"\n[point]\naction = \"evaluate\"\npolicy = \"{}\"\n[[vary]]\nkey = \"run.knots\"\nvalues = [20, 10]\n",
                std::fs::canonicalize("docs/default-run-v4/best_policy.toml").unwrap().display()
            ),
            vec!["point 1 (run.knots = 10)", "policy has 20 knots"],
        ),
        // An optimize point's plan is checked before anything runs (review: on a GPU node
        // its defaults used to screen 2^20 of a 100,000 budget and fail at the first point).
        (
            "design = \"grid\"\n[point]\naction = \"optimize\"\nbudget = 1000\n[set]\n\"search.screening_samples\" = 5000\n[[vary]]\nkey = \"market.max_share\"\nvalues = [0.1]\n",
            vec![
                ": point 0 (market.max_share = 0.1)",
                "screening_samples = 5000 is more than the evaluation budget 1000",
            ],
        ),
        // Costs in different units cannot be ranked.
        (
            "design = \"one-at-a-time\"\n[point]\naction = \"evaluate\"\npolicy = \"balanced\"\n[[vary]]\nkey = \"objective.kind\"\nnominal = \"time_to_target\"\nvalues = [\"final_flops\"]\n",
            vec!["same objective.kind"],
        ),
        (
            "design = \"grid\"\n[point]\naction = \"evaluate\"\npolicy = \"balanced\"\n[set]\n\"market.max_share\" = 0.2\n[[vary]]\nkey = \"market.max_share\"\nvalues = [0.1]\n",
            vec!["both in [set] and varied"],
        ),
        (
            "design = \"one-at-a-time\"\n[point]\naction = \"evaluate\"\npolicy = \"balanced\"\n[[vary]]\nkey = \"market.max_share\"\nlow = 0.1\nhigh = 0.3\nnominal = 0.9\n",
            vec!["nominal = 0.9 is outside"],
        ),
    ];
    for (text, needles) in cases {
        let file = dir.path().join("bad.toml");
        std::fs::write(&file, text).unwrap();
        let out = dir.path().join("never");
        let mut a = terafab()
            .args(["sweep", file.to_str().unwrap(), "--out", out.to_str().unwrap(), "--backend", "cpu"])
            .assert()
            .code(2);
        for n in needles {
            a = a.stderr(predicate::str::contains(n));
        }
        assert!(!out.exists(), "a refused sweep created its folder");
    }
    // Another sweep's folder is refused too.
    let out = dir.path().join("smoke");
    run_sweep(Path::new("configs/sweeps/smoke.toml"), &out, &[]);
    let other = optimize_sweep(dir.path(), "");
    terafab()
        .args(["sweep", other.to_str().unwrap(), "--out", out.to_str().unwrap(), "--backend", "cpu"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("holds another sweep"));
}

#[test]
fn a_sobol_sweep_writes_indices_with_intervals() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("sobol.toml");
    let policy = std::fs::canonicalize("docs/default-run-v4/best_policy.toml").unwrap();
    std::fs::write(
        &file,
        format!(
            "design = \"sobol\"\nsamples = 32\n[point]\naction = \"evaluate\"\npolicy = \"{}\"\n[set]\n\"scenarios.count\" = 1\n\
             [[vary]]\nkey = \"demand.rental_trend_per_year\"\nlow = -0.1\nhigh = 0.0\n\
             [[vary]]\nkey = \"market.supply_gw_per_year\"\nlow = 10.0\nhigh = 40.0\nscale = \"log\"\n",
            policy.display()
        ),
    )
    .unwrap();
    let out = dir.path().join("out");
    run_sweep(&file, &out, &[]);
    let csv = std::fs::read_to_string(out.join("sobol.csv")).unwrap();
    assert_eq!(csv.lines().count(), 3, "{csv}");
    assert!(csv.starts_with("key,first_order,first_order_lo,first_order_hi,total,total_lo,total_hi"));
    let points = std::fs::read_to_string(out.join("points.csv")).unwrap();
    assert_eq!(points.lines().count(), 1 + 32 * 4);
    assert!(
        std::fs::read_to_string(out.join("report.md"))
            .unwrap()
            .contains("1. `demand.rental_trend_per_year`: total index")
    );
}

fn huge_grid() -> String {
    let keys = [
        "market.supply_gw_per_year",
        "market.supply_growth_per_year",
        "market.max_share",
        "market.chip_price_busd_per_gw",
        "market.chip_price_trend_per_year",
        "demand.rental_busd_per_gw_year",
        "demand.rental_trend_per_year",
        "demand.market_busd_per_year_at_start",
        "demand.market_growth_initial",
        "demand.market_growth_final",
    ];
    let mut s = "design = \"grid\"\n[point]\naction = \"evaluate\"\npolicy = \"balanced\"\n".to_string();
    for k in keys {
        s += &format!("[[vary]]\nkey = \"{k}\"\nlow = 0.1\nhigh = 0.5\nsteps = 8192\n");
    }
    s
}

#[test]
fn repeated_values_make_one_point_and_a_lone_slurm_variable_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("dups.toml");
    // 20 (an integer) is the nominal 20.0; 0.3 twice is one swing; steps that round to
    // the same integer give it once.
    std::fs::write(
        &file,
        "design = \"one-at-a-time\"\n[point]\naction = \"evaluate\"\npolicy = \"balanced\"\n[set]\n\"scenarios.count\" = 1\n\
         [[vary]]\nkey = \"market.supply_gw_per_year\"\nvalues = [20, 30, 30.0]\n",
    )
    .unwrap();
    terafab()
        .args(["sweep", file.to_str().unwrap(), "--dry-run", "--backend", "cpu"])
        .assert()
        .success()
        .stdout(predicate::str::contains("2 points over 1 keys"));
    terafab()
        .args(["sweep", file.to_str().unwrap(), "--dry-run"])
        .env("SLURM_ARRAY_TASK_ID", "1")
        .assert()
        .code(2)
        .stderr(predicate::str::contains("only one of SLURM_ARRAY_TASK_ID and SLURM_ARRAY_TASK_COUNT"));
}
