//! The tile cache on disk: `<root>/<tileset>/<tms>/<z>/<x>/<y>.<ext>`,
//! written atomically (temporary file + rename), empty tiles as hard links
//! of one empty file (`<root>/.empty`), dropped by area when plans change
//! and purged by tileset or matrix set.

use super::grid::TileMatrixSet;
use std::io;
use std::path::{Path, PathBuf};

/// Where a tile is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct TileKey<'a> {
    pub tileset: &'a str,
    pub tms: &'a str,
    pub z: u8,
    pub x: u32,
    pub y: u32,
    pub ext: &'a str,
}

#[derive(Debug, Clone)]
pub struct TileCache {
    root: PathBuf,
}

/// Names used as directory names: plain, no path syntax.
fn plain(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 100
        && !name.starts_with('.')
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b))
}

impl TileCache {
    pub fn new(root: impl Into<PathBuf>) -> TileCache {
        TileCache { root: root.into() }
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The file of a tile (None for names that are not plain).
    pub fn path(&self, k: &TileKey) -> Option<PathBuf> {
        if !plain(k.tileset) || !plain(k.tms) || !plain(k.ext) {
            return None;
        }
        Some(
            self.root
                .join(k.tileset)
                .join(k.tms)
                .join(k.z.to_string())
                .join(k.x.to_string())
                .join(format!("{}.{}", k.y, k.ext)),
        )
    }

    /// A cached tile.
    pub fn get(&self, k: &TileKey) -> Option<Vec<u8>> {
        std::fs::read(self.path(k)?).ok()
    }

    pub fn contains(&self, k: &TileKey) -> bool {
        self.path(k).is_some_and(|p| p.is_file())
    }

    /// Stores a tile (readers see the old file or the whole new one).
    pub fn put(&self, k: &TileKey, data: &[u8]) -> io::Result<()> {
        let path = self
            .path(k)
            .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "not a plain tile name"))?;
        let dir = path.parent().expect("a tile path has a directory");
        std::fs::create_dir_all(dir)?;
        let tmp = dir.join(format!(".{}.{:016x}.tmp", k.y, rand::random::<u64>()));
        // an empty tile: another name of the shared empty file if it can be
        if !(data.is_empty() && self.link_empty(&tmp).is_ok()) {
            std::fs::write(&tmp, data)?;
        }
        std::fs::rename(&tmp, &path).inspect_err(|_| {
            let _ = std::fs::remove_file(&tmp);
        })?;
        if data.is_empty() {
            // renaming a link onto another link of the same file (an empty
            // tile stored again) does nothing: the temporary name stays
            let _ = std::fs::remove_file(&tmp);
        }
        Ok(())
    }

    /// Makes `to` a hard link of the cache's shared empty file: a seeded
    /// cache holds thousands of empty tiles, and allocating an inode is most
    /// of what storing one costs (and uses up the file system's inodes).
    /// The shared file is created when missing and replaced by a new one
    /// when it has as many links as the file system allows. It is never
    /// written to: tiles are replaced by renaming, not by writing into them.
    fn link_empty(&self, to: &Path) -> io::Result<()> {
        let shared = self.root.join(".empty");
        match std::fs::hard_link(&shared, to) {
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::NotFound | io::ErrorKind::TooManyLinks
                ) =>
            {
                let fresh = self
                    .root
                    .join(format!(".empty.{:016x}.tmp", rand::random::<u64>()));
                std::fs::write(&fresh, b"")?;
                std::fs::rename(&fresh, &shared).inspect_err(|_| {
                    let _ = std::fs::remove_file(&fresh);
                })?;
                std::fs::hard_link(&shared, to)
            }
            r => r,
        }
    }

    /// Drops every cached tile of matrix set `tms` (all tilesets, all
    /// zoom levels present) that intersects `bbox` (in the set's CRS)
    /// grown by `margin_px(resolution)` pixels at each zoom level (strokes,
    /// symbols and labels reach beyond a plan's box). Returns the number of
    /// files removed.
    pub fn invalidate(
        &self,
        tms: &TileMatrixSet,
        bbox: [f64; 4],
        margin_px: &dyn Fn(f64) -> f64,
    ) -> usize {
        let mut removed = 0;
        for tileset in subdirs(&self.root) {
            let base = tileset.join(tms.id);
            for zdir in subdirs(&base) {
                let Some(z) = file_number(&zdir).and_then(|z| u8::try_from(z).ok()) else {
                    continue;
                };
                let Some(res) = tms.resolutions.get(z as usize) else {
                    continue;
                };
                let m = margin_px(*res) * res;
                let grown = [bbox[0] - m, bbox[1] - m, bbox[2] + m, bbox[3] + m];
                let Some((x0, y0, x1, y1)) = tms.tile_range(z, grown) else {
                    continue;
                };
                for xdir in subdirs(&zdir) {
                    let Some(x) = file_number(&xdir) else {
                        continue;
                    };
                    if x < x0 as u64 || x > x1 as u64 {
                        continue;
                    }
                    let Ok(files) = std::fs::read_dir(&xdir) else {
                        continue;
                    };
                    for f in files.flatten() {
                        let p = f.path();
                        let y = p
                            .file_name()
                            .and_then(|s| s.to_str())
                            .and_then(|s| s.split('.').next())
                            .and_then(|s| s.parse::<u64>().ok());
                        if y.is_some_and(|y| y >= y0 as u64 && y <= y1 as u64)
                            && std::fs::remove_file(&p).is_ok()
                        {
                            removed += 1;
                        }
                    }
                }
            }
        }
        removed
    }

    /// Removes the cache of one tileset and/or matrix set (None: all).
    /// Returns the number of files removed.
    pub fn purge(&self, tileset: Option<&str>, tms: Option<&str>) -> io::Result<usize> {
        let mut removed = 0;
        for ts in subdirs(&self.root) {
            if tileset.is_some_and(|t| ts.file_name().is_none_or(|n| n != t)) {
                continue;
            }
            for m in subdirs(&ts) {
                if tms.is_some_and(|t| m.file_name().is_none_or(|n| n != t)) {
                    continue;
                }
                removed += count_files(&m);
                std::fs::remove_dir_all(&m)?;
            }
        }
        Ok(removed)
    }
}

fn subdirs(dir: &Path) -> Vec<PathBuf> {
    std::fs::read_dir(dir)
        .map(|rd| {
            rd.flatten()
                .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
                .map(|e| e.path())
                .collect()
        })
        .unwrap_or_default()
}

fn file_number(p: &Path) -> Option<u64> {
    p.file_name()?.to_str()?.parse().ok()
}

fn count_files(dir: &Path) -> usize {
    std::fs::read_dir(dir)
        .map(|rd| {
            rd.flatten()
                .map(|e| match e.file_type() {
                    Ok(t) if t.is_dir() => count_files(&e.path()),
                    Ok(_) => 1,
                    Err(_) => 0,
                })
                .sum()
        })
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_tiles_share_one_file() {
        use std::os::unix::fs::MetadataExt;
        let dir = tempfile::tempdir().unwrap();
        let cache = TileCache::new(dir.path());
        let key = |x: u32, y: u32| TileKey {
            tileset: "vektordaten",
            tms: "WebMercatorQuad",
            z: 15,
            x,
            y,
            ext: "png",
        };
        cache.put(&key(1, 1), b"").unwrap();
        cache.put(&key(1, 2), b"").unwrap();
        // stored again (its metatile drawn again): no name is left over
        cache.put(&key(1, 2), b"").unwrap();
        let names = |x: u32| -> Vec<String> {
            let mut n: Vec<String> =
                std::fs::read_dir(cache.path(&key(x, 1)).unwrap().parent().unwrap())
                    .unwrap()
                    .flatten()
                    .map(|e| e.file_name().to_string_lossy().into_owned())
                    .collect();
            n.sort();
            n
        };
        assert_eq!(names(1), ["1.png", "2.png"]);
        cache.put(&key(2, 1), b"PNG").unwrap();
        let meta = |x, y| std::fs::metadata(cache.path(&key(x, y)).unwrap()).unwrap();
        assert_eq!((meta(1, 1).len(), meta(1, 2).len()), (0, 0));
        assert_eq!(meta(1, 1).ino(), meta(1, 2).ino());
        assert_ne!(meta(2, 1).ino(), meta(1, 1).ino());
        assert_eq!(meta(1, 1).nlink(), 3);
        assert_eq!(cache.get(&key(1, 2)).unwrap(), b"");
        assert_eq!(cache.get(&key(2, 1)).unwrap(), b"PNG");
        // a content tile over an empty one leaves the others empty
        cache.put(&key(1, 1), b"PNG2").unwrap();
        assert_eq!(cache.get(&key(1, 1)).unwrap(), b"PNG2");
        assert_eq!(cache.get(&key(1, 2)).unwrap(), b"");
        assert_eq!(meta(1, 2).nlink(), 2);
        // without the shared file (deleted by hand) a new one is made
        std::fs::remove_file(dir.path().join(".empty")).unwrap();
        cache.put(&key(3, 3), b"").unwrap();
        assert_eq!(meta(3, 3).len(), 0);
        assert_ne!(meta(3, 3).ino(), meta(1, 2).ino());
        // purging removes the tiles, not the shared file
        assert_eq!(cache.purge(None, None).unwrap(), 4);
        assert!(dir.path().join(".empty").is_file());
        // no temporary file is left (purge keeps the tileset's directory)
        let mut left: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .flatten()
            .map(|e| e.file_name())
            .collect();
        left.sort();
        assert_eq!(left, [".empty", "vektordaten"]);
        assert_eq!(count_files(dir.path()), 1);
    }

    #[test]
    fn invalidation_drops_exactly_the_tiles_in_the_area() {
        let dir = tempfile::tempdir().unwrap();
        let cache = TileCache::new(dir.path());
        let tms = TileMatrixSet::web_mercator_quad();
        let key = |ts: &'static str, z: u8, x: u32, y: u32| TileKey {
            tileset: ts,
            tms: tms.id,
            z,
            x,
            y,
            ext: "png",
        };
        // Hamburg at z 12 and 14, and a tile far away
        let hh = [1_113_000.0, 7_085_000.0, 1_114_000.0, 7_086_000.0];
        let (x12, y12, _, _) = tms.tile_range(12, hh).unwrap();
        let (x14, y14, _, _) = tms.tile_range(14, hh).unwrap();
        for k in [
            key("vektordaten", 12, x12, y12),
            key("bp_objekte", 14, x14, y14),
            key("vektordaten", 12, 100, 100),
        ] {
            cache.put(&k, b"png").unwrap();
            assert!(cache.contains(&k));
        }
        assert_eq!(cache.invalidate(&tms, hh, &|_| 0.0), 2);
        assert!(!cache.contains(&key("vektordaten", 12, x12, y12)));
        assert!(!cache.contains(&key("bp_objekte", 14, x14, y14)));
        assert_eq!(
            cache.get(&key("vektordaten", 12, 100, 100)).as_deref(),
            Some(&b"png"[..])
        );
        // other matrix sets are not touched
        assert_eq!(cache.invalidate(&TileMatrixSet::utm32(), hh, &|_| 0.0), 0);
        // a margin reaches the neighbours of a tile at its edge
        let edge = tms.tile_bbox(12, 200, 200).unwrap();
        let inner = [edge[0] + 1.0, edge[1] + 1.0, edge[0] + 2.0, edge[1] + 2.0];
        for (x, y) in [(199, 200), (200, 200), (200, 201), (201, 201)] {
            cache.put(&key("vektordaten", 12, x, y), b"png").unwrap();
        }
        assert_eq!(cache.invalidate(&tms, inner, &|_| 0.0), 1);
        assert_eq!(cache.invalidate(&tms, inner, &|_| 64.0), 2);
        assert!(cache.contains(&key("vektordaten", 12, 201, 201)));
        // left: (100, 100) and (201, 201)
        assert_eq!(cache.purge(Some("vektordaten"), None).unwrap(), 2);
        assert!(cache.path(&key("../x", 1, 1, 1)).is_none());
    }
}
