//! Input the user hands terafab: the error that means "your input is wrong" (exit 2, as
//! opposed to a failure, exit 1), and reading input files within a size limit, refusing
//! what is not a regular file (a FIFO with no writer would block forever, /dev/zero never
//! ends). Depends on nothing of ours, so every layer may use it.

use std::io::Read;
use std::path::Path;

/// An error caused by the user's input (exit code 2) rather than a failure (exit 1).
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct BadInput(pub String);

/// The largest config or policy file read: a config is ~20 KB, a policy file ~15 KB.
pub const MAX_TEXT_FILE_BYTES: u64 = 4 << 20;
/// The largest run state file read (run.json with its config, a checkpoint with a
/// covariance matrix): ~1 MB at the default sizes.
pub const MAX_STATE_FILE_BYTES: u64 = 256 << 20;

/// That `path` is a regular file of at most `max_bytes` (followed through links), and its
/// length; for readers that stream the file themselves.
pub fn check_file(path: &Path, max_bytes: u64) -> Result<u64, String> {
    let meta = std::fs::metadata(path).map_err(|e| format!("cannot read it ({e})"))?;
    if meta.is_dir() {
        return Err("is a directory, not a file".into());
    }
    if !meta.is_file() {
        return Err("is not a regular file (a device, FIFO or socket); give a file".into());
    }
    if meta.len() > max_bytes {
        return Err(format!("is {} bytes, more than the {max_bytes} this kind of file may have", meta.len()));
    }
    Ok(meta.len())
}

/// Reads a regular file of at most `max_bytes`. The error says what is wrong in plain
/// words, without the path (callers put the path or flag in front).
pub fn read_bounded(path: &Path, max_bytes: u64) -> Result<Vec<u8>, String> {
    let len = check_file(path, max_bytes)?;
    let mut bytes = Vec::with_capacity(len as usize);
    // `take` holds the limit even if the file grows while it is read.
    std::fs::File::open(path)
        .and_then(|f| f.take(max_bytes + 1).read_to_end(&mut bytes))
        .map_err(|e| format!("cannot read it ({e})"))?;
    if bytes.len() as u64 > max_bytes {
        return Err(format!("grew past the {max_bytes} bytes this kind of file may have while it was read"));
    }
    Ok(bytes)
}

/// A value to quote in an error: at most 80 characters, then `...`.
pub fn shorten(value: &str) -> String {
    let mut s: String = value.chars().take(80).collect();
    if value.chars().count() > 80 {
        s.push_str("...");
    }
    s
}

/// [`read_bounded`], as UTF-8 text.
pub fn read_bounded_text(path: &Path, max_bytes: u64) -> Result<String, String> {
    String::from_utf8(read_bounded(path, max_bytes)?).map_err(|e| {
        format!("is not UTF-8 text (byte {} is not valid UTF-8); save it as UTF-8", e.utf8_error().valid_up_to())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn devices_directories_and_oversized_files_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        assert!(read_bounded(dir.path(), 10).unwrap_err().contains("directory"));
        assert!(read_bounded(Path::new("/dev/zero"), 10).unwrap_err().contains("not a regular file"));
        let f = dir.path().join("f");
        std::fs::write(&f, "0123456789abc").unwrap();
        assert!(read_bounded(&f, 10).unwrap_err().contains("13 bytes"));
        assert_eq!(read_bounded(&f, 13).unwrap().len(), 13);
        std::fs::write(&f, [b'a', 0xff, b'b']).unwrap();
        assert!(read_bounded_text(&f, 10).unwrap_err().contains("byte 1"));
    }
}
