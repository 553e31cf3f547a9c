//! Output files are written atomically: to a temporary file in the same folder, then
//! renamed, so a reader (or a killed run) never sees half a file. Temporary files carry
//! [`TEMP_PREFIX`], so what a killed run left can be found and removed, and are created
//! with the mode the user's umask gives any new file (not tempfile's private 0600).

use anyhow::Context;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

/// The name prefix of every temporary output file.
pub const TEMP_PREFIX: &str = ".terafab-tmp-";

/// A file being written under a temporary name; [`AtomicFile::commit`] gives it its real
/// name. Dropped without a commit (an error on the way), it leaves nothing behind.
#[derive(Debug)]
pub struct AtomicFile {
    path: PathBuf,
    writer: BufWriter<tempfile::NamedTempFile>,
}

impl AtomicFile {
    /// Starts writing `path`, creating its parent folder.
    pub fn create(path: &Path) -> anyhow::Result<Self> {
        let dir = path.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create the output folder {}", dir.display()))?;
        let mut builder = tempfile::Builder::new();
        builder.prefix(TEMP_PREFIX);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            // open(2) takes the umask off, as for any file the user's programs create.
            builder.permissions(std::fs::Permissions::from_mode(0o666));
        }
        let tmp = builder.tempfile_in(dir).with_context(|| format!("cannot write in {}", dir.display()))?;
        Ok(AtomicFile { path: path.to_path_buf(), writer: BufWriter::new(tmp) })
    }

    /// Flushes, syncs and renames the file into place.
    pub fn commit(self) -> anyhow::Result<()> {
        let path = self.path;
        let context = || format!("cannot write {}", path.display());
        let tmp = self
            .writer
            .into_inner()
            .map_err(|e| anyhow::anyhow!("{}: {}", context(), without_temp_name(&e.into_error())))?;
        tmp.as_file().sync_all().with_context(context)?;
        tmp.persist(&path).map_err(|e| e.error).with_context(context)?;
        Ok(())
    }
}

impl AtomicFile {
    /// An error writing the temporary file, told by the file the user asked for (the
    /// temporary's name, which tempfile puts in its errors, means nothing to them).
    fn named(&self, e: std::io::Error) -> std::io::Error {
        std::io::Error::new(e.kind(), format!("cannot write {}: {}", self.path.display(), without_temp_name(&e)))
    }
}

/// An I/O error's text without the path tempfile adds to it (an OS error says only what
/// went wrong: "No space left on device (os error 28)").
fn without_temp_name(e: &std::io::Error) -> String {
    e.raw_os_error().map_or_else(|| e.to_string(), |code| std::io::Error::from_raw_os_error(code).to_string())
}

impl Write for AtomicFile {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.writer.write(buf).map_err(|e| self.named(e))
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.writer.flush().map_err(|e| self.named(e))
    }
}

/// Writes `bytes` to `path` atomically, creating the parent folder.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    let mut file = AtomicFile::create(path)?;
    // The error already names `path` (`AtomicFile::named`).
    file.write_all(bytes)?;
    file.commit()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_whole_files_and_replaces_old_ones() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub/out.txt");
        write_atomic(&path, b"first").unwrap();
        write_atomic(&path, b"second").unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "second");
        assert_eq!(std::fs::read_dir(path.parent().unwrap()).unwrap().count(), 1, "no temporary left behind");
    }

    #[cfg(unix)]
    #[test]
    fn outputs_get_the_mode_the_umask_gives_any_new_file() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let plain = dir.path().join("plain");
        std::fs::write(&plain, b"x").unwrap();
        let out = dir.path().join("out");
        write_atomic(&out, b"x").unwrap();
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&out), mode(&plain));
    }

    #[test]
    fn uncommitted_files_never_appear() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("half.csv");
        let mut f = AtomicFile::create(&path).unwrap();
        f.write_all(b"partial").unwrap();
        drop(f);
        assert!(!path.exists());
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0, "no temporary left behind");
    }
}
