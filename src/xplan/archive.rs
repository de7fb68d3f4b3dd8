//! Reading plan input (XPlanArchiv zip or plain GML) with the limits that
//! keep hostile input harmless, and writing XPlanArchiv exports.

use super::document::decode_text;
use super::XplanError;
use std::io::{Read, Seek, Write};
use std::path::Path;

/// Size limits for input files.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Largest plain GML file or archive accepted.
    pub max_input_bytes: u64,
    /// Largest total uncompressed size of an archive's entries.
    pub max_uncompressed_bytes: u64,
    /// Largest compression ratio of an entry bigger than 1 MiB.
    pub max_compression_ratio: u64,
    /// Largest number of entries in an archive.
    pub max_entries: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_input_bytes: 2 << 30,
            max_uncompressed_bytes: 4 << 30,
            max_compression_ratio: 200,
            max_entries: 10_000,
        }
    }
}

/// A file attached to a plan (scan, world file, PDF ...).
#[derive(Debug, Clone, PartialEq)]
pub struct Attachment {
    pub name: String,
    pub media_type: String,
    pub data: Vec<u8>,
}

/// A plan file as read from disk or an upload.
#[derive(Debug)]
pub struct InputFile {
    /// The file name the user gave (for display and the database).
    pub source_name: String,
    /// The XPlanGML document as UTF-8 text.
    pub gml: String,
    pub attachments: Vec<Attachment>,
}

/// The media type of an attachment, by extension.
pub fn media_type(name: &str) -> &'static str {
    let lower = name.to_ascii_lowercase();
    let ext = lower.rsplit('.').next().unwrap_or("");
    match ext {
        "pdf" => "application/pdf",
        "png" => "image/png",
        "tif" | "tiff" => "image/tiff",
        "jpg" | "jpeg" => "image/jpeg",
        "xml" | "gml" => "application/xml",
        "pgw" | "tfw" | "wld" | "jgw" | "pngw" | "tifw" | "txt" => "text/plain",
        "html" | "htm" => "text/html",
        "zip" => "application/zip",
        _ => "application/octet-stream",
    }
}

/// Reads a plan from a file: an XPlanArchiv (zip) or a plain XPlanGML file.
pub fn read_input(path: &Path, limits: &Limits) -> Result<InputFile, XplanError> {
    checked_len(path, limits)?;
    read_file(path, limits)
}

/// [`read_input`] for a validation: a plain UTF-8 file of at least
/// [`super::source::MAP_FROM`] bytes is mapped rather than read (see
/// [`super::Source`]). Returns the file name, the text and the attachments.
pub fn read_input_mapped(
    path: &Path,
    limits: &Limits,
) -> Result<(String, super::Source, Vec<Attachment>), XplanError> {
    if checked_len(path, limits)? >= super::source::MAP_FROM {
        let file = std::fs::File::open(path).map_err(io_error(path))?;
        let mut magic = [0u8; 4];
        let zip = std::io::Read::read_exact(&mut &file, &mut magic).is_ok() && is_zip(&magic);
        if !zip {
            if let Some(m) = super::source::Mapped::open(&file).map_err(io_error(path))? {
                return Ok((file_name(path), super::Source::Mapped(m), Vec::new()));
            }
        }
    }
    let input = read_file(path, limits)?;
    Ok((input.source_name, input.gml.into(), input.attachments))
}

/// The file's size, refused above the input limit.
fn checked_len(path: &Path, limits: &Limits) -> Result<u64, XplanError> {
    let len = std::fs::metadata(path).map_err(io_error(path))?.len();
    if len > limits.max_input_bytes {
        return Err(XplanError::TooLarge(format!(
            "{} has {} bytes, more than the limit of {}",
            path.display(),
            len,
            limits.max_input_bytes
        )));
    }
    Ok(len)
}

fn read_file(path: &Path, limits: &Limits) -> Result<InputFile, XplanError> {
    let bytes = std::fs::read(path).map_err(io_error(path))?;
    read_input_bytes(file_name(path), bytes, limits)
}

fn io_error(path: &Path) -> impl Fn(std::io::Error) -> XplanError + '_ {
    move |source| XplanError::Io {
        path: path.display().to_string(),
        source,
    }
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// A zip archive's signature (local file header, or an empty archive's
/// end record).
fn is_zip(bytes: &[u8]) -> bool {
    bytes.starts_with(b"PK\x03\x04") || bytes.starts_with(b"PK\x05\x06")
}

/// Reads a plan from bytes (zip recognised by its signature).
pub fn read_input_bytes(
    source_name: String,
    bytes: Vec<u8>,
    limits: &Limits,
) -> Result<InputFile, XplanError> {
    if bytes.len() as u64 > limits.max_input_bytes {
        return Err(XplanError::TooLarge(format!(
            "the input has {} bytes, more than the limit of {}",
            bytes.len(),
            limits.max_input_bytes
        )));
    }
    if is_zip(&bytes) {
        let (gml, attachments) = read_archive(std::io::Cursor::new(bytes), limits)?;
        Ok(InputFile {
            source_name,
            gml: decode_text(gml)?,
            attachments,
        })
    } else {
        Ok(InputFile {
            source_name,
            gml: decode_text(bytes)?,
            attachments: Vec::new(),
        })
    }
}

/// Checks an archive member name: relative, no "..", no backslashes, no
/// control characters.
fn check_entry_name(name: &str) -> Result<(), XplanError> {
    let bad = name.starts_with('/')
        || name.contains('\\')
        || name.contains('\0')
        || name.chars().any(char::is_control)
        || name.split('/').any(|c| c == "..")
        || (name.len() > 1 && name.as_bytes()[1] == b':');
    if bad {
        return Err(XplanError::Archive(format!(
            "archive member '{}' has an unsafe path (absolute, '..' or backslash)",
            name.escape_default()
        )));
    }
    Ok(())
}

fn read_archive<R: Read + Seek>(
    reader: R,
    limits: &Limits,
) -> Result<(Vec<u8>, Vec<Attachment>), XplanError> {
    let mut zip = zip::ZipArchive::new(reader)
        .map_err(|e| XplanError::Archive(format!("not a readable zip file: {e}")))?;
    if zip.len() > limits.max_entries {
        return Err(XplanError::Archive(format!(
            "the archive has {} members, more than the limit of {}",
            zip.len(),
            limits.max_entries
        )));
    }
    let mut gml = None;
    let mut attachments = Vec::new();
    let mut total: u64 = 0;
    let mut names = Vec::new();
    for i in 0..zip.len() {
        let mut entry = zip
            .by_index(i)
            .map_err(|e| XplanError::Archive(format!("cannot read archive member {i}: {e}")))?;
        let name = entry
            .name()
            .map_err(|e| {
                XplanError::Archive(format!("archive member {i} has an unreadable name: {e}"))
            })?
            .to_string();
        check_entry_name(&name)?;
        if entry.is_dir()
            || name.starts_with("__MACOSX/")
            || name.ends_with("/.DS_Store")
            || name == ".DS_Store"
        {
            continue;
        }
        if entry.is_symlink() {
            return Err(XplanError::Archive(format!(
                "archive member '{name}' is a symbolic link"
            )));
        }
        // Never trust the sizes in the headers: read at most what is left.
        let budget = limits.max_uncompressed_bytes.saturating_sub(total);
        let compressed = entry.compressed_size().max(1);
        let mut data = Vec::with_capacity(entry.size().min(budget).min(64 << 20) as usize);
        (&mut entry)
            .take(budget + 1)
            .read_to_end(&mut data)
            .map_err(|e| {
                XplanError::Archive(format!("cannot unpack archive member '{name}': {e}"))
            })?;
        if data.len() as u64 > budget {
            return Err(XplanError::TooLarge(format!(
                "the archive unpacks to more than {} bytes",
                limits.max_uncompressed_bytes
            )));
        }
        if data.len() as u64 > (1 << 20)
            && data.len() as u64 / compressed > limits.max_compression_ratio
        {
            return Err(XplanError::TooLarge(format!(
                "archive member '{name}' is compressed {}:1, more than the allowed {}:1 (zip bomb?)",
                data.len() as u64 / compressed,
                limits.max_compression_ratio
            )));
        }
        total += data.len() as u64;
        names.push(name.clone());
        if name == "xplan.gml" {
            gml = Some(data);
        } else {
            attachments.push(Attachment {
                media_type: media_type(&name).to_string(),
                name,
                data,
            });
        }
    }
    let gml =
        gml.ok_or_else(|| {
            let similar: Vec<&String> = names
                .iter()
                .filter(|n| {
                    n.to_ascii_lowercase().ends_with(".gml") || n.eq_ignore_ascii_case("xplan.gml")
                })
                .collect();
            XplanError::Archive(if similar.is_empty() {
                "the archive has no 'xplan.gml' at its root".to_string()
            } else {
                format!(
                "the archive has no 'xplan.gml' at its root (found {}; the name is case-sensitive)",
                similar.iter().map(|s| format!("'{s}'")).collect::<Vec<_>>().join(", ")
            )
            })
        })?;
    Ok((gml, attachments))
}

/// Writes an XPlanArchiv: xplan.gml first, then the attachments.
pub fn write_archive<W: Write + Seek>(
    out: W,
    gml: &[u8],
    attachments: &[Attachment],
) -> std::io::Result<()> {
    let mut zip = zip::ZipWriter::new(out);
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    zip.start_file("xplan.gml", opts)
        .map_err(std::io::Error::other)?;
    zip.write_all(gml)?;
    for a in attachments {
        zip.start_file(a.name.as_str(), opts)
            .map_err(std::io::Error::other)?;
        zip.write_all(&a.data)?;
    }
    zip.finish().map_err(std::io::Error::other)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn zip_of(entries: &[(&str, &[u8])]) -> Vec<u8> {
        let mut buf = std::io::Cursor::new(Vec::new());
        {
            let mut z = zip::ZipWriter::new(&mut buf);
            let o = zip::write::SimpleFileOptions::default()
                .compression_method(zip::CompressionMethod::Deflated);
            for (n, d) in entries {
                z.start_file(*n, o).unwrap();
                z.write_all(d).unwrap();
            }
            z.finish().unwrap();
        }
        buf.into_inner()
    }

    #[test]
    fn path_traversal_is_refused() {
        let z = zip_of(&[("xplan.gml", b"<x/>"), ("../evil.pdf", b"x")]);
        let e = read_input_bytes("a.zip".into(), z, &Limits::default()).unwrap_err();
        assert!(e.to_string().contains("unsafe path"), "{e}");
    }

    #[test]
    fn zip_bomb_is_refused() {
        let big = vec![b' '; 8 << 20];
        let z = zip_of(&[("xplan.gml", &big)]);
        let e = read_input_bytes("a.zip".into(), z.clone(), &Limits::default()).unwrap_err();
        assert!(e.to_string().contains("compressed"), "{e}");
        let limits = Limits {
            max_uncompressed_bytes: 1 << 20,
            ..Limits::default()
        };
        let e = read_input_bytes("a.zip".into(), z, &limits).unwrap_err();
        assert!(e.to_string().contains("unpacks to more than"), "{e}");
    }

    #[test]
    fn missing_xplan_gml_names_what_was_found() {
        let z = zip_of(&[("Xplan.gml", b"<x/>")]);
        let e = read_input_bytes("a.zip".into(), z, &Limits::default()).unwrap_err();
        assert!(e.to_string().contains("'Xplan.gml'"), "{e}");
    }

    #[test]
    fn attachments_round_trip() {
        let atts = vec![Attachment {
            name: "scan.png".into(),
            media_type: "image/png".into(),
            data: vec![1, 2, 3],
        }];
        let mut buf = std::io::Cursor::new(Vec::new());
        write_archive(&mut buf, b"<a/>", &atts).unwrap();
        let input = read_input_bytes("x.zip".into(), buf.into_inner(), &Limits::default()).unwrap();
        assert_eq!(input.gml, "<a/>");
        assert_eq!(input.attachments, atts);
    }
}
