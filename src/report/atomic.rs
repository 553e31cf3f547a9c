//! Output files are written atomically: to a temporary file in the same folder, then
//! renamed, so a reader (or a killed run) never sees half a file.

use anyhow::Context;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

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
        let tmp = tempfile::NamedTempFile::new_in(dir).with_context(|| format!("cannot write in {}", dir.display()))?;
        Ok(AtomicFile { path: path.to_path_buf(), writer: BufWriter::new(tmp) })
    }

    /// Flushes, syncs and renames the file into place.
    pub fn commit(self) -> anyhow::Result<()> {
        let path = self.path;
        let context = || format!("cannot write {}", path.display());
        let tmp = self.writer.into_inner().map_err(|e| e.into_error()).with_context(context)?;
        tmp.as_file().sync_all().with_context(context)?;
        tmp.persist(&path).map_err(|e| e.error).with_context(context)?;
        Ok(())
    }
}

impl Write for AtomicFile {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.writer.write(buf)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.writer.flush()
    }
}

/// Writes `bytes` to `path` atomically, creating the parent folder.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    let mut file = AtomicFile::create(path)?;
    file.write_all(bytes).with_context(|| format!("cannot write {}", path.display()))?;
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
