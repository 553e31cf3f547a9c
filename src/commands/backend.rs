//! Choosing an evaluator: `--backend gpu|cpu|auto` (auto: the GPU when an adapter exists,
//! else the CPU, saying so in one line). It lives with the commands because it is the one
//! place that knows both backends; search and evaluation code see only `dyn Evaluator`.

use crate::cli::BadInput;
use crate::config::BackendChoice;
use crate::eval::cpu::{CpuEvaluator, Precision};
use crate::eval::{Evaluator, Problem};
use crate::gpu::GpuEvaluator;
use anyhow::Result;

/// Builds the evaluator the user asked for. `note` receives the one-line explanation when
/// `auto` falls back to the CPU.
pub fn make_evaluator(
    problem: Problem,
    choice: BackendChoice,
    adapter: Option<&str>,
    note: &mut dyn FnMut(String),
) -> Result<Box<dyn Evaluator>> {
    match choice {
        BackendChoice::Cpu if adapter.is_some() => {
            Err(BadInput("--adapter chooses a GPU adapter; it cannot be used with --backend cpu".into()).into())
        }
        BackendChoice::Cpu => Ok(Box::new(CpuEvaluator::new(problem, Precision::F64))),
        BackendChoice::Gpu => Ok(Box::new(GpuEvaluator::new(problem, adapter)?)),
        BackendChoice::Auto => match GpuEvaluator::new(problem.clone(), adapter) {
            Ok(g) => Ok(Box::new(g)),
            Err(e) => {
                note(format!("backend auto: no usable GPU ({}); using the CPU", first_line(&format!("{e:#}"))));
                Ok(Box::new(CpuEvaluator::new(problem, Precision::F64)))
            }
        },
    }
}

fn first_line(s: &str) -> &str {
    s.lines().next().unwrap_or(s)
}
