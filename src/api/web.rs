//! The web page: / is web/index.html, /static/<path> the files under web/
//! (the page's script and styles, and vendor/ with OpenLayers and Swagger
//! UI, copied there from the npm packages by scripts/web-deps.sh).

use super::{problem, ApiState};
use actix_web::http::StatusCode;
use actix_web::{get, web, HttpResponse};
use std::path::{Path, PathBuf};

/// The directory of the web page's files.
pub fn web_dir(state: &ApiState) -> PathBuf {
    if let Some(d) = &state.config.api.web_dir {
        return d.clone();
    }
    let local = Path::new("web");
    if local.join("index.html").is_file() {
        return local.to_path_buf();
    }
    Path::new(env!("CARGO_MANIFEST_DIR")).join("web")
}

fn media_type(path: &Path) -> &'static str {
    match path.extension().and_then(|e| e.to_str()).unwrap_or("") {
        "html" => "text/html; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "json" | "map" => "application/json",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "ico" => "image/x-icon",
        "woff2" => "font/woff2",
        "txt" | "md" => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

/// A relative path of plain segments (no "..", no absolute paths, no
/// hidden files).
fn safe_relative(p: &str) -> Option<PathBuf> {
    let mut out = PathBuf::new();
    for seg in p.split('/') {
        if seg.is_empty()
            || seg.starts_with('.')
            || seg.contains('\\')
            || seg.contains('\0')
            || seg.contains(':')
        {
            return None;
        }
        out.push(seg);
    }
    Some(out)
}

async fn send_file(dir: PathBuf, rel: PathBuf) -> HttpResponse {
    let path = dir.join(&rel);
    let vendor = rel.starts_with("vendor");
    match tokio::fs::read(&path).await {
        Ok(data) => HttpResponse::Ok()
            .content_type(media_type(&path))
            .insert_header((
                "Cache-Control",
                if vendor {
                    "public, max-age=86400"
                } else {
                    "no-cache"
                },
            ))
            .insert_header(("X-Content-Type-Options", "nosniff"))
            .body(data),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => problem(
            StatusCode::NOT_FOUND,
            if vendor {
                format!(
                    "{} is missing: the vendored web libraries are installed by `make deps` (scripts/web-deps.sh)",
                    path.display()
                )
            } else {
                format!("no file /static/{}", rel.display())
            },
        ),
        Err(e) => problem(
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("cannot read {}: {e}", path.display()),
        ),
    }
}

#[get("/")]
async fn index(state: web::Data<ApiState>) -> HttpResponse {
    send_file(web_dir(&state), PathBuf::from("index.html")).await
}

#[get("/static/{path:.*}")]
async fn static_file(state: web::Data<ApiState>, path: web::Path<String>) -> HttpResponse {
    match safe_relative(&path) {
        Some(rel) => send_file(web_dir(&state), rel).await,
        None => problem(StatusCode::NOT_FOUND, format!("no file /static/{path}")),
    }
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(index).service(static_file);
}

#[cfg(test)]
mod tests {
    #[test]
    fn only_plain_relative_paths_are_served() {
        assert!(super::safe_relative("vendor/ol/ol.js").is_some());
        for bad in [
            "../Cargo.toml",
            "vendor/../../x",
            "/etc/passwd",
            ".git/config",
            "a//b",
            "c:x",
            "",
        ] {
            assert!(super::safe_relative(bad).is_none(), "{bad}");
        }
    }
}
