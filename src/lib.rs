//! terafab: a GPU-accelerated optimizer for the compute-substrate loop (chip design ->
//! masks -> fabrication -> test -> redesign, with AI compute fed back into design, and
//! power on Earth and in space). See README.md and docs/model.md.
//!
//! Dependencies point one way: `cli` -> `commands` -> `report` -> `search` -> `eval` ->
//! `model`; `config` -> `model` (it validates into model types), and the layers above
//! read `config`; `gpu` -> `eval` (it implements the evaluator seam), `model`. `flags`
//! (the subcommands' clap arguments) is read by `cli` and `commands`, so `commands` never
//! imports `cli`. `model` depends on nothing of ours but `spelling` (hints in policy-file
//! errors), which depends on nothing; nor do `input` (the bad-input error, bounded file
//! reads) and `atomic` (atomic output files), which every layer may use. Only
//! `commands::backend` knows both backends; `search` never names wgpu.

pub mod atomic;
pub mod cli;
pub mod commands;
pub mod config;
pub mod eval;
pub mod flags;
pub mod gpu;
pub mod input;
pub mod model;
pub mod report;
pub mod search;
pub mod spelling;
pub mod sweep;
