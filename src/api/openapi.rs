//! The OpenAPI 3 document of /api/v1 and the Swagger UI page that shows it.

use actix_web::{get, web, HttpResponse};
use serde_json::{json, Value};

fn problem_responses(codes: &[&str]) -> Value {
    let mut m = serde_json::Map::new();
    for c in codes {
        m.insert(
            c.to_string(),
            json!({"description": match *c {
                "400" => "bad request (invalid parameter or body)",
                "401" => "no or invalid credentials",
                "403" => "role or municipality does not allow this",
                "404" => "no such plan",
                "408" => "upload not complete in time",
                "409" => "duplicate of a stored plan (configured uniqueness)",
                "413" => "upload larger than the limit",
                "415" => "unsupported Content-Type",
                "422" => "not an XPlanGML document or XPlanArchiv, or an unsafe archive",
                "503" => "database unavailable",
                _ => "error",
            }, "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}}),
        );
    }
    Value::Object(m)
}

fn with(mut ok: Value, errors: &[&str]) -> Value {
    if let (Some(o), Value::Object(e)) = (ok.as_object_mut(), problem_responses(errors)) {
        o.extend(e);
    }
    ok
}

fn id_param() -> Value {
    json!({"name": "id", "in": "path", "required": true, "schema": {"type": "integer", "format": "int64"}})
}

fn skip_params() -> Vec<Value> {
    [
        ("skipSemantisch", "skip the semantic conformance rules"),
        (
            "skipGeometrisch",
            "skip all geometric checks (validation only)",
        ),
        ("skipFlaechenschluss", "skip the Flächenschluss check 2.2.1.1"),
        ("skipGeltungsbereich", "skip the Geltungsbereich check 2.2.3.1"),
        ("skipLaufrichtung", "skip the ring orientation check"),
    ]
    .iter()
    .map(|(n, d)| json!({"name": n, "in": "query", "description": d, "schema": {"type": "boolean", "default": false}}))
    .collect()
}

fn upload_body() -> Value {
    json!({"required": true, "content": {
        "application/zip": {"schema": {"type": "string", "format": "binary"}},
        "application/gml+xml": {"schema": {"type": "string", "format": "binary"}},
        "text/xml": {"schema": {"type": "string", "format": "binary"}},
        "application/octet-stream": {"schema": {"type": "string", "format": "binary"}}
    }})
}

fn filename_header() -> Value {
    json!({"name": "X-Filename", "in": "header", "description": "file name of the upload (reports, plan list)", "schema": {"type": "string"}})
}

/// The OpenAPI document.
pub fn document() -> Value {
    let json_ok = |d: &str, schema: Value| json!({"200": {"description": d, "content": {"application/json": {"schema": schema}}}});
    let mut validate_params = skip_params();
    validate_params.push(filename_header());
    let mut import_params = skip_params();
    import_params.retain(|p| p["name"] != "skipGeometrisch");
    import_params.push(filename_header());
    import_params.push(json!({"name": "planStatus", "in": "query", "schema": {"type": "string", "enum": ["FESTGESTELLT", "IN_AUFSTELLUNG", "ARCHIVIERT"]}, "description": "status instead of the one derived from rechtsstand"}));
    import_params.push(json!({"name": "internalId", "in": "query", "schema": {"type": "string"}}));
    json!({
        "openapi": "3.0.3",
        "info": {
            "title": "XPlanServer Manager and Validator API",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "Validate, import, search, export and manage XPlanGML plans. Reading is public unless the operator closed it; changes need HTTP Basic (user, password) or a Bearer API token with role editor (plans of the user's municipalities) or admin. Errors are application/problem+json.",
            "license": {"name": "AGPL-3.0-or-later"}
        },
        "servers": [{"url": "/"}],
        "components": {
            "securitySchemes": {
                "basic": {"type": "http", "scheme": "basic"},
                "bearer": {"type": "http", "scheme": "bearer", "description": "API token xps_<id>_<secret> (xplanserver token create)"}
            },
            "schemas": {
                "Problem": {"type": "object", "properties": {
                    "type": {"type": "string"}, "title": {"type": "string"}, "status": {"type": "integer"},
                    "detail": {"type": "string"},
                    "validationReport": {"$ref": "#/components/schemas/ValidationReport"},
                    "existingPlanId": {"type": "integer"}
                }},
                "Link": {"type": "object", "properties": {"rel": {"type": "string"}, "href": {"type": "string"}, "type": {"type": "string"}, "title": {"type": "string"}}},
                "Document": {"type": "object", "properties": {"name": {"type": "string"}, "mediaType": {"type": "string"}, "size": {"type": "integer"}, "href": {"type": "string"}}},
                "PlanInfo": {"type": "object", "properties": {
                    "id": {"type": "integer"}, "name": {"type": "string"}, "nummer": {"type": "string", "nullable": true},
                    "internalId": {"type": "string", "nullable": true},
                    "type": {"type": "string", "enum": ["BP", "FP", "LP", "RP", "SO"]},
                    "planClass": {"type": "string"}, "version": {"type": "string", "example": "5.4"},
                    "status": {"type": "string", "enum": ["festgestellt", "in_aufstellung", "archiviert"]},
                    "planStatus": {"type": "string", "enum": ["FESTGESTELLT", "IN_AUFSTELLUNG", "ARCHIVIERT"]},
                    "rechtsstand": {"type": "integer", "nullable": true}, "rechtsstandLabel": {"type": "string", "nullable": true},
                    "ags": {"type": "array", "items": {"type": "string"}},
                    "gemeinden": {"type": "array", "items": {"type": "object"}},
                    "srid": {"type": "integer"},
                    "bbox": {"type": "array", "items": {"type": "number"}, "description": "storage CRS", "nullable": true},
                    "bbox4326": {"type": "array", "items": {"type": "number"}, "description": "lon/lat", "nullable": true},
                    "featureCount": {"type": "integer"}, "importDate": {"type": "string", "format": "date-time"},
                    "sourceFile": {"type": "string", "nullable": true},
                    "bereiche": {"type": "array", "items": {"type": "object"}},
                    "documents": {"type": "array", "items": {"$ref": "#/components/schemas/Document"}},
                    "links": {"type": "array", "items": {"$ref": "#/components/schemas/Link"}}
                }},
                "PlanList": {"type": "object", "properties": {
                    "numberMatched": {"type": "integer"}, "numberReturned": {"type": "integer"},
                    "plans": {"type": "array", "items": {"$ref": "#/components/schemas/PlanInfo"}},
                    "links": {"type": "array", "items": {"$ref": "#/components/schemas/Link"}}
                }},
                "ValidationReport": {"type": "object", "description": "xPlanBox-shaped report: filename, version, valid, documentSummary, bbox, crs, externalReferences, validationResult {syntaktisch, geometrisch, semantisch: {status, valid, findings[{rule, level, message, gmlIds, line, location}]}}; the API adds findingsGeoJson and bbox4326 (EPSG:4326)"},
                "Basisdaten": {"type": "object", "properties": {
                    "name": {"type": "string"}, "nummer": {"type": "string", "nullable": true},
                    "beschreibung": {"type": "string", "nullable": true}, "kommentar": {"type": "string", "nullable": true},
                    "technHerstellDatum": {"type": "string", "format": "date", "nullable": true},
                    "genehmigungsDatum": {"type": "string", "format": "date", "nullable": true},
                    "untergangsDatum": {"type": "string", "format": "date", "nullable": true},
                    "rechtsstand": {"type": "integer", "nullable": true},
                    "rechtsverordnungsDatum": {"type": "string", "format": "date", "nullable": true}
                }},
                "AuditEntry": {"type": "object", "properties": {"id": {"type": "integer"}, "at": {"type": "string", "format": "date-time"}, "actor": {"type": "string"}, "action": {"type": "string", "enum": ["import", "delete", "status", "basisdaten"]}, "planId": {"type": "integer"}, "detail": {"type": "object"}}}
            }
        },
        "paths": {
            "/api/v1/validate": {"post": {
                "tags": ["validator"], "summary": "Validate a plan (XPlanArchiv or XPlanGML)",
                "parameters": validate_params, "requestBody": upload_body(),
                "responses": with(json!({"200": {"description": "the validation report", "content": {
                    "application/json": {"schema": {"$ref": "#/components/schemas/ValidationReport"}},
                    "text/html": {"schema": {"type": "string"}}}}}), &["400", "408", "413", "415", "422"])
            }},
            "/api/v1/plans": {
                "get": {
                    "tags": ["manager"], "summary": "Search plans",
                    "parameters": [
                        {"name": "name", "in": "query", "description": "part of the name or nummer, case-insensitive (also planName)", "schema": {"type": "string"}},
                        {"name": "type", "in": "query", "schema": {"type": "string", "enum": ["BP", "FP", "LP", "RP", "SO"]}},
                        {"name": "status", "in": "query", "description": "comma-separated statuses (also planStatus)", "schema": {"type": "string"}},
                        {"name": "ags", "in": "query", "description": "municipality key (AGS) or its beginning (Land, Kreis)", "schema": {"type": "string", "pattern": "^[0-9]{1,12}$"}},
                        {"name": "version", "in": "query", "schema": {"type": "string", "example": "5.4"}},
                        {"name": "internalId", "in": "query", "schema": {"type": "string"}},
                        {"name": "bbox", "in": "query", "description": "minLon,minLat,maxLon,maxLat", "schema": {"type": "string"}},
                        {"name": "planId", "in": "query", "description": "repeatable", "schema": {"type": "integer"}},
                        {"name": "limit", "in": "query", "schema": {"type": "integer", "default": 50, "minimum": 1, "maximum": 1000}},
                        {"name": "offset", "in": "query", "schema": {"type": "integer", "default": 0}}
                    ],
                    "responses": with(json_ok("plans, newest first", json!({"$ref": "#/components/schemas/PlanList"})), &["400", "503"])
                },
                "post": {
                    "tags": ["manager"], "summary": "Validate and import a plan (all or nothing)",
                    "security": [{"basic": []}, {"bearer": []}],
                    "parameters": import_params, "requestBody": upload_body(),
                    "responses": with(json!({"201": {"description": "imported; Location names the plan(s)", "content": {"application/json": {"schema": {"type": "array", "items": {"$ref": "#/components/schemas/PlanInfo"}}}}}}),
                        &["400", "401", "403", "408", "409", "413", "415", "422"])
                }
            },
            "/api/v1/plans/{id}": {
                "get": {"tags": ["manager"], "summary": "A plan (Accept: application/zip for the archive)", "parameters": [id_param()],
                    "responses": with(json!({"200": {"description": "the plan", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/PlanInfo"}}, "application/zip": {}}}}), &["404"])},
                "delete": {"tags": ["manager"], "summary": "Delete a plan", "security": [{"basic": []}, {"bearer": []}], "parameters": [id_param()],
                    "responses": with(json_ok("deleted", json!({"type": "object", "properties": {"message": {"type": "string"}, "id": {"type": "integer"}}})), &["401", "403", "404"])}
            },
            "/api/v1/plans/{id}/archive": {"get": {"tags": ["manager"], "summary": "The plan as XPlanArchiv", "parameters": [id_param()],
                "responses": with(json!({"200": {"description": "zip with xplan.gml and the attachments", "content": {"application/zip": {}}}}), &["404"])}},
            "/api/v1/plans/{id}/status": {"put": {"tags": ["manager"], "summary": "Change the plan status (maps and WFS follow at once)",
                "security": [{"basic": []}, {"bearer": []}], "parameters": [id_param()],
                "requestBody": {"required": true, "content": {"application/json": {"schema": {"type": "object", "required": ["status"], "properties": {"status": {"type": "string", "enum": ["festgestellt", "in_aufstellung", "archiviert"]}}}}}},
                "responses": with(json_ok("the changed plan", json!({"$ref": "#/components/schemas/PlanInfo"})), &["400", "401", "403", "404"])}},
            "/api/v1/plans/{id}/basisdaten": {
                "get": {"tags": ["manager"], "summary": "Basisdaten of the plan", "parameters": [id_param()],
                    "responses": with(json_ok("the editable Basisdaten", json!({"$ref": "#/components/schemas/Basisdaten"})), &["404"])},
                "put": {"tags": ["manager"], "summary": "Change Basisdaten in the stored XPlanGML (null removes an optional one; a new rechtsstand sets the derived status)",
                    "security": [{"basic": []}, {"bearer": []}], "parameters": [id_param()],
                    "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Basisdaten"}}}},
                    "responses": with(json_ok("the new Basisdaten", json!({"$ref": "#/components/schemas/Basisdaten"})), &["400", "401", "403", "404"])}
            },
            "/api/v1/plans/{id}/documents": {"get": {"tags": ["manager"], "summary": "The plan's attached documents", "parameters": [id_param()],
                "responses": with(json_ok("documents", json!({"type": "array", "items": {"$ref": "#/components/schemas/Document"}})), &["404"])}},
            "/api/v1/plans/{id}/documents/{name}": {"get": {"tags": ["manager"], "summary": "One attached document with its media type",
                "parameters": [id_param(), {"name": "name", "in": "path", "required": true, "schema": {"type": "string"}}],
                "responses": with(json!({"200": {"description": "the document"}}), &["404"])}},
            "/api/v1/me": {"get": {"tags": ["access"], "summary": "The authenticated user", "security": [{"basic": []}, {"bearer": []}],
                "responses": with(json_ok("user, role, municipalities", json!({"type": "object"})), &["401"])}},
            "/api/v1/audit": {"get": {"tags": ["access"], "summary": "The audit log (admins)", "security": [{"basic": []}, {"bearer": []}],
                "parameters": [{"name": "planId", "in": "query", "schema": {"type": "integer"}}, {"name": "limit", "in": "query", "schema": {"type": "integer", "default": 100}}, {"name": "offset", "in": "query", "schema": {"type": "integer"}}],
                "responses": with(json_ok("entries, newest first", json!({"type": "object", "properties": {"numberMatched": {"type": "integer"}, "entries": {"type": "array", "items": {"$ref": "#/components/schemas/AuditEntry"}}}})), &["400", "401", "403"])}},
            "/api/v1/info": {"get": {"tags": ["manager"], "summary": "Server facts", "responses": json_ok("versions, limits, access", json!({"type": "object"}))}}
        }
    })
}

#[get("/api/v1")]
async fn root() -> HttpResponse {
    HttpResponse::Ok().json(document())
}

#[get("/api/v1/openapi.json")]
async fn openapi_json() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/vnd.oai.openapi+json;version=3.0")
        .json(document())
}

/// Swagger UI (from the npm package swagger-ui-dist, vendored under
/// /static/vendor/swagger-ui).
#[get("/api/v1/docs")]
async fn docs() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .body(
            r##"<!DOCTYPE html>
<html lang="de"><head><meta charset="utf-8"><title>XPlanServer API</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="stylesheet" href="/static/vendor/swagger-ui/swagger-ui.css"></head>
<body><div id="swagger-ui"></div>
<script src="/static/vendor/swagger-ui/swagger-ui-bundle.js"></script>
<script>window.ui = SwaggerUIBundle({url: "/api/v1/openapi.json", dom_id: "#swagger-ui"});</script>
</body></html>"##,
        )
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(root).service(openapi_json).service(docs);
}
