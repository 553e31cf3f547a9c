//! terafab: a GPU-accelerated optimizer for the compute-substrate loop (chip design ->
//! masks -> fabrication -> test -> redesign, with AI compute fed back into design, and
//! power on Earth and in space). See README.md and docs/model.md.
//!
//! Dependencies point one way: `cli`/`commands` -> `report` -> `search` -> `eval` ->
//! `model`; `config` -> `model` (it validates into model types), and the layers above
//! read `config`; `gpu` -> `eval` (it implements the evaluator seam), `model`. `model`
//! uses only `config::suggest` (spelling hints in policy-file errors). Only
//! `commands::backend` knows both backends; `search` never names wgpu.

pub mod cli;
pub mod commands;
pub mod config;
pub mod eval;
pub mod gpu;
pub mod model;
pub mod report;
pub mod search;
