//! Prometheus metrics (/metrics) and the request middleware that feeds
//! them: a request id per request (X-Request-Id, taken from the client when
//! sane), a tracing span carrying it, counts and latencies per route.

use super::ApiState;
use actix_web::body::BoxBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{get, web, HttpResponse};
use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Mutex;
use std::time::Duration;
use tracing::Instrument;

/// Upper bounds of the latency buckets, in seconds.
const BUCKETS: [f64; 14] = [
    0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0,
];

#[derive(Default, Clone)]
struct Histogram {
    counts: [u64; BUCKETS.len()],
    sum: f64,
    count: u64,
}

impl Histogram {
    fn observe(&mut self, d: Duration) {
        let s = d.as_secs_f64();
        for (c, b) in self.counts.iter_mut().zip(BUCKETS) {
            if s <= b {
                *c += 1;
            }
        }
        self.sum += s;
        self.count += 1;
    }

    fn write(&self, out: &mut String, name: &str, labels: &str) {
        let sep = if labels.is_empty() { "" } else { "," };
        for (c, b) in self.counts.iter().zip(BUCKETS) {
            let _ = writeln!(out, "{name}_bucket{{{labels}{sep}le=\"{b}\"}} {c}");
        }
        let _ = writeln!(
            out,
            "{name}_bucket{{{labels}{sep}le=\"+Inf\"}} {}",
            self.count
        );
        let braces = |s: &str| {
            if s.is_empty() {
                String::new()
            } else {
                format!("{{{s}}}")
            }
        };
        let _ = writeln!(out, "{name}_sum{} {}", braces(labels), self.sum);
        let _ = writeln!(out, "{name}_count{} {}", braces(labels), self.count);
    }
}

#[derive(Default)]
struct Inner {
    /// (route, method, status) → count
    requests: BTreeMap<(String, String, u16), u64>,
    latency: BTreeMap<String, Histogram>,
    imports: BTreeMap<&'static str, u64>,
    import_seconds: Histogram,
    validations: BTreeMap<&'static str, u64>,
    validation_seconds: Histogram,
}

/// The server's metrics.
#[derive(Default)]
pub struct Metrics {
    inner: Mutex<Inner>,
    in_flight: AtomicI64,
}

impl Metrics {
    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn request(&self, route: String, method: &str, status: u16, d: Duration) {
        let mut m = self.lock();
        *m.requests
            .entry((route.clone(), method.to_string(), status))
            .or_default() += 1;
        m.latency.entry(route).or_default().observe(d);
    }

    /// An import attempt: "imported", "invalid" or "failed".
    pub fn import(&self, d: Duration, result: &'static str) {
        let mut m = self.lock();
        *m.imports.entry(result).or_default() += 1;
        m.import_seconds.observe(d);
    }

    /// A validation and whether the plan was valid.
    pub fn validation(&self, d: Duration, valid: bool) {
        let mut m = self.lock();
        *m.validations
            .entry(if valid { "valid" } else { "invalid" })
            .or_default() += 1;
        m.validation_seconds.observe(d);
    }

    /// The Prometheus text exposition.
    pub fn render(&self, plans: &[(String, i64)]) -> String {
        let m = self.lock();
        let mut out = String::new();
        out.push_str("# HELP xplan_http_requests_total HTTP requests by route pattern, method and status.\n# TYPE xplan_http_requests_total counter\n");
        for ((route, method, status), n) in &m.requests {
            let _ = writeln!(
                out,
                "xplan_http_requests_total{{route=\"{}\",method=\"{method}\",status=\"{status}\"}} {n}",
                escape(route)
            );
        }
        out.push_str("# HELP xplan_http_request_duration_seconds Time to the response head, by route pattern.\n# TYPE xplan_http_request_duration_seconds histogram\n");
        for (route, h) in &m.latency {
            h.write(
                &mut out,
                "xplan_http_request_duration_seconds",
                &format!("route=\"{}\"", escape(route)),
            );
        }
        out.push_str("# HELP xplan_http_requests_in_flight Requests being answered.\n# TYPE xplan_http_requests_in_flight gauge\n");
        let _ = writeln!(
            out,
            "xplan_http_requests_in_flight {}",
            self.in_flight.load(Ordering::Relaxed)
        );
        out.push_str("# HELP xplan_imports_total Plan imports through the API by result.\n# TYPE xplan_imports_total counter\n");
        for (r, n) in &m.imports {
            let _ = writeln!(out, "xplan_imports_total{{result=\"{r}\"}} {n}");
        }
        out.push_str("# HELP xplan_import_duration_seconds Duration of API imports (validation included).\n# TYPE xplan_import_duration_seconds histogram\n");
        m.import_seconds
            .write(&mut out, "xplan_import_duration_seconds", "");
        out.push_str("# HELP xplan_validations_total Validations by result.\n# TYPE xplan_validations_total counter\n");
        for (r, n) in &m.validations {
            let _ = writeln!(out, "xplan_validations_total{{result=\"{r}\"}} {n}");
        }
        out.push_str("# HELP xplan_validation_duration_seconds Duration of validations.\n# TYPE xplan_validation_duration_seconds histogram\n");
        m.validation_seconds
            .write(&mut out, "xplan_validation_duration_seconds", "");
        out.push_str("# HELP xplan_plans Stored plans by status.\n# TYPE xplan_plans gauge\n");
        for (status, n) in plans {
            let _ = writeln!(out, "xplan_plans{{status=\"{}\"}} {n}", escape(status));
        }
        out
    }
}

fn escape(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

/// A client's request id if it is short and plain, else a new random one.
fn request_id(req: &ServiceRequest) -> String {
    req.headers()
        .get("X-Request-Id")
        .and_then(|v| v.to_str().ok())
        .filter(|v| {
            (1..=64).contains(&v.len())
                && v.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b))
        })
        .map(str::to_string)
        .unwrap_or_else(|| format!("{:016x}", rand::random::<u64>()))
}

/// Middleware: request id, tracing span, metrics, log line.
pub async fn observe(
    req: ServiceRequest,
    next: Next<BoxBody>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let metrics = req
        .app_data::<web::Data<ApiState>>()
        .map(|s| s.metrics.clone());
    let rid = request_id(&req);
    let method = req.method().as_str().to_string();
    let path = req.path().to_string();
    let span = tracing::info_span!("request", id = %rid, method = %method, path = %path);
    let t0 = std::time::Instant::now();
    if let Some(m) = &metrics {
        m.in_flight.fetch_add(1, Ordering::Relaxed);
    }
    let result = next.call(req).instrument(span.clone()).await;
    let elapsed = t0.elapsed();
    if let Some(m) = &metrics {
        m.in_flight.fetch_sub(1, Ordering::Relaxed);
    }
    let mut res = result?;
    let status = res.status().as_u16();
    if let Some(m) = &metrics {
        let route = res
            .request()
            .match_pattern()
            .unwrap_or_else(|| "unmatched".into());
        let method = match method.as_str() {
            "GET" | "HEAD" | "POST" | "PUT" | "DELETE" | "OPTIONS" | "PATCH" => method.as_str(),
            _ => "other",
        };
        m.request(route, method, status, elapsed);
    }
    if let Ok(v) = HeaderValue::from_str(&rid) {
        res.headers_mut()
            .insert(HeaderName::from_static("x-request-id"), v);
    }
    let ms = elapsed.as_secs_f64() * 1000.0;
    span.in_scope(|| {
        // 501: an operation clients may ask for that is not offered
        if status >= 500 && status != 501 {
            tracing::warn!(status, ms, "answered");
        } else if method != "GET" && method != "HEAD" {
            tracing::info!(status, ms, "answered");
        } else {
            tracing::debug!(status, ms, "answered");
        }
    });
    Ok(res)
}

#[get("/metrics")]
pub async fn metrics_endpoint(state: web::Data<ApiState>) -> HttpResponse {
    let plans: Vec<(String, i64)> =
        sqlx::query_as("SELECT status, count(*) FROM plans GROUP BY status ORDER BY status")
            .fetch_all(&state.store.pool)
            .await
            .unwrap_or_else(|e| {
                tracing::warn!("metrics: cannot count plans: {e}");
                Vec::new()
            });
    HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .body(state.metrics.render(&plans))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exposition_counts_and_buckets() {
        let m = Metrics::default();
        m.request("/wms".into(), "GET", 200, Duration::from_millis(3));
        m.request("/wms".into(), "GET", 200, Duration::from_millis(300));
        m.request("/wms".into(), "GET", 400, Duration::from_millis(1));
        m.import(Duration::from_secs(2), "imported");
        let t = m.render(&[("festgestellt".into(), 4)]);
        assert!(
            t.contains("xplan_http_requests_total{route=\"/wms\",method=\"GET\",status=\"200\"} 2")
        );
        assert!(
            t.contains("xplan_http_requests_total{route=\"/wms\",method=\"GET\",status=\"400\"} 1")
        );
        // 1 ms and 3 ms are <= 5 ms, 300 ms is not
        assert!(
            t.contains("xplan_http_request_duration_seconds_bucket{route=\"/wms\",le=\"0.005\"} 2")
        );
        assert!(t.contains("xplan_http_request_duration_seconds_count{route=\"/wms\"} 3"));
        assert!(t.contains("xplan_imports_total{result=\"imported\"} 1"));
        assert!(t.contains("xplan_import_duration_seconds_bucket{le=\"2.5\"} 1"));
        assert!(t.contains("xplan_import_duration_seconds_bucket{le=\"1\"} 0"));
        assert!(t.contains("xplan_plans{status=\"festgestellt\"} 4"));
    }
}
