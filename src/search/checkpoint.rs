//! argmin checkpointing that survives SIGKILL at any instant: the solver and its state
//! (RNG included) are serialised with postcard and written to a temporary file that is
//! renamed over the previous checkpoint, so a checkpoint on disk is always whole. Every
//! checkpoint file carries a header (magic, format version) and a SHA-256 over the run's
//! identity (its run.json checksum) and its contents, so a damaged or edited file, or one
//! copied from another run, is refused by name, never resumed from.

use crate::atomic::write_atomic;
use crate::input::BadInput;
use argmin::core::Error;
use argmin::core::checkpointing::{Checkpoint, CheckpointingFrequency};
use serde::Serialize;
use serde::de::DeserializeOwned;
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};

/// What ties a checkpoint to its run: 32 bytes (the run manifest's SHA-256).
pub type RunId = [u8; 32];

#[derive(Debug, Clone)]
pub struct AtomicCheckpoint {
    path: PathBuf,
    every: u64,
    run: RunId,
}

impl AtomicCheckpoint {
    /// Saves to `path` every `every` iterations, bound to run `run`.
    pub fn new(path: PathBuf, every: u64, run: RunId) -> Self {
        AtomicCheckpoint { path, every: every.max(1), run }
    }
}

fn digest(run: &RunId, payload: &[u8]) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(run);
    h.update(payload);
    h.finalize().into()
}

/// The first bytes of every checkpoint file.
const MAGIC: &[u8; 8] = b"terafab\0";
/// The checkpoint format: the header below, then a postcard payload. 3: the plan and
/// CMA-ES's state carry the covariance choice and elitism (2026-12-01).
const FORMAT_VERSION: u32 = 3;
/// Magic, format version (u32, little-endian), SHA-256 of the payload.
const HEADER_LEN: usize = 8 + 4 + 32;

/// Serialises a value to bytes (exact floats, infinities included), behind the header.
pub fn to_bytes<T: Serialize>(value: &T, run: &RunId) -> anyhow::Result<Vec<u8>> {
    let payload = postcard::to_stdvec(value)?;
    let mut bytes = Vec::with_capacity(HEADER_LEN + payload.len());
    bytes.extend_from_slice(MAGIC);
    bytes.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
    bytes.extend_from_slice(&digest(run, &payload));
    bytes.extend_from_slice(&payload);
    Ok(bytes)
}

/// Reads what [`to_bytes`] wrote; `what` names the file in errors. A file that is not
/// whole and unchanged is bad input (exit 2), whatever is wrong with it.
pub fn from_bytes<T: DeserializeOwned>(bytes: &[u8], what: &str, run: &RunId) -> anyhow::Result<T> {
    let refuse = |why: &str| -> anyhow::Error {
        BadInput(format!(
            "{what}: {why}, so the run cannot resume from it; restore the file, or start a new run without --resume"
        ))
        .into()
    };
    if bytes.len() < HEADER_LEN || &bytes[..8] != MAGIC {
        return Err(refuse("not a terafab checkpoint (no header)"));
    }
    let version = u32::from_le_bytes(bytes[8..12].try_into().expect("4 bytes"));
    if version != FORMAT_VERSION {
        return Err(refuse(&format!("checkpoint format {version}, this terafab reads format {FORMAT_VERSION}")));
    }
    let payload = &bytes[HEADER_LEN..];
    if digest(run, payload).as_slice() != &bytes[12..HEADER_LEN] {
        return Err(refuse(
            "damaged, edited or from another run (its SHA-256 does not match this run and its contents)",
        ));
    }
    postcard::from_bytes(payload).map_err(|e| refuse(&format!("unreadable ({e})")))
}

/// Reads a checkpoint file: `None` when there is none yet.
pub fn read_checkpoint<T: DeserializeOwned>(path: &Path, run: &RunId) -> anyhow::Result<Option<T>> {
    if !path.exists() {
        return Ok(None);
    }
    let what = path.display().to_string();
    let bytes = crate::input::read_bounded(path, crate::input::MAX_STATE_FILE_BYTES)
        .map_err(|e| BadInput(format!("{what}: {e}; restore the file, or start a new run without --resume")))?;
    from_bytes(&bytes, &what, run).map(Some)
}

impl<S: Serialize + DeserializeOwned, I: Serialize + DeserializeOwned> Checkpoint<S, I> for AtomicCheckpoint {
    fn save(&self, solver: &S, state: &I) -> Result<(), Error> {
        write_atomic(&self.path, &to_bytes(&(solver, state), &self.run)?)?;
        Ok(())
    }

    fn load(&self) -> Result<Option<(S, I)>, Error> {
        read_checkpoint(&self.path, &self.run)
    }

    fn frequency(&self) -> CheckpointingFrequency {
        CheckpointingFrequency::Every(self.every)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_checkpoint_round_trips_and_any_damage_is_refused_as_bad_input() {
        let value = (vec![1.5f64, f64::INFINITY, -0.0], 42u64, String::from("state"));
        let run = [7u8; 32];
        let bytes = to_bytes(&value, &run).unwrap();
        let back: (Vec<f64>, u64, String) = from_bytes(&bytes, "x.bin", &run).unwrap();
        assert_eq!(back.0[1], f64::INFINITY);
        assert_eq!((back.1, back.2.as_str()), (42, "state"));
        let mut damaged = vec![vec![0u8; bytes.len()], bytes[..bytes.len() / 2].to_vec(), Vec::new()];
        for i in [0, 9, 20, HEADER_LEN, bytes.len() - 1] {
            let mut flipped = bytes.clone();
            flipped[i] ^= 0x10;
            damaged.push(flipped);
        }
        for d in damaged {
            let e = from_bytes::<(Vec<f64>, u64, String)>(&d, "x.bin", &run).unwrap_err();
            assert!(e.downcast_ref::<BadInput>().is_some(), "{e:#}");
            assert!(format!("{e:#}").starts_with("x.bin: "), "{e:#}");
        }
        // Whole and unchanged, but another run's: refused too.
        let e = from_bytes::<(Vec<f64>, u64, String)>(&bytes, "x.bin", &[8u8; 32]).unwrap_err();
        assert!(format!("{e:#}").contains("from another run"), "{e:#}");
    }
}
