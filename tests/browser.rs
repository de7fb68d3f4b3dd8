//! The web page in a real browser: Debian's Chromium, driven by
//! playwright-core (tests/browser/web.mjs), against a real server on a fresh
//! PostGIS database: login, upload with validation report, import, plan page
//! with map and GetFeatureInfo, plan list with search, phone width.
//! Screenshots go to $CARGO_TARGET_DIR/browser-artefacts (else
//! target/browser-artefacts).
//!
//! Needs Node.js, /usr/bin/chromium and web/node_modules + web/vendor:
//! `make deps` (scripts/web-deps.sh) installs them. Missing pieces fail the
//! test with that hint; it is never skipped.

mod common;

use common::{fixtures, fresh_database, Server};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const USER: &str = "webtester";
const CHROMIUM: &str = "/usr/bin/chromium";
/// The script's own deadline is 90 s; this one only catches a stuck process.
const HARD_TIMEOUT: Duration = Duration::from_secs(150);

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn artefact_dir() -> PathBuf {
    match std::env::var_os("CARGO_TARGET_DIR") {
        Some(d) if !d.is_empty() => {
            let d = PathBuf::from(d);
            if d.is_absolute() {
                d
            } else {
                root().join(d)
            }
        }
        _ => root().join("target"),
    }
    .join("browser-artefacts")
}

/// Panics with the hint to install the web dependencies when a piece is missing.
fn require_tools() {
    let hint = "run `make deps` (or scripts/web-deps.sh) to install Node.js, Chromium and the npm packages of web/";
    let node = Command::new("node").arg("--version").output();
    assert!(
        matches!(&node, Ok(o) if o.status.success()),
        "node is missing: {hint}"
    );
    assert!(
        Path::new(CHROMIUM).is_file(),
        "{CHROMIUM} is missing: {hint}"
    );
    for p in [
        "web/node_modules/playwright-core/package.json",
        "web/vendor/ol/ol.js",
        "web/vendor/ol/ol.css",
    ] {
        assert!(root().join(p).is_file(), "{p} is missing: {hint}");
    }
}

fn random_password() -> String {
    format!(
        "Pw-{}-{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .subsec_nanos()
    )
}

/// `xplanserver --database-url URL user add NAME --role admin --password-stdin`.
fn add_user(url: &str, name: &str, password: &str) {
    let mut child = Command::new(common::bin())
        .args(["--database-url", url, "user", "add", name])
        .args(["--role", "admin", "--password-stdin"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start xplanserver user add");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(format!("{password}\n").as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "user add failed: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Runs the command with a deadline; returns (success, stdout + stderr).
fn run_with_timeout(mut cmd: Command, limit: Duration) -> (bool, String) {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("out.log");
    let f = std::fs::File::create(&log).unwrap();
    let mut child = cmd
        .stdout(Stdio::from(f.try_clone().unwrap()))
        .stderr(Stdio::from(f))
        .spawn()
        .expect("start node");
    let t0 = Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break Some(s);
        }
        if t0.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(200));
    };
    let output = std::fs::read_to_string(&log).unwrap_or_default();
    match status {
        Some(s) => (s.success(), output),
        None => (
            false,
            format!("{output}\nkilled after {} s", limit.as_secs()),
        ),
    }
}

/// A PNG of at least `min_bytes` with a plausible size.
fn assert_png(path: &Path, min_bytes: u64) {
    let meta =
        std::fs::metadata(path).unwrap_or_else(|_| panic!("screenshot {} missing", path.display()));
    assert!(
        meta.len() >= min_bytes,
        "screenshot {} has only {} bytes",
        path.display(),
        meta.len()
    );
    let bytes = std::fs::read(path).unwrap();
    assert_eq!(
        &bytes[..8],
        b"\x89PNG\r\n\x1a\n",
        "{} is not a PNG",
        path.display()
    );
    let dec = png::Decoder::new(std::io::Cursor::new(&bytes));
    let r = dec.read_info().unwrap();
    let info = r.info();
    assert!(
        info.width >= 300 && info.height >= 200,
        "{}: {}x{} px",
        path.display(),
        info.width,
        info.height
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn web_page_in_a_browser() {
    require_tools();
    let url = fresh_database().await;
    let password = random_password();
    add_user(&url, USER, &password);
    let server = Server::start(&url);
    let base = server.url("");

    let shots = artefact_dir();
    // Old screenshots must not pass for new ones.
    let _ = std::fs::remove_dir_all(&shots);
    std::fs::create_dir_all(&shots).unwrap();

    let mut cmd = Command::new("node");
    cmd.current_dir(root())
        .arg("tests/browser/web.mjs")
        .arg(&base)
        .arg(USER)
        .arg(&password)
        .arg(fixtures().join("plans/BPlan001_5-4.zip"))
        .arg(&shots)
        // a plan with geometric findings: the report's rule groups and map
        .arg(fixtures().join("plans/BP2135.zip"));
    let (ok, output) = tokio::task::spawn_blocking(move || run_with_timeout(cmd, HARD_TIMEOUT))
        .await
        .unwrap();
    println!("{output}");
    assert!(
        ok,
        "the browser test failed (screenshots in {}):\n{output}",
        shots.display()
    );

    for (name, min) in [
        ("upload-report-invalid.png", 20_000),
        ("upload-report.png", 20_000),
        ("plan.png", 30_000),
        ("feature-info.png", 20_000),
        ("plan-list.png", 10_000),
        ("plan-list-375.png", 10_000),
        ("plan-375.png", 20_000),
    ] {
        assert_png(&shots.join(name), min);
    }
    drop(server);
}
