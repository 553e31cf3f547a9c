//! What a run leaves behind: atomic files, trajectory CSV, summaries.

pub mod atomic;
pub mod summary;
pub mod trajectory;

pub use atomic::{AtomicFile, write_atomic};
