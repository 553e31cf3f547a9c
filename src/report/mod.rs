//! What a run leaves behind: trajectory CSV, summaries, figures, reports.

pub mod binding;
pub mod confidence;
pub mod figures;
pub mod markdown;
pub mod optimize;
pub mod plots;
pub mod resources;
pub mod summary;
pub mod tornado;
pub mod trajectory;

pub use resources::{available_memory_bytes, peak_rss_bytes, peak_rss_mib};
