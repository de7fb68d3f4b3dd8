#!/usr/bin/env python3
"""Tiles, side by side in one run: XPlanServer's seeding and cached PNG
tiles against MapCache 1.14 (seeding MapServer 8), and its uncached vector
tiles (MVT) against martin 1.14, all on the same PostGIS data.

Data and cluster: those of benches/wms_vs_mapserver.py (its code is
imported): BPlan001_5-1 tiled --copies times (150 copies = 150 plans,
110 850 features), database bench_wms of the throwaway cluster in
<out>/wms/pg (port --port); imported when missing (--reimport forces it).
The binary's migrations are applied first (`xplanserver list`).

Parts (--parts, default all three; every figure is a median of several
runs, ratios against the peer measured in the same run):

seed   Seeding WebMercatorQuad (MapCache: GoogleMapsCompatible), zoom
       --zoom (12-17), --threads threads (2), 4x4 metatiles with a 32 px
       gutter / metabuffer, PNG (32-bit RGBA, fast zlib) on both sides:
       xplanserver  `xplanserver seed --zoom Z --tms WebMercatorQuad
                    --threads N --quiet` with XPLAN_TILE_CACHE_DIR an empty
                    directory (areas: the plans' boxes)
       mapcache     `mapcache_seed -t vektordaten -g GoogleMapsCompatible
                    -z Z -n N -e <extent of the data in EPSG:3857>` into an
                    empty disk cache (benches/mapcache/mapcache.xml.in),
                    drawing with MapServer: benches/mapserver/xplan.map,
                    LAYERS=vektordaten, N mapserv FastCGI processes behind
                    nginx (as in the WMS benchmark), 1088x1088 px GetMap
                    requests in EPSG:3857
       Each run gets a new cache directory; the one of the run before is
       moved aside, not deleted, until the part ends (see set_aside: ext4
       is slower to allocate inodes for a while after many were freed).
       Both draw whole metatiles and store only the tiles with content
       (xplanserver: a hard link of one empty file for an empty tile near
       a plan; MapCache with
       detect_blank stores no fully transparent tile), neither encodes an
       empty tile. tiles/s = tiles of the metatiles drawn (xplanserver: its
       "N metatiles", MapCache: its "seeded N metatiles (T total tiles")
       / wall time of the whole command (start-up and loading included,
       for both the same way). The two choose their metatiles differently
       (xplanserver: those meeting a plan's box; MapCache: those whose box
       with the metabuffer meets the extent), so they draw different
       numbers; tiles/s with one count for both (the tiles of the
       metatiles over the data's extent) is reported too. CPU seconds per
       component (seeder, mapserv, nginx, PostgreSQL's living backends)
       are recorded per run. Runs alternate between the two; --seed-runs
       runs each.

serve  Cached PNG tiles with wrk (one case per --serve-connections count, 1 wrk thread),
       --serve-tiles URLs (default 2000) drawn at random (--list-seed) from
       the tiles of zoom --serve-zooms (15-17) that have content in both
       caches (those of the last seeding run); every URL exists in both
       caches, MapServer is not running (a cache miss would fail):
       xplanserver  `xplanserver serve`, XPLAN_WORKERS=--workers (or
                    --xplan-workers),
                    GET /tiles/vektordaten/WebMercatorQuad/{z}/{x}/{y}.png
       mapcache     /usr/lib/cgi-bin/mapcache (Debian package mapcache-cgi)
                    under spawn-fcgi with --workers processes behind nginx
                    (benches/mapcache/nginx.conf.in), GET
                    /mapcache/gmaps/vektordaten@GoogleMapsCompatible/{z}/{x}/{y}.png
       Per server a warm-up of --warmup s, then --serve-runs runs of
       --duration s each, alternating between the servers; req/s, p50 and
       p99 (benches/mapserver/wms.lua checks
       status 200 and the PNG signature of every response).

mvt    Uncached vector tiles, every tile requested once per pass
       (benches/mapcache/once.lua: one wrk thread, --mvt-connections
       connections, each URL of the list once; tiles/s = tiles / time from
       the first request to the last response), Accept-Encoding: gzip:
       xplanserver  `xplanserver serve`, started afresh for every pass
                    with an empty tile cache directory (so that neither its
                    disk nor its memory cache holds a tile of the pass),
                    warmed by one small GetMap in EPSG:3857 over the whole
                    extent (which computes the plans' EPSG:3857 geometries
                    once, as a running server has them), then
                    /tiles/vektordaten/WebMercatorQuad/{z}/{x}/{y}.mvt
       martin       martin 1.14.0 (--martin), table `features` (geom_lin,
                    EPSG:25832, properties gml_id and feature_type, extent
                    4096, buffer 64, clipped), cache off (cache.size_mb 0),
                    worker_processes --workers, the same session settings
                    as MapServer's (no parallel query, no JIT),
                    /features/{z}/{x}/{y}
       Lists per zoom of --mvt-zooms (12,17): every tile of the zoom level
       that a feature meets (PostGIS: ST_Intersects of geom_lin and the
       tile's envelope),
       shuffled, at most --mvt-max. A warm-up pass per server and zoom,
       then --mvt-runs passes each (more, up to 15, for short lists: until
       --mvt-min-tiles tiles), alternating between the servers. Tile sizes: gzip bytes of the responses (all
       tiles of a pass); raw bytes, layers and features per tile of up to
       --mvt-sample tiles (decoded here). The contents differ: xplanserver
       puts the features the raster map draws at the tile's scale, one
       layer per map layer, with the attributes clients style by; martin
       every feature of the table with gml_id and feature_type.

The CPU time of other processes is measured during every run (as in the
WMS benchmark): a run in which they used more than 10 % of the machine is
repeated after waiting for quiet (--retries, --wait-idle) and counted as
disturbed if it stays so.

Missing Debian packages (mapcache-tools, mapcache-cgi, cgi-mapserver,
mapserver-bin, spawn-fcgi, nginx-light, wrk) are installed with apt-get,
martin (for --parts mvt, unless --martin names a binary) with `cargo install
martin --version 1.14.0 --locked --no-default-features --features postgres
--root <out>/tiles/martin` (CARGO_TARGET_DIR ~/.cache/martin-target). Writes
<out>/tiles/results.json and prints Markdown tables.

Usage: benches/tiles_vs_mapcache.py [--parts seed,serve,mvt]
       [--bin $CARGO_TARGET_DIR/release/xplanserver] [--zoom 12-17]
       [--threads 2] [--workers 2] [--xplan-workers N] [--seed-runs 5] [--serve-runs 5]
       [--duration 15] [--warmup 5] [--serve-connections 8,32]
       [--serve-tiles 2000] [--mvt-zooms 12,17] [--mvt-runs 5]
       [--mvt-connections 8] [--martin <out>/tiles/martin/bin/martin]
       [--wait-idle 300] [--retries 2] [--out bench-out] [--reimport]
"""

import argparse
import gzip
import json
import math
import os
import random
import re
import resource
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.parse
from pathlib import Path

sys.dont_write_bytecode = True  # no __pycache__ in benches/
sys.path.insert(0, str(Path(__file__).resolve().parent))
import wms_vs_mapserver as wms  # noqa: E402  (shared cluster, data, servers and process handling)
from wms_vs_mapserver import BUSY_LIMIT, MSDIR, ROOT, log, psql, run  # noqa: E402

MCDIR = ROOT / "benches" / "mapcache"
MAPCACHE_FCGI = "/usr/lib/cgi-bin/mapcache"
PACKAGES = [
    ("/usr/bin/mapcache_seed", "mapcache-tools"),
    (MAPCACHE_FCGI, "mapcache-cgi"),
    ("/usr/lib/cgi-bin/mapserv", "cgi-mapserver"),
    ("/usr/bin/mapserv", "mapserver-bin"),
    ("/usr/bin/spawn-fcgi", "spawn-fcgi"),
    ("/usr/sbin/nginx", "nginx-light"),
    ("/usr/bin/wrk", "wrk"),
]
TILESET = "vektordaten"
TMS = "WebMercatorQuad"
GRID = "GoogleMapsCompatible"
METATILE = 4  # xplanserver's tiles.metatile default
GUTTER = 32  # xplanserver's tiles.gutter default
ORIGIN = 20037508.342789244  # half the Web Mercator world
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
MARTIN_VERSION = "1.14.0"
PG_SESSION = "-c max_parallel_workers_per_gather=0 -c jit=off"  # as MapServer's libpq service


def ensure_packages():
    missing = [pkg for path, pkg in PACKAGES if not os.path.exists(path)]
    if not missing:
        return
    log(f"installing {' '.join(missing)}")
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    subprocess.run(["apt-get", "update", "-qq"], check=True, env=env)
    subprocess.run(["apt-get", "install", "-y", "-qq", "--no-install-recommends"] + missing, check=True, env=env)


def port_in_use(port):
    with socket.socket() as s:
        s.settimeout(0.5)
        return s.connect_ex(("127.0.0.1", port)) == 0


def med(xs, nd=1):
    xs = list(xs)
    return round(statistics.median(xs), nd) if xs else None


def ratio(a, b, nd=2):
    return round(a / b, nd) if a and b else None


# ------------------------------------------------------------------ grid

def tile_range(z, box):
    """Columns and rows (XYZ, row 0 at the top) of the tiles of zoom z
    meeting a box in EPSG:3857."""
    size = 2 * ORIGIN / (1 << z)
    n = (1 << z) - 1
    x0 = max(0, int(math.floor((box[0] + ORIGIN) / size)))
    x1 = min(n, int(math.floor((box[2] + ORIGIN) / size)))
    y0 = max(0, int(math.floor((ORIGIN - box[3]) / size)))
    y1 = min(n, int(math.floor((ORIGIN - box[1]) / size)))
    return x0, y0, x1, y1


def metatile_tiles(z, box, n=METATILE):
    """Number of tiles of the n x n metatiles meeting the box."""
    x0, y0, x1, y1 = tile_range(z, box)
    cols = (x1 // n - x0 // n + 1) * n
    rows = (y1 // n - y0 // n + 1) * n
    return min(cols, 1 << z) * min(rows, 1 << z)


def count_tiles(root, ext=".png"):
    """(files, of which empty or symlinks, bytes) below root."""
    files = blank = size = 0
    stack = [str(root)]
    while stack:
        d = stack.pop()
        try:
            it = os.scandir(d)
        except OSError:
            continue
        with it:
            for e in it:
                if e.is_dir(follow_symlinks=False):
                    stack.append(e.path)
                elif e.name.endswith(ext) and not e.name.startswith("."):
                    files += 1
                    n = 0 if e.is_symlink() else e.stat().st_size
                    size += n
                    if n == 0:
                        blank += 1
    return files, blank, size


# ------------------------------------------------------------------ database

def data_extent(url):
    """The extent of the features: EPSG:25832 and (the box of the densified
    outline) EPSG:3857."""
    row = psql(url, "WITH e AS (SELECT ST_SetSRID(ST_Extent(geom_lin)::geometry, 25832) AS g FROM features), "
                    "m AS (SELECT ST_Transform(ST_Segmentize(g, 50), 3857) AS g FROM e) "
                    "SELECT concat_ws(' ', ST_XMin(e.g), ST_YMin(e.g), ST_XMax(e.g), ST_YMax(e.g), "
                    "ST_XMin(m.g), ST_YMin(m.g), ST_XMax(m.g), ST_YMax(m.g)) FROM e, m")
    v = list(map(float, row.split()))
    return v[:4], v[4:]


def tiles_with_data(url, z, box3857):
    """The tiles (x, y) of zoom z that a feature's geometry meets."""
    x0, y0, x1, y1 = tile_range(z, box3857)
    out = psql(url, f"SELECT x || ' ' || y FROM generate_series({x0}, {x1}) x, generate_series({y0}, {y1}) y, "
                    f"LATERAL (SELECT ST_Transform(ST_TileEnvelope({z}, x, y), 25832) AS t) e "
                    "WHERE EXISTS (SELECT 1 FROM features f WHERE f.geom_lin && e.t AND ST_Intersects(f.geom_lin, e.t)) "
                    "ORDER BY x, y")
    return [tuple(map(int, line.split())) for line in out.splitlines() if line.strip()]


# ------------------------------------------------------------------ servers

def start_mapserver(args, url, wdir, procs):
    """MapServer (FastCGI, --threads processes) behind nginx on
    --mapserver-port, as the WMS benchmark starts it. With
    --mapserver-png-compression N, a copy of the mapfile whose PNG format
    has FORMATOPTION "COMPRESSION=N" (MapServer's default is zlib's 6)."""
    a = argparse.Namespace(**vars(args))
    a.workers = args.threads
    mapfile = MSDIR / "xplan.map"
    if args.mapserver_png_compression is not None:
        text = mapfile.read_text()
        text = text.replace('FONTSET "fonts.txt"', f'FONTSET "{MSDIR / "fonts.txt"}"')
        png = re.search(r'OUTPUTFORMAT\s+NAME "png".*?\n(\s*)END', text, re.S)
        if not png or 'FONTSET "fonts.txt"' in text:
            sys.exit(f"cannot derive a mapfile with another PNG compression from {mapfile}")
        i = png.start(1)
        text = (text[:i] + f'{png.group(1)}  FORMATOPTION "COMPRESSION={args.mapserver_png_compression}"\n'
                + text[i:])
        (wdir / "mapserver").mkdir(parents=True, exist_ok=True)
        mapfile = wdir / "mapserver" / "xplan-tiles.map"
        mapfile.write_text(text)
    return wms.start_mapserver(a, url, wdir, procs, mapfile=mapfile, tag="tiles")


def write_mapcache_conf(args, d, cache_dir):
    d.mkdir(parents=True, exist_ok=True)
    (d / "locks").mkdir(exist_ok=True)
    text = (MCDIR / "mapcache.xml.in").read_text()
    for k, v in {"MAPSERVER_PORT": str(args.mapserver_port), "CACHE_DIR": str(cache_dir),
                 "LOCK_DIR": str(d / "locks"), "METATILE": str(METATILE), "GUTTER": str(GUTTER)}.items():
        text = text.replace(f"@@{k}@@", v)
    conf = d / "mapcache.xml"
    conf.write_text(text)
    return conf


def start_mapcache(args, conf, d, procs):
    """mapcache.fcgi under spawn-fcgi (--workers processes) behind nginx on
    --mapcache-port. Returns the base URL."""
    (d / "tmp").mkdir(parents=True, exist_ok=True)
    sock = d / "mapcache.sock"
    if len(str(sock)) > 100:  # sun_path limit
        sock = Path(f"/tmp/xplanserver-tiles-bench-mapcache-{os.getuid()}.sock")
    pidfile = d / "mapcache.pids"
    wms.kill_pids(pidfile, "mapcache")
    wms.kill_pids(d / "nginx.pid", "nginx")
    if sock.exists():
        sock.unlink()
    (d / "nginx-error.log").write_text("")
    env = dict(os.environ, MAPCACHE_CONFIG_FILE=str(conf))
    run(["spawn-fcgi", "-s", sock, "-M", "0600", "-F", args.workers, "-P", pidfile, "--", MAPCACHE_FCGI], env=env)

    def pids():
        return [int(t) for t in pidfile.read_text().split()]

    procs.add("mapcache", lambda: wms.kill_pids(pidfile, "mapcache"), pids)
    nginx_conf = d / "nginx.conf"
    text = (MCDIR / "nginx.conf.in").read_text()
    for k, v in {"DIR": str(d), "PORT": str(args.mapcache_port), "SOCKET": str(sock),
                 "USER": "user root;" if os.geteuid() == 0 else ""}.items():
        text = text.replace(f"@@{k}@@", v)
    nginx_conf.write_text(text)
    nginx = subprocess.Popen(["nginx", "-p", str(d), "-e", str(d / "nginx-error.log"), "-c", str(nginx_conf)],
                             stdout=subprocess.DEVNULL, stderr=open(d / "nginx-stderr.log", "w"))
    procs.add("nginx (mapcache)", lambda: wms.terminate(nginx), lambda: [nginx.pid])
    wms.wait_http(f"http://127.0.0.1:{args.mapcache_port}/health", "nginx", nginx)
    return f"http://127.0.0.1:{args.mapcache_port}"


def start_xplanserver(args, url, wdir, procs, port, cache_dir, name):
    """`xplanserver serve` with its tile cache in cache_dir (run in wdir, so
    that no ./xplanserver.toml is read)."""
    env = dict(os.environ, XPLAN_WORKERS=str(args.xplan_workers or args.workers), XPLAN_LOG="warn",
               XPLAN_TILE_CACHE_DIR=str(cache_dir))
    env.pop("XPLAN_CONFIG", None)
    logf = open(wdir / f"{name}.log", "w")
    p = subprocess.Popen([args.bin, "--database-url", url, "serve", "--bind", f"127.0.0.1:{port}"],
                         env=env, stdout=logf, stderr=subprocess.STDOUT, cwd=wdir)
    procs.add(name, lambda: wms.terminate(p), lambda: [p.pid])
    wms.wait_http(f"http://127.0.0.1:{port}/health", name, p, timeout=120)
    return f"http://127.0.0.1:{port}"


def start_martin(args, url, wdir, procs):
    u = urllib.parse.urlsplit(url)
    q = urllib.parse.urlencode({"options": PG_SESSION, "application_name": "martin"}, quote_via=urllib.parse.quote)
    conn = urllib.parse.urlunsplit((u.scheme, u.netloc, u.path, q, ""))
    conf = wdir / "martin.yaml"
    conf.write_text(
        "# written by benches/tiles_vs_mapcache.py\n"
        f"listen_addresses: 127.0.0.1:{args.martin_port}\n"
        f"worker_processes: {args.workers}\n"
        "cache:\n  size_mb: 0\n"
        "postgres:\n"
        f"  connection_string: '{conn}'\n"
        "  auto_publish: false\n"
        "  tables:\n"
        "    features:\n"
        "      schema: public\n"
        "      table: features\n"
        "      srid: 25832\n"
        "      geometry_column: geom_lin\n"
        "      geometry_type: GEOMETRY\n"
        "      extent: 4096\n"
        "      buffer: 64\n"
        "      clip_geom: true\n"
        "      properties:\n"
        "        gml_id: text\n"
        "        feature_type: text\n")
    conf.chmod(0o600)
    logf = open(wdir / "martin.log", "w")
    env = dict(os.environ, RUST_LOG="warn")
    p = subprocess.Popen([args.martin, "--config", str(conf)], env=env, stdout=logf, stderr=subprocess.STDOUT,
                         cwd=wdir)
    procs.add("martin", lambda: wms.terminate(p), lambda: [p.pid])
    wms.wait_http(f"http://127.0.0.1:{args.martin_port}/health", "martin", p, timeout=120)
    return f"http://127.0.0.1:{args.martin_port}"


# ------------------------------------------------------------------ measuring

class CpuMeter(wms.CpuMeter):
    """The WMS benchmark's meter of the CPU time of other processes, per
    process: a process of ours that ends during a run (a server restarted
    between passes, its PostgreSQL connections) must not turn its earlier
    CPU time into "other" time. Ended children of ours count with their
    whole run time (getrusage) less what they had used at the start."""

    def snapshot(self):
        v = [int(x) for x in open("/proc/stat").readline().split()[1:9]]
        total, busy = sum(v), v[0] + v[1] + v[2]
        parent, ticks = {}, {}
        for d in os.listdir("/proc"):
            if d.isdigit():
                try:
                    f = open(f"/proc/{d}/stat").read().rsplit(")", 1)[1].split()
                except OSError:
                    continue
                parent[int(d)], ticks[int(d)] = int(f[1]), int(f[11]) + int(f[12])
        roots = self.procs.root_pids()

        def mine(pid):
            while pid > 1:
                if pid in roots:
                    return True
                pid = parent.get(pid, 0)
            return False

        ours = {pid: t for pid, t in ticks.items() if mine(pid)}
        children = {pid for pid in ours if parent.get(pid) == os.getpid()}
        ru = resource.getrusage(resource.RUSAGE_CHILDREN)
        return total, busy, ours, children, (ru.ru_utime + ru.ru_stime) * os.sysconf("SC_CLK_TCK")

    @staticmethod
    def others_percent(a, b):
        ours = sum(t - a[2].get(pid, 0) for pid, t in b[2].items())
        # children of ours that ended (and were waited for) in between
        ended = [pid for pid in a[3] if pid not in b[2]]
        ours += (b[4] - a[4]) - sum(a[2][pid] for pid in ended)
        return round(max(0.0, 100 * ((b[1] - a[1]) - ours) / max(1, b[0] - a[0])), 1)



def measured(meter, args, what, fn):
    """fn() -> dict, repeated while other processes disturb it; adds
    other_cpu_percent."""
    for attempt in range(args.retries + 1):
        meter.wait_idle(args.wait_idle)
        a = meter.snapshot()
        x = fn()
        x["other_cpu_percent"] = meter.others_percent(a, meter.snapshot())
        if x["other_cpu_percent"] <= BUSY_LIMIT:
            break
        log(f"{what}: other processes used {x['other_cpu_percent']} % CPU: "
            + ("repeating" if attempt < args.retries else "counted as disturbed"))
    return x


# ------------------------------------------------------------------ seeding

def tree_cpu(roots):
    """CPU seconds (user + system) of the living processes below the root
    pids (included)."""
    parent, ticks = {}, {}
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                f = open(f"/proc/{d}/stat").read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            parent[int(d)], ticks[int(d)] = int(f[1]), int(f[11]) + int(f[12])
    roots = set(roots)

    def under(pid):
        while pid > 1:
            if pid in roots:
                return True
            pid = parent.get(pid, 0)
        return False

    return sum(t for pid, t in ticks.items() if under(pid)) / os.sysconf("SC_CLK_TCK")


class CpuSplit:
    """CPU seconds per component during a run: the seeder (a child of
    ours, ended), and the given process trees."""

    def __init__(self, groups):
        self.groups = groups  # name -> function giving root pids

    def __enter__(self):
        self.ru0 = resource.getrusage(resource.RUSAGE_CHILDREN)
        self.t0 = {k: tree_cpu(f()) for k, f in self.groups.items()}
        return self

    def __exit__(self, *exc):
        ru = resource.getrusage(resource.RUSAGE_CHILDREN)
        user, system = ru.ru_utime - self.ru0.ru_utime, ru.ru_stime - self.ru0.ru_stime
        self.split = {"seeder": round(user + system, 1), "seeder_user": round(user, 1),
                      "seeder_system": round(system, 1)}
        for k, f in self.groups.items():
            self.split[k] = round(tree_cpu(f()) - self.t0[k], 1)
        return False


def set_aside(cache_dir):
    """Moves an earlier run's cache into <out>/tiles/set-aside instead of
    deleting it: ext4 does not reuse an inode for a while (a minute or more)
    after it was freed and scans past such inodes when allocating, which
    after deleting a 20 000-file cache cost the next seeder 2-3 CPU seconds
    of system time (0.8 s vs 3.2 s for the same build, seeding the same
    tiles). Those caches are deleted after the seeding part, when no run
    creates files."""
    if cache_dir.exists():
        aside = cache_dir.parent / "set-aside"
        aside.mkdir(exist_ok=True)
        cache_dir.rename(aside / f"{cache_dir.name}-{time.time_ns()}")


def seed_xplanserver(args, url, wdir, cache_dir):
    set_aside(cache_dir)
    cache_dir.mkdir(parents=True)
    os.sync()  # the previous run's tiles written back before this one starts
    env = dict(os.environ, XPLAN_LOG="warn", XPLAN_TILE_CACHE_DIR=str(cache_dir))
    env.pop("XPLAN_CONFIG", None)
    cmd = [args.bin, "--database-url", url, "seed", "--zoom", args.zoom, "--tms", TMS, "--layers", TILESET,
           "--threads", str(args.threads), "--quiet"]
    t0 = time.perf_counter()
    p = run(cmd, check=False, env=env, cwd=wdir)
    wall = time.perf_counter() - t0
    if p.returncode != 0:
        sys.exit(f"xplanserver seed failed ({p.returncode}):\n{p.stdout[-2000:]}\n{p.stderr[-2000:]}")
    files, blank, size = count_tiles(cache_dir)
    line = next((l for l in p.stdout.splitlines() if "metatiles" in l), "")
    m = re.search(r"(\d+) metatiles \((\d+) already cached\)", line)
    if not m:
        sys.exit(f"xplanserver seed: no 'N metatiles (M already cached)' in its output:\n{p.stdout[-2000:]}")
    metatiles = int(m.group(1)) - int(m.group(2))
    rate = re.search(r"\((\d+) tiles/s\)", line)
    # every metatile is drawn whole (4x4 tiles: no matrix edge at these zoom levels)
    drawn = metatiles * METATILE * METATILE
    return {"seconds": round(wall, 2), "metatiles": metatiles, "tiles": drawn, "tiles_per_s": round(drawn / wall, 1),
            "files": files, "empty_files": blank, "content_files": files - blank,
            "content_mb": round(size / 1e6, 1), "tool_line": line.strip(),
            "tool_tiles_per_s": int(rate.group(1)) if rate else None, "stderr": p.stderr.strip()[-500:]}


def seed_mapcache(args, conf, cache_dir, box3857, faillog):
    set_aside(cache_dir)
    cache_dir.mkdir(parents=True)
    if faillog.exists():
        faillog.unlink()
    os.sync()  # the previous run's tiles written back before this one starts
    z0, z1 = args.zoom_range
    # -b: progress on new lines, and the summary "seeded N metatiles (T total tiles, ...)"
    cmd = ["mapcache_seed", "-c", conf, "-t", TILESET, "-g", GRID, "-z", f"{z0},{z1}", "-n", str(args.threads),
           "-e", ",".join(f"{v:.3f}" for v in box3857), "-M", f"{METATILE},{METATILE}", "-b", "-P", "0",
           "-L", faillog]
    t0 = time.perf_counter()
    p = run(cmd, check=False)
    wall = time.perf_counter() - t0
    if p.returncode != 0:
        sys.exit(f"mapcache_seed failed ({p.returncode}):\n{p.stdout[-2000:]}\n{p.stderr[-2000:]}")
    m = re.search(r"seeded (\d+) metatiles \((\d+) total tiles", p.stdout)
    if not m:
        sys.exit(f"mapcache_seed: no 'seeded N metatiles (T total tiles' in its output:\n{p.stdout[-2000:]}")
    files, blank, size = count_tiles(cache_dir)
    failed = faillog.read_text().strip().splitlines() if faillog.exists() else []
    if failed:
        sys.exit(f"mapcache_seed: {len(failed)} tiles failed ({faillog}); MapServer's log: "
                 f"{conf.parent.parent / 'mapserver' / 'mapserver-error.log'}")
    drawn = int(m.group(2))
    return {"seconds": round(wall, 2), "metatiles": int(m.group(1)), "tiles": drawn,
            "tiles_per_s": round(drawn / wall, 1), "files": files, "empty_files": blank,
            "content_files": files - blank, "content_mb": round(size / 1e6, 1),
            "tool_line": m.group(0) + p.stdout[m.end():].split("\n")[0],
            "stderr": p.stderr.strip()[-500:]}


def summarise_seed(runs, expected):
    sec = statistics.median(r["seconds"] for r in runs)
    last = runs[-1]
    return {"median_s": round(sec, 2), "metatiles": last["metatiles"], "tiles": last["tiles"],
            "content_files": last["content_files"], "content_mb": last["content_mb"],
            "tiles_per_s": round(statistics.median(r["tiles_per_s"] for r in runs), 1),
            # the same count for both: the tiles of the metatiles over the data's extent
            "common_tiles_per_s": round(expected / sec, 1),
            "disturbed_runs": sum(r["other_cpu_percent"] > BUSY_LIMIT for r in runs), "runs": runs}


def part_seed(args, url, wdir, procs, meter, box3857, expected):
    log(f"seeding: MapServer behind nginx on {args.mapserver_port}")
    ms = wms.Procs()  # MapServer runs only while seeding
    try:
        mbase = start_mapserver(args, url, wdir, ms)
        procs.roots.append(ms.root_pids)  # its CPU is ours
        conf = write_mapcache_conf(args, wdir / "mapcache", wdir / "cache-mapcache")
        nginx_pids = ms.roots[-1]  # wms.start_mapserver adds nginx last
        pg_pids = procs.roots[1]  # the cluster (wms.setup_database, after "client")
        runs = {"xplanserver": [], "mapcache": []}
        for r in range(args.seed_runs):
            order = ["mapcache", "xplanserver"] if r % 2 == 0 else ["xplanserver", "mapcache"]
            for s in order:
                if s == "xplanserver":
                    def one():
                        with CpuSplit({"postgres": pg_pids}) as c:
                            x = seed_xplanserver(args, url, wdir, wdir / "cache-xplanserver")
                        x["cpu_s"] = c.split
                        return x
                else:
                    def one():
                        with CpuSplit({"mapserv": wms.start_mapserver.pids, "nginx": nginx_pids,
                                       "postgres": pg_pids}) as c:
                            x = seed_mapcache(args, conf, wdir / "cache-mapcache", box3857,
                                              wdir / "mapcache" / "failed-tiles.txt")
                        x["cpu_s"] = c.split
                        return x
                x = measured(meter, args, f"seed {s} run {r + 1}", one)
                log(f"seed {s} run {r + 1}: {x['metatiles']} metatiles = {x['tiles']} tiles drawn "
                    f"({x['content_files']} files with content) in "
                    f"{x['seconds']} s = {x['tiles_per_s']} tiles/s, CPU s {x['cpu_s']}, "
                    f"other processes {x['other_cpu_percent']} % CPU")
                runs[s].append(x)
        errlog = wdir / "mapserver" / "mapserver-error.log"
        ms_errors = errlog.read_text().strip().splitlines()[-10:] if errlog.exists() else []
    finally:
        ms.stop_all()
        if ms.root_pids in procs.roots:
            procs.roots.remove(ms.root_pids)
    out = {s: summarise_seed(v, sum(expected.values())) for s, v in runs.items()}
    out["expected_tiles_per_zoom"] = expected
    out["ratio_tiles_per_s"] = ratio(out["xplanserver"]["tiles_per_s"], out["mapcache"]["tiles_per_s"])
    out["ratio_common_tiles_per_s"] = ratio(out["xplanserver"]["common_tiles_per_s"],
                                            out["mapcache"]["common_tiles_per_s"])
    out["mapserver_base"] = mbase
    out["mapserver_error_log_tail"] = ms_errors
    shutil.rmtree(wdir / "set-aside", ignore_errors=True)
    return out


# ------------------------------------------------------------------ serving

def mapcache_path(z, x, y):
    return f"/mapcache/gmaps/{TILESET}@{GRID}/{z}/{x}/{y}.png"


def xplan_png_path(z, x, y):
    return f"/tiles/{TILESET}/{TMS}/{z}/{x}/{y}.png"


def serve_tiles(args, wdir):
    """Tiles of --serve-zooms with content in both caches, --serve-tiles of
    them at random."""
    xroot = wdir / "cache-xplanserver" / TILESET / TMS
    mroot = wdir / "cache-mapcache" / TILESET / GRID
    z0, z1 = (int(v) for v in args.serve_zooms.split("-"))
    both = []
    for z in range(z0, z1 + 1):
        for xd in sorted((xroot / str(z)).glob("*")):
            for f in sorted(xd.glob("*.png")):
                if f.stat().st_size == 0:
                    continue
                x, y = int(xd.name), int(f.name.split(".")[0])
                m = mroot / str(z) / str(x) / f"{y}.png"
                if m.is_file() and not m.is_symlink():
                    both.append((z, x, y))
    if not both:
        sys.exit("no tiles with content in both caches (run --parts seed first)")
    rng = random.Random(f"{args.list_seed}/serve")
    return rng.sample(both, min(args.serve_tiles, len(both))), len(both)


def wrk_cycle(base, urlfile, conns, seconds, threads=1):
    x = wms.wrk(base, urlfile, conns, seconds, threads)
    r = x["wrk"]
    x["p50_ms"] = round(r["p50_us"] / 1000, 2)
    x["p90_ms"] = round(r["p90_us"] / 1000, 2)
    x["p99_ms"] = round(r["p99_us"] / 1000, 2)
    x["mean_ms"] = round(r["latency_mean_us"] / 1000, 2)
    return x


def check_png(base, path, what):
    status, headers, body = wms.http_get(base + path)
    if status != 200 or body[:8] != PNG_SIGNATURE:
        sys.exit(f"{what}: {base + path} answered {status} {headers.get('Content-Type')}: {body[:300]!r}")
    w, h, visible = wms.png_visible_pixels(body)
    return {"url": base + path, "bytes": len(body), "width": w, "height": h, "visible_pixels": visible}, body


def part_serve(args, url, wdir, procs, meter):
    for s in ("xplanserver", "mapcache"):
        if not (wdir / f"cache-{s}").is_dir():
            sys.exit(f"no seeded cache {wdir / f'cache-{s}'}: run with --parts seed first")
    tiles, available = serve_tiles(args, wdir)
    log(f"serving: {len(tiles)} tiles of zoom {args.serve_zooms} ({available} with content in both caches)")
    files = {"xplanserver": wdir / "serve-urls-xplanserver.txt", "mapcache": wdir / "serve-urls-mapcache.txt"}
    files["xplanserver"].write_text("".join(xplan_png_path(*t) + "\n" for t in tiles))
    files["mapcache"].write_text("".join(mapcache_path(*t) + "\n" for t in tiles))
    conf = write_mapcache_conf(args, wdir / "mapcache", wdir / "cache-mapcache")
    sp = wms.Procs()
    try:
        bases = {"mapcache": start_mapcache(args, conf, wdir / "mapcache", sp),
                 "xplanserver": start_xplanserver(args, url, wdir, sp, args.xplan_port,
                                                  wdir / "cache-xplanserver", "xplanserver-png")}
        procs.roots.append(sp.root_pids)
        checks = {}
        mid = tiles[len(tiles) // 2]
        for s, path in (("xplanserver", xplan_png_path(*mid)), ("mapcache", mapcache_path(*mid))):
            checks[s], body = check_png(bases[s], path, s)
            (wdir / f"sample-{s}-{mid[0]}-{mid[1]}-{mid[2]}.png").write_bytes(body)
            if checks[s]["visible_pixels"] == 0:
                sys.exit(f"{s}: tile {mid} has no visible pixels")
        res = {"tiles": len(tiles), "tiles_with_content_in_both": available, "zooms": args.serve_zooms,
               "checks": checks, "cases": {}}
        for conns in args.serve_connections:
            meter.wait_idle(args.wait_idle)
            if args.warmup > 0:
                for s in ("mapcache", "xplanserver"):
                    wrk_cycle(bases[s], files[s], conns, args.warmup)
            allruns = {"mapcache": [], "xplanserver": []}
            # runs alternate between the servers (the machine's speed drifts)
            for r in range(args.serve_runs):
                for s in (("mapcache", "xplanserver") if r % 2 == 0 else ("xplanserver", "mapcache")):
                    x = measured(meter, args, f"serve c{conns} {s} run {r + 1}",
                                 lambda: wrk_cycle(bases[s], files[s], conns, args.duration))
                    log(f"serve c{conns} {s} run {r + 1}: {x['req_per_s']} req/s, p50 {x['p50_ms']} ms, "
                        f"p99 {x['p99_ms']} ms, failures {x['failures']}, "
                        f"other processes {x['other_cpu_percent']} % CPU")
                    allruns[s].append(x)
            case = {"connections": conns}
            for s, runs in allruns.items():
                case[s] = {"req_per_s": med(r["req_per_s"] for r in runs),
                           "p50_ms": med((r["p50_ms"] for r in runs), 2),
                           "p99_ms": med((r["p99_ms"] for r in runs), 2),
                           "failures": sum(r["failures"] for r in runs),
                           "valid": all(r["failures"] == 0 and r["requests"] > 0 for r in runs),
                           "disturbed_runs": sum(r["other_cpu_percent"] > BUSY_LIMIT for r in runs), "runs": runs}
            case["ratio_req_per_s"] = ratio(case["xplanserver"]["req_per_s"], case["mapcache"]["req_per_s"])
            res["cases"][str(conns)] = case
        err = (wdir / "mapcache" / "nginx-error.log").read_text().strip().splitlines()[-10:]
        res["mapcache_nginx_error_log_tail"] = err
    finally:
        sp.stop_all()
        if sp.root_pids in procs.roots:
            procs.roots.remove(sp.root_pids)
    return res


# ------------------------------------------------------------------ vector tiles

def varint(b, i):
    v = s = 0
    while True:
        c = b[i]
        i += 1
        v |= (c & 0x7F) << s
        if c < 0x80:
            return v, i
        s += 7


def pb_fields(b):
    """(field number, wire type, value or bytes) of a protobuf message."""
    i = 0
    while i < len(b):
        key, i = varint(b, i)
        f, wt = key >> 3, key & 7
        if wt == 0:
            v, i = varint(b, i)
        elif wt == 1:
            v, i = b[i:i + 8], i + 8
        elif wt == 2:
            n, i = varint(b, i)
            v, i = b[i:i + n], i + n
        elif wt == 5:
            v, i = b[i:i + 4], i + 4
        else:
            raise ValueError(f"wire type {wt}")
        yield f, wt, v


def mvt_summary(raw):
    """{layer name: features} of an MVT."""
    out = {}
    for f, wt, v in pb_fields(raw):
        if f == 3 and wt == 2:
            name, n = "?", 0
            for lf, lwt, lv in pb_fields(v):
                if lf == 1 and lwt == 2:
                    name = lv.decode()
                elif lf == 2 and lwt == 2:
                    n += 1
            out[name] = out.get(name, 0) + n
    return out


def fetch_mvt(base, path):
    import http.client
    u = urllib.parse.urlsplit(base)
    c = http.client.HTTPConnection(u.hostname, u.port, timeout=300)
    try:
        c.request("GET", path, headers={"Accept-Encoding": "gzip"})
        r = c.getresponse()
        body = r.read()
        enc = r.getheader("Content-Encoding", "")
        return r.status, enc, body
    finally:
        c.close()


def mvt_sizes(base, paths):
    """Sizes (gzip and raw bytes), layers and features of tiles."""
    gz, raw, feats, layers = [], [], [], set()
    for p in paths:
        status, enc, body = fetch_mvt(base, p)
        if status == 204 or (status == 200 and not body):
            gz.append(0), raw.append(0), feats.append(0)
            continue
        if status != 200:
            sys.exit(f"{base}{p}: status {status}: {body[:300]!r}")
        data = gzip.decompress(body) if enc == "gzip" else body
        s = mvt_summary(data)
        gz.append(len(body)), raw.append(len(data)), feats.append(sum(s.values()))
        layers.update(s)
    return {"tiles": len(paths), "gzip_mean_bytes": round(statistics.mean(gz)), "gzip_max_bytes": max(gz),
            "raw_mean_bytes": round(statistics.mean(raw)), "raw_max_bytes": max(raw),
            "features_mean": round(statistics.mean(feats), 1), "features_max": max(feats),
            "empty_tiles": sum(1 for v in raw if v == 0), "layers": len(layers)}


def wrk_once(base, urlfile, conns, timeout):
    """Every URL of the file once (benches/mapcache/once.lua)."""
    cmd = ["wrk", "-t", "1", "-c", str(conns), "-d", "86400s", "--timeout", "120s", "-s", str(MCDIR / "once.lua"),
           base, "--", str(urlfile), "gzip"]
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    once = js = None
    t0 = time.time()
    lines = []
    killer = None
    try:
        for line in p.stdout:
            lines.append(line)
            if line.startswith("WRKONCE "):
                once = json.loads(line[len("WRKONCE "):])
                p.send_signal(signal.SIGINT)  # wrk sleeps for -d: wake it to print its statistics
            elif line.startswith("WRKJSON "):
                js = json.loads(line[len("WRKJSON "):])
            if once is None and time.time() - t0 > timeout and killer is None:
                killer = p.send_signal(signal.SIGINT)
        p.wait(timeout=60)
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()
    err = p.stderr.read().strip()
    if err:
        log(err[:2000])
    if once is None or js is None:
        sys.exit(f"wrk (once) did not finish the list:\n{''.join(lines)[-2000:]}\n{err[-2000:]}")
    fail = once["bad_status"] + once["bad_body"] + sum(js[k] for k in ("err_connect", "err_read", "err_write",
                                                                        "err_timeout"))
    n = once["requests"]
    sec = once["elapsed_us"] / 1e6
    nonempty = n - once["empty"]
    return {"requests": n, "seconds": round(sec, 3), "tiles_per_s": round(n / sec, 1) if sec > 0 else 0,
            "p50_ms": round(js["p50_us"] / 1000, 2), "p90_ms": round(js["p90_us"] / 1000, 2),
            "p99_ms": round(js["p99_us"] / 1000, 2), "max_ms": round(js["latency_max_us"] / 1000, 2),
            "empty_tiles": once["empty"],
            "gzip_mean_bytes": round(once["body_bytes_sum"] / nonempty) if nonempty else 0,
            "gzip_max_bytes": once["body_bytes_max"], "failures": fail, "wrk": js, "once": once}


class XplanMvt:
    """`xplanserver serve` for the vector tiles, started afresh (new process,
    empty cache directory) for every measured pass: no tile of a pass is in
    its disk or memory cache."""

    def __init__(self, args, url, wdir, procs, box3857):
        self.args, self.url, self.wdir, self.procs, self.box = args, url, wdir, procs, box3857
        self.sp = None
        self.n = 0

    def start(self):
        self.stop()
        self.n += 1
        cache = self.wdir / "cache-mvt"
        shutil.rmtree(cache, ignore_errors=True)
        cache.mkdir(parents=True)
        os.sync()  # the previous pass's tiles written back and deleted before this one
        self.sp = wms.Procs()
        base = start_xplanserver(self.args, self.url, self.wdir, self.sp, self.args.xplan_mvt_port, cache,
                                 "xplanserver-mvt")
        self.procs.roots.append(self.sp.root_pids)
        # the plans' geometries in EPSG:3857 are computed once per plan and
        # process: one small GetMap over the whole extent does it before
        # the pass (a warm server, as martin's PostgreSQL has warm buffers)
        b = self.box
        bbox = ",".join(f"{v:.2f}" for v in b)
        status, _, body = wms.http_get(f"{base}/wms?SERVICE=WMS&VERSION=1.3.0&REQUEST=GetMap&LAYERS={TILESET}"
                                       f"&STYLES=&CRS=EPSG:3857&BBOX={bbox}&WIDTH=256&HEIGHT=480"
                                       "&FORMAT=image/png&TRANSPARENT=TRUE")
        if status != 200:
            sys.exit(f"xplanserver (MVT) warm-up GetMap answered {status}: {body[:300]!r}")
        return base

    def stop(self):
        if self.sp is not None:
            self.sp.stop_all()
            if self.sp.root_pids in self.procs.roots:
                self.procs.roots.remove(self.sp.root_pids)
            self.sp = None


def ensure_martin(args, wdir):
    """Installs martin MARTIN_VERSION (PostgreSQL sources only) into
    <out>/tiles/martin unless --martin names a binary that exists (some 13
    minutes on 2 cores; its own CARGO_TARGET_DIR, ~/.cache/martin-target,
    so that it does not wait for the project's build directory)."""
    if os.access(args.martin, os.X_OK):
        return
    if args.martin != str(wdir / "martin" / "bin" / "martin"):
        sys.exit(f"no martin binary at {args.martin}")
    cmd = ["cargo", "install", "martin", "--version", MARTIN_VERSION, "--locked", "--no-default-features",
           "--features", "postgres", "--root", str(wdir / "martin")]
    log(f"installing martin {MARTIN_VERSION} (some 13 minutes): {' '.join(cmd)}")
    env = dict(os.environ, CARGO_TARGET_DIR=str(Path.home() / ".cache" / "martin-target"))
    with open(wdir / "martin-install.log", "w") as f:
        if subprocess.run(cmd, env=env, stdout=f, stderr=subprocess.STDOUT).returncode != 0:
            sys.exit(f"installing martin failed: see {wdir / 'martin-install.log'}")


def part_mvt(args, url, wdir, procs, meter, box3857):
    ensure_martin(args, wdir)
    martin_version = run([args.martin, "--version"]).stdout.strip()
    zooms = [int(z) for z in args.mvt_zooms.split(",") if z]
    lists = {}
    for z in zooms:
        t = tiles_with_data(url, z, box3857)
        random.Random(f"{args.list_seed}/mvt/{z}").shuffle(t)
        lists[z] = t[:args.mvt_max]
        log(f"mvt: zoom {z}: {len(t)} tiles with features, {len(lists[z])} per pass")
    sp = wms.Procs()
    xs = XplanMvt(args, url, wdir, procs, box3857)
    res = {"martin": martin_version, "connections": args.mvt_connections, "zooms": {}}
    try:
        martin = start_martin(args, url, wdir, sp)
        procs.roots.append(sp.root_pids)
        paths = {"xplanserver": lambda z, x, y: f"/tiles/{TILESET}/{TMS}/{z}/{x}/{y}.mvt",
                 "martin": lambda z, x, y: f"/features/{z}/{x}/{y}"}
        for z in zooms:
            entry = {"tiles_per_pass": len(lists[z])}
            files = {}
            for s in ("martin", "xplanserver"):
                files[s] = wdir / f"mvt-urls-z{z}-{s}.txt"
                files[s].write_text("".join(paths[s](z, x, y) + "\n" for x, y in lists[z]))
            meter.wait_idle(args.wait_idle)
            for s in ("martin", "xplanserver"):  # warm-up passes
                w = wrk_once(martin if s == "martin" else xs.start(), files[s], args.mvt_connections,
                             args.mvt_timeout)
                log(f"mvt z{z} {s} warm-up: {w['tiles_per_s']} tiles/s")
            # short lists (zoom 12: some 25 tiles, a pass of a few ms for
            # xplanserver) get more passes
            passes = min(15, max(args.mvt_runs, math.ceil(args.mvt_min_tiles / max(1, len(lists[z])))))
            entry["passes"] = passes
            allruns = {"martin": [], "xplanserver": []}
            # passes alternate between the servers (the machine's speed drifts)
            for r in range(passes):
                for s in (("martin", "xplanserver") if r % 2 == 0 else ("xplanserver", "martin")):
                    def one():
                        b = martin if s == "martin" else xs.start()
                        return wrk_once(b, files[s], args.mvt_connections, args.mvt_timeout)
                    x = measured(meter, args, f"mvt z{z} {s} run {r + 1}", one)
                    log(f"mvt z{z} {s} run {r + 1}: {x['requests']} tiles in {x['seconds']} s = {x['tiles_per_s']} "
                        f"tiles/s, p50 {x['p50_ms']} ms, p99 {x['p99_ms']} ms, gzip mean {x['gzip_mean_bytes']} B, "
                        f"max {x['gzip_max_bytes']} B, empty {x['empty_tiles']}, failures {x['failures']}, "
                        f"other processes {x['other_cpu_percent']} % CPU")
                    allruns[s].append(x)
            if xs.sp is None:
                xs.start()
            for s, runs in allruns.items():
                sample = [paths[s](z, x, y) for x, y in lists[z][:args.mvt_sample]]
                base = martin if s == "martin" else f"http://127.0.0.1:{args.xplan_mvt_port}"
                entry[s] = {"tiles_per_s": med(r["tiles_per_s"] for r in runs),
                            "p50_ms": med((r["p50_ms"] for r in runs), 2),
                            "p99_ms": med((r["p99_ms"] for r in runs), 2),
                            "gzip_mean_bytes": runs[-1]["gzip_mean_bytes"],
                            "gzip_max_bytes": max(r["gzip_max_bytes"] for r in runs),
                            "empty_tiles": runs[-1]["empty_tiles"],
                            "failures": sum(r["failures"] for r in runs),
                            "valid": all(r["failures"] == 0 for r in runs),
                            "disturbed_runs": sum(r["other_cpu_percent"] > BUSY_LIMIT for r in runs),
                            "sample": mvt_sizes(base, sample), "runs": runs}
            xs.stop()
            entry["ratio_tiles_per_s"] = ratio(entry["xplanserver"]["tiles_per_s"], entry["martin"]["tiles_per_s"])
            res["zooms"][str(z)] = entry
    finally:
        xs.stop()
        sp.stop_all()
        if sp.root_pids in procs.roots:
            procs.roots.remove(sp.root_pids)
    return res


# ------------------------------------------------------------------ main

def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bin", default=str(Path(os.environ.get("CARGO_TARGET_DIR", Path.home() / ".cache/xplanserver-target"))
                                         / "release" / "xplanserver"))
    ap.add_argument("--parts", default="seed,serve,mvt", help="comma-separated subset of: seed, serve, mvt")
    ap.add_argument("--zoom", default="12-17", help="seeding zoom levels")
    ap.add_argument("--threads", type=int, default=2, help="seeding threads (and mapserv processes)")
    ap.add_argument("--mapserver-png-compression", type=int, default=None, choices=range(0, 10), metavar="0-9",
                    help="zlib level of MapServer's PNG metatiles for MapCache (default: the mapfile's, zlib's 6)")
    ap.add_argument("--workers", type=int, default=2, help="server workers / FastCGI processes when serving")
    ap.add_argument("--xplan-workers", type=int, default=None,
                    help="xplanserver's workers only (default: --workers); with wrk on the same cores, fewer "
                         "busy threads than cores keep the scheduler out of the latency tail")
    ap.add_argument("--seed-runs", type=int, default=5)
    ap.add_argument("--serve-runs", type=int, default=5)
    ap.add_argument("--duration", type=int, default=15, help="seconds per serving run")
    ap.add_argument("--warmup", type=int, default=5, help="seconds of warm-up per server (serving)")
    ap.add_argument("--serve-connections", type=lambda v: [int(c) for c in v.split(",")], default=[8, 32],
                    help="comma-separated connection counts, one case each")
    ap.add_argument("--serve-tiles", type=int, default=2000)
    ap.add_argument("--serve-zooms", default="15-17")
    ap.add_argument("--mvt-zooms", default="12,17")
    ap.add_argument("--mvt-runs", type=int, default=5)
    ap.add_argument("--mvt-connections", type=int, default=8)
    ap.add_argument("--mvt-max", type=int, default=20000, help="tiles per pass at most")
    ap.add_argument("--mvt-min-tiles", type=int, default=200,
                    help="more passes (up to 15) for short lists, until this many tiles in all")
    ap.add_argument("--mvt-sample", type=int, default=300, help="tiles per zoom decoded for sizes and features")
    ap.add_argument("--mvt-timeout", type=int, default=1800, help="seconds a pass may take")
    ap.add_argument("--list-seed", type=int, default=1)
    ap.add_argument("--copies", type=int, default=150)
    ap.add_argument("--martin", default=None, help="martin binary (default <out>/tiles/martin/bin/martin)")
    ap.add_argument("--wait-idle", type=int, default=300,
                    help="seconds to wait for other processes to go quiet before a run")
    ap.add_argument("--retries", type=int, default=2, help="repetitions of a run disturbed by other processes")
    ap.add_argument("--out", default=str(ROOT / "bench-out"))
    ap.add_argument("--port", type=int, default=55440, help="PostgreSQL (the WMS benchmark's cluster)")
    ap.add_argument("--mapserver-port", type=int, default=30450, help="nginx in front of MapServer")
    ap.add_argument("--mapcache-port", type=int, default=30451, help="nginx in front of MapCache")
    ap.add_argument("--xplan-port", type=int, default=30452, help="xplanserver serving PNG tiles")
    ap.add_argument("--xplan-mvt-port", type=int, default=30453, help="xplanserver serving vector tiles")
    # (the servers' ports lie below Linux's ephemeral range, 32768-60999, so
    # that no client connection of the seeding holds one of them)
    ap.add_argument("--martin-port", type=int, default=30454)
    ap.add_argument("--reimport", action="store_true", help="import the synthetic plans again")
    args = ap.parse_args()
    parts = [p for p in args.parts.split(",") if p]
    if not parts or any(p not in ("seed", "serve", "mvt") for p in parts):
        sys.exit("--parts must be a subset of seed,serve,mvt")
    m = re.fullmatch(r"(\d+)(?:-(\d+))?", args.zoom)
    if not m:
        sys.exit("--zoom: e.g. 12-17 or 14")
    args.zoom_range = (int(m.group(1)), int(m.group(2) or m.group(1)))
    if not os.access(args.bin, os.X_OK):
        sys.exit(f"no xplanserver binary at {args.bin} (make release, or --bin)")
    out = Path(args.out)
    wdir = out / "tiles"
    wdir.mkdir(parents=True, exist_ok=True)
    (out / "wms").mkdir(parents=True, exist_ok=True)
    args.martin = args.martin or str(wdir / "martin" / "bin" / "martin")
    for port, what in ((args.mapserver_port, "nginx (MapServer)"), (args.mapcache_port, "nginx (MapCache)"),
                       (args.xplan_port, "xplanserver"), (args.xplan_mvt_port, "xplanserver (MVT)"),
                       (args.martin_port, "martin")):
        if port_in_use(port):
            sys.exit(f"port {port} ({what}) is in use: another benchmark running?")

    ensure_packages()
    procs = wms.Procs()
    procs.add("client", lambda: None, lambda: [os.getpid()])  # our children (seeders, wrk, servers) are ours
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    results = {}
    try:
        url = wms.setup_database(args, out / "wms", procs)
        run([args.bin, "--database-url", url, "list", "--format", "json"], env=dict(os.environ, XPLAN_LOG="warn"))
        ext25832, box3857 = data_extent(url)
        z0, z1 = args.zoom_range
        expected = {z: metatile_tiles(z, box3857) for z in range(z0, z1 + 1)}
        log(f"extent EPSG:3857 {', '.join(f'{v:.1f}' for v in box3857)}; tiles of the {METATILE}x{METATILE} "
            f"metatiles over it: {expected} = {sum(expected.values())}")
        meter = CpuMeter(procs)
        if "seed" in parts:
            results["seed"] = part_seed(args, url, wdir, procs, meter, box3857, expected)
        if "serve" in parts:
            results["serve"] = part_serve(args, url, wdir, procs, meter)
        if "mvt" in parts:
            results["mvt"] = part_mvt(args, url, wdir, procs, meter, box3857)
    finally:
        procs.stop_all()

    versions = {
        "mapserver": run(["mapserv", "-v"]).stdout.split(" OUTPUT")[0].strip(),
        "mapcache": subprocess.run(["dpkg-query", "-W", "-f", "${Version}", "mapcache-tools"], text=True,
                                   capture_output=True).stdout.strip(),
        "wrk": subprocess.run(["wrk", "-v"], text=True, capture_output=True).stdout.split(" [")[0].strip(),
    }
    commit = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], text=True,
                            capture_output=True).stdout.strip()
    doc = {"config": {"parts": parts, "zoom": args.zoom, "threads": args.threads, "workers": args.workers,
                      "xplan_workers": args.xplan_workers or args.workers,
                      "metatile": METATILE, "gutter_px": GUTTER,
                      "mapserver_png_compression": args.mapserver_png_compression, "seed_runs": args.seed_runs,
                      "serve_runs": args.serve_runs, "duration_s": args.duration, "warmup_s": args.warmup,
                      "serve_connections": args.serve_connections, "serve_tiles": args.serve_tiles,
                      "serve_zooms": args.serve_zooms, "mvt_zooms": args.mvt_zooms, "mvt_runs": args.mvt_runs,
                      "mvt_connections": args.mvt_connections, "copies": args.copies,
                      "extent_25832": ext25832, "extent_3857": box3857, "cores": os.cpu_count(),
                      "commit": commit, **versions},
           **results}
    (wdir / "results.json").write_text(json.dumps(doc, indent=2))

    flag = lambda x: "" if x.get("valid", True) else " (**invalid**)"  # noqa: E731
    print(f"Tiles, XPlanServer against MapCache {versions['mapcache']} / MapServer and martin, "
          f"{os.cpu_count()} cores, commit {commit}\n")
    if "seed" in results:
        s = results["seed"]
        x, mc = s["xplanserver"], s["mapcache"]
        print(f"Seeding WebMercatorQuad zoom {args.zoom}, {args.threads} threads, {METATILE}x{METATILE} metatiles, "
              f"median of {args.seed_runs} runs (tiles/s = tiles of the metatiles drawn / wall time; last column: "
              f"the same count for both, {sum(s['expected_tiles_per_zoom'].values())} tiles of the metatiles over "
              f"the data's extent)\n")
        print("| seeder | metatiles | tiles drawn | files with content (MB) | median s | tiles/s | ratio | "
              "tiles/s (same count) |")
        print("|---|---:|---:|---:|---:|---:|---:|---:|")
        print(f"| MapCache + MapServer | {mc['metatiles']} | {mc['tiles']} | {mc['content_files']} ({mc['content_mb']}) | "
              f"{mc['median_s']} | {mc['tiles_per_s']} | | {mc['common_tiles_per_s']} |")
        print(f"| xplanserver seed | {x['metatiles']} | {x['tiles']} | {x['content_files']} ({x['content_mb']}) | "
              f"{x['median_s']} | "
              f"{x['tiles_per_s']} | **{s['ratio_tiles_per_s']}x** | {x['common_tiles_per_s']} "
              f"({s['ratio_common_tiles_per_s']}x) |\n")
    if "serve" in results:
        s = results["serve"]
        print(f"Cached PNG tiles, xplanserver {args.xplan_workers or args.workers} workers, MapCache "
              f"{args.workers} FastCGI processes, {s['tiles']} tiles of zoom {s['zooms']}, "
              f"median of {args.serve_runs} runs of {args.duration} s per case\n")
        print("| connections | server | req/s | p50 ms | p99 ms | ratio |")
        print("|---:|---|---:|---:|---:|---:|")
        for conns, case in s["cases"].items():
            for k, name in (("mapcache", "MapCache (FastCGI, nginx)"), ("xplanserver", "xplanserver")):
                e = case[k]
                r = f"**{case['ratio_req_per_s']}x**" if k == "xplanserver" else ""
                print(f"| {conns} | {name} | {e['req_per_s']}{flag(e)} | {e['p50_ms']} | {e['p99_ms']} | {r} |")
        print()
    if "mvt" in results:
        s = results["mvt"]
        print(f"Uncached vector tiles (gzip), {args.workers} workers each, {s['connections']} connections, every tile "
              f"with features once per pass, median of {args.mvt_runs} passes (more for short lists), {s['martin']}\n")
        print("| zoom | server | tiles/pass (passes) | tiles/s | p50 ms | p99 ms | gzip B mean / max | raw B mean / max | "
              "features/tile mean | ratio |")
        print("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|")
        for z, e in s["zooms"].items():
            for k in ("martin", "xplanserver"):
                x = e[k]
                r = f"**{e['ratio_tiles_per_s']}x**" if k == "xplanserver" else ""
                print(f"| {z} | {k} | {e['tiles_per_pass']} ({e['passes']}) | {x['tiles_per_s']}{flag(x)} | {x['p50_ms']} | "
                      f"{x['p99_ms']} | {x['gzip_mean_bytes']} / {x['gzip_max_bytes']} | "
                      f"{x['sample']['raw_mean_bytes']} / {x['sample']['raw_max_bytes']} | "
                      f"{x['sample']['features_mean']} | {r} |")
        print()
    busy = []
    for part, e in results.items():
        if part == "mvt":
            busy += [f"mvt z{z} {k}" for z, v in e["zooms"].items() for k in ("martin", "xplanserver")
                     if v[k]["disturbed_runs"]]
        elif part == "serve":
            busy += [f"serve c{c} {k}" for c, v in e["cases"].items() for k in ("xplanserver", "mapcache")
                     if v[k]["disturbed_runs"]]
        else:
            busy += [f"{part} {k}" for k in ("xplanserver", "mapcache") if e[k]["disturbed_runs"]]
    if busy:
        print(f"runs disturbed by other processes (over {BUSY_LIMIT} % CPU): {', '.join(busy)}: these figures are low\n")
    print(f"results: {wdir / 'results.json'}")


if __name__ == "__main__":
    main()
