//! The text of a document: owned, or a read-only memory map of a large
//! UTF-8 file.
//!
//! A mapped document is read where it lies in the page cache instead of
//! being copied into the process. Readers that are done with a part hand
//! it back ([`Source::release`]): its pages leave the process (a later read
//! maps them again from the page cache), so validating a large file does
//! not hold the file in memory next to its parsed form.

use std::ops::Range;

/// Files at least this large are mapped rather than read.
pub const MAP_FROM: u64 = 32 << 20;

pub enum Source {
    Text(String),
    Mapped(Mapped),
}

impl Source {
    /// Hands a part (byte range of the text) back: only for a mapped text,
    /// whose whole pages inside the range are dropped from the process.
    pub fn release(&self, range: Range<usize>) {
        if let Source::Mapped(m) = self {
            m.release(range);
        }
    }
    pub fn is_mapped(&self) -> bool {
        matches!(self, Source::Mapped(_))
    }
}

impl From<String> for Source {
    /// The text without a leading byte order mark.
    fn from(mut s: String) -> Source {
        if s.starts_with('\u{feff}') {
            s.drain(..3);
        }
        Source::Text(s)
    }
}

impl std::ops::Deref for Source {
    type Target = str;
    fn deref(&self) -> &str {
        match self {
            Source::Text(s) => s,
            Source::Mapped(m) => m.text(),
        }
    }
}

impl std::fmt::Debug for Source {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Source::Text(s) => write!(f, "Text({} bytes)", s.len()),
            Source::Mapped(m) => write!(f, "Mapped({} bytes)", m.len),
        }
    }
}

/// A file mapped read-only; its text starts after a UTF-8 byte order mark.
pub struct Mapped {
    ptr: *mut libc::c_void,
    len: usize,
    /// Where the text starts (3 after a byte order mark).
    start: usize,
}

// SAFETY: the mapping is read-only and owned by this value; reading it
// from several threads is safe, and `release` only drops pages (madvise),
// which later reads map again from the file (the same contents as long as
// the file is not changed, see `Mapped::open`).
unsafe impl Send for Mapped {}
unsafe impl Sync for Mapped {}

impl Mapped {
    /// Maps `file` if it is a UTF-8 text (no other encoding declared, valid
    /// UTF-8 throughout): `Ok(None)` when it is not, for the caller to read
    /// and decode it as usual. The file must not be changed while mapped:
    /// a private mapping is no snapshot, so another process truncating the
    /// file ends this one (SIGBUS) and writing to it breaks the UTF-8 check
    /// the text relies on. That is the accepted risk of the command line
    /// validator of large files (the user's own file, read once); the
    /// server never maps.
    pub fn open(file: &std::fs::File) -> std::io::Result<Option<Mapped>> {
        let len = usize::try_from(file.metadata()?.len())
            .map_err(|_| std::io::Error::other("file too large to map"))?;
        if len == 0 {
            return Ok(None);
        }
        use std::os::fd::AsRawFd;
        // SAFETY: a fresh private read-only mapping of the whole file.
        let ptr = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                len,
                libc::PROT_READ,
                libc::MAP_PRIVATE,
                file.as_raw_fd(),
                0,
            )
        };
        if ptr == libc::MAP_FAILED {
            return Err(std::io::Error::last_os_error());
        }
        let mut m = Mapped { ptr, len, start: 0 };
        let bytes = m.bytes();
        if bytes.starts_with(&[0xEF, 0xBB, 0xBF]) {
            m.start = 3;
        }
        if !m.declares_utf8() || !m.is_utf8() {
            return Ok(None); // dropped: unmapped
        }
        Ok(Some(m))
    }

    fn bytes(&self) -> &[u8] {
        // SAFETY: the mapping covers `len` readable bytes while self lives.
        unsafe { std::slice::from_raw_parts(self.ptr as *const u8, self.len) }
    }

    fn text(&self) -> &str {
        // SAFETY: checked to be UTF-8 from `start` on in `open`; the
        // mapping is read-only and the file unchanged (see `open`).
        unsafe { std::str::from_utf8_unchecked(&self.bytes()[self.start..]) }
    }

    /// No encoding or UTF-8 declared (UTF-16 fails the UTF-8 check: its
    /// byte order mark is no UTF-8).
    fn declares_utf8(&self) -> bool {
        matches!(
            super::document::declared_encoding(self.bytes()).as_deref(),
            None | Some("utf-8") | Some("utf8")
        )
    }

    /// Checks the text block by block, handing each block back.
    fn is_utf8(&self) -> bool {
        const BLOCK: usize = 8 << 20;
        let b = &self.bytes()[self.start..];
        let mut pos = 0;
        while pos < b.len() {
            let end = (pos + BLOCK).min(b.len());
            match std::str::from_utf8(&b[pos..end]) {
                Ok(_) => pos = end,
                // a character cut at the block's end: go on from its start
                Err(e) if e.error_len().is_none() && end < b.len() && e.valid_up_to() > 0 => {
                    pos += e.valid_up_to()
                }
                Err(_) => return false,
            }
            self.release(0..pos);
        }
        true
    }

    /// Drops the whole pages inside `range` (of the text) from the process.
    fn release(&self, range: Range<usize>) {
        let page = page_size();
        let from = (self.start + range.start).div_ceil(page) * page;
        let to = ((self.start + range.end).min(self.len) / page) * page;
        if to > from {
            // SAFETY: the range lies inside the mapping; MADV_DONTNEED on a
            // private read-only file mapping only drops pages, which are
            // read again from the file on the next access.
            unsafe {
                libc::madvise(
                    (self.ptr as *mut u8).add(from) as *mut libc::c_void,
                    to - from,
                    libc::MADV_DONTNEED,
                );
            }
        }
    }
}

impl Drop for Mapped {
    fn drop(&mut self) {
        // SAFETY: unmaps the mapping made in `open`, no longer borrowed.
        unsafe {
            libc::munmap(self.ptr, self.len);
        }
    }
}

fn page_size() -> usize {
    static PAGE: std::sync::OnceLock<usize> = std::sync::OnceLock::new();
    // SAFETY: sysconf has no preconditions.
    *PAGE.get_or_init(|| match unsafe { libc::sysconf(libc::_SC_PAGESIZE) } {
        n if n > 0 => n as usize,
        _ => 4096,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn mapped(bytes: &[u8]) -> Option<Mapped> {
        let mut f = tempfile::tempfile().unwrap();
        f.write_all(bytes).unwrap();
        Mapped::open(&f).unwrap()
    }

    /// The resident size of the mapping holding `ptr` (/proc/self/smaps).
    fn resident_kib(ptr: *const u8) -> usize {
        let smaps = std::fs::read_to_string("/proc/self/smaps").unwrap();
        let mut lines = smaps.lines();
        while let Some(l) = lines.next() {
            let Some((from, rest)) = l.split_once('-') else {
                continue;
            };
            let to = rest.split_whitespace().next().unwrap_or("");
            let (Ok(from), Ok(to)) = (
                usize::from_str_radix(from, 16),
                usize::from_str_radix(to, 16),
            ) else {
                continue;
            };
            if (from..to).contains(&(ptr as usize)) {
                let rss = lines.find_map(|l| l.strip_prefix("Rss:")).unwrap();
                return rss.trim().trim_end_matches("kB").trim().parse().unwrap();
            }
        }
        panic!("mapping not found");
    }

    #[test]
    fn maps_utf8_text_and_reads_released_pages_again() {
        // a character of 2 bytes across the first 8 MiB check block's
        // end, characters of 2 and 3 bytes after it
        let mut text = String::from("\u{feff}<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<a>");
        text.push_str(&"x".repeat((8 << 20) + 3 - 1 - text.len()));
        text.push('ä');
        while text.len() < (17 << 20) {
            text.push_str("Flächenschluss – Straßenbegrenzungslinie ");
        }
        text.push_str("</a>");
        assert!(!text.is_char_boundary((8 << 20) + 3));
        let m = mapped(text.as_bytes()).expect("UTF-8 text is mapped");
        let ptr = m.ptr as *const u8;
        let s = Source::Mapped(m);
        // the check handed its blocks back as it went
        assert!(resident_kib(ptr) < 9 << 10, "{} KiB", resident_kib(ptr));
        assert_eq!(&*s, &text[3..]);
        assert!(
            resident_kib(ptr) > 16 << 10,
            "read: {} KiB",
            resident_kib(ptr)
        );
        s.release(0..s.len());
        assert!(resident_kib(ptr) < 8, "released: {} KiB", resident_kib(ptr));
        s.release(5..6); // less than a page: nothing
        assert_eq!(&*s, &text[3..], "released pages read again");
    }

    #[test]
    fn other_encodings_and_invalid_utf8_are_not_mapped() {
        assert!(mapped(b"<?xml version='1.0' encoding='ISO-8859-1'?><a>\xe4</a>").is_none());
        assert!(mapped(b"<?xml version=\"1.0\"?><a>\xff\xfe</a>").is_none());
        assert!(mapped(b"\xff\xfe<\0a\0/\0>\0").is_none());
        assert!(mapped(b"").is_none());
        assert!(mapped(b"<a>ok</a>").is_some());
    }
}
