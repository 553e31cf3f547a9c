//! Subcommands that do more than a few calls, one file each, and the choice of backend
//! they share.

pub mod backend;
pub mod bench;
pub mod evaluate;
pub mod lock;
pub mod optimize;
