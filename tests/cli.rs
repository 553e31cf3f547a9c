//! The binary as a user runs it: exit codes, messages, files.

use assert_cmd::Command;
use predicates::prelude::*;

fn terafab() -> Command {
    Command::cargo_bin("terafab").unwrap()
}

/// Runs terafab with `args` and expects exit code 2 (bad input) with `message` on stderr.
fn fails_with_bad_input(args: &[&str], message: &str) {
    terafab().args(args).assert().code(2).stderr(predicate::str::contains(message));
}

#[test]
fn help_lists_only_built_commands() {
    terafab()
        .arg("--help")
        .assert()
        .success()
        .stdout(predicate::str::contains("simulate").and(predicate::str::contains("check")));
}

#[test]
fn check_accepts_good_configs_and_rejects_bad_ones_with_exit_2() {
    terafab()
        .args(["check", "configs/terafab.toml", "configs/smoke.toml"])
        .assert()
        .success()
        .stdout(predicate::str::contains("ok"));
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.toml");
    std::fs::write(&bad, "[fab]\nwafer_cost_kusd = -1\n").unwrap();
    terafab()
        .args(["check", bad.to_str().unwrap()])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("bad.toml:2:").and(predicate::str::contains("fab.wafer_cost_kusd = -1")));
    fails_with_bad_input(&["check", "configs/missing.toml"], "cannot read");
}

#[test]
fn config_show_prints_the_embedded_default_which_checks_clean() {
    let out = terafab().args(["config", "show"]).assert().success().get_output().stdout.clone();
    assert_eq!(String::from_utf8(out.clone()).unwrap(), terafab::config::DEFAULT_CONFIG);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("copy.toml");
    std::fs::write(&path, out).unwrap();
    terafab().args(["check", path.to_str().unwrap()]).assert().success();
}

#[test]
fn simulate_writes_trajectory_and_summary_from_any_directory() {
    let dir = tempfile::tempdir().unwrap();
    terafab()
        .current_dir(dir.path())
        .args(["simulate", "--policy", "balanced", "--out", "run1"])
        .assert()
        .success()
        .stdout(predicate::str::contains("GW/yr"));
    let csv = std::fs::read_to_string(dir.path().join("run1/trajectory.csv")).unwrap();
    let header = csv.lines().next().unwrap();
    for col in [
        "month",
        "date",
        "cash_busd",
        "revenue_busd",
        "funding_busd",
        "spend_busd",
        "spend_fab_busd",
        "spend_space_power_busd",
        "fab_wspm",
        "pkg_capacity",
        "eff_flops_per_w",
        "iteration_months",
        "ground_power_gw",
        "space_power_gw",
        "installed_ground_gw",
        "installed_space_gw",
        "installed_flops",
        "inventory_gw",
        "deployed_gw",
        "deployed_last_12m_gw",
    ] {
        assert!(header.split(',').any(|c| c == col), "column {col} missing");
    }
    assert_eq!(csv.lines().count(), 241);
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("run1/summary.json")).unwrap()).unwrap();
    assert_eq!(summary["objective"], "time_to_target");
    assert!(summary["cost"].as_f64().unwrap() > 0.0);
    assert!(summary.get("time_to_target_months").is_some());
}

#[test]
fn simulate_rejects_bad_policy_and_scenario_with_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("p.toml");
    std::fs::write(&p, "format_version = 2\nmodel_version = 4\ninterpolation = \"linear\"\n[[knot]]\nfab = 1.0\n")
        .unwrap();
    fails_with_bad_input(
        &["simulate", "--policy", p.to_str().unwrap(), "--out", dir.path().to_str().unwrap()],
        "policy has 1 knots; the config's run.knots = 20",
    );
    // A policy file of model version 1 (step-wise phases) is refused, saying what changed.
    std::fs::write(&p, "[[phase]]\nfab = 1.0\n").unwrap();
    fails_with_bad_input(
        &["simulate", "--policy", p.to_str().unwrap(), "--out", dir.path().to_str().unwrap()],
        "interpolates linearly between knots",
    );
    fails_with_bad_input(
        &["simulate", "--policy", "balanced", "--scenario", "x", "--out", dir.path().to_str().unwrap()],
        "--scenario x",
    );
    // Issue 12: a scenario number beyond scenarios.count was accepted (smoke has 4).
    fails_with_bad_input(
        &[
            "simulate",
            "configs/smoke.toml",
            "--policy",
            "balanced",
            "--scenario",
            "99",
            "--out",
            dir.path().to_str().unwrap(),
        ],
        "from 0 to 3 (scenarios.count = 4)",
    );
    fails_with_bad_input(&["simulate", "--policy", "nope.toml"], "--policy nope.toml");
}

#[test]
fn simulate_scenario_k_is_reproducible() {
    let dir = tempfile::tempdir().unwrap();
    for out in ["a", "b"] {
        terafab()
            .current_dir(dir.path())
            .args(["simulate", "--policy", "ground-only", "--scenario", "3", "--out", out])
            .assert()
            .success();
    }
    let a = std::fs::read(dir.path().join("a/trajectory.csv")).unwrap();
    let b = std::fs::read(dir.path().join("b/trajectory.csv")).unwrap();
    assert_eq!(a, b);
}

#[test]
fn evaluate_sample_agrees_across_backends_and_round_trips_its_policies() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().to_str().unwrap();
    terafab()
        .args(["evaluate", "configs/smoke.toml", "--sample", "100", "--backend", "cpu", "--out", &format!("{d}/cpu")])
        .assert()
        .success();
    // Feeding the written policies back in gives the same costs (the CSV round-trips).
    terafab()
        .args([
            "evaluate",
            "configs/smoke.toml",
            "--policies",
            &format!("{d}/cpu/policies.csv"),
            "--backend",
            "cpu",
            "--out",
            &format!("{d}/again"),
        ])
        .assert()
        .success();
    let costs = |sub: &str| -> Vec<f64> {
        let text = std::fs::read_to_string(format!("{d}/{sub}/costs.csv")).unwrap();
        text.lines().skip(1).map(|l| l.split(',').nth(1).unwrap().parse().unwrap()).collect()
    };
    let cpu = costs("cpu");
    assert_eq!(cpu.len(), 100);
    let again = costs("again");
    for (a, b) in cpu.iter().zip(&again) {
        assert_eq!(a, b, "policies.csv must read back to the same costs");
    }
    // auto takes a hardware GPU, else the CPU lanes: where the only adapter is a
    // software one (lavapipe in CI) it says so and gives the CPU's very costs.
    let software = terafab::gpu::adapter::default_adapter_if_software().is_some();
    let auto = terafab()
        .args(["evaluate", "configs/smoke.toml", "--sample", "100", "--out", &format!("{d}/auto")])
        .assert()
        .success();
    if software {
        auto.stderr(predicate::str::contains("backend auto: the only GPU is a software one"));
        assert_eq!(cpu, costs("auto"));
    }
    for (a, b) in cpu.iter().zip(&costs("auto")) {
        assert!(
            (a - b).abs() <= terafab::eval::tolerance::gpu_vs_cpu_f32(terafab::model::Objective::TimeToTarget) + 1e-3,
            "{a} vs {b}"
        );
    }
    // --backend gpu still runs on the software adapter, and agrees.
    terafab()
        .args(["evaluate", "configs/smoke.toml", "--sample", "100", "--backend", "gpu", "--out", &format!("{d}/gpu")])
        .assert()
        .success();
    for (a, b) in cpu.iter().zip(&costs("gpu")) {
        assert!(
            (a - b).abs() <= terafab::eval::tolerance::gpu_vs_cpu_f32(terafab::model::Objective::TimeToTarget) + 1e-3,
            "{a} vs {b}"
        );
    }
}

#[test]
fn evaluate_rejects_bad_policy_csv_with_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("p.csv");
    std::fs::write(&csv, "1,2,3\n").unwrap();
    fails_with_bad_input(
        &["evaluate", "configs/smoke.toml", "--policies", csv.to_str().unwrap(), "--backend", "cpu"],
        "row 1 has 3 values; a policy for this config has 52",
    );
    let row = vec!["99"; 52].join(",");
    std::fs::write(&csv, format!("{row}\n")).unwrap();
    fails_with_bad_input(
        &["evaluate", "configs/smoke.toml", "--policies", csv.to_str().unwrap(), "--backend", "cpu"],
        "within [-10, 10]",
    );
    terafab().args(["evaluate", "--backend", "cpu"]).assert().code(2);
    // Issue 12: a first row with a non-number was taken as a header and dropped; a NaN
    // was reported 0-based without the file.
    let good = vec!["0.5"; 52].join(",");
    let typo = format!("0.5,O.5,{}", vec!["0.5"; 50].join(","));
    std::fs::write(&csv, format!("{typo}\n{good}\n{good}\n")).unwrap();
    fails_with_bad_input(
        &["evaluate", "configs/smoke.toml", "--policies", csv.to_str().unwrap(), "--backend", "cpu"],
        "p.csv: row 1 column 2: `O.5` is not a number, and row 1 is not a header",
    );
    let nan = format!("{}NaN,{}", "0.5,".repeat(6), vec!["0.5"; 45].join(","));
    std::fs::write(&csv, format!("{good}\n{nan}\n")).unwrap();
    fails_with_bad_input(
        &["evaluate", "configs/smoke.toml", "--policies", csv.to_str().unwrap(), "--backend", "cpu"],
        "p.csv: row 2 column 7 (k1_",
    );
    // A header written by evaluate itself is recognised by its names.
    let header = format!("candidate,{}", terafab::model::policy::gene_names(4).join(","));
    // Its candidate names are carried to costs.csv (issue 12: they were renumbered).
    std::fs::write(&csv, format!("{header}\nsteady,{good}\nburst-7,{good}\n")).unwrap();
    let ok = dir.path().join("ok");
    terafab()
        .args(["evaluate", "configs/smoke.toml", "--policies", csv.to_str().unwrap(), "--backend", "cpu", "--out"])
        .arg(&ok)
        .assert()
        .success()
        .stdout(predicate::str::contains("evaluated 2 policies").and(predicate::str::contains("candidate steady")));
    let costs = std::fs::read_to_string(ok.join("costs.csv")).unwrap();
    let names: Vec<&str> = costs.lines().skip(1).map(|l| l.split(',').next().unwrap()).collect();
    assert_eq!(names, ["steady", "burst-7"], "{costs}");
    assert!(ok.join("policies.csv").exists());
    // --costs-only into the same folder leaves no stale policies.csv beside its costs.
    terafab()
        .args(["evaluate", "configs/smoke.toml", "--sample", "3", "--costs-only", "--backend", "cpu", "--out"])
        .arg(&ok)
        .assert()
        .success()
        .stderr(predicate::str::contains("removed"));
    assert!(!ok.join("policies.csv").exists(), "an earlier evaluate's policies.csv would describe other costs");
}

#[test]
fn adapter_with_the_cpu_backend_is_rejected_not_ignored() {
    fails_with_bad_input(
        &["evaluate", "configs/smoke.toml", "--sample", "3", "--backend", "cpu", "--adapter", "llvmpipe"],
        "cannot be used with --backend cpu",
    );
}

#[test]
fn bench_flags_are_checked() {
    fails_with_bad_input(&["bench", "--min-seconds", "nan"], "--min-seconds");
    fails_with_bad_input(&["bench", "--max-log2", "40"], "--max-log2");
    fails_with_bad_input(&["bench", "--min-log2", "20", "--max-log2", "14"], "--min-log2 20 is above --max-log2 14");
}

#[test]
fn evaluate_refuses_policy_vectors_of_model_version_1() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("old.csv");
    let header: Vec<String> = (0..260).map(|i| format!("p{}_g{}", i / 13 + 1, i % 13)).collect();
    let row = vec!["0.0"; 260].join(",");
    std::fs::write(&csv, format!("{}\n{row}\n", header.join(","))).unwrap();
    fails_with_bad_input(
        &["evaluate", "--policies", csv.to_str().unwrap(), "--out", dir.path().to_str().unwrap()],
        "model version 1",
    );
}

#[test]
fn a_config_of_model_version_1_names_the_renamed_key() {
    let dir = tempfile::tempdir().unwrap();
    let old = dir.path().join("old.toml");
    std::fs::write(&old, "[run]\nphases = 8\n").unwrap();
    fails_with_bad_input(&["check", old.to_str().unwrap()], "old.toml:2:10: run.phases = 8");
    fails_with_bad_input(&["check", old.to_str().unwrap()], "write run.knots instead");
}

#[test]
fn wall_clock_limits_beyond_the_clock_are_refused_not_a_panic() {
    // Issue 12: `optimize --time 1e19` overflowed an Instant and panicked.
    for t in ["1e19", "1e308", "1e-9"] {
        fails_with_bad_input(&["optimize", "--time", t, "--budget", "10"], "outside 0.1 to 1e7");
    }
    fails_with_bad_input(&["bench", "--min-seconds", "1e19"], "about 3 years");
}

#[test]
fn a_bench_batch_bigger_than_memory_is_refused_before_it_allocates() {
    // Issue 12: `bench --min-log2 30 --max-log2 30` aborted on a 94 GB allocation. The
    // check compares with the memory available, so it is only asserted where 2^30
    // trajectories' policies (about 140 GB) do not fit.
    let needed: u64 = (1u64 << 30) / 16 * 262 * 8;
    if terafab::report::available_memory_bytes().is_some_and(|a| a < needed) {
        fails_with_bad_input(
            &["bench", "--backend", "cpu", "--min-log2", "30", "--max-log2", "30"],
            "lower --max-log2",
        );
    }
}

#[test]
fn a_run_name_that_leaves_the_runs_folder_is_refused() {
    // Issue 12: `name = "../../x"` wrote outside runs/.
    let dir = tempfile::tempdir().unwrap();
    for name in ["../../x", "/tmp/abs", ".hidden", "a b"] {
        let path = dir.path().join("named.toml");
        std::fs::write(&path, format!("[run]\nname = {name:?}\n")).unwrap();
        terafab().args(["check", path.to_str().unwrap()]).assert().code(2).stderr(
            predicate::str::contains("named.toml:2:").and(predicate::str::contains("must be a plain file name")),
        );
    }
}

#[test]
fn simulate_and_evaluate_refuse_to_overwrite_an_optimize_run() {
    // Issue 12: `simulate --out` into an optimize run folder replaced its summary.json.
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("run.json"), "{}").unwrap();
    std::fs::write(dir.path().join("summary.json"), "optimize's").unwrap();
    let out = dir.path().to_str().unwrap();
    fails_with_bad_input(&["simulate", "--policy", "balanced", "--out", out], "holds a `terafab optimize` run");
    fails_with_bad_input(
        &["evaluate", "--sample", "4", "--backend", "cpu", "--out", out],
        "holds a `terafab optimize` run",
    );
    assert_eq!(std::fs::read_to_string(dir.path().join("summary.json")).unwrap(), "optimize's");
}

#[test]
fn optimize_refuses_a_folder_of_another_kind_of_run_or_the_users_own_summary() {
    // Issue 12 (hostile re-test): optimize --out replaced a simulate run's summary.json,
    // an evaluate run's files or the user's own report.md, and exited 0.
    let dir = tempfile::tempdir().unwrap();
    let sim = dir.path().join("sim");
    let sim_s = sim.to_str().unwrap();
    terafab().args(["simulate", "--policy", "balanced", "-q", "--out", sim_s]).assert().success();
    let before = std::fs::read_to_string(sim.join("summary.json")).unwrap();
    fails_with_bad_input(
        &["optimize", "--budget", "300", "--backend", "cpu", "--out", sim_s],
        "holds a `terafab simulate` run, whose summary.json, trajectory.csv `optimize` would replace",
    );
    assert_eq!(std::fs::read_to_string(sim.join("summary.json")).unwrap(), before);
    let own = dir.path().join("own");
    std::fs::create_dir(&own).unwrap();
    std::fs::write(own.join("report.md"), "mine").unwrap();
    fails_with_bad_input(
        &["optimize", "--budget", "300", "--backend", "cpu", "--out", own.to_str().unwrap()],
        "holds report.md with no .terafab.lock marking them",
    );
    assert_eq!(std::fs::read_to_string(own.join("report.md")).unwrap(), "mine");
}

#[test]
fn sample_counts_past_two_to_the_40_are_refused_like_budgets() {
    // Issue 12 (hostile re-test): --sample 2^40 + 1 ran, writing 19 GB of temp files.
    fails_with_bad_input(&["evaluate", "--sample", "1099511627777", "--backend", "cpu"], "--sample");
}

#[test]
fn devices_fifos_and_huge_files_are_refused_as_input_not_read_forever() {
    // Issue 12: `evaluate --policies /dev/zero` aborted; a FIFO with no writer as the
    // config blocked forever; inputs were read with no size limit.
    fails_with_bad_input(&["check", "/dev/zero"], "not a regular file");
    fails_with_bad_input(&["evaluate", "--policies", "/dev/zero", "--backend", "cpu"], "not a regular file");
    fails_with_bad_input(&["simulate", "--policy", "/dev/zero"], "not a regular file");
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("fifo.toml");
    assert!(std::process::Command::new("mkfifo").arg(&fifo).status().unwrap().success());
    terafab()
        .args(["check", fifo.to_str().unwrap()])
        .timeout(std::time::Duration::from_secs(20))
        .assert()
        .code(2)
        .stderr(predicate::str::contains("not a regular file"));
    let big = dir.path().join("big.toml");
    std::fs::write(&big, vec![b'#'; (terafab::input::MAX_TEXT_FILE_BYTES + 1) as usize]).unwrap();
    fails_with_bad_input(&["check", big.to_str().unwrap()], "more than the");
}

#[test]
fn an_adapter_that_matches_nothing_is_bad_input_even_under_auto() {
    // Issue 12: an unknown --adapter exited 1, and with `auto` silently fell back to the
    // CPU; `--adapter ""` matched anything.
    for backend in ["gpu", "auto"] {
        fails_with_bad_input(
            &["evaluate", "configs/smoke.toml", "--sample", "3", "--backend", backend, "--adapter", "no-such-gpu-xyz"],
            "--adapter",
        );
        fails_with_bad_input(
            &["evaluate", "configs/smoke.toml", "--sample", "3", "--backend", backend, "--adapter", ""],
            "give part of an adapter's name",
        );
    }
}

#[test]
fn a_huge_evaluate_says_how_long_it_will_take() {
    // Issue 12: `evaluate --sample 1000000000000` started with no estimate or warning.
    let dir = tempfile::tempdir().unwrap();
    let out = terafab()
        .args([
            "evaluate",
            "configs/smoke.toml",
            "--sample",
            "1000000000000",
            "--costs-only",
            "--backend",
            "cpu",
            "--out",
        ])
        .arg(dir.path())
        .timeout(std::time::Duration::from_secs(10))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("1000000000000 policies will take about"), "{stderr}");
}

#[test]
fn a_closed_or_full_stdout_stops_with_a_message_not_a_panic() {
    // Issue 12 (hostile review): `terafab ... | head -1` and `> /dev/full` panicked.
    let out = std::process::Command::new(assert_cmd::cargo::cargo_bin("terafab"))
        .args(["config", "show"])
        .stdout(std::fs::File::create("/dev/full").unwrap())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("standard output is closed or full") && !stderr.contains("panicked"), "{stderr}");
}

#[test]
fn commands_in_the_same_second_get_their_own_default_folders() {
    // Issue 12 (hostile review): two runs without --out in one second shared a folder.
    let dir = tempfile::tempdir().unwrap();
    let config = std::fs::canonicalize("configs/smoke.toml").unwrap();
    for policy in ["balanced", "ground-only", "balanced"] {
        terafab()
            .current_dir(dir.path())
            .args(["simulate", config.to_str().unwrap(), "--policy", policy, "--quiet"])
            .assert()
            .success();
    }
    let folders = std::fs::read_dir(dir.path().join("runs")).unwrap().count();
    assert_eq!(folders, 3);
}

#[test]
fn a_seed_a_config_cannot_hold_is_refused() {
    // Issue 12 (hostile review): --seed took 2^64 - 1 while run.seed takes at most 2^63 - 1.
    fails_with_bad_input(&["evaluate", "--sample", "1", "--seed", "18446744073709551615"], "--seed");
}

#[test]
fn a_global_flag_a_subcommand_does_not_read_is_refused() {
    // Issue 12: accepted and silently meaningless.
    fails_with_bad_input(&["check", "configs/smoke.toml", "--seed", "5"], "--seed means nothing to `terafab check`");
    fails_with_bad_input(&["config", "show", "--out", "x"], "which takes only --quiet");
    fails_with_bad_input(&["bench", "--out", "x"], "--out means nothing to `terafab bench`");
    fails_with_bad_input(
        &["simulate", "--policy", "balanced", "--backend", "gpu"],
        "--backend means nothing to `terafab simulate`, which takes --out and --quiet",
    );
    terafab().args(["check", "configs/smoke.toml", "--quiet"]).assert().success();
}

#[test]
fn quiet_means_no_driver_noise_either() {
    // Issue 12: Mesa's device-select layer printed an XDG_RUNTIME_DIR line even with -q.
    if terafab::gpu::adapter::list_adapters().is_empty() {
        eprintln!("SKIPPED: no GPU adapter ({})", terafab::gpu::adapter::INSTALL_HINT);
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    terafab()
        .env_remove("NODEVICE_SELECT")
        .env_remove("XDG_RUNTIME_DIR")
        .args(["evaluate", "configs/smoke.toml", "--sample", "3", "--backend", "gpu", "-q", "--out"])
        .arg(dir.path())
        .assert()
        .success()
        .stderr(predicate::str::is_empty());
}

#[test]
fn an_output_folder_under_a_file_is_bad_input() {
    // Hostile review of the sweep: `--out a-file/sub` exited 1 where `--out a-file` exits 2.
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("a-file");
    std::fs::write(&file, "x").unwrap();
    let out = file.join("sub");
    fails_with_bad_input(
        &["simulate", "--policy", "balanced", "--out", out.to_str().unwrap()],
        "cannot create the folder",
    );
}

#[test]
fn with_the_retreat_charge_off_version_6_recosts_the_version_4_default_answer_bit_for_bit() {
    // Version 5's guards (the revenue cap, the learning floor, the gap above 0) change only
    // configs at the edge of the accepted ranges, and version 6 adds only the retreat
    // charge: with objective.retreat_months_per_doubling = 0 the default run's answer,
    // found and saved under version 4, re-costs to exactly its summary's best_cost. With
    // the default charge it costs far more: it holds its cash for 15 months (README).
    let saved: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string("docs/default-run-v4-diagonal/summary.json").unwrap()).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let default = std::fs::read_to_string("configs/terafab.toml").unwrap();
    let off = default.replace("retreat_months_per_doubling = 1.0 ", "retreat_months_per_doubling = 0.0 ");
    assert_ne!(off, default, "the default config states the charge");
    let recost = |config: &str, name: &str| -> serde_json::Value {
        let path = dir.path().join(format!("{name}.toml"));
        std::fs::write(&path, config).unwrap();
        let out = dir.path().join(name);
        terafab()
            .args(["simulate", "--policy", "docs/default-run-v4-diagonal/best_policy.toml", "--scenario", "all", "-q"])
            .arg(&path)
            .args(["--out", out.to_str().unwrap()])
            .assert()
            .success();
        serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap()).unwrap()
    };
    let now = recost(&off, "off");
    assert_eq!(now["aggregate_cost"].as_f64(), saved["best_cost"].as_f64(), "{}", now["aggregate_cost"]);
    assert_eq!(now["model_version"], terafab::model::MODEL_VERSION);
    assert_eq!(now["retreat_months"].as_f64(), Some(0.0));
    let charged = recost(&default, "on");
    let (on, was) = (charged["aggregate_cost"].as_f64().unwrap(), saved["best_cost"].as_f64().unwrap());
    assert!(on > was + 100.0, "the 15-month hold is charged: {on} against {was}");
    assert!(charged["retreat_months"].as_f64().unwrap() > 100.0, "{}", charged["retreat_months"]);
    // What the cost reads as is read without the charge: the uncharged cost, and its level.
    let before = charged["aggregate_cost_before_retreat"].as_f64().unwrap();
    assert!((before - was).abs() < 1e-9, "{before} against {was}");
    let mean_charge = charged["aggregate_retreat_months"].as_f64().unwrap();
    assert!((on - before - mean_charge).abs() < 1e-9, "the mean's charge is the mean charge: {mean_charge}");
    let level = charged["aggregate_headline"]["value"].as_f64().unwrap();
    assert!((level - 1000.0 * (-(was - 229.0) / 24.0).exp2()).abs() < 1e-6, "{level}");
    // Another aggregate: the worst of the scenarios' uncharged costs.
    let worst_off = recost(&off.replace("aggregate = \"mean\"", "aggregate = \"worst\""), "worst-off");
    let worst_on = recost(&default.replace("aggregate = \"mean\"", "aggregate = \"worst\""), "worst-on");
    let uncharged_worst = worst_off["aggregate_cost"].as_f64().unwrap();
    let read = worst_on["aggregate_cost_before_retreat"].as_f64().unwrap();
    assert!((read - uncharged_worst).abs() < 1e-9, "worst: {read} against {uncharged_worst}");
    assert!(worst_on["aggregate_cost"].as_f64().unwrap() > read + 100.0);
}
