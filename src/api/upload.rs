//! Plan uploads (POST /plans, /validate): media type, size limit and
//! timeout checked while the body arrives, then read as XPlanArchiv or
//! XPlanGML with the archive limits (zip bombs, unsafe member paths).

use super::{blocking, ApiError, ApiState};
use crate::xplan::InputFile;
use actix_web::{web, HttpRequest};
use futures_util::StreamExt;

/// Media types of archives and of plain XPlanGML.
const ZIP_TYPES: &[&str] = &[
    "application/zip",
    "application/x-zip",
    "application/x-zip-compressed",
    "application/octet-stream",
];
const XML_TYPES: &[&str] = &["application/gml+xml", "application/xml", "text/xml"];

/// Decodes %XX escapes (browsers can send only ASCII in headers); the
/// value as given when the result is not UTF-8.
fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let hex = |c: u8| (c as char).to_digit(16);
        if b[i] == b'%' && i + 2 < b.len() {
            if let (Some(h), Some(l)) = (hex(b[i + 1]), hex(b[i + 2])) {
                out.push((h * 16 + l) as u8);
                i += 3;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8(out).unwrap_or_else(|_| s.to_string())
}

/// The file name of an upload: X-Filename (percent-decoded) without
/// directories and control characters, else a generic name.
fn file_name(req: &HttpRequest, zip: bool) -> String {
    let given = req
        .headers()
        .get("X-Filename")
        .and_then(|v| v.to_str().ok())
        .map(|v| {
            percent_decode(v)
                .rsplit(['/', '\\'])
                .next()
                .unwrap_or("")
                .chars()
                .filter(|c| !c.is_control())
                .take(200)
                .collect::<String>()
        })
        .filter(|v| !v.trim().is_empty());
    given.unwrap_or_else(|| if zip { "upload.zip" } else { "upload.gml" }.to_string())
}

/// Reads and unpacks an upload.
pub async fn read(
    state: &ApiState,
    req: &HttpRequest,
    mut payload: web::Payload,
) -> Result<InputFile, ApiError> {
    let media = req
        .headers()
        .get(actix_web::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|v| {
            v.split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase()
        })
        .unwrap_or_default();
    let zip = ZIP_TYPES.contains(&media.as_str());
    if !zip && !XML_TYPES.contains(&media.as_str()) {
        return Err(ApiError::UnsupportedMediaType(format!(
            "Content-Type '{media}' is not accepted: send an XPlanArchiv as application/zip or XPlanGML as application/gml+xml (or text/xml)"
        )));
    }
    let max = state.config.api.max_upload_bytes;
    let too_large = || {
        ApiError::TooLarge(format!(
            "the upload is larger than the limit of {max} bytes"
        ))
    };
    let declared = req
        .headers()
        .get(actix_web::http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > max) {
        return Err(too_large());
    }
    let timeout = std::time::Duration::from_secs(state.config.api.upload_timeout_seconds);
    let mut body: Vec<u8> = Vec::with_capacity(declared.unwrap_or(0).min(max) as usize);
    let read_all = async {
        while let Some(chunk) = payload.next().await {
            let chunk =
                chunk.map_err(|e| ApiError::BadRequest(format!("cannot read the upload: {e}")))?;
            if body.len() as u64 + chunk.len() as u64 > max {
                return Err(too_large());
            }
            body.extend_from_slice(&chunk);
        }
        Ok(())
    };
    tokio::time::timeout(timeout, read_all)
        .await
        .map_err(|_| {
            ApiError::Timeout(format!(
                "the upload was not complete after {} s",
                timeout.as_secs()
            ))
        })??;
    if body.is_empty() {
        return Err(ApiError::BadRequest(
            "the request has no body: send the plan file as the body".into(),
        ));
    }
    let name = file_name(req, zip);
    let limits = state.config.limits.to_limits();
    Ok(blocking(move || crate::xplan::archive::read_input_bytes(name, body, &limits)).await??)
}

/// Validation options from the query (xPlanBox's parameter names).
#[derive(Debug, Default, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SkipParams {
    #[serde(default, deserialize_with = "flag")]
    pub skip_semantisch: bool,
    #[serde(default, deserialize_with = "flag")]
    pub skip_geometrisch: bool,
    #[serde(default, deserialize_with = "flag")]
    pub skip_flaechenschluss: bool,
    #[serde(default, deserialize_with = "flag")]
    pub skip_geltungsbereich: bool,
    #[serde(default, deserialize_with = "flag")]
    pub skip_laufrichtung: bool,
}

/// A boolean query parameter: `true`/`false` (or `1`/`0`), also where the
/// parameters are flattened into another struct (serde then hands over
/// strings, not typed values).
fn flag<'de, D: serde::Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    #[derive(serde::Deserialize)]
    #[serde(untagged)]
    enum Flag {
        Bool(bool),
        Text(String),
    }
    match <Flag as serde::Deserialize>::deserialize(d)? {
        Flag::Bool(b) => Ok(b),
        Flag::Text(t) => match t.as_str() {
            "true" | "1" => Ok(true),
            "false" | "0" => Ok(false),
            other => Err(serde::de::Error::custom(format!(
                "'{other}' is neither true nor false"
            ))),
        },
    }
}

impl SkipParams {
    pub fn options(&self) -> crate::validate::Options {
        crate::validate::Options {
            skip_geometric: self.skip_geometrisch,
            skip_semantic: self.skip_semantisch,
            skip_flaechenschluss: self.skip_flaechenschluss,
            skip_geltungsbereich: self.skip_geltungsbereich,
            skip_laufrichtung: self.skip_laufrichtung,
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn file_names_are_percent_decoded() {
        assert_eq!(super::percent_decode("Gr%C3%BCn%203.zip"), "Grün 3.zip");
        assert_eq!(super::percent_decode("100%.zip"), "100%.zip");
        assert_eq!(super::percent_decode("a%2"), "a%2");
        assert_eq!(super::percent_decode("%FF.zip"), "%FF.zip");
    }
}
