//! What the process has used and what the machine has left: peak resident memory for
//! reports, available memory for refusing work that cannot fit.

/// Peak resident set size of this process (`VmHWM` in /proc/self/status), where the OS
/// reports it (Linux); `None` elsewhere.
pub fn peak_rss_bytes() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}

/// [`peak_rss_bytes`] in MiB.
pub fn peak_rss_mib() -> Option<f64> {
    peak_rss_bytes().map(|b| b as f64 / (1u64 << 20) as f64)
}

/// Memory the OS says is available for new allocations (`MemAvailable` in /proc/meminfo),
/// where the OS reports it (Linux); `None` elsewhere.
pub fn available_memory_bytes() -> Option<u64> {
    let meminfo = std::fs::read_to_string("/proc/meminfo").ok()?;
    let line = meminfo.lines().find(|l| l.starts_with("MemAvailable:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}
