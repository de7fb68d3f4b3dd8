//! OGC API – Features at /ogcapi: Part 1 (core, GeoJSON, HTML, OpenAPI
//! 3.0), Part 2 (CRS by reference) and Part 3 (queryables, property
//! filters, CQL2 text). One collection per XPlanGML version and feature
//! class with features (`BP_BaugebietsTeilFlaeche_54`), on the same query
//! and streaming core as the WFS.

use super::{base_url, cql2, fes, on_cpu, urlencode, wfs, xml_escape, OwsError, OwsState};
use crate::store::features::{Columns, FeatureQuery, Filter, Prop};
use crate::xplan::codelists::CodeLists;
use crate::xplan::flat::Labels;
use crate::xplan::Version;
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use serde_json::{json, Value};
use std::fmt::Write;

const PREFIX: &str = "/ogcapi";
const CRS84: &str = "http://www.opengis.net/def/crs/OGC/1.3/CRS84";
const DEFAULT_LIMIT: i64 = 10;
const MAX_LIMIT: i64 = 10_000;

const CONFORMANCE: [&str; 20] = [
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/html",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
    "http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables-query-parameters",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/filter",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/features-filter",
    "http://www.opengis.net/spec/cql2/1.0/conf/cql2-text",
    "http://www.opengis.net/spec/cql2/1.0/conf/basic-cql2",
    "http://www.opengis.net/spec/cql2/1.0/conf/basic-spatial-functions",
    "http://www.opengis.net/spec/cql2/1.0/conf/basic-spatial-functions-plus",
    // OGC API – Tiles (ows::tiles)
    "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/tileset",
    "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/tilesets-list",
    "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/dataset-tilesets",
    "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/png",
    "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/mvt",
    "http://www.opengis.net/spec/tms/2.0/conf/json-tilematrixset",
];

/// Query parameters of /items that are not property filters.
const ITEM_PARAMS: [&str; 10] = [
    "f",
    "limit",
    "offset",
    "bbox",
    "bbox-crs",
    "crs",
    "filter",
    "filter-lang",
    "filter-crs",
    "datetime",
];

/// An API error: JSON {code, description} with its HTTP status.
fn error(status: StatusCode, code: &str, description: impl Into<String>) -> HttpResponse {
    HttpResponse::build(status)
        .content_type("application/json")
        .body(json!({"code": code, "description": description.into()}).to_string())
}

fn from_ows(e: OwsError) -> HttpResponse {
    let status = if e.status == StatusCode::NOT_FOUND || e.status == StatusCode::SERVICE_UNAVAILABLE
    {
        e.status
    } else if e.status.is_server_error() {
        StatusCode::INTERNAL_SERVER_ERROR
    } else {
        StatusCode::BAD_REQUEST
    };
    error(status, e.code, e.message)
}

fn bad(param: &str, msg: impl Into<String>) -> OwsError {
    OwsError::new(Some(param), "InvalidParameterValue", msg)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fmt {
    Json,
    Html,
}

fn query_pairs(req: &HttpRequest) -> Result<Vec<(String, String)>, OwsError> {
    let q: Vec<(String, String)> = serde_urlencoded::from_str(req.query_string())
        .map_err(|e| bad("query", format!("bad query string: {e}")))?;
    if q.iter().any(|(k, v)| k.contains('\0') || v.contains('\0')) {
        return Err(bad("query", "a parameter contains a NUL character"));
    }
    Ok(q)
}

fn param<'a>(q: &'a [(String, String)], name: &str) -> Option<&'a str> {
    q.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
}

/// f=json|html, else the Accept header (browsers get HTML).
fn negotiate(req: &HttpRequest, q: &[(String, String)]) -> Result<Fmt, OwsError> {
    match param(q, "f") {
        Some("json") | Some("geojson") => return Ok(Fmt::Json),
        Some("html") => return Ok(Fmt::Html),
        Some(other) => return Err(bad("f", format!("f={other}: use json or html"))),
        None => {}
    }
    let accept = req
        .headers()
        .get("accept")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let html = accept.find("text/html");
    let json = accept.find("json");
    Ok(match (html, json) {
        (Some(h), Some(j)) if h < j => Fmt::Html,
        (Some(_), None) => Fmt::Html,
        _ => Fmt::Json,
    })
}

fn json_response(v: &Value, content_type: &str) -> HttpResponse {
    HttpResponse::Ok()
        .content_type(content_type.to_string())
        .body(v.to_string())
}

/// A page of the HTML interface (German, no external resources).
fn page(title: &str, crumbs: &[(&str, String)], body: &str) -> HttpResponse {
    let mut nav = String::new();
    for (i, (name, href)) in crumbs.iter().enumerate() {
        if i > 0 {
            nav.push_str(" / ");
        }
        let _ = write!(
            nav,
            "<a href=\"{}\">{}</a>",
            xml_escape(href),
            xml_escape(name)
        );
    }
    let html = format!(
        "<!DOCTYPE html>\n<html lang=\"de\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>{t}</title><style>body{{font-family:sans-serif;max-width:70em;margin:1em auto;padding:0 1em;color:#111}}a{{color:#0645ad}}table{{border-collapse:collapse}}td,th{{border:1px solid #bbb;padding:.2em .5em;text-align:left;vertical-align:top}}nav{{margin-bottom:1em}}code{{background:#eee}}</style></head><body><nav>{nav}</nav><h1>{t}</h1>\n{body}\n</body></html>\n",
        t = xml_escape(title)
    );
    HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .body(html)
}

fn link(href: &str, rel: &str, ty: &str, title: &str) -> Value {
    json!({"href": href, "rel": rel, "type": ty, "title": title})
}

fn crs_uri(srid: u32) -> String {
    format!("http://www.opengis.net/def/crs/EPSG/0/{srid}")
}

/// The CRSs offered: CRS84 first, then the storage CRS and the others.
fn crs_list(state: &OwsState) -> Vec<String> {
    let mut v = vec![CRS84.to_string(), crs_uri(state.store.storage_srid)];
    for c in fes::OTHER_CRS {
        let u = crs_uri(c);
        if !v.contains(&u) {
            v.push(u);
        }
    }
    v
}

/// A CRS parameter: (srid, lat/lon order, URI to report).
fn parse_crs(
    state: &OwsState,
    name: &str,
    value: Option<&str>,
) -> Result<(u32, bool, String), OwsError> {
    let Some(v) = value else {
        return Ok((4326, false, CRS84.into()));
    };
    let v = v.trim().trim_start_matches('[').trim_end_matches(']');
    let (srid, lat_lon) = fes::parse_crs(v)
        .filter(|(s, _)| *s == state.store.storage_srid || fes::OTHER_CRS.contains(s))
        .ok_or_else(|| {
            bad(
                name,
                format!("{name}={v} is not offered (see the collection's crs list)"),
            )
        })?;
    let uri =
        if lat_lon || !crate::crs::is_geographic(srid) || !v.to_ascii_lowercase().contains("crs84")
        {
            crs_uri(srid)
        } else {
            CRS84.to_string()
        };
    Ok((srid, lat_lon, uri))
}

/// A collection: the features of one type in one XPlanGML version.
struct Collection {
    id: String,
    version: Version,
    feature_type: String,
    count: i64,
    extent: Option<[f64; 4]>,
}

fn collection_id(v: Version, t: &str) -> String {
    format!("{t}_{}", v.as_str().replace('.', ""))
}

async fn collections(state: &OwsState) -> Result<Vec<Collection>, OwsError> {
    let (counts, extents) = state
        .store
        .feature_collections()
        .await
        .map_err(wfs::store_err)?;
    Ok(counts
        .into_iter()
        .filter_map(|(v, t, count)| {
            let version = Version::parse(&v)?;
            Some(Collection {
                id: collection_id(version, &t),
                version,
                feature_type: t,
                count,
                extent: extents.get(&v).copied(),
            })
        })
        .collect())
}

/// One collection by id (`BP_Plan_54`): the type checked against the
/// version's schema, then only its features counted.
async fn collection(state: &OwsState, id: &str) -> Result<Collection, OwsError> {
    let missing =
        || OwsError::not_found(format!("no collection '{id}' (see {PREFIX}/collections)"));
    let (t, digits) = id.rsplit_once('_').ok_or_else(missing)?;
    let version = Version::ALL
        .into_iter()
        .find(|v| v.as_str().replace('.', "") == digits)
        .ok_or_else(missing)?;
    if !CodeLists::of(version).feature_types().contains(&t) {
        return Err(missing());
    }
    let (count, extent) = state
        .store
        .feature_collection(version.as_str(), t)
        .await
        .map_err(wfs::store_err)?;
    if count == 0 {
        return Err(missing());
    }
    Ok(Collection {
        id: id.to_string(),
        version,
        feature_type: t.to_string(),
        count,
        extent,
    })
}

type QueryPairs = Vec<(String, String)>;

/// The query pairs, the negotiated format and the API's base URL.
fn prelude(state: &OwsState, req: &HttpRequest) -> Result<(QueryPairs, Fmt, String), OwsError> {
    let q = query_pairs(req)?;
    let fmt = negotiate(req, &q)?;
    Ok((q, fmt, base(state, req)))
}

/// The API's base URL; characters that have no place in a URL but a
/// meaning in HTML (from a forged Host header) are percent-encoded, as the
/// URL is written into HTML pages.
fn base(state: &OwsState, req: &HttpRequest) -> String {
    let mut out = String::new();
    for c in format!("{}{PREFIX}", base_url(state, req)).chars() {
        match c {
            '"' | '<' | '>' | '\'' | '`' | ' ' | '\\' => {
                out.push_str(&format!("%{:02X}", c as u32))
            }
            c if c.is_control() => out.push_str(&format!("%{:02X}", c as u32)),
            c => out.push(c),
        }
    }
    out
}

fn plan_type_title(t: &str) -> &'static str {
    match t.get(..2) {
        Some("BP") => "Bebauungsplan",
        Some("FP") => "Flächennutzungsplan",
        Some("RP") => "Raumordnungsplan",
        Some("LP") => "Landschaftsplan",
        Some("SO") => "Sonstiger Plan",
        _ => "alle Planarten",
    }
}

fn collection_json(state: &OwsState, c: &Collection, base: &str) -> Value {
    let url = format!("{base}/collections/{}", c.id);
    let mut v = json!({
        "id": c.id,
        "title": format!("{} (XPlanGML {})", c.feature_type, c.version),
        "description": format!("{} Objekte der Klasse {} ({}) aus Plänen nach XPlanGML {}", c.count, c.feature_type, plan_type_title(&c.feature_type), c.version),
        "itemType": "feature",
        "crs": crs_list(state),
        "storageCrs": crs_uri(state.store.storage_srid),
        "links": [
            link(&url, "self", "application/json", "diese Sammlung"),
            link(&format!("{url}?f=html"), "alternate", "text/html", "als HTML"),
            link(&format!("{url}/items"), "items", wfs::GEOJSON_FORMAT, "Objekte als GeoJSON"),
            link(&format!("{url}/items?f=html"), "items", "text/html", "Objekte als HTML"),
            link(&format!("{url}/queryables"), "http://www.opengis.net/def/rel/ogc/1.0/queryables", "application/schema+json", "abfragbare Eigenschaften"),
        ],
    });
    if let Some(e) = c.extent {
        v["extent"] = json!({"spatial": {"bbox": [e], "crs": CRS84}});
    }
    v
}

async fn landing(state: web::Data<OwsState>, req: HttpRequest) -> HttpResponse {
    let run = async {
        let (_, fmt, b) = prelude(&state, &req)?;
        let svc = &state.config.service;
        let v = json!({
            "title": format!("{} – OGC API Features", svc.title),
            "description": svc.abstract_text,
            "links": [
                link(&b, "self", "application/json", "diese Seite"),
                link(&format!("{b}?f=html"), "alternate", "text/html", "als HTML"),
                link(&format!("{b}/api"), "service-desc", "application/vnd.oai.openapi+json;version=3.0", "API-Beschreibung (OpenAPI 3.0)"),
                link(&format!("{b}/conformance"), "conformance", "application/json", "Konformitätsklassen"),
                link(&format!("{b}/collections"), "data", "application/json", "Sammlungen"),
                link(&format!("{b}/tileMatrixSets"), "http://www.opengis.net/def/rel/ogc/1.0/tiling-schemes", "application/json", "Kachelschemata"),
                link(&format!("{b}/map/tiles"), "http://www.opengis.net/def/rel/ogc/1.0/tilesets-map", "application/json", "Kartenkacheln (PNG)"),
                link(&format!("{b}/tiles"), "http://www.opengis.net/def/rel/ogc/1.0/tilesets-vector", "application/json", "Vektorkacheln (MVT)"),
            ],
        });
        Ok::<_, OwsError>(match fmt {
            Fmt::Json => json_response(&v, "application/json"),
            Fmt::Html => page(
                &format!("{} – OGC API Features", svc.title),
                &[("Start", format!("{b}?f=html"))],
                &format!(
                    "<p>{}</p><ul><li><a href=\"{b}/collections?f=html\">Sammlungen (Objektarten je XPlanGML-Version)</a></li><li><a href=\"{b}/conformance?f=html\">Konformitätsklassen</a></li><li><a href=\"{b}/api\">API-Beschreibung (OpenAPI 3.0, JSON)</a></li></ul>",
                    xml_escape(&svc.abstract_text)
                ),
            ),
        })
    };
    run.await.unwrap_or_else(from_ows)
}

async fn conformance(state: web::Data<OwsState>, req: HttpRequest) -> HttpResponse {
    let run = async {
        let q = query_pairs(&req)?;
        let b = base(&state, &req);
        Ok::<_, OwsError>(match negotiate(&req, &q)? {
            Fmt::Json => json_response(&json!({ "conformsTo": CONFORMANCE }), "application/json"),
            Fmt::Html => {
                let items: String = CONFORMANCE
                    .iter()
                    .map(|c| format!("<li><code>{c}</code></li>"))
                    .collect();
                page(
                    "Konformitätsklassen",
                    &[("Start", format!("{b}?f=html"))],
                    &format!("<ul>{items}</ul>"),
                )
            }
        })
    };
    run.await.unwrap_or_else(from_ows)
}

async fn collections_handler(state: web::Data<OwsState>, req: HttpRequest) -> HttpResponse {
    let run = async {
        let (_, fmt, b) = prelude(&state, &req)?;
        let cs = collections(&state).await?;
        Ok::<_, OwsError>(match fmt {
            Fmt::Json => json_response(
                &json!({
                    "links": [
                        link(&format!("{b}/collections"), "self", "application/json", "Sammlungen"),
                        link(&format!("{b}/collections?f=html"), "alternate", "text/html", "als HTML"),
                    ],
                    "crs": crs_list(&state),
                    "collections": cs.iter().map(|c| collection_json(&state, c, &b)).collect::<Vec<_>>(),
                }),
                "application/json",
            ),
            Fmt::Html => {
                let mut body = String::new();
                let mut last: Option<(Version, &str)> = None;
                for c in &cs {
                    let group = (c.version, plan_type_title(&c.feature_type));
                    if last != Some(group) {
                        if last.is_some() {
                            body.push_str("</tbody></table>");
                        }
                        let _ = write!(body, "<h2>XPlanGML {} – {}</h2><table><thead><tr><th>Sammlung</th><th>Objekte</th></tr></thead><tbody>", group.0, group.1);
                        last = Some(group);
                    }
                    let _ = write!(body, "<tr><td><a href=\"{b}/collections/{id}/items?f=html\">{t}</a></td><td>{n}</td></tr>", id = urlencode(&c.id), t = xml_escape(&c.feature_type), n = c.count);
                }
                if last.is_some() {
                    body.push_str("</tbody></table>");
                } else {
                    body.push_str("<p>Es sind keine Pläne gespeichert.</p>");
                }
                page("Sammlungen", &[("Start", format!("{b}?f=html"))], &body)
            }
        })
    };
    run.await.unwrap_or_else(from_ows)
}

async fn collection_handler(
    state: web::Data<OwsState>,
    req: HttpRequest,
    path: web::Path<String>,
) -> HttpResponse {
    let run = async {
        let (_, fmt, b) = prelude(&state, &req)?;
        let c = collection(&state, &path).await?;
        Ok::<_, OwsError>(match fmt {
            Fmt::Json => json_response(&collection_json(&state, &c, &b), "application/json"),
            Fmt::Html => page(
                &format!("{} (XPlanGML {})", c.feature_type, c.version),
                &[("Start", format!("{b}?f=html")), ("Sammlungen", format!("{b}/collections?f=html"))],
                &format!(
                    "<p>{n} Objekte.</p><ul><li><a href=\"{b}/collections/{id}/items?f=html\">Objekte</a></li><li><a href=\"{b}/collections/{id}/items\">Objekte als GeoJSON</a></li><li><a href=\"{b}/collections/{id}/queryables\">abfragbare Eigenschaften</a></li></ul>",
                    n = c.count,
                    id = urlencode(&c.id)
                ),
            ),
        })
    };
    run.await.unwrap_or_else(from_ows)
}

/// The JSON Schema type of an XSD type of a property.
fn schema_type(xsd: &str, codes: &Option<Vec<String>>) -> Value {
    if let Some(c) = codes {
        return json!({"type": "string", "enum": c});
    }
    let l = xsd.to_ascii_lowercase();
    let geometric = [
        "geometr",
        "surface",
        "curve",
        "point",
        "polygon",
        "linestring",
    ]
    .iter()
    .any(|g| l.contains(g));
    if geometric && l.ends_with("propertytype") || l.contains("geometrie") {
        return json!({"format": "geometry-any"});
    }
    match l.as_str() {
        "boolean" => json!({"type": "boolean"}),
        "integer" | "int" | "long" | "nonnegativeinteger" | "positiveinteger" => {
            json!({"type": "integer"})
        }
        "double" | "decimal" | "float" | "lengthtype" | "areatype" | "volumetype" | "angletype"
        | "measuretype" => json!({"type": "number"}),
        "date" => json!({"type": "string", "format": "date"}),
        "datetime" => json!({"type": "string", "format": "date-time"}),
        _ => json!({"type": "string"}),
    }
}

async fn queryables(
    state: web::Data<OwsState>,
    req: HttpRequest,
    path: web::Path<String>,
) -> HttpResponse {
    let run = async {
        let (_, fmt, b) = prelude(&state, &req)?;
        let c = collection(&state, &path).await?;
        let codes = CodeLists::of(c.version);
        let mut props = serde_json::Map::new();
        props.insert("id".into(), json!({"title": "gml:id", "type": "string"}));
        for (name, ty, en) in codes.properties(&c.feature_type) {
            let mut s = schema_type(&ty, &en);
            s["title"] = Value::String(name.clone());
            props.insert(name, s);
        }
        Ok::<_, OwsError>(match fmt {
            Fmt::Json => json_response(
                &json!({
                    "$schema": "https://json-schema.org/draft/2020-12/schema",
                    "$id": format!("{b}/collections/{}/queryables", c.id),
                    "type": "object",
                    "title": c.feature_type,
                    "properties": props,
                    "additionalProperties": true,
                }),
                "application/schema+json",
            ),
            Fmt::Html => {
                let rows: String = props
                    .iter()
                    .map(|(k, v)| {
                        format!(
                            "<tr><td><code>{}</code></td><td>{}</td></tr>",
                            xml_escape(k),
                            xml_escape(
                                &v.get("type")
                                    .or(v.get("format"))
                                    .map(|t| t.to_string())
                                    .unwrap_or_default()
                            )
                        )
                    })
                    .collect();
                page(
                    &format!("Abfragbare Eigenschaften: {}", c.feature_type),
                    &[("Start", format!("{b}?f=html")), ("Sammlungen", format!("{b}/collections?f=html"))],
                    &format!("<p>Als Parameter (<code>?rechtscharakter=1000</code>) oder in CQL2 (<code>?filter=GRZ &gt; 0.3</code>); Datentypen mit Punkt (<code>gemeinde.ags</code>).</p><table><tr><th>Eigenschaft</th><th>Typ</th></tr>{rows}</table>"),
                )
            }
        })
    };
    run.await.unwrap_or_else(from_ows)
}

/// Property names of filters: "id", a queryable, or a path into one
/// ("gemeinde.ags"); the first step must be a property of the type.
fn property_mapper(codes: &CodeLists, feature_type: &str) -> impl Fn(&str) -> Result<Prop, String> {
    let known: std::collections::HashSet<String> = codes
        .properties(feature_type)
        .into_iter()
        .map(|p| p.0)
        .collect();
    move |name: &str| {
        if name == "id" || name == "gml:id" || name == "@gml:id" {
            return Ok(Prop::GmlId);
        }
        let steps: Vec<String> = name
            .split(['.', '/'])
            .map(|s| s.rsplit(':').next().unwrap_or(s).to_string())
            .filter(|s| !fes::is_type_name(s))
            .collect();
        match steps.first() {
            Some(first) if known.contains(first) => Ok(Prop::Path(steps)),
            _ => Err(format!(
                "'{name}' is not a queryable property (see /queryables)"
            )),
        }
    }
}

struct ItemsRequest {
    query: FeatureQuery,
    limit: i64,
    offset: i64,
    out_srid: u32,
    lat_lon: bool,
    crs_uri: String,
}

fn items_request(
    state: &OwsState,
    c: &Collection,
    q: &[(String, String)],
) -> Result<ItemsRequest, OwsError> {
    let int = |name: &str, default: i64, max: i64| -> Result<i64, OwsError> {
        match param(q, name) {
            None => Ok(default),
            Some(v) => v
                .parse::<i64>()
                .ok()
                .filter(|n| *n >= 0)
                .map(|n| n.min(max))
                .ok_or_else(|| bad(name, format!("{name}={v} is not a non-negative integer"))),
        }
    };
    let limit = int("limit", DEFAULT_LIMIT, MAX_LIMIT)?.max(1);
    let offset = int("offset", 0, i64::MAX)?;
    let (out_srid, lat_lon, crs_uri) = parse_crs(state, "crs", param(q, "crs"))?;
    let codes = CodeLists::of(c.version);
    let props = property_mapper(&codes, &c.feature_type);
    let mut and = vec![Filter::Types(vec![c.feature_type.clone()])];
    if let Some(bb) = param(q, "bbox") {
        let n: Vec<f64> = bb
            .split(',')
            .map(|s| s.trim().parse::<f64>())
            .collect::<Result<_, _>>()
            .map_err(|_| bad("bbox", format!("bbox={bb} is not a list of numbers")))?;
        let (a, b) = match n.len() {
            4 => ((n[0], n[1]), (n[2], n[3])),
            6 => ((n[0], n[1]), (n[3], n[4])),
            _ => return Err(bad("bbox", "bbox takes 4 (or 6) numbers")),
        };
        if n.iter().any(|x| !x.is_finite()) {
            return Err(bad("bbox", "bbox has a value that is not finite"));
        }
        let (srid, ll, _) = parse_crs(state, "bbox-crs", param(q, "bbox-crs"))?;
        let ctx = fes::GeomContext {
            storage_srid: state.store.storage_srid,
            default_srid: srid,
            default_lat_lon: ll,
        };
        let ewkb = fes::box_ewkb(
            crate::gml::Coord::new(a.0, a.1),
            crate::gml::Coord::new(b.0, b.1),
            srid,
            ll,
            &ctx,
        )
        .map_err(|e| bad("bbox", e.message))?;
        and.push(Filter::Spatial {
            op: crate::store::features::SpatialOp::Intersects,
            ewkb,
        });
    }
    if let Some(dt) = param(q, "datetime") {
        let (from, to) = parse_datetime(dt)?;
        and.push(Filter::PlanInForce { from, to });
    }
    if let Some(text) = param(q, "filter") {
        match param(q, "filter-lang") {
            None | Some("cql2-text") => {}
            Some(l) => {
                return Err(bad(
                    "filter-lang",
                    format!("filter-lang={l}: only cql2-text is supported"),
                ))
            }
        }
        let (srid, ll, _) = parse_crs(state, "filter-crs", param(q, "filter-crs"))?;
        let ctx = fes::GeomContext {
            storage_srid: state.store.storage_srid,
            default_srid: srid,
            default_lat_lon: ll,
        };
        let geom = move |g: crate::gml::Geometry| {
            fes::to_storage(g, srid, ll, &ctx).map_err(|e| e.message)
        };
        let f = cql2::parse(text, &props, &geom).map_err(|e| bad("filter", e.to_string()))?;
        and.push(f);
    }
    for (k, v) in q {
        if ITEM_PARAMS.contains(&k.as_str()) {
            continue;
        }
        let prop = props(k).map_err(|m| bad(k, format!("unknown parameter: {m}")))?;
        and.push(Filter::Compare {
            prop,
            op: crate::store::features::CmpOp::Eq,
            value: v.clone(),
            match_case: true,
        });
    }
    Ok(ItemsRequest {
        query: FeatureQuery {
            version: c.version.as_str().to_string(),
            statuses: vec![],
            filter: Filter::And(and),
            sort: vec![],
            start: offset,
            count: Some(limit),
        },
        limit,
        offset,
        out_srid,
        lat_lon,
        crs_uri,
    })
}

/// `datetime`: an instant or an interval (`a/b`, `../b`, `a/..`), as
/// dates (a time of day is cut off): the features of plans in force then.
fn parse_datetime(v: &str) -> Result<(Option<String>, Option<String>), OwsError> {
    let date = |s: &str| -> Result<Option<String>, OwsError> {
        let s = s.trim();
        if s.is_empty() || s == ".." {
            return Ok(None);
        }
        let d = s.get(..10).unwrap_or(s);
        let ok = d.len() == 10
            && d.bytes().enumerate().all(|(i, b)| {
                if i == 4 || i == 7 {
                    b == b'-'
                } else {
                    b.is_ascii_digit()
                }
            })
            && (s.len() == 10 || s.as_bytes()[10] == b'T' || s.as_bytes()[10] == b't');
        if ok {
            Ok(Some(d.to_string()))
        } else {
            Err(bad("datetime", format!("datetime '{v}': dates are written YYYY-MM-DD (RFC 3339), intervals a/b, ../b or a/..")))
        }
    };
    match v.split_once('/') {
        None => {
            let d = date(v)?;
            if d.is_none() {
                return Err(bad("datetime", "datetime needs a date or an interval"));
            }
            Ok((d.clone(), d))
        }
        Some((a, b)) => {
            let (from, to) = (date(a)?, date(b)?);
            if let (Some(f), Some(t)) = (&from, &to) {
                if f > t {
                    return Err(bad(
                        "datetime",
                        format!("datetime '{v}': the interval ends before it starts"),
                    ));
                }
            }
            Ok((from, to))
        }
    }
}

/// The query string with offset replaced (for paging links).
fn with_offset(q: &[(String, String)], offset: i64) -> String {
    let mut parts: Vec<String> = q
        .iter()
        .filter(|(k, _)| k != "offset")
        .map(|(k, v)| format!("{}={}", urlencode(k), urlencode(v)))
        .collect();
    parts.push(format!("offset={offset}"));
    parts.join("&")
}

async fn items(
    state: web::Data<OwsState>,
    req: HttpRequest,
    path: web::Path<String>,
) -> HttpResponse {
    let run = async {
        let (q, fmt, b) = prelude(&state, &req)?;
        let c = collection(&state, &path).await?;
        let ir = items_request(&state, &c, &q)?;
        let url = format!("{b}/collections/{}/items", c.id);
        let frame = wfs::geojson_frame(&state, c.version, ir.out_srid, ir.lat_lon).await?;
        let cols = Columns {
            xml: false,
            geojson: true,
            wkb: true,
        };
        if fmt == Fmt::Html {
            let rows = state
                .store
                .query_features(&ir.query, cols)
                .await
                .map_err(wfs::store_err)?;
            let matched = state
                .store
                .count_features(&ir.query)
                .await
                .map_err(wfs::store_err)?;
            let f2 = frame.clone();
            let features = on_cpu(move || -> Result<Vec<Value>, String> {
                let mut labels = Labels::new();
                rows.iter()
                    .map(|r| {
                        let mut s = String::new();
                        f2.geojson_feature(r, true, &mut s, &mut labels)?;
                        serde_json::from_str(s.trim()).map_err(|e| e.to_string())
                    })
                    .collect()
            })
            .await?
            .map_err(OwsError::internal)?;
            let mut body = format!(
                "<p>Objekte {} bis {} von {matched}.</p>",
                ir.offset.saturating_add(1).min(matched),
                ir.offset.saturating_add(features.len() as i64).min(matched)
            );
            for f in &features {
                let id = f["id"].as_str().unwrap_or("");
                let _ = write!(
                    body,
                    "<h3><a href=\"{url}/{}?f=html\">{}</a></h3>{}",
                    urlencode(id),
                    xml_escape(id),
                    properties_table(&f["properties"])
                );
            }
            let mut nav = vec![];
            if ir.offset > 0 {
                nav.push(format!(
                    "<a href=\"{url}?{}\">zurück</a>",
                    xml_escape(&with_offset(&q, ir.offset.saturating_sub(ir.limit).max(0)))
                ));
            }
            if ir.offset.saturating_add(ir.limit) < matched {
                nav.push(format!(
                    "<a href=\"{url}?{}\">weiter</a>",
                    xml_escape(&with_offset(&q, ir.offset.saturating_add(ir.limit)))
                ));
            }
            let _ = write!(body, "<p>{}</p>", nav.join(" | "));
            return Ok(page(
                &format!("{} (XPlanGML {})", c.feature_type, c.version),
                &[
                    ("Start", format!("{b}?f=html")),
                    ("Sammlungen", format!("{b}/collections?f=html")),
                    (c.id.as_str(), format!("{b}/collections/{}?f=html", c.id)),
                ],
                &body,
            ));
        }
        let (_, matched, rx) =
            wfs::open_feature_stream(&state, ir.query.clone(), cols, (false, false)).await?;
        let returned = (matched - ir.offset).clamp(0, ir.limit);
        let mut links = vec![
            link(
                &format!("{url}?{}", with_offset(&q, ir.offset)),
                "self",
                wfs::GEOJSON_FORMAT,
                "diese Seite",
            ),
            link(
                &format!(
                    "{url}?{}&f=html",
                    with_offset(
                        &q.iter()
                            .filter(|(k, _)| k != "f")
                            .cloned()
                            .collect::<Vec<_>>(),
                        ir.offset
                    )
                ),
                "alternate",
                "text/html",
                "als HTML",
            ),
            link(
                &format!("{b}/collections/{}", c.id),
                "collection",
                "application/json",
                "die Sammlung",
            ),
        ];
        if ir.offset.saturating_add(ir.limit) < matched {
            links.push(link(
                &format!(
                    "{url}?{}",
                    with_offset(&q, ir.offset.saturating_add(ir.limit))
                ),
                "next",
                wfs::GEOJSON_FORMAT,
                "nächste Seite",
            ));
        }
        if ir.offset > 0 {
            links.push(link(
                &format!(
                    "{url}?{}",
                    with_offset(&q, ir.offset.saturating_sub(ir.limit).max(0))
                ),
                "prev",
                wfs::GEOJSON_FORMAT,
                "vorige Seite",
            ));
        }
        let head = format!(
            "{{\"type\":\"FeatureCollection\",\"numberMatched\":{matched},\"numberReturned\":{returned},\"timeStamp\":\"{}\",\"links\":{},\"features\":[",
            chrono::Utc::now().format("%Y-%m-%dT%H:%M:%SZ"),
            Value::Array(links)
        );
        let mut resp = wfs::streaming_response(
            &req,
            wfs::GEOJSON_FORMAT,
            (head, "\n]}\n".into()),
            rx,
            frame,
            None,
        );
        if let Ok(v) = actix_web::http::header::HeaderValue::from_str(&format!("<{}>", ir.crs_uri))
        {
            resp.headers_mut().insert(
                actix_web::http::header::HeaderName::from_static("content-crs"),
                v,
            );
        }
        Ok(resp)
    };
    run.await.unwrap_or_else(from_ows)
}

fn properties_table(p: &Value) -> String {
    let mut t = String::from("<table>");
    if let Value::Object(o) = p {
        for (k, v) in o {
            let text = match v {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            let _ = write!(
                t,
                "<tr><th>{}</th><td>{}</td></tr>",
                xml_escape(k),
                xml_escape(&text)
            );
        }
    }
    t.push_str("</table>");
    t
}

async fn item(
    state: web::Data<OwsState>,
    req: HttpRequest,
    path: web::Path<(String, String)>,
) -> HttpResponse {
    let run = async {
        let (cid, fid) = path.into_inner();
        let (q, fmt, b) = prelude(&state, &req)?;
        let c = collection(&state, &cid).await?;
        let (out_srid, lat_lon, crs_uri) = parse_crs(&state, "crs", param(&q, "crs"))?;
        let query = FeatureQuery {
            version: c.version.as_str().to_string(),
            statuses: vec![],
            filter: Filter::And(vec![
                Filter::Types(vec![c.feature_type.clone()]),
                Filter::ResourceId(vec![fid.clone()]),
            ]),
            sort: vec![],
            start: 0,
            count: Some(1),
        };
        let cols = Columns {
            xml: false,
            geojson: true,
            wkb: true,
        };
        let rows = state
            .store
            .query_features(&query, cols)
            .await
            .map_err(wfs::store_err)?;
        let Some(row) = rows.into_iter().next() else {
            return Err(OwsError::not_found(format!("no feature '{fid}' in {cid}")));
        };
        let frame = wfs::geojson_frame(&state, c.version, out_srid, lat_lon).await?;
        let mut f: Value = on_cpu(move || -> Result<Value, String> {
            let mut s = String::new();
            frame.geojson_feature(&row, true, &mut s, &mut Labels::new())?;
            serde_json::from_str(s.trim()).map_err(|e| e.to_string())
        })
        .await?
        .map_err(OwsError::internal)?;
        let url = format!("{b}/collections/{}/items/{}", c.id, urlencode(&fid));
        f["links"] = json!([
            link(&url, "self", wfs::GEOJSON_FORMAT, "dieses Objekt"),
            link(
                &format!("{url}?f=html"),
                "alternate",
                "text/html",
                "als HTML"
            ),
            link(
                &format!("{b}/collections/{}", c.id),
                "collection",
                "application/json",
                "die Sammlung"
            ),
        ]);
        Ok(match fmt {
            Fmt::Json => {
                let mut r = json_response(&f, wfs::GEOJSON_FORMAT);
                if let Ok(v) =
                    actix_web::http::header::HeaderValue::from_str(&format!("<{crs_uri}>"))
                {
                    r.headers_mut().insert(
                        actix_web::http::header::HeaderName::from_static("content-crs"),
                        v,
                    );
                }
                r
            }
            Fmt::Html => page(
                &fid,
                &[
                    ("Start", format!("{b}?f=html")),
                    ("Sammlungen", format!("{b}/collections?f=html")),
                    (
                        c.id.as_str(),
                        format!("{b}/collections/{}/items?f=html", c.id),
                    ),
                ],
                &properties_table(&f["properties"]),
            ),
        })
    };
    run.await.unwrap_or_else(from_ows)
}

/// The OpenAPI 3.0 description of this API.
async fn api(state: web::Data<OwsState>, req: HttpRequest) -> HttpResponse {
    let b = base(&state, &req);
    let ids: Vec<String> = match collections(&state).await {
        Ok(cs) => cs.into_iter().map(|c| c.id).collect(),
        Err(e) => return from_ows(e),
    };
    let p = |name: &str, inn: &str, desc: &str, schema: Value, required: bool| json!({"name": name, "in": inn, "description": desc, "required": required, "schema": schema});
    let coll = p(
        "collectionId",
        "path",
        "Sammlung",
        json!({"type": "string", "enum": ids}),
        true,
    );
    let f = p(
        "f",
        "query",
        "Format",
        json!({"type": "string", "enum": ["json", "html"]}),
        false,
    );
    let json_ok = |desc: &str, ty: &str| json!({"200": {"description": desc, "content": {ty: {"schema": {"type": "object"}}, "text/html": {"schema": {"type": "string"}}}}, "400": {"description": "ungültige Anfrage"}, "404": {"description": "nicht gefunden"}});
    let tms = p(
        "tileMatrixSetId",
        "path",
        "Kachelschema",
        json!({"type": "string", "enum": crate::tiles::grid::TileMatrixSet::all().iter().map(|t| t.id).collect::<Vec<_>>()}),
        true,
    );
    let tile_params = vec![
        tms.clone(),
        p(
            "tileMatrix",
            "path",
            "Zoomstufe",
            json!({"type": "string"}),
            true,
        ),
        p(
            "tileRow",
            "path",
            "Zeile",
            json!({"type": "integer", "minimum": 0}),
            true,
        ),
        p(
            "tileCol",
            "path",
            "Spalte",
            json!({"type": "integer", "minimum": 0}),
            true,
        ),
    ];
    let items_params = vec![
        coll.clone(),
        f.clone(),
        p(
            "limit",
            "query",
            "Anzahl (1 bis 10000)",
            json!({"type": "integer", "minimum": 1, "maximum": MAX_LIMIT, "default": DEFAULT_LIMIT}),
            false,
        ),
        p(
            "offset",
            "query",
            "Startposition",
            json!({"type": "integer", "minimum": 0, "default": 0}),
            false,
        ),
        json!({"name": "bbox", "in": "query", "required": false, "style": "form", "explode": false, "schema": {"type": "array", "minItems": 4, "maxItems": 6, "items": {"type": "number"}}}),
        p(
            "bbox-crs",
            "query",
            "CRS der bbox",
            json!({"type": "string", "format": "uri"}),
            false,
        ),
        p(
            "crs",
            "query",
            "CRS der Antwort",
            json!({"type": "string", "format": "uri"}),
            false,
        ),
        p(
            "datetime",
            "query",
            "Zeitpunkt oder Zeitraum (YYYY-MM-DD, a/b, ../b, a/..): Objekte von Plänen, die dann in Kraft waren",
            json!({"type": "string"}),
            false,
        ),
        p(
            "filter",
            "query",
            "CQL2-Text-Filter",
            json!({"type": "string"}),
            false,
        ),
        p(
            "filter-lang",
            "query",
            "Filtersprache",
            json!({"type": "string", "enum": ["cql2-text"]}),
            false,
        ),
        p(
            "filter-crs",
            "query",
            "CRS der Geometrien im Filter",
            json!({"type": "string", "format": "uri"}),
            false,
        ),
    ];
    let doc = json!({
        "openapi": "3.0.3",
        "info": {"title": format!("{} – OGC API Features", state.config.service.title), "version": env!("CARGO_PKG_VERSION"), "description": state.config.service.abstract_text},
        "servers": [{"url": b}],
        "paths": {
            "/": {"get": {"summary": "Startseite", "operationId": "getLandingPage", "parameters": [f], "responses": json_ok("Startseite", "application/json")}},
            "/conformance": {"get": {"summary": "Konformitätsklassen", "operationId": "getConformance", "parameters": [f], "responses": json_ok("Konformitätsklassen", "application/json")}},
            "/api": {"get": {"summary": "diese API-Beschreibung", "operationId": "getApi", "responses": {"200": {"description": "OpenAPI 3.0", "content": {"application/vnd.oai.openapi+json;version=3.0": {"schema": {"type": "object"}}}}}}},
            "/collections": {"get": {"summary": "Sammlungen", "operationId": "getCollections", "parameters": [f], "responses": json_ok("Sammlungen", "application/json")}},
            "/collections/{collectionId}": {"get": {"summary": "eine Sammlung", "operationId": "describeCollection", "parameters": [coll, f], "responses": json_ok("Sammlung", "application/json")}},
            "/collections/{collectionId}/queryables": {"get": {"summary": "abfragbare Eigenschaften", "operationId": "getQueryables", "parameters": [coll, f], "responses": json_ok("JSON Schema", "application/schema+json")}},
            "/collections/{collectionId}/items": {"get": {"summary": "Objekte (GeoJSON), mit Eigenschaften als weiteren Parametern filterbar", "operationId": "getFeatures", "parameters": items_params, "responses": json_ok("Objekte", wfs::GEOJSON_FORMAT)}},
            "/collections/{collectionId}/items/{featureId}": {"get": {"summary": "ein Objekt", "operationId": "getFeature", "parameters": [coll, p("featureId", "path", "gml:id", json!({"type": "string"}), true), f, p("crs", "query", "CRS der Antwort", json!({"type": "string", "format": "uri"}), false)], "responses": json_ok("Objekt", wfs::GEOJSON_FORMAT)}},
            "/tileMatrixSets": {"get": {"summary": "Kachelschemata", "operationId": "getTileMatrixSetsList", "responses": json_ok("Kachelschemata", "application/json")}},
            "/tileMatrixSets/{tileMatrixSetId}": {"get": {"summary": "ein Kachelschema", "operationId": "getTileMatrixSet", "parameters": [tms.clone()], "responses": json_ok("Kachelschema (OGC 17-083r4 JSON)", "application/json")}},
            "/map/tiles": {"get": {"summary": "Kartenkachelsätze (PNG)", "operationId": "getMapTilesetsList", "responses": json_ok("Kachelsätze", "application/json")}},
            "/map/tiles/{tileMatrixSetId}": {"get": {"summary": "ein Kartenkachelsatz", "operationId": "getMapTileset", "parameters": [tms.clone()], "responses": json_ok("Kachelsatz", "application/json")}},
            "/map/tiles/{tileMatrixSetId}/{tileMatrix}/{tileRow}/{tileCol}": {"get": {"summary": "eine Kartenkachel", "operationId": "getMapTile", "parameters": tile_params.clone(), "responses": {"200": {"description": "PNG", "content": {"image/png": {}}}}}},
            "/tiles": {"get": {"summary": "Vektorkachelsätze (MVT)", "operationId": "getVectorTilesetsList", "responses": json_ok("Kachelsätze", "application/json")}},
            "/tiles/{tileMatrixSetId}": {"get": {"summary": "ein Vektorkachelsatz", "operationId": "getVectorTileset", "parameters": [tms.clone()], "responses": json_ok("Kachelsatz", "application/json")}},
            "/tiles/{tileMatrixSetId}/{tileMatrix}/{tileRow}/{tileCol}": {"get": {"summary": "eine Vektorkachel", "operationId": "getVectorTile", "parameters": tile_params, "responses": {"200": {"description": "Mapbox Vector Tile", "content": {"application/vnd.mapbox-vector-tile": {}}}}}},
        },
    });
    json_response(&doc, "application/vnd.oai.openapi+json;version=3.0")
}

/// Registers the routes.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route(PREFIX, web::get().to(landing))
        .route("/ogcapi/", web::get().to(landing))
        .route("/ogcapi/conformance", web::get().to(conformance))
        .route("/ogcapi/api", web::get().to(api))
        .route("/ogcapi/collections", web::get().to(collections_handler))
        .route(
            "/ogcapi/collections/{id}",
            web::get().to(collection_handler),
        )
        .route(
            "/ogcapi/collections/{id}/queryables",
            web::get().to(queryables),
        )
        .route("/ogcapi/collections/{id}/items", web::get().to(items))
        .route("/ogcapi/collections/{id}/items/{fid}", web::get().to(item));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn collection_ids_and_property_names() {
        assert_eq!(collection_id(Version::V5_4, "BP_Plan"), "BP_Plan_54");
        let codes = CodeLists::of(Version::V5_4);
        let m = property_mapper(&codes, "BP_BaugebietsTeilFlaeche");
        assert_eq!(m("id").unwrap(), Prop::GmlId);
        assert_eq!(m("GRZ").unwrap(), Prop::Path(vec!["GRZ".into()]));
        assert!(
            m("gemeinde.ags").is_err(),
            "BP_BaugebietsTeilFlaeche has no gemeinde"
        );
        assert_eq!(
            m("hoehenangabe.h").unwrap(),
            Prop::Path(vec!["hoehenangabe".into(), "h".into()])
        );
        assert!(m("nope").is_err());
        let q = vec![
            ("limit".to_string(), "5".to_string()),
            ("offset".into(), "10".into()),
            ("filter".into(), "a = 'x y'".into()),
        ];
        assert_eq!(
            with_offset(&q, 15),
            "limit=5&filter=a%20%3D%20%27x%20y%27&offset=15"
        );
    }

    #[test]
    fn schema_types() {
        assert_eq!(schema_type("double", &None)["type"], "number");
        let d = |v: &str| parse_datetime(v).map_err(|e| e.message);
        assert_eq!(
            d("2020-08-01").unwrap(),
            (Some("2020-08-01".into()), Some("2020-08-01".into()))
        );
        assert_eq!(
            d("2020-08-01T12:00:00Z/..").unwrap(),
            (Some("2020-08-01".into()), None)
        );
        assert_eq!(
            d("../2019-12-31").unwrap(),
            (None, Some("2019-12-31".into()))
        );
        for bad in [
            "2020-8-1",
            "x",
            "..",
            "2021-01-01/2020-01-01",
            "2020-01-01x",
        ] {
            assert!(d(bad).is_err(), "{bad}");
        }
        assert_eq!(schema_type("boolean", &None)["type"], "boolean");
        assert_eq!(schema_type("date", &None)["format"], "date");
        assert_eq!(
            schema_type("X", &Some(vec!["1000".into()]))["enum"][0],
            "1000"
        );
    }
}
