//! Saving a list as a file the receptionist opens in Excel: the file appears whole or not at all,
//! and an earlier export of the same list is never overwritten (it may already be printed, mailed
//! or edited).

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// Writes `contents` to `<dir>/<stem>.<ext>`, or `<stem> (2).<ext>`, `(3)` … when that name is
/// taken, and answers the path written.
pub(crate) fn save_new(dir: &Path, stem: &str, ext: &str, contents: &[u8]) -> io::Result<PathBuf> {
    fs::create_dir_all(dir)?;
    let path = reserve_name(dir, stem, ext)?;
    // The name is ours (empty); the contents go to a hidden file first and replace it in one
    // rename, so a crash or a full disk never leaves a half-written list under the real name.
    let tmp = dir.join(format!(".{}.{}.tmp", stem, uuid::Uuid::new_v4()));
    let written = (|| {
        let mut file = File::create(&tmp)?;
        file.write_all(contents)?;
        file.sync_all()?;
        fs::rename(&tmp, &path)
    })();
    if let Err(e) = written {
        let _ = fs::remove_file(&tmp);
        let _ = fs::remove_file(&path);
        return Err(e);
    }
    Ok(path)
}

/// The first free name, created empty so that no other export can take it meanwhile.
fn reserve_name(dir: &Path, stem: &str, ext: &str) -> io::Result<PathBuf> {
    for n in 1..=999 {
        let name = if n == 1 {
            format!("{stem}.{ext}")
        } else {
            format!("{stem} ({n}).{ext}")
        };
        let path = dir.join(name);
        match OpenOptions::new().write(true).create_new(true).open(&path) {
            Ok(_) => return Ok(path),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(e),
        }
    }
    Err(io::Error::new(
        io::ErrorKind::AlreadyExists,
        format!("999 files named {stem} already exist"),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_export_gets_its_own_name_and_the_first_is_kept() {
        let dir = tempfile::tempdir().unwrap();
        let first = save_new(dir.path(), "接種予約状況_2021-05-15", "csv", b"one").unwrap();
        let second = save_new(dir.path(), "接種予約状況_2021-05-15", "csv", b"two").unwrap();
        assert_eq!(first.file_name().unwrap(), "接種予約状況_2021-05-15.csv");
        assert_eq!(
            second.file_name().unwrap(),
            "接種予約状況_2021-05-15 (2).csv"
        );
        assert_eq!(fs::read(&first).unwrap(), b"one");
        assert_eq!(fs::read(&second).unwrap(), b"two");
        let names: Vec<_> = fs::read_dir(dir.path()).unwrap().collect();
        assert_eq!(names.len(), 2, "no temporary file is left behind");
    }

    #[test]
    fn a_missing_folder_is_created() {
        let dir = tempfile::tempdir().unwrap();
        let nested = dir.path().join("exports");
        let path = save_new(&nested, "list", "csv", b"x").unwrap();
        assert_eq!(fs::read(path).unwrap(), b"x");
    }

    #[test]
    fn a_folder_that_cannot_be_written_is_an_error_and_leaves_nothing() {
        let dir = tempfile::tempdir().unwrap();
        // A file where the folder should be.
        let blocked = dir.path().join("blocked");
        fs::write(&blocked, b"").unwrap();
        assert!(save_new(&blocked, "list", "csv", b"x").is_err());
        assert_eq!(fs::read(&blocked).unwrap(), b"");
    }
}
