//! The xplanserver command line.

use anyhow::{bail, Context};

use clap::{Parser, Subcommand, ValueEnum};
use futures_util::StreamExt;
use std::path::PathBuf;
use std::process::ExitCode;
use xplanserver::auth::Role;
use xplanserver::config::Config;
use xplanserver::store::cluster::Cluster;
use xplanserver::store::{ImportOptions, Store};
use xplanserver::xplan::{read_input, PlanStatus};

/// A file read for `import`: validated (the validator's document is the
/// one stored), or without validation still to be parsed (by
/// `Store::import`, which writes its first plans while it parses the rest).
enum ToImport {
    Validated(
        xplanserver::xplan::Document,
        Vec<xplanserver::xplan::Attachment>,
        String,
    ),
    Unparsed(xplanserver::xplan::InputFile),
}

#[derive(Parser)]
#[command(
    name = "xplanserver",
    version,
    about = "XPlanung server: import, store and serve XPlanGML plans"
)]
struct Cli {
    /// Configuration file (default: ./xplanserver.toml if it exists).
    #[arg(long, global = true, env = "XPLAN_CONFIG")]
    config: Option<PathBuf>,
    /// Directory of the managed PostgreSQL cluster.
    #[arg(long, global = true)]
    data_dir: Option<PathBuf>,
    /// PostgreSQL URL; without it the managed cluster is used.
    #[arg(long, global = true)]
    database_url: Option<String>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Clone, Copy, ValueEnum, PartialEq)]
enum Format {
    Text,
    Json,
}

#[derive(Clone, Copy, ValueEnum, PartialEq)]
enum ReportFormat {
    Text,
    Json,
    Html,
}

/// Which validation checks to skip.
#[derive(clap::Args, Clone, Copy, Default)]
struct SkipArgs {
    /// Skip the Flächenschluss check (2.2.1.1).
    #[arg(long)]
    skip_flaechenschluss: bool,
    /// Skip the Geltungsbereich check (2.2.3.1).
    #[arg(long)]
    skip_geltungsbereich: bool,
    /// Skip the ring orientation check (Laufrichtung).
    #[arg(long)]
    skip_laufrichtung: bool,
    /// Skip the semantic conformance rules.
    #[arg(long)]
    skip_semantic: bool,
    /// Skip all geometric checks.
    #[arg(long)]
    skip_geometric: bool,
}

impl SkipArgs {
    fn options(&self) -> xplanserver::validate::Options {
        xplanserver::validate::Options {
            skip_geometric: self.skip_geometric,
            skip_semantic: self.skip_semantic,
            skip_flaechenschluss: self.skip_flaechenschluss,
            skip_geltungsbereich: self.skip_geltungsbereich,
            skip_laufrichtung: self.skip_laufrichtung,
        }
    }
}

#[derive(Subcommand)]
enum Command {
    /// Serve the HTTP endpoints.
    Serve {
        /// Listen address (default 127.0.0.1:8080).
        #[arg(long)]
        bind: Option<String>,
    },
    /// Validate plans: exit code 0 valid, 1 invalid, 2 could not validate.
    Validate {
        #[arg(required = true)]
        files: Vec<PathBuf>,
        #[arg(long, value_enum, default_value = "text")]
        format: ReportFormat,
        #[command(flatten)]
        skip: SkipArgs,
    },
    /// List the semantic conformance rules the validator checks, per
    /// XPlanGML version: number and title (Konformitätsbedingungen).
    Rules {
        /// Only this version (4.1, 5.0 … 6.0).
        #[arg(long)]
        version: Option<String>,
        #[arg(long, value_enum, default_value = "text")]
        format: Format,
    },
    /// Import XPlanArchiv zips or XPlanGML files (one transaction per file).
    /// Each file is validated first and refused when invalid.
    Import {
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// Import without validating.
        #[arg(long)]
        skip_validation: bool,
        #[command(flatten)]
        skip: SkipArgs,
        /// Status of the imported plans instead of the one derived from rechtsstand.
        #[arg(long, value_parser = parse_status)]
        status: Option<PlanStatus>,
        /// internalId to record for the plan.
        #[arg(long)]
        internal_id: Option<String>,
        /// Do not show a progress bar.
        #[arg(long)]
        quiet: bool,
    },
    /// List the stored plans.
    List {
        #[arg(long, value_enum, default_value = "text")]
        format: Format,
    },
    /// Show one plan.
    Show {
        id: i64,
        #[arg(long, value_enum, default_value = "text")]
        format: Format,
    },
    /// Export a plan as XPlanArchiv (xplan.gml and attachments).
    Export {
        id: i64,
        #[arg(short, long)]
        output: PathBuf,
    },
    /// Delete a plan with everything stored for it.
    Delete { id: i64 },
    /// Change the status of a plan (in_aufstellung, festgestellt, archiviert).
    Status {
        id: i64,
        #[arg(value_parser = parse_status)]
        status: PlanStatus,
    },
    /// Render tiles into the cache, in parallel on all cores (resumable:
    /// complete metatiles are skipped).
    Seed {
        /// Tilesets: WMS layer names (vektordaten, bp_objekte, bp_baugebteilfl …).
        #[arg(long, value_delimiter = ',', default_value = "vektordaten")]
        layers: Vec<String>,
        /// Tile matrix sets (WebMercatorQuad, UTM32, UTM33).
        #[arg(long, value_delimiter = ',', default_value = "WebMercatorQuad")]
        tms: Vec<String>,
        /// Zoom levels, e.g. 10-17 or 14.
        #[arg(long, value_parser = parse_zooms)]
        zoom: (u8, u8),
        /// Only this area: minLon,minLat,maxLon,maxLat (EPSG:4326).
        #[arg(long, value_parser = parse_bbox)]
        bbox: Option<[f64; 4]>,
        /// Only the areas of these plans.
        #[arg(long, value_delimiter = ',')]
        plan: Vec<i64>,
        /// Worker threads (default: all cores).
        #[arg(long)]
        threads: Option<usize>,
        /// Do not show a progress bar.
        #[arg(long)]
        quiet: bool,
    },
    /// Operate the tile cache.
    Cache {
        #[command(subcommand)]
        action: CacheAction,
    },
    /// Manage the users of the REST API and the web page.
    User {
        #[command(subcommand)]
        action: UserAction,
    },
    /// Manage API tokens (Bearer) of users.
    Token {
        #[command(subcommand)]
        action: TokenAction,
    },
    /// Show the audit log (imports, deletions, status changes), newest first.
    Audit {
        /// Only entries of this plan.
        #[arg(long)]
        plan: Option<i64>,
        #[arg(long, default_value_t = 50)]
        limit: i64,
        #[arg(long, value_enum, default_value = "text")]
        format: Format,
    },
    /// Operate the managed PostgreSQL cluster.
    Db {
        #[command(subcommand)]
        action: DbAction,
    },
    /// Write a synthetic large plan set (benchmarks): a plan tiled N times.
    #[command(hide = true)]
    Synth {
        input: PathBuf,
        #[arg(long, default_value_t = 100)]
        copies: usize,
        #[arg(short, long)]
        output: PathBuf,
    },
}

#[derive(Subcommand)]
enum UserAction {
    /// Add a user. Without --password-stdin a random password is printed.
    Add {
        name: String,
        #[arg(long, value_parser = parse_role)]
        role: Role,
        /// Municipalities (AGS, comma-separated) whose plans an editor may change.
        #[arg(long, value_delimiter = ',')]
        ags: Vec<String>,
        /// Read the password from the first line of standard input.
        #[arg(long)]
        password_stdin: bool,
    },
    /// Change role, municipalities or password of a user.
    Update {
        name: String,
        #[arg(long, value_parser = parse_role)]
        role: Option<Role>,
        #[arg(long, value_delimiter = ',')]
        ags: Option<Vec<String>>,
        /// Read a new password from the first line of standard input.
        #[arg(long)]
        password_stdin: bool,
    },
    /// Remove a user and their tokens.
    Remove { name: String },
    /// List the users.
    List {
        #[arg(long, value_enum, default_value = "text")]
        format: Format,
    },
}

#[derive(Subcommand)]
enum CacheAction {
    /// Delete cached tiles (all, or of one tileset and/or matrix set).
    Purge {
        #[arg(long)]
        layer: Option<String>,
        #[arg(long)]
        tms: Option<String>,
    },
}

#[derive(Subcommand)]
enum TokenAction {
    /// Create a token for a user and print it (it is stored only hashed).
    Create {
        user: String,
        /// What the token is for.
        #[arg(long, default_value = "")]
        label: String,
        /// Days until the token expires (default: never).
        #[arg(long)]
        expires_days: Option<u32>,
    },
    /// List tokens (of one user).
    List { user: Option<String> },
    /// Revoke a token by its id.
    Revoke { id: i64 },
}

#[derive(Subcommand, Clone, Copy)]
enum DbAction {
    /// Initialise (first use) and start the cluster.
    Start,
    /// Stop the cluster.
    Stop,
    /// Tell whether the cluster is running.
    Status,
    /// Open psql on the plan database.
    Psql,
    /// Print the connection URL (with password).
    Url,
}

fn parse_zooms(s: &str) -> Result<(u8, u8), String> {
    let bad = || format!("'{s}' is not a zoom level or range (e.g. 10-17)");
    let (a, b) = s.split_once('-').unwrap_or((s, s));
    let (a, b): (u8, u8) = (
        a.trim().parse().map_err(|_| bad())?,
        b.trim().parse().map_err(|_| bad())?,
    );
    if a > b {
        return Err(bad());
    }
    Ok((a, b))
}

fn parse_bbox(s: &str) -> Result<[f64; 4], String> {
    let v: Vec<f64> = s
        .split(',')
        .map(|x| x.trim().parse::<f64>())
        .collect::<Result<_, _>>()
        .map_err(|_| format!("'{s}' is not minLon,minLat,maxLon,maxLat"))?;
    match v[..] {
        [a, b, c, d] if a < c && b < d => Ok([a, b, c, d]),
        _ => Err(format!("'{s}' is not minLon,minLat,maxLon,maxLat")),
    }
}

fn parse_role(s: &str) -> Result<Role, String> {
    Role::parse(s).ok_or_else(|| format!("'{s}' is not a role (viewer, editor, admin)"))
}

/// Checks AGS values given on the command line.
fn check_ags(ags: &[String]) -> anyhow::Result<Vec<String>> {
    let ags: Vec<String> = ags
        .iter()
        .map(|a| a.trim().to_string())
        .filter(|a| !a.is_empty())
        .collect();
    if let Some(bad) = ags.iter().find(|a| !xplanserver::auth::valid_ags(a)) {
        bail!("'{bad}' is not an AGS (2 to 12 digits)");
    }
    Ok(ags)
}

/// The first line of standard input (a password), without the line end.
fn password_from_stdin() -> anyhow::Result<String> {
    let mut line = String::new();
    std::io::stdin()
        .read_line(&mut line)
        .context("cannot read the password from standard input")?;
    let p = line.trim_end_matches(['\n', '\r']).to_string();
    if p.len() < 8 {
        bail!("the password must have at least 8 characters");
    }
    Ok(p)
}

/// Who the CLI acts as in the audit log.
fn cli_actor() -> String {
    format!(
        "cli:{}",
        std::env::var("SUDO_USER")
            .or_else(|_| std::env::var("USER"))
            .unwrap_or_else(|_| "unknown".into())
    )
}

fn parse_status(s: &str) -> Result<PlanStatus, String> {
    PlanStatus::parse(s)
        .ok_or_else(|| format!("'{s}' is not a status (in_aufstellung, festgestellt, archiviert)"))
}

fn main() -> ExitCode {
    let filter = tracing_subscriber::EnvFilter::try_from_env("XPLAN_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,sqlx=warn,geo=error"));
    let logs = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    // XPLAN_LOG_FORMAT=json: one JSON object per line (with the request
    // span's id, method and path) for log collectors
    if std::env::var("XPLAN_LOG_FORMAT").is_ok_and(|f| f.eq_ignore_ascii_case("json")) {
        logs.json().init();
    } else {
        logs.init();
    }
    let cli = Cli::parse();
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the runtime: {e}");
            return ExitCode::from(2);
        }
    };
    match rt.block_on(run(cli)) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {}", one_line(&e));
            ExitCode::FAILURE
        }
    }
}

/// Writes to stdout; a closed pipe (`| head`) ends the program quietly.
fn out(s: &str) {
    use std::io::Write;
    let mut o = std::io::stdout().lock();
    if let Err(e) = o.write_all(s.as_bytes()).and_then(|_| o.flush()) {
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            std::process::exit(0);
        }
        eprintln!("error: cannot write output: {e}");
        std::process::exit(2);
    }
}

/// The first error of a report, for one-line messages.
fn first_error(r: &xplanserver::validate::ValidationReport) -> String {
    let sections = [
        &r.result.syntaktisch,
        &r.result.geometrisch,
        &r.result.semantisch,
    ];
    let errors: usize = sections.iter().map(|s| s.errors()).sum();
    match sections
        .iter()
        .flat_map(|s| s.findings.iter())
        .find(|f| f.level == xplanserver::validate::Level::Error)
    {
        Some(f) => format!("{errors} errors, first: rule {}: {}", f.rule, f.message),
        None => "invalid".into(),
    }
}

fn one_line(e: &anyhow::Error) -> String {
    let mut s = e.to_string();
    for cause in e.chain().skip(1) {
        let c = cause.to_string();
        if !s.contains(&c) {
            s.push_str(": ");
            s.push_str(&c);
        }
    }
    s.replace('\n', " ")
}

async fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let mut cfg = Config::load(cli.config.as_deref())?;
    if let Some(d) = cli.data_dir {
        cfg.database.data_dir = d;
    }
    if let Some(u) = cli.database_url {
        cfg.database.url = (!u.trim().is_empty()).then_some(u);
    }
    match cli.command {
        Command::Serve { bind } => {
            if let Some(b) = bind {
                cfg.server.bind = b;
            }
            let store = Store::connect(&cfg).await?;
            serve(cfg, store).await?;
        }
        Command::Validate {
            files,
            format,
            skip,
        } => {
            let limits = cfg.limits.to_limits();
            let opts = skip.options();
            let mut worst = 0u8;
            for f in &files {
                let path = f.clone();
                let result = tokio::task::spawn_blocking(move || {
                    let (name, gml, attachments) =
                        xplanserver::xplan::archive::read_input_mapped(&path, &limits)?;
                    xplanserver::validate::validate_text(&name, gml, &attachments, &opts).map(
                        |(report, doc)| {
                            // freeing a large document takes a while: not on
                            // the way to the report
                            std::thread::spawn(move || drop(doc));
                            report
                        },
                    )
                })
                .await?;
                match result {
                    Ok(report) => {
                        match format {
                            ReportFormat::Json => {
                                out(&(serde_json::to_string_pretty(&report)? + "\n"))
                            }
                            ReportFormat::Html => {
                                out(&xplanserver::validate::report::to_html(&report))
                            }
                            ReportFormat::Text => {
                                out(&xplanserver::validate::report::to_text(&report))
                            }
                        }
                        if !report.valid {
                            worst = worst.max(1);
                        }
                    }
                    Err(e) => {
                        eprintln!("error: {}: {}", f.display(), one_line(&e.into()));
                        worst = 2;
                    }
                }
            }
            return Ok(ExitCode::from(worst));
        }
        Command::Import {
            files,
            skip_validation,
            skip,
            status,
            internal_id,
            quiet,
        } => {
            let limits = cfg.limits.to_limits();
            let opts = ImportOptions {
                status,
                internal_id,
                unique: cfg.api.unique,
                actor: Some(cli_actor()),
            };
            let bar = if quiet || files.len() < 2 {
                indicatif::ProgressBar::hidden()
            } else {
                let b = indicatif::ProgressBar::new(files.len() as u64);
                b.set_style(
                    indicatif::ProgressStyle::with_template(
                        "{bar:40} {pos}/{len} files, {per_sec}, ETA {eta} {msg}",
                    )
                    .expect("template"),
                );
                b
            };
            let mut failed = 0;
            // Two files in flight, each read, parsed (and validated) on a
            // blocking thread and written in its own transaction on its own
            // connection: one file's rows are written while the other is
            // parsed or written too (PostgreSQL then works on two cores).
            // At most two documents are in memory.
            let read = |path: PathBuf| {
                let vopts = skip.options();
                tokio::task::spawn_blocking(move || {
                    let input = read_input(&path, &limits)?;
                    if skip_validation {
                        return Ok(ToImport::Unparsed(input));
                    }
                    // One parse: the validator's document is the one stored.
                    let (report, doc) = xplanserver::validate::validate_text(
                        &input.source_name,
                        input.gml.into(),
                        &input.attachments,
                        &vopts,
                    )?;
                    match doc {
                        Some(d) if report.valid => Ok::<_, anyhow::Error>(ToImport::Validated(
                            d,
                            input.attachments,
                            input.source_name,
                        )),
                        _ => anyhow::bail!(
                            "the plan is invalid and was not imported ({}); see 'xplanserver validate'",
                            first_error(&report)
                        ),
                    }
                })
            };
            // files imported at once, each in its own transaction; the
            // first ones are read while the database connects
            const IN_FLIGHT: usize = 2;
            let mut started: std::collections::VecDeque<_> = files
                .iter()
                .take(IN_FLIGHT)
                .map(|f| read(f.clone()))
                .collect();
            let store = Store::connect(&cfg).await?;
            let (store, opts) = (&store, &opts);
            let mut results = futures_util::stream::iter(files.iter().enumerate())
                .map(|(i, f)| {
                    let task = started.pop_front().unwrap_or_else(|| read(f.clone()));
                    async move {
                        let result = async {
                            Ok::<_, anyhow::Error>(match task.await?? {
                                ToImport::Validated(doc, attachments, name) => {
                                    store.import_document(doc, attachments, name, opts).await?
                                }
                                ToImport::Unparsed(input) => store.import(input, opts).await?,
                            })
                        }
                        .await;
                        (i, result)
                    }
                })
                // a finished file frees its place at once (a large file
                // does not hold up the next ones); reported in file order
                .buffer_unordered(IN_FLIGHT);
            let mut done = std::collections::BTreeMap::new();
            let mut next = 0;
            while let Some((i, result)) = results.next().await {
                done.insert(i, result);
                while let Some(result) = done.remove(&next) {
                    let f = &files[next];
                    next += 1;
                    bar.set_message(f.display().to_string());
                    match result {
                        Ok(r) => {
                            for id in &r.plan_ids {
                                bar.println(format!("{id}\t{}", f.display()));
                            }
                            if bar.is_hidden() {
                                for id in &r.plan_ids {
                                    println!("{id}\t{}", f.display());
                                }
                            }
                        }
                        Err(e) => {
                            failed += 1;
                            bar.suspend(|| eprintln!("error: {}: {}", f.display(), one_line(&e)));
                        }
                    }
                    bar.inc(1);
                }
            }
            bar.finish_and_clear();
            if failed > 0 {
                if files.len() > 1 {
                    eprintln!("error: {failed} of {} files were not imported", files.len());
                }
                return Ok(ExitCode::FAILURE);
            }
        }
        Command::List { format } => {
            let store = Store::connect(&cfg).await?;
            let plans = store.list().await?;
            if format == Format::Json {
                println!("{}", serde_json::to_string_pretty(&plans)?);
            } else {
                println!(
                    "{:>6}  {:<4} {:<4} {:<15} {:>8}  NAME",
                    "ID", "TYPE", "VER", "STATUS", "FEATURES"
                );
                for p in plans {
                    println!(
                        "{:>6}  {:<4} {:<4} {:<15} {:>8}  {}",
                        p.id, p.plan_type, p.version, p.status, p.feature_count, p.name
                    );
                }
            }
        }
        Command::Show { id, format } => {
            let store = Store::connect(&cfg).await?;
            let p = store.get(id).await?;
            if format == Format::Json {
                println!("{}", serde_json::to_string_pretty(&p)?);
            } else {
                println!("id:          {}", p.id);
                println!("name:        {}", p.name);
                println!("nummer:      {}", p.nummer.as_deref().unwrap_or("-"));
                println!("internalId:  {}", p.internal_id.as_deref().unwrap_or("-"));
                println!(
                    "type:        {} ({}), XPlanGML {}",
                    p.plan_type, p.plan_class, p.version
                );
                println!(
                    "rechtsstand: {}",
                    p.rechtsstand
                        .map(|r| r.to_string())
                        .unwrap_or_else(|| "-".into())
                );
                println!("status:      {}", p.status);
                println!("gemeinde:    {}", p.ags.join(", "));
                println!("CRS:         EPSG:{}", p.srid);
                if let Some(b) = p.bbox {
                    println!(
                        "bbox:        {} {} {} {} (storage CRS)",
                        b[0], b[1], b[2], b[3]
                    );
                }
                println!("features:    {}", p.feature_count);
                println!(
                    "imported:    {} from {}",
                    p.imported_at,
                    p.source_file.as_deref().unwrap_or("-")
                );
                for b in &p.bereiche {
                    println!(
                        "bereich:     {} {} {}",
                        b.nummer.map(|n| n.to_string()).unwrap_or_default(),
                        b.name.as_deref().unwrap_or(""),
                        b.gml_id
                    );
                }
                for a in &p.attachments {
                    println!(
                        "attachment:  {} ({}, {} bytes)",
                        a.name, a.media_type, a.size
                    );
                }
            }
        }
        Command::Export { id, output } => {
            let store = Store::connect(&cfg).await?;
            let (gml, attachments) = store.export(id).await?;
            let tmp = output.with_extension("zip.part");
            let file = std::fs::File::create(&tmp)
                .with_context(|| format!("cannot create {}", tmp.display()))?;
            xplanserver::xplan::write_archive(
                std::io::BufWriter::new(file),
                gml.as_bytes(),
                &attachments,
            )
            .with_context(|| format!("cannot write {}", tmp.display()))?;
            std::fs::rename(&tmp, &output)
                .with_context(|| format!("cannot write {}", output.display()))?;
            println!("{}", output.display());
        }
        Command::Delete { id } => {
            let store = Store::connect(&cfg).await?;
            let name = store.delete_plan(id, &cli_actor()).await?;
            println!("deleted plan {id} ({name})");
        }
        Command::Status { id, status } => {
            let store = Store::connect(&cfg).await?;
            let old = store.set_status(id, status, &cli_actor()).await?;
            println!("plan {id}: {old} -> {}", status.as_str());
        }
        Command::Seed {
            layers,
            tms,
            zoom,
            bbox,
            plan,
            threads,
            quiet,
        } => return seed(&cfg, layers, tms, zoom, bbox, plan, threads, quiet).await,
        Command::Cache {
            action: CacheAction::Purge { layer, tms },
        } => {
            let cache = xplanserver::tiles::cache::TileCache::new(cfg.tile_cache_dir());
            let tms = tms
                .map(|t| {
                    xplanserver::tiles::grid::TileMatrixSet::by_id(&t)
                        .map(|t| t.id)
                        .with_context(|| format!("no tile matrix set '{t}'"))
                })
                .transpose()?;
            let n = cache.purge(layer.as_deref(), tms)?;
            println!("{n} tiles deleted from {}", cache.root().display());
        }
        Command::User { action } => {
            let store = Store::connect(&cfg).await?;
            return user_command(&store, action).await;
        }
        Command::Token { action } => {
            let store = Store::connect(&cfg).await?;
            match action {
                TokenAction::Create {
                    user,
                    label,
                    expires_days,
                } => {
                    let made = store
                        .create_token(&user, &label, expires_days, |id| {
                            let t = xplanserver::auth::new_token(id);
                            let h = xplanserver::auth::hash_secret(&t);
                            (t, h)
                        })
                        .await?;
                    let Some((id, token)) = made else {
                        bail!("no user '{user}'");
                    };
                    eprintln!("token {id} for {user} (shown only now; send it as 'Authorization: Bearer <token>'):");
                    println!("{token}");
                }
                TokenAction::List { user } => {
                    println!(
                        "{:>5}  {:<16} {:<20} {:<25} LABEL",
                        "ID", "USER", "EXPIRES", "LAST USED"
                    );
                    for t in store.tokens(user.as_deref()).await? {
                        println!(
                            "{:>5}  {:<16} {:<20} {:<25} {}",
                            t.id,
                            t.user,
                            t.expires_at
                                .map(|d| d.format("%Y-%m-%d %H:%M").to_string())
                                .unwrap_or_else(|| "never".into()),
                            t.last_used_at
                                .map(|d| d.to_rfc3339())
                                .unwrap_or_else(|| "-".into()),
                            t.label
                        );
                    }
                }
                TokenAction::Revoke { id } => {
                    if !store.revoke_token(id).await? {
                        bail!("no token {id}");
                    }
                    println!("revoked token {id}");
                }
            }
        }
        Command::Audit {
            plan,
            limit,
            format,
        } => {
            let store = Store::connect(&cfg).await?;
            let (_, entries) = store.audit_log(plan, limit.clamp(1, 100_000), 0).await?;
            if format == Format::Json {
                println!("{}", serde_json::to_string_pretty(&entries)?);
            } else {
                for e in entries {
                    println!(
                        "{}  {:<16} {:<7} {:>6}  {}",
                        e.at.format("%Y-%m-%d %H:%M:%S"),
                        e.actor,
                        e.action,
                        e.plan_id.map(|p| p.to_string()).unwrap_or_default(),
                        e.detail
                    );
                }
            }
        }
        Command::Db { action } => {
            if cfg.database.url.is_some() {
                bail!("a database URL is configured: the managed cluster is not used");
            }
            let cluster = Cluster::new(&cfg.database.data_dir, cfg.database.port)?;
            match action {
                DbAction::Start => {
                    Store::connect(&cfg).await?;
                    println!(
                        "running on 127.0.0.1:{} (data in {})",
                        cluster.port,
                        cluster.pgdata().display()
                    );
                }
                DbAction::Stop => {
                    if cluster.stop()? {
                        println!("stopped");
                    } else {
                        println!("not running");
                    }
                }
                DbAction::Status => {
                    if cluster.is_running()? {
                        println!(
                            "running on 127.0.0.1:{} (data in {})",
                            cluster.port,
                            cluster.pgdata().display()
                        );
                    } else {
                        println!("not running");
                        return Ok(ExitCode::from(3));
                    }
                }
                DbAction::Url => {
                    Store::connect(&cfg).await?;
                    println!("{}", cluster.url()?);
                }
                DbAction::Psql => {
                    Store::connect(&cfg).await?;
                    let st = std::process::Command::new("psql")
                        .args(["-h", "127.0.0.1", "-p", &cluster.port.to_string(), "-U"])
                        .arg(xplanserver::store::cluster::ROLE)
                        .arg(xplanserver::store::cluster::DATABASE)
                        .env("PGPASSWORD", cluster.password()?)
                        .status()
                        .context("cannot run psql")?;
                    return Ok(if st.success() {
                        ExitCode::SUCCESS
                    } else {
                        ExitCode::FAILURE
                    });
                }
            }
        }
        Command::Rules { version, format } => {
            use std::io::Write;
            use xplanserver::xplan::Version;
            let versions: Vec<Version> = match version.as_deref() {
                None => Version::ALL.to_vec(),
                Some(v) => vec![Version::parse(v).with_context(|| {
                    format!("unknown XPlanGML version '{v}' (4.1, 5.0, 5.1, 5.2, 5.3, 5.4, 6.0)")
                })?],
            };
            let mut out = std::io::stdout().lock();
            if format == Format::Json {
                let j: serde_json::Map<String, serde_json::Value> = versions
                    .iter()
                    .map(|v| {
                        let rules = xplanserver::validate::semantic::rules_of(*v)
                            .into_iter()
                            .map(|(n, t)| serde_json::json!({"number": n, "title": t}))
                            .collect();
                        (v.as_str().to_string(), serde_json::Value::Array(rules))
                    })
                    .collect();
                writeln!(out, "{}", serde_json::Value::Object(j))?;
            } else {
                for v in versions {
                    let rules = xplanserver::validate::semantic::rules_of(v);
                    writeln!(out, "XPlanGML {v}: {} rules", rules.len())?;
                    for (n, t) in rules {
                        writeln!(out, "  {n:<12} {t}")?;
                    }
                }
            }
        }
        Command::Synth {
            input,
            copies,
            output,
        } => {
            let inp = read_input(&input, &cfg.limits.to_limits())?;
            let doc = xplanserver::synth::tile_plan(&inp.gml, copies)?;
            std::fs::write(&output, doc)
                .with_context(|| format!("cannot write {}", output.display()))?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

async fn serve(cfg: Config, store: Store) -> anyhow::Result<()> {
    use actix_web::{web, App, HttpServer};
    use std::sync::Arc;
    let workers = if cfg.server.workers == 0 {
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(2)
    } else {
        cfg.server.workers
    };
    // Images are drawn into and encoded from buffers of a few MB per
    // request; keep such buffers in the heap for reuse instead of mapping
    // and zeroing fresh pages for every request (glibc's default).
    #[cfg(target_env = "gnu")]
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 64 << 20);
        libc::mallopt(libc::M_TRIM_THRESHOLD, 256 << 20);
    }
    // rendering and other CPU work share one pool of `workers` threads
    let _ = rayon::ThreadPoolBuilder::new()
        .num_threads(workers)
        .build_global();
    let styles = match &cfg.render.style_file {
        Some(f) => xplanserver::render::Styles::from_file(f)?,
        None => xplanserver::render::Styles::builtin()?,
    };
    let maps = Arc::new(xplanserver::render::MapData::new(styles, cfg.storage.srid));
    let t0 = std::time::Instant::now();
    // the follower loads all plans after it starts listening, so no import
    // between loading and listening is missed
    let (tx, rx) = tokio::sync::oneshot::channel();
    tokio::spawn(store.clone().follow_plan_changes(maps.clone(), Some(tx)));
    rx.await
        .context("the map loader stopped")?
        .context("cannot load the plans for the maps")?;
    let snapshot = maps.snapshot();
    tracing::info!(
        "maps: {} plans, {} features loaded in {:.1} s",
        snapshot.len(),
        snapshot.iter().map(|p| p.features.len()).sum::<usize>(),
        t0.elapsed().as_secs_f64()
    );
    drop(snapshot);
    if cfg.auth.bootstrap_admin {
        bootstrap_admin(&cfg, &store).await?;
    }
    let data = web::Data::new(store.clone());
    let metrics = Arc::new(xplanserver::api::metrics::Metrics::default());
    let api = web::Data::new(xplanserver::api::ApiState::new(
        store.clone(),
        cfg.clone(),
        metrics,
        Some(maps.clone()),
    ));
    let tiles = Arc::new(xplanserver::tiles::service::TileService::new(
        xplanserver::tiles::cache::TileCache::new(cfg.tile_cache_dir()),
        maps.clone(),
        cfg.tiles.metatile,
        cfg.tiles.gutter,
        cfg.tiles.memory_cache_mb << 20,
    ));
    // cached tiles of every plan change from now on, and of the plans
    // changed while no server ran
    let hook_tiles = tiles.clone();
    maps.set_change_hook(Arc::new(move |boxes| {
        hook_tiles.invalidate_storage_boxes(boxes);
    }));
    let dropped = tiles.reconcile(&store).await?;
    if dropped > 0 {
        tracing::info!("tile cache: {dropped} tiles of changed plans dropped");
    }
    let ows = web::Data::new(xplanserver::ows::OwsState {
        maps,
        store,
        config: cfg.clone(),
        tiles,
    });
    tracing::info!(
        "serving on http://{} (web page: /, REST API: /api/v1, WMS: /wms, WFS: /wfs/{{41..60}}, OGC API Features: /ogcapi)",
        cfg.server.bind
    );
    HttpServer::new(move || {
        use actix_web::middleware::from_fn;
        App::new()
            .app_data(data.clone())
            .app_data(api.clone())
            .app_data(ows.clone())
            .wrap(from_fn(xplanserver::api::auth::reading_gate))
            .wrap(from_fn(xplanserver::api::metrics::observe))
            // routes are tried in order, each pattern with a path parameter
            // by a regex: the tile and map routes, the busiest, come first
            // (no API route shares a prefix with them)
            .configure(xplanserver::ows::configure)
            .configure(xplanserver::api::configure)
            .default_service(web::to(xplanserver::api::not_found))
    })
    .workers(workers)
    .bind(&cfg.server.bind)
    .with_context(|| format!("cannot listen on {}", cfg.server.bind))?
    .run()
    .await?;
    Ok(())
}

async fn user_command(store: &Store, action: UserAction) -> anyhow::Result<ExitCode> {
    use xplanserver::auth::{hash_secret, random_password, valid_user_name};
    match action {
        UserAction::Add {
            name,
            role,
            ags,
            password_stdin,
        } => {
            if !valid_user_name(&name) {
                bail!("'{name}' is not a user name (1-64 of A-Z a-z 0-9 . _ @ -)");
            }
            let ags = check_ags(&ags)?;
            let (password, generated) = if password_stdin {
                (password_from_stdin()?, false)
            } else {
                (random_password(), true)
            };
            let pw = password.clone();
            let hash = tokio::task::spawn_blocking(move || hash_secret(&pw)).await?;
            if !store.add_user(&name, Some(&hash), role, &ags).await? {
                bail!("user '{name}' exists");
            }
            if generated {
                // shown only now: only the hash is stored
                eprintln!("user {name} ({}) added; password:", role.as_str());
                println!("{password}");
            } else {
                println!("user {name} ({}) added", role.as_str());
            }
        }
        UserAction::Update {
            name,
            role,
            ags,
            password_stdin,
        } => {
            let ags = ags.map(|a| check_ags(&a)).transpose()?;
            let hash = if password_stdin {
                let p = password_from_stdin()?;
                Some(tokio::task::spawn_blocking(move || hash_secret(&p)).await?)
            } else {
                None
            };
            if !store
                .update_user(&name, hash.as_deref(), role, ags.as_deref())
                .await?
            {
                bail!("no user '{name}'");
            }
            println!("user {name} updated");
        }
        UserAction::Remove { name } => {
            if !store.remove_user(&name).await? {
                bail!("no user '{name}'");
            }
            println!("user {name} removed");
        }
        UserAction::List { format } => {
            let users = store.users().await?;
            if format == Format::Json {
                println!("{}", serde_json::to_string_pretty(&users)?);
            } else {
                println!("{:<20} {:<7} AGS", "NAME", "ROLE");
                for u in users {
                    println!("{:<20} {:<7} {}", u.name, u.role.as_str(), u.ags.join(","));
                }
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// With no user at all, creates `admin` with a random password and writes
/// the password to <data_dir>/initial-admin-password (mode 0600), so a new
/// installation can log in without a manual step.
async fn bootstrap_admin(cfg: &Config, store: &Store) -> anyhow::Result<()> {
    if store.user_count().await? > 0 {
        return Ok(());
    }
    let password = xplanserver::auth::random_password();
    let file = cfg.database.data_dir.join("initial-admin-password");
    std::fs::create_dir_all(&cfg.database.data_dir)
        .with_context(|| format!("cannot create {}", cfg.database.data_dir.display()))?;
    {
        use std::io::Write;
        use std::os::unix::fs::OpenOptionsExt;
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .mode(0o600)
            .open(&file)
            .with_context(|| format!("cannot write {}", file.display()))?;
        writeln!(f, "{password}")?;
    }
    let p = password.clone();
    let hash = tokio::task::spawn_blocking(move || xplanserver::auth::hash_secret(&p)).await?;
    if store
        .add_user("admin", Some(&hash), Role::Admin, &[])
        .await?
    {
        tracing::info!(
            "created user 'admin' (role admin); its password is in {}",
            file.display()
        );
    }
    Ok(())
}

/// `xplanserver seed`: loads the plans' map data and renders the tiles of
/// the requested areas into the cache.
#[allow(clippy::too_many_arguments)]
async fn seed(
    cfg: &Config,
    layers: Vec<String>,
    tms: Vec<String>,
    zoom: (u8, u8),
    bbox: Option<[f64; 4]>,
    plans: Vec<i64>,
    threads: Option<usize>,
    quiet: bool,
) -> anyhow::Result<ExitCode> {
    use std::sync::Arc;
    use xplanserver::tiles::grid::TileMatrixSet;
    use xplanserver::tiles::service::{transform_box, TileService};
    let threads = threads.unwrap_or_else(|| {
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(2)
    });
    let _ = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build_global();
    let sets: Vec<TileMatrixSet> = tms
        .iter()
        .map(|t| TileMatrixSet::by_id(t).with_context(|| format!("no tile matrix set '{t}'")))
        .collect::<anyhow::Result<_>>()?;
    let store = Store::connect(cfg).await?;
    let styles = match &cfg.render.style_file {
        Some(f) => xplanserver::render::Styles::from_file(f)?,
        None => xplanserver::render::Styles::builtin()?,
    };
    let maps = Arc::new(xplanserver::render::MapData::new(styles, cfg.storage.srid));
    let t0 = std::time::Instant::now();
    store.sync_all(&maps).await?;
    let service = Arc::new(TileService::new(
        xplanserver::tiles::cache::TileCache::new(cfg.tile_cache_dir()),
        maps.clone(),
        cfg.tiles.metatile,
        cfg.tiles.gutter,
        0,
    ));
    service.reconcile(&store).await?;
    let snapshot = maps.snapshot();
    if let Some(missing) = plans
        .iter()
        .find(|id| !snapshot.iter().any(|p| p.info.id == **id))
    {
        bail!("plan {missing} not found");
    }
    let storage_boxes: Vec<[f64; 4]> = snapshot
        .iter()
        .filter(|p| plans.is_empty() || plans.contains(&p.info.id))
        .filter_map(|p| p.bbox)
        .collect();
    drop(snapshot);
    eprintln!(
        "{} plans loaded in {:.1} s; seeding {} on {threads} threads",
        storage_boxes.len(),
        t0.elapsed().as_secs_f64(),
        cfg.tile_cache_dir().display()
    );
    let mut failed = false;
    for set in &sets {
        // the areas in the matrix set's CRS: the plans (clipped to --bbox)
        let limit = match bbox {
            Some(b) => Some(
                transform_box(b, 4326, set.srid)
                    .with_context(|| format!("cannot transform the bbox to EPSG:{}", set.srid))?,
            ),
            None => None,
        };
        let areas: Vec<[f64; 4]> = storage_boxes
            .iter()
            .filter_map(|b| transform_box(*b, cfg.storage.srid, set.srid))
            .filter_map(|a| match limit {
                None => Some(a),
                Some(l) => {
                    let c = [
                        a[0].max(l[0]),
                        a[1].max(l[1]),
                        a[2].min(l[2]),
                        a[3].min(l[3]),
                    ];
                    (c[0] <= c[2] && c[1] <= c[3]).then_some(c)
                }
            })
            .collect();
        for layer in &layers {
            let tileset = layer.trim().to_ascii_lowercase();
            let Some(ids) = maps.styles().layers_named(&tileset) else {
                bail!("no layer '{layer}'");
            };
            let count = service.metatiles(set, zoom.0..=zoom.1, &areas).len() as u64;
            let bar = if quiet {
                indicatif::ProgressBar::hidden()
            } else {
                let b = indicatif::ProgressBar::new(count);
                b.set_style(
                    indicatif::ProgressStyle::with_template(
                        "{msg} {bar:40} {pos}/{len} metatiles, {per_sec}, ETA {eta}",
                    )
                    .expect("template"),
                );
                b.set_message(format!("{tileset} {}", set.id));
                b
            };
            let t1 = std::time::Instant::now();
            let svc = service.clone();
            let (set2, tileset2, bar2, areas2) =
                (set.clone(), tileset.clone(), bar.clone(), areas.clone());
            let result = tokio::task::spawn_blocking(move || {
                svc.seed(
                    &tileset2,
                    &ids,
                    &set2,
                    zoom.0..=zoom.1,
                    &areas2,
                    &|done, _| bar2.set_position(done),
                )
            })
            .await?;
            bar.finish_and_clear();
            match result {
                Ok(s) => {
                    let secs = t1.elapsed().as_secs_f64();
                    println!(
                        "{tileset} {}: zoom {}-{}: {} metatiles ({} already cached), {} tiles drawn ({} with content) in {secs:.1} s ({:.0} tiles/s)",
                        set.id,
                        zoom.0,
                        zoom.1,
                        s.metatiles,
                        s.skipped,
                        s.drawn,
                        s.tiles,
                        s.drawn as f64 / secs.max(1e-9)
                    );
                }
                Err(e) => {
                    eprintln!("error: {tileset} {}: {e}", set.id);
                    failed = true;
                }
            }
        }
    }
    Ok(if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}
