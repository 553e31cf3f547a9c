//! argmin checkpointing that survives SIGKILL at any instant: the solver and its state
//! (RNG included) are serialised with postcard and written to a temporary file that is
//! renamed over the previous checkpoint, so a checkpoint on disk is always whole.

use crate::report::write_atomic;
use argmin::core::Error;
use argmin::core::checkpointing::{Checkpoint, CheckpointingFrequency};
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::path::PathBuf;

#[derive(Debug, Clone)]
pub struct AtomicCheckpoint {
    path: PathBuf,
    every: u64,
}

impl AtomicCheckpoint {
    /// Saves to `path` every `every` iterations.
    pub fn new(path: PathBuf, every: u64) -> Self {
        AtomicCheckpoint { path, every: every.max(1) }
    }
}

/// Serialises a value to bytes (exact floats, infinities included).
pub fn to_bytes<T: Serialize>(value: &T) -> anyhow::Result<Vec<u8>> {
    Ok(postcard::to_stdvec(value)?)
}

/// Reads what [`to_bytes`] wrote; `what` names the file in errors.
pub fn from_bytes<T: DeserializeOwned>(bytes: &[u8], what: &str) -> anyhow::Result<T> {
    postcard::from_bytes(bytes).map_err(|e| {
        anyhow::anyhow!("{what}: not a checkpoint of this terafab version ({e}); start a new run without --resume")
    })
}

impl<S: Serialize + DeserializeOwned, I: Serialize + DeserializeOwned> Checkpoint<S, I> for AtomicCheckpoint {
    fn save(&self, solver: &S, state: &I) -> Result<(), Error> {
        write_atomic(&self.path, &to_bytes(&(solver, state))?)?;
        Ok(())
    }

    fn load(&self) -> Result<Option<(S, I)>, Error> {
        match std::fs::read(&self.path) {
            Ok(bytes) => Ok(Some(from_bytes(&bytes, &self.path.display().to_string())?)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(anyhow::anyhow!("cannot read the checkpoint {}: {e}", self.path.display())),
        }
    }

    fn frequency(&self) -> CheckpointingFrequency {
        CheckpointingFrequency::Every(self.every)
    }
}
