//! Test support: a real PostGIS for every test.
//!
//! The cluster is the managed one of xplanserver itself, started on first
//! use in the target directory (or the server given by
//! XPLAN_TEST_DATABASE_URL, an admin URL). Every test gets a database of its
//! own, created from a migrated template, so tests run in parallel without
//! seeing each other's plans.
#![allow(dead_code)]

use serde_json::Value;
use sqlx::Connection;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::str::FromStr;
use xplanserver::store::cluster::Cluster;
use xplanserver::store::Store;

pub const TEMPLATE: &str = "xplan_test_template";

pub fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures")
}

/// A fixture read as a plan input (zip or GML), by path below fixtures/.
pub fn fixture_input(rel: &str) -> xplanserver::xplan::InputFile {
    xplanserver::xplan::read_input(
        &fixtures().join(rel),
        &xplanserver::xplan::Limits::default(),
    )
    .unwrap()
}

/// Imports a fixture plan (without validation) and returns its plan id.
pub async fn import_fixture(store: &Store, rel: &str) -> i64 {
    store
        .import(
            fixture_input(rel),
            &xplanserver::store::ImportOptions::default(),
        )
        .await
        .unwrap_or_else(|e| panic!("{rel}: {e}"))
        .plan_ids[0]
}

/// Runs `xplanserver --database-url URL import ARGS... FILE`; asserts success
/// when `expect_success`, returns the output.
pub fn cli_import(
    url: &str,
    args: &[&str],
    file: &Path,
    expect_success: bool,
) -> std::process::Output {
    let out = std::process::Command::new(bin())
        .args(["--database-url", url, "import"])
        .args(args)
        .arg(file)
        .output()
        .unwrap();
    if expect_success {
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    out
}

/// Runs the CLI on the test database; panics with its stderr on failure.
pub fn cli(url: &str, args: &[&str], stdin: Option<&str>) -> String {
    use std::io::Write;
    let mut child = std::process::Command::new(bin())
        .args(["--database-url", url])
        .args(args)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    if let Some(s) = stdin {
        child.stdin.take().unwrap().write_all(s.as_bytes()).unwrap();
    }
    drop(child.stdin.take());
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "xplanserver {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// The xplanserver binary under test.
pub fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_xplanserver")
}

pub fn fixture_plans() -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(fixtures().join("plans"))
        .expect("fixtures/plans")
        .map(|e| e.unwrap().path())
        .filter(|p| matches!(p.extension().and_then(|e| e.to_str()), Some("zip" | "gml")))
        .collect();
    v.sort();
    v
}

pub fn test_data_dir() -> PathBuf {
    std::env::var_os("XPLAN_TEST_DATA_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            std::env::temp_dir().join(format!("xplanserver-test-pg-{}", test_port()))
        })
}

pub fn test_port() -> u16 {
    std::env::var("XPLAN_TEST_DB_PORT")
        .ok()
        .and_then(|p| p.parse().ok())
        .unwrap_or(55439)
}

/// The admin URL of the test server (starting the managed cluster if needed).
pub fn admin_url() -> String {
    if let Ok(u) = std::env::var("XPLAN_TEST_DATABASE_URL") {
        return u;
    }
    let cluster = Cluster::new(&test_data_dir(), test_port()).expect("test data dir");
    cluster.start().expect("start the test PostgreSQL cluster");
    format!(
        "postgres://{}:{}@127.0.0.1:{}/postgres",
        xplanserver::store::cluster::ROLE,
        cluster.password().unwrap(),
        cluster.port
    )
}

fn with_db(url: &str, db: &str) -> String {
    let opts = sqlx::postgres::PgConnectOptions::from_str(url).unwrap();
    let (user, host, port) = (
        opts.get_username().to_string(),
        opts.get_host().to_string(),
        opts.get_port(),
    );
    let pw = url
        .split("://")
        .nth(1)
        .and_then(|r| r.split('@').next())
        .and_then(|c| c.split(':').nth(1))
        .unwrap_or("")
        .to_string();
    format!("postgres://{user}:{pw}@{host}:{port}/{db}")
}

/// A fresh, migrated database of its own; returns its URL.
pub async fn fresh_database() -> String {
    let admin = tokio::task::spawn_blocking(admin_url).await.unwrap();
    // Create the template once (serialised by a lock file between test binaries).
    let lock_path = std::env::temp_dir().join(format!("xplan-test-template-{}.lock", test_port()));
    let admin2 = admin.clone();
    tokio::task::spawn_blocking(move || {
        let lock = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&lock_path)
            .unwrap();
        lock.lock().unwrap();
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async {
            let mut c = sqlx::PgConnection::connect(&admin2).await.unwrap();
            let exists: bool =
                sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)")
                    .bind(TEMPLATE)
                    .fetch_one(&mut c)
                    .await
                    .unwrap();
            // A template from an older build of the migrations is replaced.
            let current = if exists {
                let mut t = sqlx::PgConnection::connect(&with_db(&admin2, TEMPLATE))
                    .await
                    .unwrap();
                let applied: Vec<(i64, Vec<u8>)> = sqlx::query_as(
                    "SELECT version, checksum FROM _sqlx_migrations ORDER BY version",
                )
                .fetch_all(&mut t)
                .await
                .unwrap_or_default();
                t.close().await.unwrap();
                let ours: Vec<(i64, Vec<u8>)> = xplanserver::store::MIGRATOR
                    .iter()
                    .map(|m| (m.version, m.checksum.to_vec()))
                    .collect();
                applied == ours
            } else {
                false
            };
            if !current {
                if exists {
                    sqlx::query(&format!("DROP DATABASE {TEMPLATE}"))
                        .execute(&mut c)
                        .await
                        .unwrap();
                }
                sqlx::query(&format!("CREATE DATABASE {TEMPLATE}"))
                    .execute(&mut c)
                    .await
                    .unwrap();
                let pool = sqlx::PgPool::connect(&with_db(&admin2, TEMPLATE))
                    .await
                    .unwrap();
                xplanserver::store::MIGRATOR.run(&pool).await.unwrap();
                pool.close().await;
            }
            c.close().await.unwrap();
        });
    })
    .await
    .unwrap();
    let name = format!("t_{}", xplanserver::store::cluster::random_hex(8));
    let mut c = sqlx::PgConnection::connect(&admin).await.unwrap();
    let mut tries = 0;
    loop {
        match sqlx::query(&format!("CREATE DATABASE {name} TEMPLATE {TEMPLATE}"))
            .execute(&mut c)
            .await
        {
            Ok(_) => break,
            Err(e) if tries < 20 => {
                tries += 1;
                eprintln!("retrying CREATE DATABASE: {e}");
                tokio::time::sleep(std::time::Duration::from_millis(200)).await;
            }
            Err(e) => panic!("cannot create test database: {e}"),
        }
    }
    c.close().await.unwrap();
    with_db(&admin, &name)
}

pub async fn fresh_store() -> Store {
    let url = fresh_database().await;
    Store::connect_url(&url, 4, 25832, 0.05)
        .await
        .expect("connect to the test database")
}

/// A running `xplanserver serve` on a free port, killed on drop.
pub struct Server {
    pub port: u16,
    child: std::process::Child,
}

/// A plain HTTP response.
pub struct Response {
    pub status: u16,
    pub headers: String,
    pub body: Vec<u8>,
}

impl Response {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
    pub fn header(&self, name: &str) -> Option<String> {
        self.headers.lines().find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.trim()
                .eq_ignore_ascii_case(name)
                .then(|| v.trim().to_string())
        })
    }
}

impl Server {
    pub fn start(url: &str) -> Server {
        Server::start_with_env(url, &[])
    }

    /// Starts the server with extra environment variables.
    pub fn start_with_env(url: &str, env: &[(&str, &str)]) -> Server {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let child = std::process::Command::new(bin())
            .args(["--database-url", url, "serve", "--bind"])
            .arg(format!("127.0.0.1:{port}"))
            .env("XPLAN_WORKERS", "2")
            .env("XPLAN_LOG", "warn")
            // no initial-admin-password file in the working directory
            .env("XPLAN_BOOTSTRAP_ADMIN", "false")
            .envs(env.iter().copied())
            .stdout(std::process::Stdio::null())
            .spawn()
            .unwrap();
        let s = Server { port, child };
        let t0 = std::time::Instant::now();
        loop {
            if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok()
                && s.get("/health").status == 200
            {
                break;
            }
            assert!(t0.elapsed().as_secs() < 60, "server did not start");
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
        s
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    /// GET with HTTP/1.0 (connection closed after the response).
    pub fn get(&self, path: &str) -> Response {
        self.request("GET", path, None)
    }

    /// POST with HTTP/1.0.
    pub fn post(&self, path: &str, content_type: &str, body: &[u8]) -> Response {
        self.request("POST", path, Some((content_type, body)))
    }

    /// GET with an Accept header.
    pub fn get_accept(&self, path: &str, accept: &str) -> Response {
        self.request_with("GET", path, &format!("Accept: {accept}\r\n"), None)
    }

    /// Any method with extra headers (name, value) and an optional body
    /// (content type, bytes).
    pub fn send(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: Option<(&str, &[u8])>,
    ) -> Response {
        let h: String = headers
            .iter()
            .map(|(k, v)| format!("{k}: {v}\r\n"))
            .collect();
        self.request_with(method, path, &h, body)
    }

    fn request(&self, method: &str, path: &str, body: Option<(&str, &[u8])>) -> Response {
        self.request_with(method, path, "", body)
    }

    fn request_with(
        &self,
        method: &str,
        path: &str,
        headers: &str,
        body: Option<(&str, &[u8])>,
    ) -> Response {
        use std::io::{Read, Write};
        let mut c = std::net::TcpStream::connect(("127.0.0.1", self.port)).unwrap();
        c.set_read_timeout(Some(std::time::Duration::from_secs(60)))
            .unwrap();
        write!(
            c,
            "{method} {path} HTTP/1.0\r\nHost: 127.0.0.1:{}\r\n{headers}",
            self.port
        )
        .unwrap();
        match body {
            Some((ct, b)) => {
                write!(
                    c,
                    "Content-Type: {ct}\r\nContent-Length: {}\r\n\r\n",
                    b.len()
                )
                .unwrap();
                c.write_all(b).unwrap();
            }
            None if method == "GET" || method == "HEAD" => write!(c, "\r\n").unwrap(),
            None => write!(c, "Content-Length: 0\r\n\r\n").unwrap(),
        }
        let mut buf = vec![];
        c.read_to_end(&mut buf).unwrap();
        let split = buf
            .windows(4)
            .position(|w| w == b"\r\n\r\n")
            .expect("HTTP header end");
        let headers = String::from_utf8_lossy(&buf[..split]).into_owned();
        let status = headers
            .split_whitespace()
            .nth(1)
            .and_then(|s| s.parse().ok())
            .expect("status");
        Response {
            status,
            headers,
            body: buf[split + 4..].to_vec(),
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

// ---- helpers shared by the OGC service tests

/// Validates `xml` with xmllint against `schema` (a file or an OGC URL
/// mapped to the local copies by the catalog); Err(messages) if invalid.
pub fn xmllint(schema: &str, xml: &[u8]) -> Result<(), String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let f = tempfile::Builder::new().suffix(".xml").tempfile().unwrap();
    std::fs::write(f.path(), xml).unwrap();
    let schema = if schema.starts_with("http") {
        schema.to_string()
    } else {
        root.join(schema).to_string_lossy().into_owned()
    };
    let out = Command::new("xmllint")
        .env("XML_CATALOG_FILES", root.join("xsd/ogc/catalog.xml"))
        .args(["--nonet", "--noout", "--schema", &schema])
        .arg(f.path())
        .output()
        .expect("xmllint");
    if out.status.success() {
        Ok(())
    } else {
        let err = String::from_utf8_lossy(&out.stderr);
        Err(err
            .lines()
            .filter(|l| !l.contains("parser warning"))
            .take(8)
            .collect::<Vec<_>>()
            .join("\n"))
    }
}

/// Runs a GDAL command line tool; it must succeed without an ERROR line.
/// Returns (stdout, stderr).
pub fn ogr(args: &[&str]) -> (String, String) {
    let out = Command::new(args[0])
        .args(&args[1..])
        .env("CPL_DEBUG", "OFF")
        // GDAL's WMTS driver would cache tiles in ./gdalwmscache
        .env("GDAL_ENABLE_WMS_CACHE", "NO")
        .output()
        .unwrap();
    let so = String::from_utf8_lossy(&out.stdout).into_owned();
    let se = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(out.status.success(), "{args:?}: {se}\n{so}");
    assert!(!se.contains("ERROR"), "{args:?}: {se}");
    (so, se)
}

/// Shoelace area of a GeoJSON (Multi)Polygon.
pub fn area(g: &Value) -> f64 {
    fn ring(r: &Value) -> f64 {
        let pts: Vec<(f64, f64)> = r
            .as_array()
            .unwrap()
            .iter()
            .map(|p| (p[0].as_f64().unwrap(), p[1].as_f64().unwrap()))
            .collect();
        let mut a = 0.0;
        for w in pts.windows(2) {
            a += w[0].0 * w[1].1 - w[1].0 * w[0].1;
        }
        (a / 2.0).abs()
    }
    fn poly(p: &Value) -> f64 {
        let rings = p.as_array().unwrap();
        ring(&rings[0]) - rings[1..].iter().map(ring).sum::<f64>()
    }
    match g["type"].as_str().unwrap() {
        "Polygon" => poly(&g["coordinates"]),
        "MultiPolygon" => g["coordinates"].as_array().unwrap().iter().map(poly).sum(),
        t => panic!("not an area: {t}"),
    }
}

pub fn s<'a>(p: &'a Value, k: &str) -> Option<&'a str> {
    p.get(k).and_then(Value::as_str)
}

pub fn num(p: &Value, k: &str) -> Option<f64> {
    s(p, k).and_then(|v| v.parse().ok())
}

// ---- images

/// Decodes a PNG into (width, height, RGBA pixels).
pub fn decode_png(bytes: &[u8]) -> (u32, u32, Vec<[u8; 4]>) {
    assert_eq!(
        &bytes[..8],
        b"\x89PNG\r\n\x1a\n",
        "not a PNG: {}",
        String::from_utf8_lossy(&bytes[..bytes.len().min(300)])
    );
    let mut dec = png::Decoder::new(std::io::Cursor::new(bytes));
    dec.set_transformations(png::Transformations::EXPAND);
    let mut r = dec.read_info().unwrap();
    let mut buf = vec![0; r.output_buffer_size().unwrap()];
    let info = r.next_frame(&mut buf).unwrap();
    let ch = r.output_color_type().0.samples();
    let px = buf[..info.buffer_size()]
        .chunks(ch)
        .map(|c| match ch {
            4 => [c[0], c[1], c[2], c[3]],
            3 => [c[0], c[1], c[2], 255],
            2 => [c[0], c[0], c[0], c[1]],
            _ => [c[0], c[0], c[0], 255],
        })
        .collect();
    (info.width, info.height, px)
}

/// Share of pixels that differ by more than `tol` in some channel.
pub fn diff_share(a: &[[u8; 4]], b: &[[u8; 4]], tol: u8) -> f64 {
    assert_eq!(a.len(), b.len());
    let n = a
        .iter()
        .zip(b)
        .filter(|(p, q)| p.iter().zip(q.iter()).any(|(x, y)| x.abs_diff(*y) > tol))
        .count();
    n as f64 / a.len() as f64
}

/// Runs a Python script (a client such as OWSLib) that prints one JSON
/// value; asserts that it succeeds and returns the value.
#[allow(dead_code)]
pub fn python_json(script: &str) -> serde_json::Value {
    let out = std::process::Command::new("python3")
        .arg("-c")
        .arg(script)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "python: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stdout)))
}
