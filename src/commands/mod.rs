//! Subcommands that do more than a few calls, one file each, and what they share: the
//! choice of backend, the set-up before a run, the run folder's lock.

pub mod backend;
pub mod bench;
pub mod evaluate;
pub mod lock;
pub mod optimize;
pub mod setup;
pub mod simulate;
pub mod sweep;
