//! Where a report goes: stdout, or a file replaced atomically, so that a reader (the
//! node_exporter textfile collector, a dashboard polling the JSON) sees the old file or
//! the new one, never half of either.

use std::io::Write;
use std::path::Path;

pub fn write(to: Option<&Path>, text: &str) -> std::io::Result<()> {
    let Some(path) = to else {
        let mut out = std::io::stdout().lock();
        out.write_all(text.as_bytes())?;
        return out.flush();
    };
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .map_or_else(|| "report".into(), |n| n.to_string_lossy().into_owned());
    // In the same directory, so the rename stays on one file system. The collector reads
    // only `*.prom`, so the temporary name must not end so.
    let tmp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
    let result = (|| {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(text.as_bytes())?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_file_is_replaced_whole_and_no_temporary_is_left() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("stordeck.prom");
        super::write(Some(&path), "one\n").expect("write");
        super::write(Some(&path), "two\n").expect("write");
        assert_eq!(std::fs::read_to_string(&path).expect("read"), "two\n");
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .expect("dir")
            .map(|e| e.expect("entry").file_name())
            .collect();
        assert_eq!(names, ["stordeck.prom"]);
    }
}
