//! POST /api/v1/validate: the validation report of an uploaded plan as
//! JSON (with the located findings as GeoJSON in EPSG:4326 for maps) or HTML.

use super::{blocking, upload, ApiError, ApiState};
use crate::validate::ValidationReport;
use actix_web::{post, web, HttpRequest, HttpResponse};
use serde_json::Value;

/// Parses query parameters into `T` (400 with the reason when they do not fit).
pub(crate) fn query<T: serde::de::DeserializeOwned>(req: &HttpRequest) -> Result<T, ApiError> {
    serde_urlencoded::from_str(req.query_string())
        .map_err(|e| ApiError::BadRequest(format!("invalid query parameter: {e}")))
}

/// The report as the API returns it: the report itself plus
/// `findingsGeoJson` and `bbox4326` (lon/lat) for web maps.
pub fn report_json(report: &ValidationReport) -> Value {
    let mut v = serde_json::to_value(report).unwrap_or_default();
    let srid = report
        .crs
        .as_deref()
        .and_then(crate::gml::srs::parse_srs_name);
    let mut fc = crate::validate::report::findings_geojson(report);
    let to_wgs84 = |pts: &mut [[f64; 2]]| match srid {
        Some(s) => crate::crs::transform_xy(pts, s, 4326).is_ok(),
        None => false,
    };
    let mut keep = Vec::new();
    if let Some(features) = fc["features"].as_array_mut() {
        for mut f in features.drain(..) {
            let c = &f["geometry"]["coordinates"];
            if let (Some(x), Some(y)) = (c[0].as_f64(), c[1].as_f64()) {
                let mut p = [[x, y]];
                if to_wgs84(&mut p) {
                    f["geometry"]["coordinates"] = serde_json::json!(p[0]);
                    keep.push(f);
                }
            }
        }
    }
    fc["features"] = Value::Array(keep);
    v["findingsGeoJson"] = fc;
    if let Some(b) = report.bbox {
        let mut corners = [[b[0], b[1]], [b[2], b[1]], [b[2], b[3]], [b[0], b[3]]];
        if to_wgs84(&mut corners) {
            let (mut x0, mut y0, mut x1, mut y1) = (f64::MAX, f64::MAX, f64::MIN, f64::MIN);
            for [x, y] in corners {
                x0 = x0.min(x);
                y0 = y0.min(y);
                x1 = x1.max(x);
                y1 = y1.max(y);
            }
            v["bbox4326"] = serde_json::json!([x0, y0, x1, y1]);
        }
    }
    v
}

/// Whether the client prefers HTML (Accept names text/html before JSON).
fn wants_html(req: &HttpRequest) -> bool {
    let accept = req
        .headers()
        .get(actix_web::http::header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let pos = |t: &str| accept.find(t);
    match (pos("text/html"), pos("application/json")) {
        (Some(h), Some(j)) => h < j,
        (Some(_), None) => true,
        _ => false,
    }
}

#[post("/api/v1/validate")]
async fn validate(
    state: web::Data<ApiState>,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let skip: upload::SkipParams = query(&req)?;
    let input = upload::read(&state, &req, payload).await?;
    let opts = skip.options();
    let t0 = std::time::Instant::now();
    let report = blocking(move || {
        crate::validate::validate_text(
            &input.source_name,
            input.gml.into(),
            &input.attachments,
            &opts,
        )
        .map(|(r, _)| r)
    })
    .await??;
    state.metrics.validation(t0.elapsed(), report.valid);
    Ok(if wants_html(&req) {
        HttpResponse::Ok()
            .content_type("text/html; charset=utf-8")
            .body(crate::validate::report::to_html(&report))
    } else {
        HttpResponse::Ok().json(report_json(&report))
    })
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(validate);
}
