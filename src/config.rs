//! Configuration: one TOML file, overridden by `XPLAN_*` environment
//! variables, overridden by command-line flags (applied in main.rs).

use serde::Deserialize;
use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read config file {path}: {source}")]
    Read {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("invalid config file {path}: {message}")]
    Parse { path: String, message: String },
    #[error("invalid value of {name}: '{value}'")]
    Env { name: String, value: String },
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    pub server: ServerConfig,
    pub database: DatabaseConfig,
    pub storage: StorageConfig,
    pub limits: LimitsConfig,
    pub render: RenderConfig,
    pub service: ServiceConfig,
    pub api: ApiConfig,
    pub auth: AuthConfig,
    pub tiles: TilesConfig,
}

/// Raster tiles (XYZ, WMTS, OGC API Tiles) and their cache.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TilesConfig {
    /// Directory of the tile cache; default <data_dir>/tiles.
    pub cache_dir: Option<PathBuf>,
    /// Tiles per side of a metatile (drawn at once, then cut).
    pub metatile: u32,
    /// Pixels drawn around a metatile (labels and symbols at its edges).
    pub gutter: u32,
    /// Cache-Control max-age of tiles, in seconds (clients revalidate
    /// with the ETag after that).
    pub max_age_seconds: u32,
    /// Megabytes of recently served tiles kept in memory.
    pub memory_cache_mb: usize,
}

impl Default for TilesConfig {
    fn default() -> Self {
        TilesConfig {
            cache_dir: None,
            metatile: 4,
            gutter: 32,
            max_age_seconds: 60,
            memory_cache_mb: 64,
        }
    }
}

impl Config {
    /// The tile cache directory.
    pub fn tile_cache_dir(&self) -> PathBuf {
        self.tiles
            .cache_dir
            .clone()
            .unwrap_or_else(|| self.database.data_dir.join("tiles"))
    }
}

/// The REST API (plan manager and validator).
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ApiConfig {
    /// Largest upload (POST /api/v1/plans and /validate) in bytes.
    pub max_upload_bytes: u64,
    /// Seconds a client may take to send an upload.
    pub upload_timeout_seconds: u64,
    /// Which imports are refused as duplicates (409): "none", "name" or
    /// "ags_name" (same plan name in the same municipality).
    pub unique: crate::store::manage::Uniqueness,
    /// Directory of the web page's files (index.html, app.js, vendor/);
    /// default: ./web, else the web/ directory of the source tree.
    pub web_dir: Option<PathBuf>,
}

impl Default for ApiConfig {
    fn default() -> Self {
        ApiConfig {
            max_upload_bytes: 100 << 20,
            upload_timeout_seconds: 300,
            unique: Default::default(),
            web_dir: None,
        }
    }
}

/// Access control of the REST API and the web page.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AuthConfig {
    /// Reading (maps, WFS, plan list, documents) without credentials. When
    /// false, every request but /health/* and the web page's files needs a
    /// user or token of any role.
    pub public_read: bool,
    /// When no user exists at start, create `admin` with a random password
    /// written to <data_dir>/initial-admin-password (mode 0600).
    pub bootstrap_admin: bool,
    /// Seconds a verified credential is remembered (argon2 is slow on
    /// purpose); a revoked token or changed password takes effect after at
    /// most this long.
    pub cache_seconds: u64,
}

impl Default for AuthConfig {
    fn default() -> Self {
        AuthConfig {
            public_read: true,
            bootstrap_admin: true,
            cache_seconds: 30,
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RenderConfig {
    /// Style file replacing the built-in cartography (styles/xplanung.toml).
    pub style_file: Option<PathBuf>,
    /// Largest WMS image width and height in pixels.
    pub max_width: u32,
    pub max_height: u32,
}

impl Default for RenderConfig {
    fn default() -> Self {
        RenderConfig {
            style_file: None,
            max_width: 4096,
            max_height: 4096,
        }
    }
}

/// Metadata of the OGC services.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ServiceConfig {
    /// Public base URL (e.g. https://plaene.example.org) used in
    /// capabilities; default: taken from each request's Host header.
    pub public_url: Option<String>,
    pub title: String,
    pub abstract_text: String,
    pub provider: String,
}

impl Default for ServiceConfig {
    fn default() -> Self {
        ServiceConfig {
            public_url: None,
            title: "XPlanServer".into(),
            abstract_text: "Bauleitpläne und andere Pläne nach XPlanung".into(),
            provider: String::new(),
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ServerConfig {
    /// Address the HTTP server listens on.
    pub bind: String,
    /// HTTP worker threads (0 = number of cores).
    pub workers: usize,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DatabaseConfig {
    /// PostgreSQL URL of an external server with PostGIS. When empty, a
    /// managed local cluster in `data_dir` is used.
    pub url: Option<String>,
    /// Directory of the managed cluster (and other server data).
    pub data_dir: PathBuf,
    /// TCP port of the managed cluster on 127.0.0.1.
    pub port: u16,
    /// Connection pool size.
    pub max_connections: u32,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct StorageConfig {
    /// EPSG code of the linearised geometries (rendering, queries).
    pub srid: u32,
    /// Maximum chord error of arc linearisation, in metres.
    pub chord_error: f64,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LimitsConfig {
    pub max_input_bytes: u64,
    pub max_uncompressed_bytes: u64,
    pub max_compression_ratio: u64,
    pub max_archive_entries: usize,
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            bind: "127.0.0.1:8080".into(),
            workers: 0,
        }
    }
}

impl Default for DatabaseConfig {
    fn default() -> Self {
        DatabaseConfig {
            url: None,
            data_dir: PathBuf::from("data"),
            port: 5439,
            max_connections: 8,
        }
    }
}

impl Default for StorageConfig {
    fn default() -> Self {
        StorageConfig {
            srid: 25832,
            chord_error: crate::gml::arc::DEFAULT_CHORD_ERROR,
        }
    }
}

impl Default for LimitsConfig {
    fn default() -> Self {
        let l = crate::xplan::Limits::default();
        LimitsConfig {
            max_input_bytes: l.max_input_bytes,
            max_uncompressed_bytes: l.max_uncompressed_bytes,
            max_compression_ratio: l.max_compression_ratio,
            max_archive_entries: l.max_entries,
        }
    }
}

impl LimitsConfig {
    pub fn to_limits(&self) -> crate::xplan::Limits {
        crate::xplan::Limits {
            max_input_bytes: self.max_input_bytes,
            max_uncompressed_bytes: self.max_uncompressed_bytes,
            max_compression_ratio: self.max_compression_ratio,
            max_entries: self.max_archive_entries,
        }
    }
}

/// The config file used when none is given: `xplanserver.toml` in the
/// working directory, if it exists.
pub const DEFAULT_CONFIG_FILE: &str = "xplanserver.toml";

impl Config {
    /// Loads the TOML file (`path`, or `xplanserver.toml` if present) and
    /// applies the `XPLAN_*` environment variables.
    pub fn load(path: Option<&Path>) -> Result<Config, ConfigError> {
        let mut cfg = match path {
            Some(p) => Self::from_file(p)?,
            None if Path::new(DEFAULT_CONFIG_FILE).exists() => {
                Self::from_file(Path::new(DEFAULT_CONFIG_FILE))?
            }
            None => Config::default(),
        };
        cfg.apply_env(|k| std::env::var(k).ok())?;
        Ok(cfg)
    }

    pub fn from_file(path: &Path) -> Result<Config, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.display().to_string(),
            source,
        })?;
        toml::from_str(&text).map_err(|e| ConfigError::Parse {
            path: path.display().to_string(),
            message: e.to_string(),
        })
    }

    /// Applies XPLAN_DATABASE_URL, XPLAN_DATA_DIR, XPLAN_DB_PORT,
    /// XPLAN_BIND, XPLAN_WORKERS, XPLAN_STORAGE_SRID, XPLAN_PUBLIC_URL,
    /// XPLAN_STYLE_FILE, XPLAN_MAX_INPUT_BYTES, XPLAN_MAX_UPLOAD_BYTES,
    /// XPLAN_UNIQUE, XPLAN_WEB_DIR, XPLAN_PUBLIC_READ, XPLAN_AUTH_CACHE_SECONDS,
    /// XPLAN_TILE_CACHE_DIR,
    /// XPLAN_BOOTSTRAP_ADMIN.
    pub fn apply_env(&mut self, get: impl Fn(&str) -> Option<String>) -> Result<(), ConfigError> {
        fn parse<T: std::str::FromStr>(name: &str, v: String) -> Result<T, ConfigError> {
            v.trim().parse().map_err(|_| ConfigError::Env {
                name: name.into(),
                value: v,
            })
        }
        if let Some(v) = get("XPLAN_DATABASE_URL") {
            self.database.url = (!v.trim().is_empty()).then_some(v);
        }
        if let Some(v) = get("XPLAN_DATA_DIR") {
            self.database.data_dir = PathBuf::from(v);
        }
        if let Some(v) = get("XPLAN_DB_PORT") {
            self.database.port = parse("XPLAN_DB_PORT", v)?;
        }
        if let Some(v) = get("XPLAN_BIND") {
            self.server.bind = v;
        }
        if let Some(v) = get("XPLAN_WORKERS") {
            self.server.workers = parse("XPLAN_WORKERS", v)?;
        }
        if let Some(v) = get("XPLAN_STORAGE_SRID") {
            self.storage.srid = parse("XPLAN_STORAGE_SRID", v)?;
        }
        if let Some(v) = get("XPLAN_PUBLIC_URL") {
            self.service.public_url = (!v.trim().is_empty()).then_some(v);
        }
        if let Some(v) = get("XPLAN_STYLE_FILE") {
            self.render.style_file = (!v.trim().is_empty()).then(|| PathBuf::from(v));
        }
        if let Some(v) = get("XPLAN_MAX_INPUT_BYTES") {
            self.limits.max_input_bytes = parse("XPLAN_MAX_INPUT_BYTES", v)?;
        }
        if let Some(v) = get("XPLAN_MAX_UPLOAD_BYTES") {
            self.api.max_upload_bytes = parse("XPLAN_MAX_UPLOAD_BYTES", v)?;
        }
        if let Some(v) = get("XPLAN_UNIQUE") {
            self.api.unique = match v.trim() {
                "none" => crate::store::manage::Uniqueness::None,
                "name" => crate::store::manage::Uniqueness::Name,
                "ags_name" => crate::store::manage::Uniqueness::AgsName,
                _ => {
                    return Err(ConfigError::Env {
                        name: "XPLAN_UNIQUE".into(),
                        value: v,
                    })
                }
            };
        }
        if let Some(v) = get("XPLAN_WEB_DIR") {
            self.api.web_dir = (!v.trim().is_empty()).then(|| PathBuf::from(v));
        }
        if let Some(v) = get("XPLAN_PUBLIC_READ") {
            self.auth.public_read = parse("XPLAN_PUBLIC_READ", v)?;
        }
        if let Some(v) = get("XPLAN_TILE_CACHE_DIR") {
            self.tiles.cache_dir = (!v.trim().is_empty()).then(|| PathBuf::from(v));
        }
        if let Some(v) = get("XPLAN_AUTH_CACHE_SECONDS") {
            self.auth.cache_seconds = parse("XPLAN_AUTH_CACHE_SECONDS", v)?;
        }
        if let Some(v) = get("XPLAN_BOOTSTRAP_ADMIN") {
            self.auth.bootstrap_admin = parse("XPLAN_BOOTSTRAP_ADMIN", v)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn example_config_parses_and_env_overrides() {
        let text = std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/xplanserver.example.toml"
        ))
        .unwrap();
        let mut cfg: Config = toml::from_str(&text).unwrap();
        assert_eq!(cfg.storage.srid, 25832);
        cfg.apply_env(|k| match k {
            "XPLAN_BIND" => Some("0.0.0.0:9000".into()),
            "XPLAN_STORAGE_SRID" => Some("25833".into()),
            _ => None,
        })
        .unwrap();
        assert_eq!(cfg.server.bind, "0.0.0.0:9000");
        assert_eq!(cfg.storage.srid, 25833);
        let err = cfg
            .apply_env(|k| (k == "XPLAN_DB_PORT").then(|| "abc".into()))
            .unwrap_err();
        assert!(err.to_string().contains("XPLAN_DB_PORT"));
        assert!(toml::from_str::<Config>("[server]\nbnid = 1").is_err());
    }
}
