//! OGC web services: WMS 1.3.0 and 1.1.1 over the map data, WFS 2.0 over
//! the stored features. Request
//! parsing (KVP, case-insensitive names), capabilities and OGC exception
//! reports. CPU work (rendering, encoding) runs on the rayon pool, never on
//! the async executor.

pub mod cql2;
pub mod fes;
pub mod oapif;
pub mod tiles;
pub mod wfs;
pub mod wfs11;
pub mod wms;
pub mod wms_info;

use crate::config::Config;
use crate::render::MapData;
use crate::store::Store;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse};
use std::sync::Arc;

/// Shared state of the OGC endpoints.
pub struct OwsState {
    pub maps: Arc<MapData>,
    pub store: Store,
    pub config: Config,
    pub tiles: Arc<crate::tiles::service::TileService>,
}

/// Key-value parameters of a request; names are case-insensitive.
pub struct Kvp(Vec<(String, String)>);

impl Kvp {
    pub fn from_query(q: &str) -> Result<Kvp, OwsError> {
        let pairs: Vec<(String, String)> = serde_urlencoded::from_str(q).map_err(|e| {
            OwsError::new(
                None,
                "InvalidParameterValue",
                format!("bad query string: {e}"),
            )
        })?;
        if pairs
            .iter()
            .any(|(k, v)| k.contains('\0') || v.contains('\0'))
        {
            return Err(OwsError::new(
                None,
                "InvalidParameterValue",
                "a parameter contains a NUL character",
            ));
        }
        Ok(Kvp(pairs))
    }

    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn require(&self, name: &str) -> Result<&str, OwsError> {
        match self.get(name) {
            Some(v) if !v.trim().is_empty() => Ok(v),
            _ => Err(OwsError::new(
                Some(name),
                "MissingParameterValue",
                format!("the parameter {} is missing", name.to_ascii_uppercase()),
            )),
        }
    }
}

/// An OGC service exception.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{code}: {message}")]
pub struct OwsError {
    pub code: &'static str,
    pub locator: Option<String>,
    pub message: String,
    pub status: StatusCode,
}

impl OwsError {
    pub fn new(locator: Option<&str>, code: &'static str, message: impl Into<String>) -> OwsError {
        OwsError {
            code,
            locator: locator.map(|l| l.to_ascii_uppercase()),
            message: message.into(),
            status: StatusCode::BAD_REQUEST,
        }
    }

    pub fn with_status(mut self, status: StatusCode) -> OwsError {
        self.status = status;
        self
    }

    pub fn internal(message: impl Into<String>) -> OwsError {
        OwsError {
            code: "NoApplicableCode",
            locator: None,
            message: message.into(),
            status: StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    pub fn not_found(message: impl Into<String>) -> OwsError {
        OwsError {
            code: "InvalidParameterValue",
            locator: None,
            message: message.into(),
            status: StatusCode::NOT_FOUND,
        }
    }
}

/// Escapes text for XML content and attributes.
pub fn xml_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c => out.push(c),
        }
    }
    out
}

/// Percent-encodes a path segment or query value.
pub fn urlencode(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Runs CPU work on the rayon pool and awaits its result.
pub async fn on_cpu<T: Send + 'static>(
    f: impl FnOnce() -> T + Send + 'static,
) -> Result<T, OwsError> {
    crate::render::on_rayon(f)
        .await
        .ok_or_else(|| OwsError::internal("the request failed inside the renderer"))
}

/// The base URL of this server as clients see it.
pub fn base_url(state: &OwsState, req: &HttpRequest) -> String {
    public_base_url(&state.config, req)
}

/// The configured public URL, else scheme and host of the request.
pub fn public_base_url(config: &Config, req: &HttpRequest) -> String {
    if let Some(u) = &config.service.public_url {
        return u.trim_end_matches('/').to_string();
    }
    let ci = req.connection_info();
    format!("{}://{}", ci.scheme(), ci.host())
}

pub fn xml_response(body: String, content_type: &str) -> HttpResponse {
    HttpResponse::Ok()
        .content_type(content_type.to_string())
        .insert_header(("Cache-Control", "no-cache"))
        .body(body)
}

/// An OWS 1.1 exception report (WFS 2.0, WMTS 1.0) with the error's HTTP
/// status (501 for unsupported operations and options).
pub fn ows_exception(e: &OwsError, version: &str) -> HttpResponse {
    ows_exception_of(
        e,
        version,
        "http://www.opengis.net/ows/1.1",
        "http://schemas.opengis.net/ows/1.1.0/owsExceptionReport.xsd",
    )
}

/// An ows:ExceptionReport of the OWS Common version with namespace
/// `ows_ns` (1.1 for WFS 2.0 and WMTS, 1.0 for WFS 1.1.0).
pub fn ows_exception_of(e: &OwsError, version: &str, ows_ns: &str, schema: &str) -> HttpResponse {
    const XSI_NS: &str = "http://www.w3.org/2001/XMLSchema-instance";
    let loc = e
        .locator
        .as_ref()
        .map(|l| format!(" locator=\"{}\"", xml_escape(l)))
        .unwrap_or_default();
    let body = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<ows:ExceptionReport xmlns:ows=\"{ows_ns}\" xmlns:xsi=\"{XSI_NS}\" version=\"{version}\" xml:lang=\"en\" xsi:schemaLocation=\"{ows_ns} {schema}\">\n  <ows:Exception exceptionCode=\"{}\"{loc}>\n    <ows:ExceptionText>{}</ows:ExceptionText>\n  </ows:Exception>\n</ows:ExceptionReport>\n",
        e.code,
        xml_escape(&e.message)
    );
    let status = match e.code {
        "OperationNotSupported" | "OptionNotSupported" => StatusCode::NOT_IMPLEMENTED,
        _ => e.status,
    };
    HttpResponse::build(status)
        .content_type("application/xml")
        .body(body)
}

/// Registers the OGC routes.
pub fn configure(cfg: &mut actix_web::web::ServiceConfig) {
    tiles::configure(cfg);
    wms::configure(cfg);
    wfs::configure(cfg);
    oapif::configure(cfg);
}
