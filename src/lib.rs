//! terafab: a GPU-accelerated optimizer for the compute-substrate loop (chip design ->
//! masks -> fabrication -> test -> redesign, with AI compute fed back into design, and
//! power on Earth and in space). See README.md and docs/model.md.
//!
//! Dependencies point one way: `cli`/`commands` -> `config`, `eval`, `gpu`, `report`;
//! `gpu` -> `eval` (it implements the evaluator seam), `model`; `eval` -> `model`;
//! `model` -> nothing of ours. Only `commands::backend` knows both backends.

pub mod cli;
pub mod commands;
pub mod config;
pub mod eval;
pub mod gpu;
pub mod model;
pub mod report;
pub mod search;
