//! Subcommands that do more than a few calls: one file each.

pub mod evaluate;
