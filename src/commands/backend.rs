//! Choosing an evaluator: `--backend gpu|cpu|auto` (auto: the GPU when an adapter exists,
//! else the CPU, saying so in one line).

use super::cpu::{CpuEvaluator, Precision};
use super::{Evaluator, Problem};
use crate::config::BackendChoice;
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
        BackendChoice::Cpu => Ok(Box::new(CpuEvaluator::new(problem, Precision::F64))),
        BackendChoice::Gpu => Ok(Box::new(crate::gpu::GpuEvaluator::new(problem, adapter)?)),
        BackendChoice::Auto => match crate::gpu::GpuEvaluator::new(problem.clone(), adapter) {
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
