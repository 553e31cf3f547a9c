//! `--backend auto` once running: an evaluator that, when its device fails mid-run (lost,
//! out of memory, a kernel error), hands the failed call and the rest of the run to a
//! backup (the CPU) and says so in one line, instead of ending the run.

use super::{DeviceClass, Evaluator, Problem};
use anyhow::Result;

type MakeBackup = Box<dyn FnOnce() -> Box<dyn Evaluator> + Send>;

pub struct Fallback {
    current: Box<dyn Evaluator>,
    backup: Option<MakeBackup>,
    note: Box<dyn Fn(&str) + Send>,
}

impl std::fmt::Debug for Fallback {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Fallback").field("current", &self.current.describe()).finish_non_exhaustive()
    }
}

impl Fallback {
    /// `backup` is built only if `primary` fails; `note` hears the one-line explanation.
    pub fn new(primary: Box<dyn Evaluator>, backup: MakeBackup, note: Box<dyn Fn(&str) + Send>) -> Self {
        Fallback { current: primary, backup: Some(backup), note }
    }
    /// Whether the backup has taken over.
    pub fn failed_over(&self) -> bool {
        self.backup.is_none()
    }
}

impl Evaluator for Fallback {
    fn describe(&self) -> String {
        self.current.describe()
    }
    fn backend_name(&self) -> &'static str {
        self.current.backend_name()
    }
    fn device_name(&self) -> String {
        self.current.device_name()
    }
    fn device_class(&self) -> DeviceClass {
        self.current.device_class()
    }
    fn simd_path(&self) -> Option<super::simd::SimdPath> {
        self.current.simd_path()
    }
    fn problem(&self) -> &Problem {
        self.current.problem()
    }
    fn take_device_seconds(&mut self) -> Option<f64> {
        self.current.take_device_seconds()
    }
    fn trajectory_costs(&mut self, policies: &[f64], out: &mut [f64]) -> Result<()> {
        match self.current.trajectory_costs(policies, out) {
            Ok(()) => Ok(()),
            Err(e) => {
                let Some(make) = self.backup.take() else { return Err(e) };
                let failed = self.current.describe();
                self.current = make();
                (self.note)(&format!(
                    "backend auto: {failed} failed mid-run ({}); continuing on {}",
                    format!("{e:#}").lines().next().unwrap_or_default(),
                    self.current.describe()
                ));
                self.current.trajectory_costs(policies, out)
            }
        }
    }
}
