//! A solver wrapper that makes any argmin solver honour the run's budgets and remember
//! what it found: evaluations used (stopping before an iteration could overrun the
//! budget), the wall-clock deadline, the best point seen and the convergence history.
//! It is serialised with the solver, so a checkpoint carries all of it.

use super::cost::SeamCost;
use super::{Best, offer};
use argmin::core::{Error, KV, Problem, Solver, State, TerminationReason, TerminationStatus};
use serde::{Deserialize, Serialize};

/// One point of the convergence history: evaluations so far (whole run) and best cost.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ConvergencePoint {
    pub evals: u64,
    pub best: f64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Tracked<S> {
    pub inner: S,
    /// Evaluations of the whole run before this stage began.
    pub evals_before: u64,
    /// Evaluations in this stage.
    pub evals: u64,
    pub eval_seconds: f64,
    /// Most evaluations this stage may use.
    pub budget: u64,
    /// Most evaluations one iteration of `inner` can take.
    pub per_iteration: u64,
    /// Best (cost, point) of this stage.
    pub best: Best,
    pub history: Vec<ConvergencePoint>,
    /// Set when an iteration ends past the run's deadline.
    pub out_of_time: bool,
}

impl<S> Tracked<S> {
    pub fn new(inner: S, evals_before: u64, budget: u64, per_iteration: u64) -> Self {
        Tracked {
            inner,
            evals_before,
            evals: 0,
            eval_seconds: 0.0,
            budget,
            per_iteration,
            best: None,
            history: Vec::new(),
            out_of_time: false,
        }
    }

    /// Folds in what the cost function saw, records history, reports progress.
    fn absorb(&mut self, cost: &SeamCost<'_>) {
        let seen = cost.take();
        self.evals += seen.evals;
        self.eval_seconds += seen.eval_seconds;
        if let Some((c, x)) = seen.best {
            offer(&mut self.best, c, &x);
        }
        if let Some((b, _)) = &self.best {
            self.history.push(ConvergencePoint { evals: self.evals_before + self.evals, best: *b });
            cost.report(self.evals_before + self.evals, *b);
        }
        self.out_of_time = cost.past_deadline();
    }
}

fn seam<'p, 'a>(problem: &'p Problem<SeamCost<'a>>) -> Result<&'p SeamCost<'a>, Error> {
    problem.problem.as_ref().ok_or_else(|| anyhow::anyhow!("the cost function is missing from the argmin problem"))
}

impl<'a, S, I> Solver<SeamCost<'a>, I> for Tracked<S>
where
    S: Solver<SeamCost<'a>, I>,
    I: State,
{
    fn name(&self) -> &str {
        self.inner.name()
    }

    fn init(&mut self, problem: &mut Problem<SeamCost<'a>>, state: I) -> Result<(I, Option<KV>), Error> {
        let r = self.inner.init(problem, state)?;
        self.absorb(seam(problem)?);
        Ok(r)
    }

    fn next_iter(&mut self, problem: &mut Problem<SeamCost<'a>>, state: I) -> Result<(I, Option<KV>), Error> {
        let r = self.inner.next_iter(problem, state)?;
        self.absorb(seam(problem)?);
        Ok(r)
    }

    fn terminate(&mut self, state: &I) -> TerminationStatus {
        if self.out_of_time {
            return TerminationStatus::Terminated(TerminationReason::Timeout);
        }
        if self.evals + self.per_iteration > self.budget {
            return TerminationStatus::Terminated(TerminationReason::SolverExit("evaluation budget spent".into()));
        }
        self.inner.terminate(state)
    }
}
