//! WMS GetFeatureInfo: the features under a pixel, topmost first, as HTML
//! (German; attributes with code-list labels, linked textual regulations,
//! documents), GeoJSON, GML (the plan's own XPlanGML fragments) or text.

use super::wms::{map_params_for_info, Scope, Version};
use super::{on_cpu, xml_escape, Kvp, OwsError, OwsState};
use crate::store::maps::FeatureInfo;
use crate::xplan::codelists::CodeLists;
use actix_web::{web, HttpRequest, HttpResponse};
use serde_json::Value;
use std::fmt::Write;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum InfoFormat {
    Html,
    Json,
    Gml,
    Text,
}

fn info_format(s: Option<&str>) -> Result<InfoFormat, OwsError> {
    let s = s.unwrap_or("text/html").to_ascii_lowercase();
    Ok(match s.split(';').next().unwrap_or("").trim() {
        "text/html" => InfoFormat::Html,
        "application/json" | "application/geo+json" | "json" => InfoFormat::Json,
        "application/vnd.ogc.gml" | "application/gml+xml" | "text/xml" | "application/xml"
        | "gml" | "gml3" => InfoFormat::Gml,
        "text/plain" => InfoFormat::Text,
        _ => {
            return Err(OwsError::new(
                Some("INFO_FORMAT"),
                "InvalidFormat",
                format!("INFO_FORMAT '{s}' is not offered (text/html, application/json, application/vnd.ogc.gml, text/plain)"),
            ))
        }
    })
}

pub async fn get_feature_info(
    state: &web::Data<OwsState>,
    req: &HttpRequest,
    scope: &Scope,
    kvp: &Kvp,
    v: Version,
) -> Result<HttpResponse, OwsError> {
    let (map, query_layers) = map_params_for_info(state, scope, kvp, v)?;
    let format = info_format(kvp.get("INFO_FORMAT"))?;
    let requested = kvp
        .get("INFO_FORMAT")
        .unwrap_or("text/html")
        .trim()
        .to_string();
    let (pi, pj) = if v == Version::V130 {
        ("I", "J")
    } else {
        ("X", "Y")
    };
    let coord = |name: &str, max: u32| -> Result<u32, OwsError> {
        let raw = kvp.require(name)?;
        match raw.trim().parse::<u32>() {
            Ok(n) if n < max => Ok(n),
            _ => Err(OwsError::new(
                Some(name),
                if v == Version::V130 {
                    "InvalidPoint"
                } else {
                    "InvalidParameterValue"
                },
                format!(
                    "{name} must be a pixel inside the image (0..{}), not '{raw}'",
                    max - 1
                ),
            )),
        }
    };
    let i = coord(pi, map.width)?;
    let j = coord(pj, map.height)?;
    let count = kvp
        .get("FEATURE_COUNT")
        .and_then(|c| c.trim().parse::<usize>().ok())
        .unwrap_or(1)
        .clamp(1, 50);
    let mut req_q = map.clone();
    req_q.layers = query_layers;
    let maps = state.maps.clone();
    let hits = on_cpu(move || crate::render::features_at(&maps, &req_q, i, j, 5))
        .await?
        .map_err(|e| OwsError::internal(e.to_string()))?;
    let mut infos = vec![];
    for (plan, fi) in hits.into_iter().take(count) {
        let gml_id = plan.features[fi as usize].gml_id.to_string();
        if let Some(info) = state
            .store
            .feature_info(plan.info.id, &gml_id)
            .await
            .map_err(|e| OwsError::internal(e.to_string()))?
        {
            infos.push(info);
        }
    }
    let base = super::base_url(state, req);
    // formatting reads the code lists (XSD files on first use): off the executor
    let (content_type, body) = on_cpu(move || match format {
        InfoFormat::Html => ("text/html; charset=utf-8", html(&infos, &base)),
        InfoFormat::Json => (
            if requested.contains("geo+json") {
                "application/geo+json"
            } else {
                "application/json"
            },
            json(&infos).to_string(),
        ),
        InfoFormat::Gml => {
            // application/vnd.ogc.gml (WMS clients such as OpenLayers):
            // gml:featureMember; GML 3.2 types: a WFS 2.0 collection
            let legacy = !requested.contains("gml+xml");
            let ct = if legacy {
                "application/vnd.ogc.gml"
            } else {
                "application/gml+xml; version=3.2"
            };
            (ct, gml(&infos, legacy))
        }
        InfoFormat::Text => ("text/plain; charset=utf-8", text(&infos)),
    })
    .await?;
    Ok(HttpResponse::Ok().content_type(content_type).body(body))
}

fn scalar(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(if *b { "ja" } else { "nein" }.into()),
        _ => None,
    }
}

/// A property value with code labels, as readable text.
fn readable(codes: &CodeLists, ft: &str, key: &str, v: &Value) -> String {
    match v {
        Value::Array(a) => a
            .iter()
            .map(|e| readable(codes, ft, key, e))
            .collect::<Vec<_>>()
            .join("; "),
        Value::Object(o) => {
            if let (Some(val), Some(uom)) = (o.get("value"), o.get("uom")) {
                let u = match uom.as_str().unwrap_or("") {
                    "m2" => "m²",
                    "m3" => "m³",
                    "grad" => "°",
                    u => u,
                };
                return format!("{} {u}", scalar(val).unwrap_or_default());
            }
            if let Some(h) = o.get("href").and_then(|h| h.as_str()) {
                return format!("→ {h}");
            }
            o.iter()
                .filter(|(k, _)| !k.starts_with('@'))
                .map(|(k, v)| format!("{k}: {}", readable(codes, ft, k, v)))
                .collect::<Vec<_>>()
                .join(", ")
        }
        v => {
            let s = scalar(v).unwrap_or_default();
            match (s.as_str(), v) {
                ("true", _) => "ja".into(),
                ("false", _) => "nein".into(),
                _ => match codes.label(ft, key, &s) {
                    Some(l) => format!("{l} ({s})"),
                    None => s,
                },
            }
        }
    }
}

fn codes_of(info: &FeatureInfo) -> std::sync::Arc<CodeLists> {
    let v = crate::xplan::Version::parse(&info.version).unwrap_or(crate::xplan::Version::V6_0);
    CodeLists::of(v)
}

fn is_link(s: &str) -> bool {
    s.starts_with("http://") || s.starts_with("https://")
}

fn html(infos: &[FeatureInfo], base: &str) -> String {
    let mut h = String::from(
        "<!DOCTYPE html>\n<html lang=\"de\"><head><meta charset=\"utf-8\"><title>Objektinformation</title>\
         <style>body{font-family:sans-serif;font-size:13px}table{border-collapse:collapse;margin-bottom:1em}\
         th,td{border:1px solid #bbb;padding:2px 6px;text-align:left;vertical-align:top}th{background:#eee}\
         h2{font-size:15px;margin:.6em 0 .3em}</style></head><body>\n",
    );
    if infos.is_empty() {
        h.push_str("<p>An dieser Stelle liegt kein Planinhalt.</p>\n");
    }
    for info in infos {
        let codes = codes_of(info);
        let esc = xml_escape;
        let _ = write!(
            h,
            "<h2>{} <small>({})</small></h2>\n<table>\n<tr><th>Plan</th><td>{}</td></tr>\n<tr><th>gml:id</th><td>{}</td></tr>\n",
            esc(&info.feature_type),
            esc(&info.version),
            esc(&info.plan_name),
            esc(&info.gml_id)
        );
        if let Value::Object(o) = &info.properties {
            for (k, v) in o {
                if matches!(
                    k.as_str(),
                    "gehoertZuBereich" | "refTextInhalt" | "wirdDargestelltDurch" | "gehoertZuPlan"
                ) {
                    continue;
                }
                let text = readable(&codes, &info.feature_type, k, v);
                let cell = if is_link(&text) {
                    format!(
                        "<a href=\"{0}\" target=\"_blank\" rel=\"noopener\">{0}</a>",
                        esc(&text)
                    )
                } else {
                    esc(&text)
                };
                let _ = writeln!(h, "<tr><th>{}</th><td>{cell}</td></tr>", esc(k));
            }
        }
        h.push_str("</table>\n");
        if !info.texts.is_empty() {
            h.push_str("<h2>Textliche Festsetzungen</h2>\n<table>\n");
            for (id, t) in &info.texts {
                let key = t
                    .get("schluessel")
                    .and_then(scalar)
                    .unwrap_or_else(|| id.clone());
                let body = t.get("text").and_then(scalar).unwrap_or_default();
                let law = t
                    .get("gesetzlicheGrundlage")
                    .map(|g| readable(&codes, "", "", g))
                    .unwrap_or_default();
                let _ = writeln!(
                    h,
                    "<tr><th>{}</th><td>{}{}</td></tr>",
                    esc(&key),
                    esc(&body).replace('\n', "<br>"),
                    if law.is_empty() {
                        String::new()
                    } else {
                        format!("<br><em>{}</em>", esc(&law))
                    }
                );
            }
            h.push_str("</table>\n");
        }
        if !info.documents.is_empty() {
            h.push_str("<h2>Dokumente zum Plan</h2>\n<ul>\n");
            for d in &info.documents {
                let _ = writeln!(
                    h,
                    "<li><a href=\"{}/api/v1/plans/{}/documents/{}\" target=\"_blank\">{}</a></li>",
                    esc(base),
                    info.plan_id,
                    esc(&super::urlencode(d)),
                    esc(d)
                );
            }
            h.push_str("</ul>\n");
        }
    }
    h.push_str("</body></html>\n");
    h
}

fn json(infos: &[FeatureInfo]) -> Value {
    let features: Vec<Value> = infos
        .iter()
        .map(|i| {
            let codes = codes_of(i);
            let mut labels = serde_json::Map::new();
            if let Value::Object(o) = &i.properties {
                for (k, v) in o {
                    if let Some(s) = scalar(v) {
                        if let Some(l) = codes.label(&i.feature_type, k, &s) {
                            labels.insert(k.clone(), Value::String(l.to_string()));
                        }
                    }
                }
            }
            serde_json::json!({
                "type": "Feature",
                "id": i.gml_id,
                "geometry": i.geometry,
                "properties": {
                    "featureType": i.feature_type,
                    "planId": i.plan_id,
                    "planName": i.plan_name,
                    "version": i.version,
                    "attributes": i.properties,
                    "labels": labels,
                    "texts": i.texts.iter().map(|(id, t)| serde_json::json!({"gmlId": id, "properties": t})).collect::<Vec<_>>(),
                    "documents": i.documents,
                }
            })
        })
        .collect();
    serde_json::json!({ "type": "FeatureCollection", "features": features })
}

fn gml(infos: &[FeatureInfo], legacy: bool) -> String {
    let mut ns: Vec<(String, String)> = vec![
        ("wfs".into(), "http://www.opengis.net/wfs/2.0".into()),
        ("gml".into(), "http://www.opengis.net/gml/3.2".into()),
        ("xlink".into(), "http://www.w3.org/1999/xlink".into()),
    ];
    for i in infos {
        for (p, u) in crate::store::namespace_bindings(&i.namespaces) {
            if !p.is_empty() && !ns.iter().any(|(q, _)| *q == p) {
                ns.push((p, u));
            }
        }
    }
    let (root, member) = if legacy {
        ("gml:FeatureCollection", "gml:featureMember")
    } else {
        ("wfs:FeatureCollection", "wfs:member")
    };
    let mut x = format!("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<{root}");
    for (p, u) in &ns {
        let _ = write!(x, " xmlns:{p}=\"{}\"", xml_escape(u));
    }
    if legacy {
        x.push_str(">\n");
    } else {
        let _ = writeln!(
            x,
            " numberMatched=\"{0}\" numberReturned=\"{0}\" timeStamp=\"{1}\">",
            infos.len(),
            chrono::Utc::now().format("%Y-%m-%dT%H:%M:%SZ")
        );
    }
    for i in infos {
        let _ = writeln!(x, "  <{member}>{}</{member}>", i.xml);
    }
    let _ = writeln!(x, "</{root}>");
    x
}

fn text(infos: &[FeatureInfo]) -> String {
    let mut t = String::new();
    if infos.is_empty() {
        t.push_str("Kein Planinhalt an dieser Stelle.\n");
    }
    for i in infos {
        let codes = codes_of(i);
        let _ = writeln!(t, "{} {} (Plan {})", i.feature_type, i.gml_id, i.plan_name);
        if let Value::Object(o) = &i.properties {
            for (k, v) in o {
                let _ = writeln!(t, "  {k} = {}", readable(&codes, &i.feature_type, k, v));
            }
        }
        t.push('\n');
    }
    t
}
