#!/usr/bin/env python3
"""WMS GetMap throughput, side by side in one run: MapServer 8 (Debian's
cgi-mapserver as FastCGI behind nginx) against `xplanserver serve`, both
drawing the same PostGIS data, driven by wrk over the same fixed list of
bounding boxes.

Data: BPlan001_5-1 tiled --copies times (`xplanserver synth`, 150 copies =
150 plans, 110 850 features), imported with `import --skip-validation` into
a throwaway cluster in <out>/wms/pg (port --port). The database is kept
between runs and imported again only when it does not hold the plans
(--reimport forces it).

Servers, with the same number of workers (--workers, default 2):
  mapserver    benches/mapserver/xplan.map: one layer per feature class of
               the data (GROUP vektordaten), xPlanBox/PlanZV styles, stroke
               widths in metres; `mapserv` under spawn-fcgi with N processes,
               persistent PostGIS connections (CLOSE_CONNECTION=DEFER, a
               libpq service without parallel query or JIT, which cost more
               than these small index scans), nginx on --mapserver-port
               (benches/mapserver/nginx.conf.in)
  xplanserver  `xplanserver serve` with XPLAN_WORKERS=N on --xplan-port
Both get /wms?SERVICE=WMS&VERSION=1.3.0&REQUEST=GetMap&LAYERS=vektordaten
&STYLES=&CRS=...&BBOX=...&WIDTH=...&HEIGHT=...&FORMAT=image/png
&TRANSPARENT=TRUE (the same URL list for both).

Boxes (<out>/wms/bboxes-*.txt, --boxes per list, seeded by --seed): centres
uniform in ST_Extent(geom_lin) of the features, scale denominators
log-uniform (OGC 0.28 mm pixels): 256x256 from 1:500 to 1:5 000,
1024x768 from 1:1 000 to 1:10 000. The EPSG:3857 list is the 256x256 list
transformed with cs2cs (centre transformed, size scaled by the local
Mercator scale factor, so the same ground area and aspect ratio).

Cases: 256x256 EPSG:25832 with 8 and 32 connections, 1024x768 EPSG:25832
with 8 and 32, 256x256 EPSG:3857 with 8. Per case and server: a warm-up of
--warmup s, then --runs runs of --duration s (medians reported). The wrk
script (benches/mapserver/wms.lua) checks every response for status 200
and the PNG signature; a run with failures is invalid and marked so.
Before measuring, one GetMap per server is checked for a real PNG with
visible pixels (saved as <out>/wms/<server>-sample.png).

wrk, nginx and PostgreSQL share the machine with the server measured (the
same for both). The CPU time of all other processes is measured during
every run: a run in which they used more than 10 % of the machine (a build
alongside halves the figures) is repeated after waiting for quiet
(--retries, --wait-idle) and counted as disturbed if it stays so.

Missing Debian packages (cgi-mapserver, mapserver-bin, spawn-fcgi,
nginx-light, wrk, proj-bin, gdal-bin, fonts-dejavu-core) are installed with
apt-get. Writes <out>/wms/results.json and prints a Markdown table.

Usage: benches/wms_vs_mapserver.py [--only mapserver|xplanserver|both]
       [--bin $CARGO_TARGET_DIR/release/xplanserver] [--workers 2]
       [--duration 15] [--warmup 5] [--runs 3] [--boxes 500] [--seed 1]
       [--copies 150] [--cases 256-25832-c8,...] [--wrk-threads 1]
       [--wait-idle 300] [--retries 2] [--out bench-out] [--reimport]
"""

import argparse
import json
import math
import os
import random
import re
import resource
import shutil
import signal
import statistics
import struct
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import zlib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MSDIR = ROOT / "benches" / "mapserver"

# Debian package per command or file the harness needs.
PACKAGES = [
    ("/usr/lib/cgi-bin/mapserv", "cgi-mapserver"),
    ("/usr/bin/mapserv", "mapserver-bin"),
    ("/usr/bin/spawn-fcgi", "spawn-fcgi"),
    ("/usr/sbin/nginx", "nginx-light"),
    ("/usr/bin/wrk", "wrk"),
    ("/usr/bin/cs2cs", "proj-bin"),
    ("/usr/bin/gdalinfo", "gdal-bin"),
    ("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", "fonts-dejavu-core"),
]

# name, width, height, CRS, connections
CASES = [
    ("256-25832-c8", 256, 256, "EPSG:25832", 8),
    ("256-25832-c32", 256, 256, "EPSG:25832", 32),
    ("1024x768-25832-c8", 1024, 768, "EPSG:25832", 8),
    ("1024x768-25832-c32", 1024, 768, "EPSG:25832", 32),
    ("256-3857-c8", 256, 256, "EPSG:3857", 8),
]
# scale denominator ranges per image size
SCALES = {(256, 256): (500, 5000), (1024, 768): (1000, 10000)}
PIXEL_M = 0.00028  # OGC standard rendering pixel
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
BUSY_LIMIT = 10  # per cent CPU of other processes that makes a run disturbed


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def run(cmd, check=True, **kw):
    p = subprocess.run([str(c) for c in cmd], text=True, capture_output=True, **kw)
    if check and p.returncode != 0:
        shown = re.sub(r"://([^:/@]+):[^@]*@", r"://\1:***@", " ".join(map(str, cmd)))
        sys.exit(f"command failed ({p.returncode}): {shown}\n{p.stderr[-2000:]}")
    return p


def psql(url, sql, check=True):
    """The query's result as text; None on an error when check is False."""
    p = run(["psql", "-At", "-v", "ON_ERROR_STOP=1", url, "-c", sql], check=check)
    return p.stdout.strip() if p.returncode == 0 else None


def ensure_packages():
    missing = [pkg for path, pkg in PACKAGES if not os.path.exists(path)]
    if not missing:
        return
    log(f"installing {' '.join(missing)}")
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    subprocess.run(["apt-get", "update", "-qq"], check=True, env=env)
    subprocess.run(["apt-get", "install", "-y", "-qq", "--no-install-recommends"] + missing, check=True, env=env)


# ------------------------------------------------------------------ processes

class Procs:
    """Everything this run started, stopped in reverse order at exit."""

    def __init__(self):
        self.stops = []
        self.roots = []  # functions giving pids whose process trees are ours

    def add(self, name, fn, pids=None):
        self.stops.append((name, fn))
        if pids is not None:
            self.roots.append(pids)

    def root_pids(self):
        out = set()
        for f in self.roots:
            try:
                out.update(f())
            except OSError:
                pass
        return out

    def stop_all(self):
        while self.stops:
            name, fn = self.stops.pop()
            try:
                fn()
            except Exception as e:  # keep stopping the others
                log(f"stopping {name}: {e}")


def terminate(p, timeout=10):
    if p.poll() is None:
        p.terminate()
        try:
            p.wait(timeout)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()


def kill_pids(pidfile, expect):
    """Stops the processes listed in our own pid file (left by this or an
    earlier, interrupted run) if they still run `expect`. mapserv under
    FastCGI only notes SIGTERM and exits after its next request, so
    SIGKILL follows after a second."""
    if not pidfile.exists():
        return

    def ours():
        pids = []
        for tok in pidfile.read_text().split():
            try:
                stat = Path(f"/proc/{int(tok)}/stat").read_text()
                cmdline = Path(f"/proc/{int(tok)}/cmdline").read_bytes()
            except (ValueError, OSError):
                continue
            if stat.split(")")[-1].split()[0] != "Z" and expect.encode() in cmdline:
                pids.append(int(tok))
        return pids

    for sig in (signal.SIGTERM, signal.SIGKILL):
        for pid in ours():
            try:
                os.kill(pid, sig)
            except ProcessLookupError:
                pass
        for _ in range(10):
            if not ours():
                break
            time.sleep(0.1)
    pidfile.unlink()


def http_get(url, timeout=60):
    """(status, headers, body) without raising on HTTP errors."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as r:
            return r.status, dict(r.headers), r.read()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read()


def wait_http(url, what, proc=None, timeout=60):
    t0 = time.time()
    while time.time() - t0 < timeout:
        if proc is not None and proc.poll() is not None:
            sys.exit(f"{what} exited with code {proc.returncode} before it was ready")
        try:
            if http_get(url, timeout=5)[0] == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    sys.exit(f"{what} not ready after {timeout} s ({url})")


# ------------------------------------------------------------------ database

def setup_database(args, out, procs):
    """Starts the throwaway cluster and makes sure it holds the synthetic
    plans; returns the database URL."""
    xs = args.bin
    data_dir = out / "pg"
    base = [xs, "--data-dir", str(data_dir)]
    env = dict(os.environ, XPLAN_DB_PORT=str(args.port), XPLAN_LOG="warn")
    env.pop("XPLAN_DATABASE_URL", None)
    run(base + ["db", "start"], env=env)
    pidfile = data_dir / "pgdata" / "postmaster.pid"
    procs.add("PostgreSQL", lambda: subprocess.run(base + ["db", "stop"], env=env, capture_output=True),
              lambda: [int(pidfile.read_text().split()[0])])
    admin = run(base + ["db", "url"], env=env).stdout.strip()
    server = admin.rsplit("/", 1)[0]
    url = server + "/bench_wms"

    have = psql(server + "/postgres", "SELECT count(*) FROM pg_database WHERE datname = 'bench_wms'") == "1"
    if have and not args.reimport:
        n = psql(url, "SELECT count(*) FROM plans", check=False)
        if n == str(args.copies):
            log(f"database bench_wms holds {n} plans: reusing it (--reimport to import again)")
            return url
    log(f"importing {args.copies} synthetic plans")
    psql(server + "/postgres", "DROP DATABASE IF EXISTS bench_wms")
    psql(server + "/postgres", "CREATE DATABASE bench_wms")
    gml = out / f"synthetic-{args.copies}.gml"
    run([xs, "synth", str(ROOT / "fixtures/plans/BPlan001_5-1.gml"), "--copies", str(args.copies), "-o", str(gml)])
    t0 = time.time()
    run([xs, "--database-url", url, "import", "--quiet", "--skip-validation", str(gml)], env=env)
    log(f"imported in {time.time() - t0:.1f} s")
    gml.unlink()
    psql(url, "ANALYZE")
    return url


# ------------------------------------------------------------------ boxes

def make_boxes(extent, n, width, height, seed):
    """n boxes of width x height pixels: centre uniform in the extent, scale
    log-uniform in SCALES[(width, height)]."""
    xmin, ymin, xmax, ymax = extent
    smin, smax = SCALES[(width, height)]
    rng = random.Random(f"{seed}/{width}x{height}")
    boxes = []
    for _ in range(n):
        scale = math.exp(rng.uniform(math.log(smin), math.log(smax)))
        w, h = width * PIXEL_M * scale, height * PIXEL_M * scale
        cx = rng.uniform(xmin + w / 2, xmax - w / 2)
        cy = rng.uniform(ymin + h / 2, ymax - h / 2)
        boxes.append((cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2))
    return boxes


def to_3857(boxes):
    """The boxes in EPSG:3857: centre transformed with cs2cs, half sizes
    scaled by the local scale factor (mean of the east and north stretch),
    so that the aspect ratio stays that of the image."""
    pts = []
    for x0, y0, x1, y1 in boxes:
        cx, cy, hw, hh = (x0 + x1) / 2, (y0 + y1) / 2, (x1 - x0) / 2, (y1 - y0) / 2
        pts += [(cx, cy), (cx + hw, cy), (cx, cy + hh)]
    # EPSG:25832 and EPSG:3857 both have easting first; cs2cs follows the
    # authority's axis order, so check the result is (x, y) = (east, north)
    p = run(["cs2cs", "-f", "%.4f", "EPSG:25832", "EPSG:3857"],
            input="".join(f"{x:.4f} {y:.4f}\n" for x, y in pts))
    res = [tuple(map(float, line.split()[:2])) for line in p.stdout.splitlines()]
    if len(res) != len(pts):
        sys.exit("cs2cs returned a different number of points")
    out = []
    for i, (x0, y0, x1, y1) in enumerate(boxes):
        (cx, cy), (ex, ey), (nx, ny) = res[3 * i: 3 * i + 3]
        hw, hh = (x1 - x0) / 2, (y1 - y0) / 2
        k = (math.hypot(ex - cx, ey - cy) / hw + math.hypot(nx - cx, ny - cy) / hh) / 2
        out.append((cx - hw * k, cy - hh * k, cx + hw * k, cy + hh * k))
    # northern Germany: x about 1.0e6, y about 7.0e6 in Web Mercator
    if not all(5e5 < b[0] < 2e6 and 6e6 < b[1] < 8e6 for b in out):
        sys.exit(f"unexpected EPSG:3857 coordinates (axis order?): {out[0]}")
    return out


def wms_path(crs, box, width, height):
    bbox = ",".join(f"{v:.2f}" for v in box)
    return ("/wms?SERVICE=WMS&VERSION=1.3.0&REQUEST=GetMap&LAYERS=vektordaten&STYLES="
            f"&CRS={crs}&BBOX={bbox}&WIDTH={width}&HEIGHT={height}&FORMAT=image/png&TRANSPARENT=TRUE")


def write_lists(url, args, wdir):
    """Writes the bbox and URL lists; returns {case name: URL file}."""
    ext = psql(url, "SELECT concat_ws(' ', ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e)) "
                    "FROM (SELECT ST_Extent(geom_lin) AS e FROM features) t")
    extent = tuple(map(float, ext.split()))
    lists = {}
    for size in SCALES:
        lists[(size, "EPSG:25832")] = make_boxes(extent, args.boxes, size[0], size[1], args.seed)
    lists[((256, 256), "EPSG:3857")] = to_3857(lists[((256, 256), "EPSG:25832")])
    for (size, crs), boxes in lists.items():
        name = f"bboxes-{size[0]}x{size[1]}-{crs.replace(':', '')}.txt"
        (wdir / name).write_text("".join(",".join(f"{v:.2f}" for v in b) + "\n" for b in boxes))
    files = {}
    for name, w, h, crs, _ in CASES:
        f = wdir / f"urls-{w}x{h}-{crs.replace(':', '')}.txt"
        f.write_text("".join(wms_path(crs, b, w, h) + "\n" for b in lists[((w, h), crs)]))
        files[name] = f
    return extent, files


# ------------------------------------------------------------------ PNG check

def png_visible_pixels(data):
    """Decodes a non-interlaced 8-bit PNG; returns (width, height, number of
    pixels that are neither transparent nor white)."""
    if data[:8] != PNG_SIGNATURE:
        raise ValueError("not a PNG")
    pos, idat, plte, trns = 8, b"", None, None
    while pos < len(data):
        n, kind = struct.unpack(">I4s", data[pos:pos + 8])
        chunk = data[pos + 8:pos + 8 + n]
        if kind == b"IHDR":
            w, h, depth, ctype, _, _, interlace = struct.unpack(">IIBBBBB", chunk)
        elif kind == b"PLTE":
            plte = chunk
        elif kind == b"tRNS":
            trns = chunk
        elif kind == b"IDAT":
            idat += chunk
        pos += 12 + n
    if depth != 8 or interlace:
        raise ValueError(f"unsupported PNG (bit depth {depth}, interlace {interlace})")
    bpp = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}[ctype]
    raw = zlib.decompress(idat)
    stride = w * bpp
    prev = bytearray(stride)
    visible = 0
    for y in range(h):
        f = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        if f == 1:
            for i in range(bpp, stride):
                line[i] = (line[i] + line[i - bpp]) & 255
        elif f == 2:
            for i in range(stride):
                line[i] = (line[i] + prev[i]) & 255
        elif f == 3:
            for i in range(stride):
                left = line[i - bpp] if i >= bpp else 0
                line[i] = (line[i] + ((left + prev[i]) >> 1)) & 255
        elif f == 4:
            for i in range(stride):
                a = line[i - bpp] if i >= bpp else 0
                b = prev[i]
                c = prev[i - bpp] if i >= bpp else 0
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                pred = a if pa <= pb and pa <= pc else (b if pb <= pc else c)
                line[i] = (line[i] + pred) & 255
        for x in range(w):
            px = line[x * bpp:(x + 1) * bpp]
            if ctype == 3:
                i = px[0]
                alpha = trns[i] if trns is not None and i < len(trns) else 255
                rgb = plte[3 * i:3 * i + 3]
            elif ctype == 6:
                alpha, rgb = px[3], px[:3]
            elif ctype == 4:
                alpha, rgb = px[1], bytes([px[0]] * 3)
            else:
                alpha, rgb = 255, (px if ctype == 2 else bytes([px[0]] * 3))
            if alpha > 0 and rgb != b"\xff\xff\xff":
                visible += 1
        prev = line
    return w, h, visible


def check_server(name, base, sample_path, case_files, wdir):
    """One GetMap must be a real PNG with visible pixels (saved as
    <name>-sample.png); the first boxes of every list must answer with PNGs."""
    status, headers, body = http_get(base + sample_path)
    ctype = headers.get("Content-Type", "")
    if status != 200 or body[:8] != PNG_SIGNATURE:
        sys.exit(f"{name}: GetMap answered {status} {ctype}: {body[:500]!r}"
                 + ("\n(--only mapserver measures MapServer alone)" if name == "xplanserver" else ""))
    (wdir / f"{name}-sample.png").write_bytes(body)
    sample_bytes = len(body)
    w, h, visible = png_visible_pixels(body)
    if visible == 0:
        sys.exit(f"{name}: the sample GetMap ({w}x{h}) has no visible pixels")
    log(f"{name}: sample {w}x{h} PNG, {sample_bytes} bytes, {100 * visible / (w * h):.0f} % of the pixels drawn")
    nonempty = {}
    for case, f in case_files.items():
        paths = f.read_text().split()[:5]
        ok = 0
        for p in paths:
            status, headers, body = http_get(base + p)
            if status != 200 or body[:8] != PNG_SIGNATURE:
                sys.exit(f"{name}: {p} answered {status}: {body[:300]!r}")
            ok += png_visible_pixels(body)[2] > 0
        nonempty[case] = f"{ok}/{len(paths)}"
    log(f"{name}: first boxes of each list drawn (non-empty/checked): {nonempty}")
    return {"sample_bytes": sample_bytes, "sample_visible_fraction": round(visible / (w * h), 3),
            "first_boxes_nonempty": nonempty}


# ------------------------------------------------------------------ servers

def start_mapserver(args, url, wdir, procs, mapfile=MSDIR / "xplan.map", tag="wms"):
    """MapServer under spawn-fcgi behind nginx, reading `mapfile`; its files
    in <wdir>/mapserver. Returns the base URL; `start_mapserver.pids` gives
    the mapserv pids."""
    d = wdir / "mapserver"
    (d / "tmp").mkdir(parents=True, exist_ok=True)
    u = urllib.parse.urlsplit(url)
    # libpq service named in the mapfile's CONNECTION (nginx passes its path)
    # (no parallel workers: starting one costs ~20 ms, far more than these
    # index scans; no JIT: compiling costs more than the large boxes' queries)
    service = d / "pg_service.conf"
    service.write_text(f"[xplanbench]\nhost={u.hostname}\nport={u.port}\ndbname={u.path.lstrip('/')}\n"
                       f"user={urllib.parse.unquote(u.username)}\npassword={urllib.parse.unquote(u.password)}\n"
                       "application_name=mapserver\n"
                       "options=-c max_parallel_workers_per_gather=0 -c jit=off\n")
    service.chmod(0o600)
    # MapServer 8 needs a config file; it names the mapfile for requests without map=
    conf = d / "mapserver.conf"
    conf.write_text(f'CONFIG\n  ENV\n    MS_MAPFILE "{mapfile}"\n'
                    f'    MS_ERRORFILE "{d / "mapserver-error.log"}"\n  END\nEND\n')
    sock = d / "mapserv.sock"
    if len(str(sock)) > 100:  # sun_path limit
        sock = Path(f"/tmp/xplanserver-{tag}-bench-{os.getuid()}.sock")
    pidfile = d / "mapserv.pids"
    kill_pids(pidfile, "mapserv")
    kill_pids(d / "nginx.pid", "nginx")
    if sock.exists():
        sock.unlink()
    for f in ("mapserver-error.log", "nginx-error.log"):  # this run's messages only
        (d / f).write_text("")
    env = dict(os.environ, MAPSERVER_CONFIG_FILE=str(conf))
    run(["spawn-fcgi", "-s", sock, "-M", "0600", "-F", args.workers, "-P", pidfile, "--", shutil.which("mapserv")],
        env=env)
    def pids():
        return [int(t) for t in pidfile.read_text().split()]

    start_mapserver.pids = pids
    procs.add("mapserv", lambda: kill_pids(pidfile, "mapserv"), pids)

    nginx_conf = d / "nginx.conf"
    text = (MSDIR / "nginx.conf.in").read_text()
    for k, v in {"DIR": str(d), "PORT": str(args.mapserver_port), "SOCKET": str(sock),
                 "PGSERVICEFILE": str(service),
                 "USER": "user root;" if os.geteuid() == 0 else ""}.items():
        text = text.replace(f"@@{k}@@", v)
    nginx_conf.write_text(text)
    nginx = subprocess.Popen(["nginx", "-p", str(d), "-e", str(d / "nginx-error.log"), "-c", str(nginx_conf)],
                             stdout=subprocess.DEVNULL, stderr=open(d / "nginx-stderr.log", "w"))
    procs.add("nginx", lambda: terminate(nginx), lambda: [nginx.pid])
    wait_http(f"http://127.0.0.1:{args.mapserver_port}/health", "nginx", nginx)
    return f"http://127.0.0.1:{args.mapserver_port}"


def start_xplanserver(args, url, wdir, procs):
    env = dict(os.environ, XPLAN_WORKERS=str(args.workers), XPLAN_LOG="warn")
    logf = open(wdir / "xplanserver.log", "w")
    p = subprocess.Popen([args.bin, "--database-url", url, "serve", "--bind", f"127.0.0.1:{args.xplan_port}"],
                         env=env, stdout=logf, stderr=subprocess.STDOUT)
    procs.add("xplanserver", lambda: terminate(p), lambda: [p.pid])
    wait_http(f"http://127.0.0.1:{args.xplan_port}/health", "xplanserver", p)
    return f"http://127.0.0.1:{args.xplan_port}"


# ------------------------------------------------------------------ wrk

class CpuMeter:
    """CPU time used on the machine by processes other than ours (the
    servers, PostgreSQL, nginx and wrk) while a run lasts, in per cent of
    all cores: a build running alongside halves the figures."""

    def __init__(self, procs):
        self.procs = procs

    def snapshot(self):
        # user, nice, system against everything but guest time (already in
        # user); interrupts are left out as they belong to no process
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

        ours = sum(t for pid, t in ticks.items() if mine(pid))
        ru = resource.getrusage(resource.RUSAGE_CHILDREN)  # wrk, once it has ended
        hz = os.sysconf("SC_CLK_TCK")
        return total, busy, ours + (ru.ru_utime + ru.ru_stime) * hz

    @staticmethod
    def others_percent(a, b):
        return round(max(0.0, 100 * ((b[1] - a[1]) - (b[2] - a[2])) / max(1, b[0] - a[0])), 1)

    def idle_percent_others(self, seconds=1.0):
        a = self.snapshot()
        time.sleep(seconds)
        return self.others_percent(a, self.snapshot())

    def wait_idle(self, limit):
        """Waits up to `limit` s until other processes use under BUSY_LIMIT %."""
        t0 = time.time()
        while True:
            other = self.idle_percent_others()
            if other <= BUSY_LIMIT or time.time() - t0 >= limit:
                return other
            log(f"machine busy ({other} % CPU used by other processes): waiting")
            time.sleep(4)


def wrk(base, urlfile, conns, seconds, threads):
    threads = min(threads, conns)
    cmd = ["wrk", "-t", str(threads), "-c", str(conns), "-d", f"{seconds}s", "--timeout", "60s",
           "-s", str(MSDIR / "wms.lua"), base, "--", str(urlfile), str(threads)]
    p = subprocess.run(cmd, text=True, capture_output=True)
    if p.stderr.strip():
        log(p.stderr.strip()[:2000])
    line = next((l for l in p.stdout.splitlines() if l.startswith("WRKJSON ")), None)
    if p.returncode != 0 or line is None:
        sys.exit(f"wrk failed ({p.returncode}):\n{p.stdout}\n{p.stderr}")
    r = json.loads(line[len("WRKJSON "):])
    failures = (r["bad_status"] + r["bad_body"] + r["err_connect"] + r["err_read"] + r["err_write"]
                + r["err_timeout"])
    return {"requests": r["requests"], "seconds": round(r["duration_us"] / 1e6, 2),
            "req_per_s": round(r["requests"] / (r["duration_us"] / 1e6), 1),
            "p50_ms": round(r["p50_us"] / 1000, 1), "p90_ms": round(r["p90_us"] / 1000, 1),
            "p99_ms": round(r["p99_us"] / 1000, 1), "mean_ms": round(r["latency_mean_us"] / 1000, 1),
            "mb_per_s": round(r["bytes"] / 1e6 / (r["duration_us"] / 1e6), 1), "failures": failures,
            "wrk": r}


def summarise(runs):
    return {"req_per_s": round(statistics.median(r["req_per_s"] for r in runs), 1),
            "p50_ms": round(statistics.median(r["p50_ms"] for r in runs), 1),
            "p99_ms": round(statistics.median(r["p99_ms"] for r in runs), 1),
            "failures": sum(r["failures"] for r in runs),
            "disturbed_runs": sum(r["other_cpu_percent"] > BUSY_LIMIT for r in runs),
            "valid": all(r["failures"] == 0 and r["requests"] > 0 for r in runs),
            "runs": runs}


# ------------------------------------------------------------------ main

def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bin", default=str(Path(os.environ.get("CARGO_TARGET_DIR", Path.home() / ".cache/xplanserver-target"))
                                         / "release" / "xplanserver"))
    ap.add_argument("--only", choices=["mapserver", "xplanserver", "both"], default="both")
    ap.add_argument("--workers", type=int, default=2, help="FastCGI processes / XPLAN_WORKERS")
    ap.add_argument("--duration", type=int, default=15, help="seconds per measured run")
    ap.add_argument("--warmup", type=int, default=5, help="seconds of warm-up per case and server")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--boxes", type=int, default=500, help="boxes per list")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--copies", type=int, default=150)
    ap.add_argument("--cases", default=",".join(c[0] for c in CASES),
                    help="comma-separated subset of: " + ", ".join(c[0] for c in CASES))
    ap.add_argument("--wrk-threads", type=int, default=1)
    ap.add_argument("--wait-idle", type=int, default=300,
                    help="seconds to wait for other processes to go quiet before a case or a repeated run")
    ap.add_argument("--retries", type=int, default=2, help="repetitions of a run disturbed by other processes")
    ap.add_argument("--out", default=str(ROOT / "bench-out"))
    ap.add_argument("--port", type=int, default=55440, help="PostgreSQL")
    ap.add_argument("--mapserver-port", type=int, default=55441, help="nginx in front of MapServer")
    ap.add_argument("--xplan-port", type=int, default=55442)
    ap.add_argument("--reimport", action="store_true", help="import the synthetic plans again")
    args = ap.parse_args()
    cases = [c for c in CASES if c[0] in args.cases.split(",")]
    if not cases:
        sys.exit(f"no known case in --cases {args.cases}")
    servers = ["mapserver", "xplanserver"] if args.only == "both" else [args.only]
    # the binary also starts the cluster and imports the plans for --only mapserver
    if not os.access(args.bin, os.X_OK):
        sys.exit(f"no xplanserver binary at {args.bin} (make release, or --bin)")

    ensure_packages()
    wdir = Path(args.out) / "wms"
    wdir.mkdir(parents=True, exist_ok=True)
    procs = Procs()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    try:
        url = setup_database(args, wdir, procs)
        extent, files = write_lists(url, args, wdir)
        case_files = {c[0]: files[c[0]] for c in cases}
        # sample: 1024x768 at 1:2 000 around the centre of the first plan
        cx, cy = map(float, psql(url, "SELECT concat_ws(' ', ST_X(c), ST_Y(c)) FROM "
                                      "(SELECT ST_Centroid(bbox) AS c FROM plans ORDER BY id LIMIT 1) t").split())
        hw, hh = 1024 * PIXEL_M * 2000 / 2, 768 * PIXEL_M * 2000 / 2
        sample = wms_path("EPSG:25832", (cx - hw, cy - hh, cx + hw, cy + hh), 1024, 768)

        bases, checks = {}, {}
        for s in servers:
            start = start_mapserver if s == "mapserver" else start_xplanserver
            bases[s] = start(args, url, wdir, procs)
            checks[s] = check_server(s, bases[s], sample, case_files, wdir)

        results = {"cases": {}}
        meter = CpuMeter(procs)
        for name, w, h, crs, conns in cases:
            entry = {"width": w, "height": h, "crs": crs, "connections": conns,
                     "urls": str(files[name].relative_to(wdir))}
            for s in servers:
                meter.wait_idle(args.wait_idle)
                if args.warmup > 0:
                    wrk(bases[s], files[name], conns, args.warmup, args.wrk_threads)
                runs = []
                for r in range(args.runs):
                    # a run during which other processes used the CPU is
                    # repeated (--retries times) after waiting for quiet
                    for attempt in range(args.retries + 1):
                        if attempt:
                            meter.wait_idle(args.wait_idle)
                        a = meter.snapshot()
                        x = wrk(bases[s], files[name], conns, args.duration, args.wrk_threads)
                        x["other_cpu_percent"] = meter.others_percent(a, meter.snapshot())
                        log(f"{name} {s} run {r + 1}: {x['req_per_s']} req/s, p50 {x['p50_ms']} ms, "
                            f"p99 {x['p99_ms']} ms, failures {x['failures']}, "
                            f"other processes {x['other_cpu_percent']} % CPU")
                        if x["other_cpu_percent"] <= BUSY_LIMIT:
                            break
                    runs.append(x)
                entry[s] = summarise(runs)
            if len(servers) == 2:
                entry["ratio_req_per_s"] = round(entry["xplanserver"]["req_per_s"] / entry["mapserver"]["req_per_s"], 2)
            results["cases"][name] = entry
    finally:
        procs.stop_all()

    mapserv_version = run(["mapserv", "-v"]).stdout.split(" OUTPUT")[0].strip()
    wrk_version = subprocess.run(["wrk", "-v"], text=True, capture_output=True).stdout.split(" [")[0].strip()
    commit = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], text=True,
                            capture_output=True).stdout.strip()
    results = {"config": {"servers": servers, "workers": args.workers, "duration_s": args.duration,
                          "warmup_s": args.warmup, "runs": args.runs, "boxes": args.boxes, "seed": args.seed,
                          "copies": args.copies, "extent_25832": extent, "wrk_threads": args.wrk_threads,
                          "cores": os.cpu_count(), "mapserver": mapserv_version, "wrk": wrk_version,
                          "commit": commit},
               "checks": checks, **results}
    (wdir / "results.json").write_text(json.dumps(results, indent=2))

    def cell(e, s):
        if s not in e:
            return "– | – | –"
        x = e[s]
        flag = "" if x["valid"] else f" (**invalid: {x['failures']} failures**)"
        return f"{x['req_per_s']}{flag} | {x['p50_ms']} | {x['p99_ms']}"

    print(f"WMS GetMap, {args.workers} workers each, median of {args.runs} runs of {args.duration} s "
          f"({args.boxes} boxes per list, seed {args.seed})\n")
    print("| case | size | CRS | conns | MapServer req/s | p50 ms | p99 ms | xplanserver req/s | p50 ms | p99 ms | ratio |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for name, e in results["cases"].items():
        ratio = f"**{e['ratio_req_per_s']}x**" if "ratio_req_per_s" in e else "–"
        print(f"| {name} | {e['width']}x{e['height']} | {e['crs']} | {e['connections']} | "
              f"{cell(e, 'mapserver')} | {cell(e, 'xplanserver')} | {ratio} |")
    busy = [f"{n} {s} ({e[s]['disturbed_runs']} of {args.runs})" for n, e in results["cases"].items()
            for s in servers if e[s]["disturbed_runs"]]
    if busy:
        print(f"\nruns disturbed by other processes (over {BUSY_LIMIT} % CPU): {', '.join(busy)}: "
              "these figures are low")
    print(f"\nresults: {wdir / 'results.json'}")
    if not all(e[s]["valid"] for e in results["cases"].values() for s in servers):
        sys.exit("some runs had failed requests: their figures are not valid")


if __name__ == "__main__":
    main()
