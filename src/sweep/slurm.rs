//! Slurm batch scripts for a sweep: array jobs whose tasks each run one shard, split into
//! several arrays where the shards outnumber Slurm's default MaxArraySize (1001), and a
//! collect job that runs after all of them (`afterany`: it says which points are missing
//! if a task failed). `submit.sh` submits them in order.

use std::fmt::Write as _;
use std::path::Path;

/// Shards per array: below Slurm's default MaxArraySize of 1001 (indices 0 to 1000).
pub const MAX_ARRAY_TASKS: usize = 1000;

/// What the scripts need.
#[derive(Debug, Clone)]
pub struct SlurmPlan<'a> {
    pub terafab: &'a Path,
    pub sweep_file: &'a Path,
    pub out: &'a Path,
    pub shards: usize,
    pub partition: Option<&'a str>,
    pub gpus_per_task: Option<u32>,
    /// At most this many tasks of an array at once (`%K`).
    pub array_limit: Option<usize>,
    /// Extra flags for every terafab call (e.g. `--backend cpu`).
    pub flags: &'a str,
}

/// Single-quotes `s` for the shell.
pub fn quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

/// The `#SBATCH` block. Log paths are relative to the job's working folder (`submit.sh`
/// submits from the scripts' folder): `#SBATCH` lines are not shell, so a path with a
/// space, a quote or a `%` of its own could not be written there safely.
fn header(s: &mut String, plan: &SlurmPlan, name: &str, log: &str, gpus: bool) {
    let _ = writeln!(s, "#!/bin/bash");
    let _ = writeln!(s, "#SBATCH --job-name={name}");
    let _ = writeln!(s, "#SBATCH --output={log}");
    let _ = writeln!(s, "#SBATCH --ntasks=1");
    if let Some(p) = plan.partition {
        let _ = writeln!(s, "#SBATCH --partition={p}");
    }
    if let Some(g) = plan.gpus_per_task.filter(|_| gpus) {
        let _ = writeln!(s, "#SBATCH --gpus-per-task={g}");
    }
}

/// Whether `name` can stand in an `#SBATCH` line as a partition name.
pub fn plain_name(name: &str) -> bool {
    !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || "_-.,".contains(c))
}

/// Ends the `#SBATCH` block: Slurm reads directives only before the first command.
fn body(s: &mut String) {
    let _ = writeln!(s, "set -euo pipefail");
}

/// The scripts, as (file name, text): `array-J.sbatch` for each array, `collect.sbatch`
/// and `submit.sh`.
pub fn scripts(plan: &SlurmPlan) -> Vec<(String, String)> {
    let (bin, sweep, out) = (
        quote(&plan.terafab.display().to_string()),
        quote(&plan.sweep_file.display().to_string()),
        quote(&plan.out.display().to_string()),
    );
    let mut files = Vec::new();
    let arrays = plan.shards.div_ceil(MAX_ARRAY_TASKS);
    for j in 0..arrays {
        let offset = j * MAX_ARRAY_TASKS;
        let tasks = (plan.shards - offset).min(MAX_ARRAY_TASKS);
        let mut s = String::new();
        header(&mut s, plan, &format!("terafab-sweep-{j}"), &format!("logs/array-{j}-%a.out"), true);
        let limit = plan.array_limit.map_or(String::new(), |k| format!("%{k}"));
        let _ = writeln!(s, "#SBATCH --array=0-{}{limit}", tasks - 1);
        body(&mut s);
        let _ = writeln!(s, "# Shards {offset} to {} of {}.", offset + tasks - 1, plan.shards);
        let _ = writeln!(
            s,
            "exec {bin} sweep {sweep} --out {out} --shard \"$(({offset} + SLURM_ARRAY_TASK_ID))/{}\" {}",
            plan.shards, plan.flags
        );
        files.push((format!("array-{j}.sbatch"), s));
    }
    let mut c = String::new();
    header(&mut c, plan, "terafab-sweep-collect", "logs/collect.out", false);
    body(&mut c);
    let _ = writeln!(c, "exec {bin} sweep collect {out}");
    files.push(("collect.sbatch".into(), c));
    let mut sub = String::new();
    let _ = writeln!(sub, "#!/bin/bash");
    let _ = writeln!(sub, "# Submits the sweep's arrays, then the collect job after all of them. Prints the job ids.");
    let _ = writeln!(sub, "set -euo pipefail");
    let _ = writeln!(sub, "cd \"$(dirname \"$0\")\"");
    let _ = writeln!(sub, "mkdir -p logs");
    let _ = writeln!(sub, "ids=()");
    for j in 0..arrays {
        let _ = writeln!(sub, "ids+=(\"$(sbatch --parsable array-{j}.sbatch | cut -d';' -f1)\")");
    }
    let _ = writeln!(sub, "dep=$(IFS=:; echo \"${{ids[*]}}\")");
    let _ = writeln!(sub, "collect=$(sbatch --parsable --dependency=afterany:\"$dep\" collect.sbatch | cut -d';' -f1)");
    let _ = writeln!(sub, "echo \"arrays ${{ids[*]}} collect $collect\"");
    files.push(("submit.sh".into(), sub));
    files
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan(shards: usize) -> Vec<(String, String)> {
        scripts(&SlurmPlan {
            terafab: Path::new("/opt/terafab"),
            sweep_file: Path::new("/w/s.toml"),
            out: Path::new("/w/it's out"),
            shards,
            partition: Some("gpu"),
            gpus_per_task: Some(1),
            array_limit: Some(8),
            flags: "--backend gpu",
        })
    }

    #[test]
    fn shards_beyond_max_array_size_split_into_arrays_that_cover_every_shard_once() {
        let files = plan(2500);
        let arrays: Vec<&(String, String)> = files.iter().filter(|f| f.0.starts_with("array-")).collect();
        assert_eq!(arrays.len(), 3);
        assert!(
            arrays[0].1.contains("#SBATCH --array=0-999%8")
                && arrays[0].1.contains("$((0 + SLURM_ARRAY_TASK_ID))/2500")
        );
        assert!(
            arrays[2].1.contains("#SBATCH --array=0-499%8")
                && arrays[2].1.contains("$((2000 + SLURM_ARRAY_TASK_ID))/2500")
        );
        assert!(arrays[0].1.contains("#SBATCH --partition=gpu") && arrays[0].1.contains("--gpus-per-task=1"));
        assert!(arrays[0].1.contains("#SBATCH --output=logs/array-0-%a.out"));
        let collect = &files.iter().find(|f| f.0 == "collect.sbatch").unwrap().1;
        assert!(!collect.contains("--gpus-per-task"), "collect needs no GPU:\n{collect}");
        assert!(plain_name("gpu-a100,debug") && !plain_name("gpu a") && !plain_name("x'y") && !plain_name(""));
        let submit = &files.iter().find(|f| f.0 == "submit.sh").unwrap().1;
        assert_eq!(submit.matches("sbatch --parsable array-").count(), 3);
        assert!(submit.contains("--dependency=afterany:"));
        // Every directive comes before the first command, or Slurm ignores it.
        for (_, text) in &files {
            let first_command = text.lines().position(|l| !l.starts_with('#')).unwrap();
            assert!(text.lines().skip(first_command).all(|l| !l.starts_with("#SBATCH")), "{text}");
        }
        // A quote in a path survives the shell.
        assert!(arrays[0].1.contains(r"'/w/it'\''s out'"));
    }

    #[test]
    fn one_shard_is_one_task() {
        let files = plan(1);
        assert!(files[0].1.contains("#SBATCH --array=0-0%8"));
    }
}
