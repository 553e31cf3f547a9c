//! `terafab sweep slurm --submit` on a real single-node Slurm (scripts/slurm-local starts
//! munged, slurmctld and slurmd in a temporary folder): the array tasks run the shards,
//! the dependent collect job merges them, and points.csv equals a local run's. With
//! CI=true a Slurm that cannot start is a failure; elsewhere the test says it skipped.

mod common;

use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};

fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true")
}

/// Stops the daemons however the test ends.
struct Slurm {
    dir: PathBuf,
}

impl Drop for Slurm {
    fn drop(&mut self) {
        let _ = Command::new("bash").arg("scripts/slurm-local").arg("stop").arg(&self.dir).status();
    }
}

fn skip_or_fail(why: &str) {
    assert!(!in_ci(), "CI=true and Slurm cannot run here: {why}");
    eprintln!("SKIPPED: {why} (scripts/test installs Slurm; this test needs root to start slurmd)");
}

#[test]
fn a_sweep_submitted_to_slurm_collects_the_points_of_a_local_run() {
    let have = ["slurmctld", "slurmd", "sbatch", "munged"].iter().all(|b| {
        Command::new("sh").arg("-c").arg(format!("command -v {b}")).output().is_ok_and(|o| o.status.success())
    });
    if !have {
        return skip_or_fail("Slurm (slurmctld, slurmd, sbatch, munged) is not installed");
    }
    let root = Command::new("id").arg("-u").output().is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0");
    if !root {
        return skip_or_fail("not root");
    }
    let tmp = tempfile::tempdir().unwrap();
    // slurmctld runs as the slurm user, which must pass through the 0700 temp folder.
    std::fs::set_permissions(tmp.path(), std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    let cluster = tmp.path().join("cluster");
    let started = Command::new("bash").arg("scripts/slurm-local").arg("start").arg(&cluster).output().unwrap();
    let _guard = Slurm { dir: cluster.clone() };
    assert!(started.status.success(), "Slurm did not start: {}", String::from_utf8_lossy(&started.stderr));
    let conf = cluster.join("slurm.conf");

    let file = tmp.path().join("sweep.toml");
    std::fs::write(
        &file,
        "design = \"grid\"\nseed = 9\n[point]\naction = \"optimize\"\nbudget = 2000\nseeds_per_point = 2\n[set]\n\
         \"scenarios.count\" = 2\n\"search.compare_random\" = false\n\"search.polish_evals\" = 100\n\"search.population\" = 32\n\
         [[vary]]\nkey = \"demand.rental_trend_per_year\"\nvalues = [-0.1, 0.0]\n",
    )
    .unwrap();
    let bin = assert_cmd::cargo::cargo_bin("terafab");
    let out = tmp.path().join("on-slurm");
    let submit = Command::new(&bin)
        .args(["sweep", "slurm", file.to_str().unwrap(), "--out", out.to_str().unwrap(), "--backend", "cpu"])
        .args(["--array-limit", "2", "--submit"])
        .env("SLURM_CONF", &conf)
        .output()
        .unwrap();
    let said = String::from_utf8_lossy(&submit.stdout).to_string();
    assert!(submit.status.success(), "{said}{}", String::from_utf8_lossy(&submit.stderr));
    let collect_id = said.split_whitespace().last().unwrap().to_string();

    // Wait for every job (the four shards, then collect) to leave the queue.
    let t0 = Instant::now();
    loop {
        let q = Command::new("squeue").args(["-h", "-o", "%i %T"]).env("SLURM_CONF", &conf).output().unwrap();
        if q.status.success() && q.stdout.is_empty() {
            break;
        }
        assert!(
            t0.elapsed() < Duration::from_secs(300),
            "jobs still queued after 300 s:\n{}",
            String::from_utf8_lossy(&q.stdout)
        );
        std::thread::sleep(Duration::from_millis(500));
    }
    let job = Command::new("scontrol").args(["show", "job", &collect_id]).env("SLURM_CONF", &conf).output().unwrap();
    let job = String::from_utf8_lossy(&job.stdout);
    let logs = std::fs::read_dir(out.join("slurm/logs"))
        .map(|d| {
            d.flatten().map(|e| std::fs::read_to_string(e.path()).unwrap_or_default()).collect::<Vec<_>>().join("\n")
        })
        .unwrap_or_default();
    assert!(job.contains("JobState=COMPLETED"), "the collect job did not complete:\n{job}\nlogs:\n{logs}");

    let local = tmp.path().join("local");
    let ran = Command::new(&bin)
        .args(["sweep", file.to_str().unwrap(), "--out", local.to_str().unwrap(), "--backend", "cpu", "-q"])
        .status()
        .unwrap();
    assert!(ran.success());
    assert_eq!(common::points_without_wall_time(&out), common::points_without_wall_time(&local));
}
