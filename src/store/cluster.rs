//! The managed PostgreSQL + PostGIS cluster: initdb on first use, start on
//! demand, 127.0.0.1 only, password authentication. PostgreSQL refuses to
//! run as root, so as root the cluster runs as the `postgres` system user
//! (created by the Debian package), or a dedicated `xplanserver` user.

use super::StoreError;
use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// Name of the superuser role and the database of the managed cluster.
pub const ROLE: &str = "xplan";
pub const DATABASE: &str = "xplan";

#[derive(Debug, Clone)]
pub struct Cluster {
    /// The data directory given by the user (cluster in `pgdata/` below it).
    pub data_dir: PathBuf,
    pub port: u16,
}

fn err(msg: impl Into<String>) -> StoreError {
    StoreError::Cluster(msg.into())
}

impl Cluster {
    pub fn new(data_dir: &Path, port: u16) -> Result<Cluster, StoreError> {
        fs::create_dir_all(data_dir).map_err(|e| {
            err(format!(
                "cannot create data directory {}: {e}",
                data_dir.display()
            ))
        })?;
        let data_dir = data_dir.canonicalize().map_err(|e| {
            err(format!(
                "cannot resolve data directory {}: {e}",
                data_dir.display()
            ))
        })?;
        Ok(Cluster { data_dir, port })
    }

    pub fn pgdata(&self) -> PathBuf {
        self.data_dir.join("pgdata")
    }

    fn password_file(&self) -> PathBuf {
        self.data_dir.join("pg-password")
    }

    fn log_file(&self) -> PathBuf {
        self.data_dir.join("postgresql.log")
    }

    /// The directory with initdb, pg_ctl and postgres.
    pub fn bin_dir() -> Result<PathBuf, StoreError> {
        if let Ok(out) = Command::new("pg_config").arg("--bindir").output() {
            if out.status.success() {
                let p = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
                if p.join("initdb").exists() {
                    return Ok(p);
                }
            }
        }
        let mut versions: Vec<u32> = fs::read_dir("/usr/lib/postgresql")
            .map(|rd| {
                rd.filter_map(|e| e.ok()?.file_name().to_str()?.parse().ok())
                    .collect()
            })
            .unwrap_or_default();
        versions.sort_unstable();
        for v in versions.iter().rev() {
            let p = PathBuf::from(format!("/usr/lib/postgresql/{v}/bin"));
            if p.join("initdb").exists() {
                return Ok(p);
            }
        }
        Err(err(
            "PostgreSQL server binaries not found (install postgresql-15 and postgresql-15-postgis-3, or run 'make run' which installs them)",
        ))
    }

    /// The system user the cluster runs as: none (the current user) unless
    /// we are root.
    fn run_as() -> Result<Option<String>, StoreError> {
        if !is_root() {
            return Ok(None);
        }
        for user in ["postgres", "xplanserver"] {
            if user_exists(user) {
                return Ok(Some(user.to_string()));
            }
        }
        let status = Command::new("useradd")
            .args([
                "--system",
                "--no-create-home",
                "--shell",
                "/usr/sbin/nologin",
                "xplanserver",
            ])
            .status()
            .map_err(|e| err(format!("cannot create system user xplanserver: {e}")))?;
        if !status.success() {
            return Err(err(
                "cannot create system user xplanserver (useradd failed)",
            ));
        }
        Ok(Some("xplanserver".into()))
    }

    fn command(&self, program: &str, run_as: &Option<String>) -> Result<Command, StoreError> {
        let bin = Self::bin_dir()?.join(program);
        Ok(match run_as {
            Some(u) => {
                let mut c = Command::new("runuser");
                c.args(["-u", u, "--"]).arg(bin);
                c
            }
            None => Command::new(bin),
        })
    }

    /// The password of the `xplan` role (created on first use).
    pub fn password(&self) -> Result<String, StoreError> {
        let f = self.password_file();
        fs::read_to_string(&f)
            .map(|s| s.trim().to_string())
            .map_err(|e| err(format!("cannot read {}: {e}", f.display())))
    }

    pub fn url(&self) -> Result<String, StoreError> {
        Ok(format!(
            "postgres://{ROLE}:{}@127.0.0.1:{}/{DATABASE}",
            self.password()?,
            self.port
        ))
    }

    pub fn is_initialised(&self) -> bool {
        self.pgdata().join("PG_VERSION").exists()
    }

    fn initdb(&self) -> Result<(), StoreError> {
        let run_as = Self::run_as()?;
        let pgdata = self.pgdata();
        fs::create_dir_all(&pgdata)
            .map_err(|e| err(format!("cannot create {}: {e}", pgdata.display())))?;
        let password = random_hex(24);
        let pwfile = self.password_file();
        write_private(&pwfile, &password)?;
        // initdb reads the password from a file the cluster user can read.
        let tmp_pw = self.data_dir.join("initdb-password");
        if let Some(u) = &run_as {
            check_reachable(&self.data_dir, u)?;
            write_private(&tmp_pw, &password)?;
            chown(&tmp_pw, u)?;
            chown_recursive(&pgdata, u)?;
        } else {
            write_private(&tmp_pw, &password)?;
        }
        let out = self
            .command("initdb", &run_as)?
            .arg("-D")
            .arg(&pgdata)
            .args([
                "-U",
                ROLE,
                "--auth=scram-sha-256",
                "-E",
                "UTF8",
                "--no-locale",
                "--pwfile",
            ])
            .arg(&tmp_pw)
            .stdout(Stdio::null())
            .output()
            .map_err(|e| err(format!("cannot run initdb: {e}")));
        let _ = fs::remove_file(&tmp_pw);
        let out = out?;
        if !out.status.success() {
            // leave nothing half-initialised behind
            let _ = fs::remove_dir_all(&pgdata);
            return Err(err(format!(
                "initdb failed: {}",
                String::from_utf8_lossy(&out.stderr).trim()
            )));
        }
        Ok(())
    }

    /// Is the cluster running (pg_ctl status)?
    pub fn is_running(&self) -> Result<bool, StoreError> {
        if !self.is_initialised() {
            return Ok(false);
        }
        let run_as = Self::run_as()?;
        let st = self
            .command("pg_ctl", &run_as)?
            .arg("-D")
            .arg(self.pgdata())
            .arg("status")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .map_err(|e| err(format!("cannot run pg_ctl: {e}")))?;
        Ok(st.success())
    }

    /// Initialises (first use) and starts the cluster if it is not running.
    /// Safe to call from several processes at once (file lock).
    pub fn start(&self) -> Result<(), StoreError> {
        let lock = fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(self.data_dir.join(".cluster.lock"))
            .map_err(|e| err(format!("cannot open lock file: {e}")))?;
        lock.lock()
            .map_err(|e| err(format!("cannot lock the data directory: {e}")))?;
        if !self.is_initialised() {
            self.initdb()?;
        }
        if self.is_running()? {
            return Ok(());
        }
        let run_as = Self::run_as()?;
        let log = self.log_file();
        if let Some(u) = &run_as {
            if !log.exists() {
                fs::write(&log, "")
                    .map_err(|e| err(format!("cannot create {}: {e}", log.display())))?;
            }
            chown(&log, u)?;
        }
        let pgdata = self.pgdata();
        // Unix socket only where the path fits (108 bytes); TCP on loopback always.
        let sock = if pgdata.as_os_str().len() < 90 {
            pgdata.display().to_string()
        } else {
            String::new()
        };
        let opts = format!(
            "-p {} -c listen_addresses=127.0.0.1 -c unix_socket_directories='{}' -c fsync=on -c random_page_cost=1.1",
            self.port, sock
        );
        let out = self
            .command("pg_ctl", &run_as)?
            .arg("-D")
            .arg(&pgdata)
            .arg("-l")
            .arg(&log)
            .args(["-w", "-t", "60", "-o", &opts, "start"])
            .stdout(Stdio::null())
            .output()
            .map_err(|e| err(format!("cannot run pg_ctl: {e}")))?;
        if !out.status.success() {
            let tail = fs::read_to_string(&log).unwrap_or_default();
            let tail: Vec<&str> = tail.lines().rev().take(5).collect();
            return Err(err(format!(
                "PostgreSQL did not start on 127.0.0.1:{} ({}): {}",
                self.port,
                String::from_utf8_lossy(&out.stderr).trim(),
                tail.into_iter().rev().collect::<Vec<_>>().join(" | ")
            )));
        }
        Ok(())
    }

    pub fn stop(&self) -> Result<bool, StoreError> {
        if !self.is_running()? {
            return Ok(false);
        }
        let run_as = Self::run_as()?;
        let out = self
            .command("pg_ctl", &run_as)?
            .arg("-D")
            .arg(self.pgdata())
            .args(["-w", "-m", "fast", "stop"])
            .stdout(Stdio::null())
            .output()
            .map_err(|e| err(format!("cannot run pg_ctl: {e}")))?;
        if !out.status.success() {
            return Err(err(format!(
                "pg_ctl stop failed: {}",
                String::from_utf8_lossy(&out.stderr).trim()
            )));
        }
        Ok(true)
    }
}

fn is_root() -> bool {
    // SAFETY-free: read the effective uid from /proc.
    fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("Uid:"))
                .and_then(|l| l.split_whitespace().nth(2).map(|u| u == "0"))
        })
        .unwrap_or(false)
}

fn user_exists(user: &str) -> bool {
    Command::new("id")
        .arg("-u")
        .arg(user)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

fn chown(path: &Path, user: &str) -> Result<(), StoreError> {
    let st = Command::new("chown")
        .arg(format!("{user}:"))
        .arg(path)
        .status()
        .map_err(|e| err(format!("cannot run chown: {e}")))?;
    if !st.success() {
        return Err(err(format!("chown {user} {} failed", path.display())));
    }
    Ok(())
}

fn chown_recursive(path: &Path, user: &str) -> Result<(), StoreError> {
    let st = Command::new("chown")
        .arg("-R")
        .arg(format!("{user}:"))
        .arg(path)
        .status()
        .map_err(|e| err(format!("cannot run chown: {e}")))?;
    if !st.success() {
        return Err(err(format!("chown -R {user} {} failed", path.display())));
    }
    Ok(())
}

/// The cluster user must be able to reach the data directory: every parent
/// needs the execute bit for others. Where it is missing, add it (the
/// directories stay unreadable for others).
fn check_reachable(dir: &Path, user: &str) -> Result<(), StoreError> {
    let mut p = Some(dir);
    while let Some(d) = p {
        if let Ok(meta) = fs::metadata(d) {
            let mode = meta.permissions().mode();
            if mode & 0o001 == 0 {
                let mut perms = meta.permissions();
                perms.set_mode(mode | 0o001);
                fs::set_permissions(d, perms).map_err(|e| {
                    err(format!(
                        "the cluster user '{user}' cannot reach {} and its permissions cannot be changed: {e}",
                        d.display()
                    ))
                })?;
            }
        }
        p = d.parent();
    }
    Ok(())
}

fn write_private(path: &Path, content: &str) -> Result<(), StoreError> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut f = fs::OpenOptions::new()
        .create(true)
        .truncate(true)
        .write(true)
        .mode(0o600)
        .open(path)
        .map_err(|e| err(format!("cannot write {}: {e}", path.display())))?;
    f.write_all(content.as_bytes())
        .map_err(|e| err(format!("cannot write {}: {e}", path.display())))
}

pub fn random_hex(bytes: usize) -> String {
    use rand::RngCore;
    let mut b = vec![0u8; bytes];
    rand::thread_rng().fill_bytes(&mut b);
    b.iter().map(|x| format!("{x:02x}")).collect()
}
