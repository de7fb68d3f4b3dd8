//! XML Schema validation with libxml2, fully offline.
//!
//! The official schemas in `xsd/XPlanGML_<v>/XPlanung-Operationen.xsd` are
//! compiled once per version and shared by all threads (libxml2 allows
//! that for a compiled schema); every document gets its own validation
//! context, never reused (libxml2 2.9.14 can crash when one is). The only
//! remote import, WFS 2.0, resolves through the OGC catalog in
//! `xsd/ogc/catalog.xml`; the entity loader refuses the network.

use crate::xplan::Version;
use std::collections::HashMap;
use std::ffi::{c_char, c_int, c_void, CStr, CString};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};

#[repr(C)]
struct XmlError {
    domain: c_int,
    code: c_int,
    message: *const c_char,
    level: c_int,
    file: *const c_char,
    line: c_int,
    str1: *const c_char,
    str2: *const c_char,
    str3: *const c_char,
    int1: c_int,
    int2: c_int,
    ctxt: *mut c_void,
    node: *mut c_void,
}

type StructuredErrorFn = unsafe extern "C" fn(user: *mut c_void, err: *mut XmlError);
type EntityLoader =
    unsafe extern "C" fn(url: *const c_char, id: *const c_char, ctxt: *mut c_void) -> *mut c_void;

#[link(name = "xml2")]
extern "C" {
    fn xmlInitParser();
    fn xmlLoadCatalog(filename: *const c_char) -> c_int;
    fn xmlSetExternalEntityLoader(f: EntityLoader);
    fn xmlNoNetExternalEntityLoader(
        url: *const c_char,
        id: *const c_char,
        ctxt: *mut c_void,
    ) -> *mut c_void;
    fn xmlSchemaNewParserCtxt(url: *const c_char) -> *mut c_void;
    fn xmlSchemaSetParserStructuredErrors(
        ctxt: *mut c_void,
        f: StructuredErrorFn,
        user: *mut c_void,
    );
    fn xmlSchemaParse(ctxt: *mut c_void) -> *mut c_void;
    fn xmlSchemaFreeParserCtxt(ctxt: *mut c_void);
    fn xmlSchemaFree(schema: *mut c_void);
    fn xmlSchemaNewValidCtxt(schema: *mut c_void) -> *mut c_void;
    fn xmlSchemaFreeValidCtxt(ctxt: *mut c_void);
    fn xmlSchemaSetValidStructuredErrors(
        ctxt: *mut c_void,
        f: StructuredErrorFn,
        user: *mut c_void,
    );
    fn xmlSchemaValidateStream(
        ctxt: *mut c_void,
        input: *mut c_void,
        enc: c_int,
        sax: *mut c_void,
        user: *mut c_void,
    ) -> c_int;
    fn xmlParserInputBufferCreateIO(
        read: ReadCallback,
        close: CloseCallback,
        ctx: *mut c_void,
        enc: c_int,
    ) -> *mut c_void;
    fn xmlSchemaSetValidOptions(ctxt: *mut c_void, options: c_int) -> c_int;
}

/// One message of the schema validation.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct XsdMessage {
    pub line: usize,
    pub column: usize,
    /// libxml2's message, cleaned up (namespaces shortened).
    pub message: String,
    pub warning: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum XsdError {
    #[error("schema directory {0} not found")]
    MissingSchemas(String),
    #[error("cannot compile the XPlanGML {version} schema: {message}")]
    Compile { version: Version, message: String },
    #[error("document too large for schema validation ({0} bytes)")]
    TooLarge(usize),
    #[error("the schema validation thread failed")]
    Panicked,
}

/// A compiled schema, shared between threads.
struct Schema(*mut c_void);
// SAFETY: libxml2 documents compiled schemas as read-only during
// validation; each validation uses its own context (see module docs).
unsafe impl Send for Schema {}
unsafe impl Sync for Schema {}

impl Drop for Schema {
    fn drop(&mut self) {
        // SAFETY: the pointer came from xmlSchemaParse and is dropped once.
        unsafe { xmlSchemaFree(self.0) }
    }
}

/// The schemas of all versions, compiled on first use.
pub struct SchemaSet {
    dir: PathBuf,
    compiled: Mutex<HashMap<Version, Arc<Schema>>>,
}

static INIT: OnceLock<()> = OnceLock::new();

fn init_libxml(catalog: &Path) {
    INIT.get_or_init(|| {
        // SAFETY: global initialisation, done once before any other call.
        unsafe {
            xmlInitParser();
            xmlSetExternalEntityLoader(xmlNoNetExternalEntityLoader);
            if let Ok(c) = CString::new(catalog.to_string_lossy().as_bytes()) {
                xmlLoadCatalog(c.as_ptr());
            }
        }
    });
}

struct Collector {
    messages: Vec<XsdMessage>,
    limit: usize,
}

type ReadCallback = unsafe extern "C" fn(*mut c_void, *mut c_char, c_int) -> c_int;
type CloseCallback = unsafe extern "C" fn(*mut c_void) -> c_int;

/// The unread rest of a document that libxml2 pulls through `read_chunk`.
struct MemReader<'a> {
    rest: &'a [u8],
    /// Bytes read so far, and up to where they were reported.
    read: usize,
    reported: usize,
    done_with: &'a dyn Fn(std::ops::Range<usize>),
}

/// How often the reader reports the part it has read.
const REPORT_EVERY: usize = 4 << 20;

/// xmlInputReadCallback: copies up to `len` bytes; 0 at the end.
unsafe extern "C" fn read_chunk(ctx: *mut c_void, buffer: *mut c_char, len: c_int) -> c_int {
    // SAFETY: ctx is the MemReader passed to xmlParserInputBufferCreateIO,
    // alive for the whole validation; buffer has room for len bytes.
    let reader = unsafe { &mut *(ctx as *mut MemReader) };
    let n = reader.rest.len().min(len.max(0) as usize);
    unsafe { std::ptr::copy_nonoverlapping(reader.rest.as_ptr(), buffer as *mut u8, n) };
    reader.rest = &reader.rest[n..];
    reader.read += n;
    if reader.read - reader.reported >= REPORT_EVERY {
        // libxml2 keeps a few kB of look-back, far less than this
        (reader.done_with)(reader.reported..reader.read - REPORT_EVERY / 2);
        reader.reported = reader.read - REPORT_EVERY / 2;
    }
    n as c_int
}

/// xmlInputCloseCallback: nothing to release (the reader lives on the stack).
unsafe extern "C" fn close_reader(_ctx: *mut c_void) -> c_int {
    0
}

unsafe extern "C" fn collect(user: *mut c_void, err: *mut XmlError) {
    if user.is_null() || err.is_null() {
        return;
    }
    // SAFETY: user is the Collector passed with the callback; err is valid
    // for the duration of the call.
    let c = &mut *(user as *mut Collector);
    let e = &*err;
    if c.messages.len() >= c.limit {
        return;
    }
    let msg = if e.message.is_null() {
        String::from("unknown error")
    } else {
        CStr::from_ptr(e.message)
            .to_string_lossy()
            .trim()
            .to_string()
    };
    c.messages.push(XsdMessage {
        line: e.line.max(0) as usize,
        column: e.int2.max(0) as usize,
        message: shorten(&msg),
        warning: e.level == 1,
    });
}

/// Replaces `{http://www.xplanung.de/xplangml/6/0}name` by `xplan:name` and
/// the GML namespace by `gml:`.
fn shorten(msg: &str) -> String {
    let mut s = msg.to_string();
    for v in Version::ALL {
        s = s.replace(&format!("{{{}}}", v.namespace()), "xplan:");
    }
    s.replace("{http://www.opengis.net/gml/3.2}", "gml:")
        .replace("{http://www.w3.org/1999/xlink}", "xlink:")
        .replace("{http://www.opengis.net/wfs/2.0}", "wfs:")
}

impl SchemaSet {
    /// Schemas below `dir` (the project's `xsd/`).
    pub fn new(dir: &Path) -> Result<SchemaSet, XsdError> {
        if !dir.join("XPlanGML_6_0").exists() {
            return Err(XsdError::MissingSchemas(dir.display().to_string()));
        }
        init_libxml(&dir.join("ogc").join("catalog.xml"));
        Ok(SchemaSet {
            dir: dir.to_path_buf(),
            compiled: Mutex::new(HashMap::new()),
        })
    }

    /// The schema set shipped with the server: `XPLAN_XSD_DIR`, else `xsd/`
    /// in the working directory, else beside the sources.
    pub fn default_dir() -> PathBuf {
        if let Some(d) = std::env::var_os("XPLAN_XSD_DIR") {
            return PathBuf::from(d);
        }
        let local = PathBuf::from("xsd");
        if local.join("XPlanGML_6_0").exists() {
            return local;
        }
        PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/xsd"))
    }

    fn schema(&self, version: Version) -> Result<Arc<Schema>, XsdError> {
        let mut map = self.compiled.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(s) = map.get(&version) {
            return Ok(s.clone());
        }
        let path = self
            .dir
            .join(version.xsd_dir())
            .join("XPlanung-Operationen.xsd");
        let cpath = CString::new(path.to_string_lossy().as_bytes())
            .map_err(|_| XsdError::MissingSchemas(path.display().to_string()))?;
        let mut col = Collector {
            messages: Vec::new(),
            limit: 20,
        };
        // SAFETY: plain libxml2 calls; the collector outlives the parser context.
        let schema = unsafe {
            let pctxt = xmlSchemaNewParserCtxt(cpath.as_ptr());
            if pctxt.is_null() {
                return Err(XsdError::MissingSchemas(path.display().to_string()));
            }
            xmlSchemaSetParserStructuredErrors(
                pctxt,
                collect,
                &mut col as *mut Collector as *mut c_void,
            );
            let s = xmlSchemaParse(pctxt);
            xmlSchemaFreeParserCtxt(pctxt);
            s
        };
        if schema.is_null() {
            return Err(XsdError::Compile {
                version,
                message: col
                    .messages
                    .iter()
                    .map(|m| m.message.clone())
                    .collect::<Vec<_>>()
                    .join("; "),
            });
        }
        let s = Arc::new(Schema(schema));
        map.insert(version, s.clone());
        Ok(s)
    }

    /// Validates a document (as bytes) against the schema of `version`.
    /// Returns the errors and warnings (at most `limit`); empty when valid.
    pub fn validate(
        &self,
        version: Version,
        doc: &[u8],
        limit: usize,
    ) -> Result<Vec<XsdMessage>, XsdError> {
        self.validate_with(version, doc, limit, &|_| {})
    }

    /// [`Self::validate`], telling `done_with` every few MB which part of
    /// `doc` the validation has read and will not read again.
    pub fn validate_with(
        &self,
        version: Version,
        doc: &[u8],
        limit: usize,
        done_with: &dyn Fn(std::ops::Range<usize>),
    ) -> Result<Vec<XsdMessage>, XsdError> {
        let t = std::time::Instant::now();
        let schema = self.schema(version)?;
        tracing::debug!("schema of {version} ready in {:?}", t.elapsed());
        // the size limit of schema validation: libxml2 2.9's input buffer
        // functions take int lengths
        c_int::try_from(doc.len()).map_err(|_| XsdError::TooLarge(doc.len()))?;
        let mut col = Collector {
            messages: Vec::new(),
            limit: limit.max(1),
        };
        // SAFETY: a fresh validation context per document; the input buffer
        // is consumed (and freed) by xmlSchemaValidateStream; the reader
        // over `doc` and the collector outlive the call.
        let rc = unsafe {
            let vctxt = xmlSchemaNewValidCtxt(schema.0);
            if vctxt.is_null() {
                return Err(XsdError::Compile {
                    version,
                    message: "out of memory".into(),
                });
            }
            xmlSchemaSetValidOptions(vctxt, 0);
            xmlSchemaSetValidStructuredErrors(
                vctxt,
                collect,
                &mut col as *mut Collector as *mut c_void,
            );
            // libxml2 pulls the document in chunks (CreateMem would copy
            // all of it; 2.9's CreateStatic misreads large documents)
            let mut reader = MemReader {
                rest: doc,
                read: 0,
                reported: 0,
                done_with,
            };
            let input = xmlParserInputBufferCreateIO(
                read_chunk,
                close_reader,
                &mut reader as *mut MemReader as *mut c_void,
                0,
            );
            let rc = if input.is_null() {
                -1
            } else {
                xmlSchemaValidateStream(vctxt, input, 0, std::ptr::null_mut(), std::ptr::null_mut())
            };
            xmlSchemaFreeValidCtxt(vctxt);
            rc
        };
        if rc != 0 && col.messages.is_empty() {
            col.messages.push(XsdMessage {
                line: 0,
                column: 0,
                message:
                    "the document could not be read by the schema validator (not well-formed XML)"
                        .into(),
                warning: false,
            });
        }
        Ok(col.messages)
    }
}

/// The process-wide schema set.
pub fn schemas() -> Result<&'static SchemaSet, XsdError> {
    static SET: OnceLock<Result<SchemaSet, String>> = OnceLock::new();
    SET.get_or_init(|| SchemaSet::new(&SchemaSet::default_dir()).map_err(|e| e.to_string()))
        .as_ref()
        .map_err(|e| XsdError::MissingSchemas(e.clone()))
}
