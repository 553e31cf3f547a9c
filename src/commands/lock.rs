//! One writer per run folder: an advisory lock on `DIR/.terafab.lock` that `optimize`,
//! `simulate`, `evaluate` and `sweep` hold while they write there, and no writer in a
//! folder that holds another kind of run. The OS releases it when the
//! process ends, however it ends (a SIGKILL included), so a stale lock never blocks; the
//! next writer removes the temporary files a killed one left.

use crate::input::BadInput;
use anyhow::{Context, Result};
use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Read, Seek, Write};
use std::path::Path;

/// The lock file's name inside a run folder.
pub const LOCK_FILE: &str = ".terafab.lock";

/// Held while this process writes a run folder; dropping it (or exiting) releases it.
#[derive(Debug)]
pub struct RunLock {
    _file: File,
}

/// Which command writes: each writes only into a folder that is new or holds its own kind
/// of run (`another_kind_of_run`), so none replaces another's outputs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Writer {
    Optimize,
    Simulate,
    Evaluate,
    /// A sweep's folder (or one shard's folder inside it).
    Sweep,
}

impl Writer {
    fn name(self) -> &'static str {
        match self {
            Writer::Optimize => "optimize",
            Writer::Simulate => "simulate",
            Writer::Evaluate => "evaluate",
            Writer::Sweep => "sweep",
        }
    }
}

/// Creates `dir` if needed and takes its lock, or says who holds it (exit 2).
pub fn lock_run_folder(dir: &Path, writer: Writer) -> Result<RunLock> {
    if dir.exists() && !dir.is_dir() {
        return Err(BadInput(format!("--out {}: is a file, not a folder", dir.display())).into());
    }
    // An output name taken by a folder (or a checkpoint folder taken by a file) would fail
    // only when the results are written, after the whole run: say so before it starts.
    for name in outputs_of(writer) {
        let path = dir.join(name);
        if path.symlink_metadata().is_ok_and(|m| !m.is_file()) {
            return Err(BadInput(format!(
                "--out {}: {} is not a regular file (a folder, link or device), and this run writes it; remove it \
                 or choose another folder",
                dir.display(),
                path.display()
            ))
            .into());
        }
    }
    let checkpoint = dir.join("checkpoint");
    if writer == Writer::Optimize && checkpoint.symlink_metadata().is_ok_and(|m| !m.is_dir()) {
        return Err(BadInput(format!(
            "--out {}: {} is not a folder, and this run keeps its checkpoints there; remove it or choose another \
             folder",
            dir.display(),
            checkpoint.display()
        ))
        .into());
    }
    if let Some(why) = another_kind_of_run(dir, writer) {
        return Err(BadInput(format!("--out {}: {why}; choose another folder", dir.display())).into());
    }
    // A path through a file, or a folder the user may not write, is the user's to fix
    // (exit 2), like a file given as --out; other failures (a full disk) are not.
    if let Err(e) = std::fs::create_dir_all(dir) {
        use std::io::ErrorKind::{AlreadyExists, NotADirectory, PermissionDenied, ReadOnlyFilesystem};
        return Err(if matches!(e.kind(), NotADirectory | AlreadyExists | PermissionDenied | ReadOnlyFilesystem) {
            BadInput(format!("--out {}: cannot create the folder ({e})", dir.display())).into()
        } else {
            anyhow::Error::new(e).context(format!("cannot create the run folder {}", dir.display()))
        });
    }
    let path = dir.join(LOCK_FILE);
    // Never follow a link or open a device in the user's name: the lock is a plain file.
    if let Ok(meta) = std::fs::symlink_metadata(&path)
        && !meta.file_type().is_file()
    {
        return Err(BadInput(format!(
            "--out {}: {} is not a regular file (a link, folder or device); remove it",
            dir.display(),
            path.display()
        ))
        .into());
    }
    let mut file = OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(&path)
        .with_context(|| format!("cannot open the lock file {}", path.display()))?;
    match file.try_lock() {
        Ok(()) => {}
        Err(TryLockError::WouldBlock) => {
            let mut holder = String::new();
            let _ = file.read_to_string(&mut holder);
            let holder = holder.trim();
            let holder = if holder.is_empty() { "another terafab process" } else { holder };
            return Err(BadInput(format!(
                "--out {}: {holder} is writing this folder; wait for it to finish, or choose another folder",
                dir.display()
            ))
            .into());
        }
        // Some cluster filesystems refuse flock: say so once and go on without the lock
        // (DECISIONS.md, "Locks and shards").
        Err(TryLockError::Error(e)) => {
            eprintln!(
                "warning: {} cannot be locked on this filesystem ({e}); nothing stops a second writer in this folder",
                path.display()
            );
        }
    }
    // Holding the lock, nobody else writes here: temporary files are what a killed or
    // failed run left behind.
    for folder in [dir.to_path_buf(), dir.join("checkpoint")] {
        if let Ok(entries) = std::fs::read_dir(&folder) {
            for e in entries.flatten() {
                if e.file_name().to_string_lossy().starts_with(crate::atomic::TEMP_PREFIX) {
                    let _ = std::fs::remove_file(e.path());
                }
            }
        }
    }
    // Who holds it, for the message a second writer gets.
    file.set_len(0)?;
    file.rewind()?;
    write!(file, "terafab {} (pid {})", writer.name(), std::process::id())?;
    file.flush()?;
    Ok(RunLock { _file: file })
}

/// The files each kind of writer puts in its folder (besides the lock and temp files).
fn outputs_of(writer: Writer) -> &'static [&'static str] {
    match writer {
        Writer::Optimize => &[
            "run.json",
            "report.md",
            "summary.json",
            "best_policy.toml",
            "trajectory.csv",
            "convergence.csv",
            "config.toml",
        ],
        Writer::Simulate => &["summary.json", "trajectory.csv"],
        Writer::Evaluate => &["policies.csv", "costs.csv"],
        Writer::Sweep => &["sweep.json", "points.csv", "report.md"],
    }
}

/// Why `writer` must not write into `dir`: the folder holds another kind of run, or files
/// of the names `writer` would replace that no terafab run of its kind made. A folder
/// holding `writer`'s own kind of run is fine (optimize resumes or refuses there itself;
/// simulate and evaluate replace their own outputs, as running them again means).
fn another_kind_of_run(dir: &Path, writer: Writer) -> Option<String> {
    let has = |name: &str| dir.join(name).exists();
    let kind = if has("run.json") {
        Some(Writer::Optimize)
    } else if has("sweep.json") || has("shards") {
        Some(Writer::Sweep)
    } else {
        // simulate and evaluate leave no manifest: the lock file names its last writer. It
        // is read only when it is a plain file, and only its first bytes (a link to a FIFO
        // or /dev/zero must not block or fill memory; `lock_run_folder` refuses it next).
        let lock = dir.join(LOCK_FILE);
        let plain = std::fs::symlink_metadata(&lock).is_ok_and(|m| m.file_type().is_file());
        let holder = plain.then(|| crate::input::read_bounded(&lock, 4096).ok()).flatten().unwrap_or_default();
        let holder = String::from_utf8_lossy(&holder);
        [Writer::Optimize, Writer::Simulate, Writer::Evaluate, Writer::Sweep]
            .into_iter()
            .find(|w| holder.starts_with(&format!("terafab {} ", w.name())))
            // A lock taken by a run that failed before writing anything holds no run.
            .filter(|w| outputs_of(*w).iter().any(|f| has(f)))
    };
    let clash = outputs_of(writer).iter().copied().filter(|f| has(f)).collect::<Vec<_>>().join(", ");
    let (me, them) = (writer.name(), kind.map(Writer::name).unwrap_or_default());
    match kind {
        Some(k) if k == writer => None,
        Some(_) if clash.is_empty() => Some(format!("holds a `terafab {them}` run, not a `{me}` one")),
        Some(_) => Some(format!("holds a `terafab {them}` run, whose {clash} `{me}` would replace")),
        // Files of our output names that no terafab run made (the user's own).
        None if clash.is_empty() || has(LOCK_FILE) => None,
        None => Some(format!(
            "holds {clash} with no {LOCK_FILE} marking them as a terafab run's (the user's own, or copied without \
             dot-files), which `{me}` would replace; move them"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_writer_is_refused_until_the_first_lets_go() {
        let dir = tempfile::tempdir().unwrap();
        let first = lock_run_folder(dir.path(), Writer::Optimize).unwrap();
        let e = lock_run_folder(dir.path(), Writer::Optimize).unwrap_err();
        assert!(e.downcast_ref::<BadInput>().is_some(), "{e:#}");
        assert!(format!("{e:#}").contains("terafab optimize (pid"), "{e:#}");
        drop(first);
        lock_run_folder(dir.path(), Writer::Optimize).unwrap();
    }

    #[test]
    fn temporary_files_a_killed_run_left_are_removed_by_the_next_writer() {
        let dir = tempfile::tempdir().unwrap();
        let left = dir.path().join(format!("{}abc123", crate::atomic::TEMP_PREFIX));
        std::fs::write(&left, "half a summary").unwrap();
        std::fs::create_dir(dir.path().join("checkpoint")).unwrap();
        let left_in_checkpoint = dir.path().join("checkpoint").join(format!("{}x", crate::atomic::TEMP_PREFIX));
        std::fs::write(&left_in_checkpoint, "half a checkpoint").unwrap();
        std::fs::write(dir.path().join("summary.json"), "{}").unwrap();
        // The killed run's lock file, naming it.
        std::fs::write(dir.path().join(LOCK_FILE), "terafab optimize (pid 1)").unwrap();
        let _lock = lock_run_folder(dir.path(), Writer::Optimize).unwrap();
        assert!(!left.exists() && !left_in_checkpoint.exists());
        assert!(dir.path().join("summary.json").exists());
    }

    #[cfg(unix)]
    #[test]
    fn a_lock_file_that_is_a_link_is_refused_and_its_target_left_alone() {
        // Issue 12 (hostile review): a symlinked .terafab.lock overwrote what it pointed to.
        let dir = tempfile::tempdir().unwrap();
        let victim = dir.path().join("victim.txt");
        std::fs::write(&victim, "precious").unwrap();
        let out = dir.path().join("run");
        std::fs::create_dir(&out).unwrap();
        std::os::unix::fs::symlink(&victim, out.join(LOCK_FILE)).unwrap();
        let e = lock_run_folder(&out, Writer::Simulate).unwrap_err();
        assert!(format!("{e:#}").contains("is not a regular file"), "{e:#}");
        assert_eq!(std::fs::read_to_string(&victim).unwrap(), "precious");
        let file = dir.path().join("afile");
        std::fs::write(&file, "x").unwrap();
        assert!(refusal(&file, Writer::Simulate).contains("is a file, not a folder"));
    }

    #[test]
    fn simulate_and_evaluate_leave_an_optimize_run_alone() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("run.json"), "{}").unwrap();
        for w in [Writer::Simulate, Writer::Evaluate] {
            let e = lock_run_folder(dir.path(), w).unwrap_err();
            assert!(format!("{e:#}").contains("holds a `terafab optimize` run"), "{e:#}");
        }
        lock_run_folder(dir.path(), Writer::Optimize).unwrap();
    }

    #[test]
    fn a_lock_file_linked_to_a_fifo_is_refused_without_reading_it() {
        // Review: the kind of run was read from the lock file before its type was checked,
        // so a link to a FIFO blocked and one to /dev/zero filled memory.
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("fifo");
        assert!(std::process::Command::new("mkfifo").arg(&fifo).status().unwrap().success());
        std::os::unix::fs::symlink(&fifo, dir.path().join(LOCK_FILE)).unwrap();
        let e = refusal(dir.path(), Writer::Simulate);
        assert!(e.contains("is not a regular file"), "{e}");
        let zero = tempfile::tempdir().unwrap();
        std::os::unix::fs::symlink("/dev/zero", zero.path().join(LOCK_FILE)).unwrap();
        assert!(lock_run_folder(zero.path(), Writer::Evaluate).is_err());
    }

    /// The refusal `writer` gets in `dir`, as the user reads it.
    fn refusal(dir: &Path, writer: Writer) -> String {
        format!("{:#}", lock_run_folder(dir, writer).unwrap_err())
    }

    /// A fresh folder holding one file `name` with `text`.
    fn folder_with(name: &str, text: &str) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(name), text).unwrap();
        dir
    }

    #[test]
    fn no_writer_replaces_another_kind_of_run_or_the_users_own_files() {
        // A simulate folder: optimize would replace its summary.json; evaluate may not mix in.
        let sim = tempfile::tempdir().unwrap();
        drop(lock_run_folder(sim.path(), Writer::Simulate).unwrap());
        std::fs::write(sim.path().join("summary.json"), "{}").unwrap();
        let e = refusal(sim.path(), Writer::Optimize);
        assert!(e.contains("holds a `terafab simulate` run, whose summary.json `optimize` would replace"), "{e}");
        assert!(refusal(sim.path(), Writer::Evaluate).contains("simulate"));
        // Running simulate again there replaces its own outputs, as it means to.
        drop(lock_run_folder(sim.path(), Writer::Simulate).unwrap());
        // A sweep folder.
        let sweep = folder_with("sweep.json", "{}");
        let e = refusal(sweep.path(), Writer::Evaluate);
        assert!(e.contains("holds a `terafab sweep` run"), "{e}");
        // The user's own report.md, never written by terafab.
        let own = folder_with("report.md", "my notes");
        let e = refusal(own.path(), Writer::Optimize);
        assert!(e.contains("holds report.md with no .terafab.lock marking them"), "{e}");
        assert_eq!(std::fs::read_to_string(own.path().join("report.md")).unwrap(), "my notes");
        // An output name taken by a folder is refused before the run, not after it.
        let taken = tempfile::tempdir().unwrap();
        std::fs::create_dir(taken.path().join("summary.json")).unwrap();
        let e = refusal(taken.path(), Writer::Simulate);
        assert!(e.contains("summary.json is not a regular file"), "{e}");
        let taken = folder_with("checkpoint", "x");
        let e = refusal(taken.path(), Writer::Optimize);
        assert!(e.contains("checkpoint is not a folder"), "{e}");
        // Other files are the user's business.
        let other = folder_with("notes.txt", "x");
        drop(lock_run_folder(other.path(), Writer::Optimize).unwrap());
    }
}
