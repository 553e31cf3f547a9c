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

/// Every run of over 80 characters without a space in `message` cut to 80 and `...`: what
/// a user wrote (a 1 MB value, a 100 KB key, a 300-digit number) is never echoed whole,
/// whichever layer's words carry it.
pub fn shorten_words(message: &str) -> String {
    if !message.split(char::is_whitespace).any(|w| w.chars().count() > 80) {
        return message.to_string();
    }
    let mut out = String::with_capacity(message.len().min(4096));
    let mut word = String::new();
    let flush = |word: &mut String, out: &mut String| {
        out.push_str(&shorten(word));
        word.clear();
    };
    for c in message.chars() {
        if c.is_whitespace() {
            flush(&mut word, &mut out);
            out.push(c);
        } else {
            word.push(c);
        }
    }
    flush(&mut word, &mut out);
    out
}

/// 1-based line and column of a byte offset in `text`.
pub fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, col)
}

/// [`read_bounded`], as UTF-8 text.
pub fn read_bounded_text(path: &Path, max_bytes: u64) -> Result<String, String> {
    let bytes = read_bounded(path, max_bytes)?;
    String::from_utf8(bytes).map_err(|e| {
        let at = e.utf8_error().valid_up_to();
        // The bytes before `at` are valid UTF-8 (that is what valid_up_to says).
        let before = String::from_utf8_lossy(&e.as_bytes()[..at]);
        let (line, col) = line_col(&before, before.len());
        format!("{line}:{col}: is not UTF-8 text (byte {} is not valid UTF-8); save it as UTF-8", at + 1)
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
        assert_eq!(
            read_bounded_text(&f, 10).unwrap_err(),
            "1:2: is not UTF-8 text (byte 2 is not valid UTF-8); save it as UTF-8"
        );
        std::fs::write(&f, [b'a', b'\n', b'x', b'y', 0xff]).unwrap();
        assert!(read_bounded_text(&f, 10).unwrap_err().starts_with("2:3: "));
    }

    #[test]
    fn long_words_are_cut_whatever_layer_wrote_them() {
        let long = "x".repeat(1_000_000);
        let m = shorten_words(&format!("a = \"{long}\": invalid type: string \"{long}\", expected i64"));
        assert!(m.len() < 250, "{}", m.len());
        assert!(m.ends_with("expected i64") && m.contains("..."), "{m}");
        assert_eq!(shorten_words("short words stay as they are"), "short words stay as they are");
    }
}
