#!/usr/bin/env python3
"""WFS GetFeature throughput, side by side in one run: MapServer 8's WFS
(Debian's cgi-mapserver as FastCGI behind nginx) against `xplanserver
serve`, both reading the same PostGIS data. Measures features/s of one
GetFeature of a whole feature class (layer), GML 3.2 and GeoJSON.

Data and cluster: those of benches/wms_vs_mapserver.py (its code is
imported): BPlan001_5-1 (XPlanGML 5.1) tiled --copies times with
`xplanserver synth` (150 copies = 150 plans, 110 850 features), imported
with `import --skip-validation` into database bench_wms of the throwaway
cluster in <out>/wms/pg (port --port). The database is reused when it
holds the plans (--reimport imports again). Before measuring, the
binary's migrations are applied (`xplanserver list`), so that both servers
read the same tables and indexes also with --only mapserver.

Servers, with the same number of workers (--workers, default 2):
  mapserver    benches/mapserver/wfs.map: one layer per benchmarked feature
               class reading `features` (geom_lin, every attribute column,
               no feature limit); `mapserv` under spawn-fcgi with N
               processes, persistent PostGIS connections, nginx on
               --mapserver-port (benches/mapserver/nginx.conf.in, location
               /wms, so MapServer's WFS is at /wms?SERVICE=WFS&...)
  xplanserver  `xplanserver serve` with XPLAN_WORKERS=N on --xplan-port,
               WFS at --xplan-wfs (default /wfs/51, the XPlanGML 5.1 WFS)

Requests (TYPENAMES=xplan:<class>, the same query string for both servers
except SRSNAME, which only MapServer needs):
  gml      ?SERVICE=WFS&VERSION=2.0.0&REQUEST=GetFeature&TYPENAMES=xplan:X
           &OUTPUTFORMAT=application/gml%2Bxml;%20version%3D3.2
           EPSG:25832 (the data's CRS): XPlanServer's default, MapServer's
           first wfs_srs
  geojson  ...&OUTPUTFORMAT=application/geo%2Bjson
           lon/lat WGS 84 (RFC 7946): XPlanServer's default; MapServer gets
           &SRSNAME=EPSG:4326 (lon/lat order in MapServer, checked)

Layers (--layers): by default the largest point, area and line classes of
the set: XP_PPO (17 400 features, the largest class), BP_GruenFlaeche
(8 100), BP_NutzungsartenGrenze (5 850). Classes with mixed geometry
types cannot be served whole by one MapServer layer (see wfs.map).

Per layer, format and server: one warm-up request, then --runs requests
(median reported). A Python client sends each request on a new
connection, reads the body in 1 MiB pieces and counts the bytes; the time
is the wall time from sending the request to the last byte. Every
response is checked: status 200, the number of features (GML: the
`<wfs:member` elements; GeoJSON: the parsed features) must equal the
class's rows in `features`, and the first coordinate must be an
EPSG:25832 easting/northing (GML) or a lon/lat in Germany (GeoJSON). A
case with a failed check is marked invalid.

Memory: the peak RSS of the server's processes during the request: their
high-water mark (VmHWM) is reset before the request (/proc/PID/clear_refs)
and read after it; where that is not allowed, VmRSS is sampled every 5 ms.
For MapServer the largest of its FastCGI processes (one handles the
request); PostgreSQL's and nginx's memory is not counted for either.

Other work on the machine is checked over 0.5 s right before every
request (the per-process CPU accounting of the WMS benchmark is too coarse
for requests of 0.1-1 s): when other processes used more than 10 % of the
machine, the request is repeated after waiting for quiet (--retries,
--wait-idle) and counted as disturbed if it stays so.

Missing Debian packages (cgi-mapserver, mapserver-bin, spawn-fcgi,
nginx-light) are installed with apt-get. Writes <out>/wfs/results.json and
prints a Markdown table.

Usage: benches/wfs_vs_mapserver.py [--only mapserver|xplanserver|both]
       [--bin $CARGO_TARGET_DIR/release/xplanserver] [--workers 2]
       [--runs 5] [--layers XP_PPO,BP_GruenFlaeche,BP_NutzungsartenGrenze]
       [--formats gml,geojson] [--copies 150] [--xplan-wfs /wfs/51]
       [--wait-idle 300] [--retries 2] [--out bench-out] [--reimport]
"""

import argparse
import http.client
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
from pathlib import Path

sys.dont_write_bytecode = True  # no __pycache__ in benches/
sys.path.insert(0, str(Path(__file__).resolve().parent))
import wms_vs_mapserver as wms  # noqa: E402  (shared cluster, data and process handling)
from wms_vs_mapserver import BUSY_LIMIT, MSDIR, ROOT, log, psql, run  # noqa: E402

PACKAGES = [
    ("/usr/lib/cgi-bin/mapserv", "cgi-mapserver"),
    ("/usr/bin/mapserv", "mapserver-bin"),
    ("/usr/bin/spawn-fcgi", "spawn-fcgi"),
    ("/usr/sbin/nginx", "nginx-light"),
]
MAPFILE = MSDIR / "wfs.map"
DEFAULT_LAYERS = "XP_PPO,BP_GruenFlaeche,BP_NutzungsartenGrenze"

GETFEATURE = "SERVICE=WFS&VERSION=2.0.0&REQUEST=GetFeature&TYPENAMES=xplan:{layer}"
# format -> server -> extra query parameters
FORMATS = {
    "gml": {"xplanserver": "&OUTPUTFORMAT=application/gml%2Bxml;%20version%3D3.2",
            "mapserver": "&OUTPUTFORMAT=application/gml%2Bxml;%20version%3D3.2"},
    "geojson": {"xplanserver": "&OUTPUTFORMAT=application/geo%2Bjson",
                "mapserver": "&OUTPUTFORMAT=application/geo%2Bjson&SRSNAME=EPSG:4326"},
}
CHUNK = 1 << 20
MEMBER = re.compile(rb"<wfs:member[\s>]")
GML_COORDS = re.compile(rb"<gml:(?:pos|posList|coordinates)(?:\s[^>]*)?>\s*([-0-9.eE+]+)[\s,]+([-0-9.eE+]+)")


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


def mapfile_layers():
    return re.findall(r'^\s*LAYER\s*\n\s*NAME\s+"([^"]+)"', MAPFILE.read_text(), re.M)


# ------------------------------------------------------------------ servers

def start_mapserver(args, url, wdir, procs):
    """wms.start_mapserver with benches/mapserver/wfs.map in <wdir>/mapserver.
    Returns (base URL, function giving the mapserv pids)."""
    base = wms.start_mapserver(args, url, wdir, procs, mapfile=MAPFILE, tag="wfs")
    return base, wms.start_mapserver.pids


def start_xplanserver(args, url, wdir, procs):
    base = wms.start_xplanserver(args, url, wdir, procs)
    return base, procs.roots[-1]  # the pid of `xplanserver serve`


# ------------------------------------------------------------------ memory

def status_kb(pid, field):
    try:
        for line in open(f"/proc/{pid}/status"):
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


class MemWatch:
    """Peak RSS of the given processes during one request."""

    def __init__(self, pids):
        self.pids = pids
        self.sampled = None
        self.stop = threading.Event()

    def __enter__(self):
        self.before = max((status_kb(p, "VmRSS") for p in self.pids), default=0)
        try:
            for p in self.pids:
                with open(f"/proc/{p}/clear_refs", "w") as f:
                    f.write("5")  # VmHWM := VmRSS
        except OSError:
            self.sampled = self.before
            self.thread = threading.Thread(target=self._sample, daemon=True)
            self.thread.start()
        return self

    def _sample(self):
        while not self.stop.wait(0.005):
            self.sampled = max(self.sampled, max((status_kb(p, "VmRSS") for p in self.pids), default=0))

    def __exit__(self, *exc):
        if self.sampled is None:
            self.peak = max((status_kb(p, "VmHWM") for p in self.pids), default=0)
            self.method = "VmHWM"
        else:
            self.stop.set()
            self.thread.join()
            self.peak = self.sampled
            self.method = "VmRSS sampled every 5 ms"
        return False


# ------------------------------------------------------------------ requests

def fetch(base, path):
    """(status, headers, body, seconds to the first byte, seconds in all)."""
    u = urllib.parse.urlsplit(base)
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=600)
    try:
        t0 = time.perf_counter()
        conn.request("GET", path, headers={"Accept-Encoding": "identity"})
        r = conn.getresponse()
        first = None
        parts = []
        while True:
            chunk = r.read1(CHUNK) if hasattr(r, "read1") else r.read(CHUNK)
            if first is None:
                first = time.perf_counter() - t0
            if not chunk:
                break
            parts.append(chunk)
        total = time.perf_counter() - t0
        return r.status, {k.lower(): v for k, v in r.getheaders()}, b"".join(parts), first, total
    finally:
        conn.close()


def first_pair_json(geom):
    """The first coordinate pair of a GeoJSON geometry."""
    if not geom:
        return None
    if geom.get("type") == "GeometryCollection":
        return next((p for g in geom.get("geometries", []) for p in [first_pair_json(g)] if p), None)
    c = geom.get("coordinates")
    while isinstance(c, list) and c and isinstance(c[0], list):
        c = c[0]
    return tuple(c[:2]) if isinstance(c, list) and len(c) >= 2 else None


def check_body(fmt, status, headers, body, expected):
    """(features counted, list of problems)."""
    problems = []
    if status != 200:
        return 0, [f"status {status}: {body[:300]!r}"]
    if headers.get("content-encoding", "identity") not in ("identity", ""):
        problems.append(f"compressed ({headers['content-encoding']})")
    if fmt == "gml":
        if b"ExceptionReport" in body[:2000]:
            return 0, [f"exception: {body[:500]!r}"]
        n = len(MEMBER.findall(body))
        m = GML_COORDS.search(body)
        if not m:
            problems.append("no gml:pos/posList found")
        else:
            x, y = float(m.group(1)), float(m.group(2))
            if not (1e5 < x < 1e6 and 5e6 < y < 7e6):
                problems.append(f"first coordinate {x} {y} is not an EPSG:25832 easting/northing")
    else:
        try:
            doc = json.loads(body)
            feats = doc["features"]
        except (ValueError, KeyError, TypeError) as e:
            return 0, [f"not a GeoJSON FeatureCollection ({e}): {body[:300]!r}"]
        n = len(feats)
        p = next((q for f in feats for q in [first_pair_json(f.get("geometry"))] if q), None)
        if p is None:
            problems.append("no coordinates")
        elif not (5 < p[0] < 16 and 47 < p[1] < 56):
            problems.append(f"first coordinate {p[0]} {p[1]} is not lon/lat in Germany")
    if n != expected:
        problems.append(f"{n} features instead of {expected}")
    return n, problems


def measure(base, path, pids, fmt, expected, meter, args, retries=None):
    """One request: its figures, its checks and the CPU of other processes
    (repeated up to `retries` times while other processes disturb it)."""
    # A request lasts 0.1-1 s: too short for the per-process CPU accounting
    # (10 ms ticks; the kernel's loopback work for a 20 MB response is not
    # charged to any process and alone reads as 20-40 % "other" CPU). So
    # the machine is checked for other work over 0.5 s right before each
    # request, and the request is repeated when it was busy.
    for attempt in range((args.retries if retries is None else retries) + 1):
        if attempt:
            meter.wait_idle(args.wait_idle)
        other = meter.idle_percent_others(0.5)
        with MemWatch(pids()) as mem:
            status, headers, body, first, total = fetch(base, path)
        if other <= BUSY_LIMIT:
            break
    n, problems = check_body(fmt, status, headers, body, expected)
    return {"status": status, "content_type": headers.get("content-type", ""), "features": n,
            "bytes": len(body), "seconds": round(total, 4), "first_byte_s": round(first, 4),
            "features_per_s": round(n / total) if total > 0 else 0,
            "rss_before_mb": round(mem.before / 1024, 1), "peak_rss_mb": round(mem.peak / 1024, 1),
            "rss_method": mem.method, "other_cpu_percent": other, "problems": problems}


def summarise(runs, expected):
    sec = statistics.median(r["seconds"] for r in runs)
    feats = runs[0]["features"]
    return {"features": feats, "expected_features": expected,
            "mb": round(statistics.median(r["bytes"] for r in runs) / 1e6, 2),
            "median_s": round(sec, 3), "features_per_s": round(expected / sec) if sec > 0 else 0,
            "first_byte_s": round(statistics.median(r["first_byte_s"] for r in runs), 3),
            "peak_rss_mb": max(r["peak_rss_mb"] for r in runs),
            "rss_before_mb": min(r["rss_before_mb"] for r in runs),
            "disturbed_runs": sum(r["other_cpu_percent"] > BUSY_LIMIT for r in runs),
            "valid": all(not r["problems"] for r in runs),
            "problems": sorted({p for r in runs for p in r["problems"]}),
            "runs": runs}


# ------------------------------------------------------------------ main

def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bin", default=str(Path(os.environ.get("CARGO_TARGET_DIR", Path.home() / ".cache/xplanserver-target"))
                                         / "release" / "xplanserver"))
    ap.add_argument("--only", choices=["mapserver", "xplanserver", "both"], default="both")
    ap.add_argument("--workers", type=int, default=2, help="FastCGI processes / XPLAN_WORKERS")
    ap.add_argument("--runs", type=int, default=5, help="measured requests per layer, format and server")
    ap.add_argument("--layers", default=DEFAULT_LAYERS, help="comma-separated feature classes")
    ap.add_argument("--formats", default="gml,geojson", help="comma-separated subset of: gml, geojson")
    ap.add_argument("--copies", type=int, default=150)
    ap.add_argument("--xplan-wfs", default="/wfs/51", help="path of XPlanServer's WFS for the data's version")
    ap.add_argument("--wait-idle", type=int, default=300,
                    help="seconds to wait for other processes to go quiet before a case or a repeated run")
    ap.add_argument("--retries", type=int, default=2, help="repetitions of a run disturbed by other processes")
    ap.add_argument("--out", default=str(ROOT / "bench-out"))
    ap.add_argument("--port", type=int, default=55440, help="PostgreSQL (the WMS benchmark's cluster)")
    ap.add_argument("--mapserver-port", type=int, default=55443, help="nginx in front of MapServer")
    ap.add_argument("--xplan-port", type=int, default=55444)
    ap.add_argument("--reimport", action="store_true", help="import the synthetic plans again")
    args = ap.parse_args()
    servers = ["mapserver", "xplanserver"] if args.only == "both" else [args.only]
    layers = [x for x in args.layers.split(",") if x]
    formats = [f for f in args.formats.split(",") if f]
    if not layers or any(f not in FORMATS for f in formats) or not formats:
        sys.exit(f"--layers must name classes and --formats be a subset of {', '.join(FORMATS)}")
    if "mapserver" in servers:
        missing = [x for x in layers if x not in mapfile_layers()]
        if missing:
            sys.exit(f"no layer in {MAPFILE} for {', '.join(missing)} (one LAYER per class, see the others)")
    if not os.access(args.bin, os.X_OK):
        sys.exit(f"no xplanserver binary at {args.bin} (make release, or --bin)")
    for port, what in ((args.port, "PostgreSQL"), (args.mapserver_port, "nginx"), (args.xplan_port, "xplanserver")):
        if port_in_use(port):
            sys.exit(f"port {port} ({what}) is in use: another benchmark running? A cluster left over from an "
                     f"interrupted run stops with: {args.bin} --data-dir {Path(args.out) / 'wms' / 'pg'} db stop "
                     f"(XPLAN_DB_PORT={args.port})")

    ensure_packages()
    out = Path(args.out)
    wdir = out / "wfs"
    wdir.mkdir(parents=True, exist_ok=True)
    (out / "wms").mkdir(parents=True, exist_ok=True)
    procs = wms.Procs()
    procs.add("client", lambda: None, lambda: [os.getpid()])  # our own CPU is not "other processes"
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    try:
        url = wms.setup_database(args, out / "wms", procs)
        # the binary's migrations (indexes), for both servers alike
        run([args.bin, "--database-url", url, "list", "--format", "json"], env=dict(os.environ, XPLAN_LOG="warn"))
        indexes = psql(url, "SELECT string_agg(indexdef, '; ' ORDER BY indexname) FROM pg_indexes "
                            "WHERE tablename = 'features'")
        expected = {}
        for layer in layers:
            n, with_geom = map(int, psql(url, "SELECT count(*), count(geom_lin) FROM features WHERE feature_type = "
                                              f"'{layer.replace(chr(39), '')}'").split("|"))
            if n == 0:
                sys.exit(f"no features of class {layer} in the data")
            if n != with_geom:
                log(f"{layer}: {n - with_geom} of {n} features have no geometry (MapServer leaves them out)")
            expected[layer] = n
        log("features per class: " + ", ".join(f"{k} {v}" for k, v in expected.items()))

        bases, pids, paths = {}, {}, {}
        for s in servers:
            start = start_mapserver if s == "mapserver" else start_xplanserver
            bases[s], pids[s] = start(args, url, wdir, procs)
            paths[s] = "/wms?" if s == "mapserver" else args.xplan_wfs + "?"
            # fail early, before measuring anything, if the server cannot answer
            path = paths[s] + GETFEATURE.format(layer=layers[0]) + FORMATS[formats[0]][s]
            status, _, body, _, _ = fetch(bases[s], path)
            if status != 200:
                sys.exit(f"{s}: {bases[s] + path} answered {status}: {body[:500]!r}"
                         + ("\n(--only mapserver measures MapServer alone)" if s == "xplanserver" else ""))

        meter = wms.CpuMeter(procs)
        results = {}
        for layer in layers:
            for fmt in formats:
                key = f"{layer} {fmt}"
                entry = {"layer": layer, "format": fmt}
                for s in servers:
                    path = paths[s] + GETFEATURE.format(layer=layer) + FORMATS[fmt][s]
                    entry.setdefault("urls", {})[s] = bases[s] + path
                    meter.wait_idle(args.wait_idle)
                    warm = measure(bases[s], path, pids[s], fmt, expected[layer], meter, args, retries=0)
                    if warm["problems"]:
                        log(f"{key} {s} warm-up: {'; '.join(warm['problems'])}")
                    runs = []
                    for r in range(args.runs):
                        x = measure(bases[s], path, pids[s], fmt, expected[layer], meter, args)
                        log(f"{key} {s} run {r + 1}: {x['features']} features, {x['bytes'] / 1e6:.1f} MB in "
                            f"{x['seconds']:.3f} s = {x['features_per_s']} features/s, peak RSS "
                            f"{x['peak_rss_mb']} MB, other processes {x['other_cpu_percent']} % CPU"
                            + (f", PROBLEMS: {'; '.join(x['problems'])}" if x["problems"] else ""))
                        runs.append(x)
                    entry[s] = summarise(runs, expected[layer])
                if len(servers) == 2 and entry["mapserver"]["features_per_s"]:
                    entry["ratio_features_per_s"] = round(entry["xplanserver"]["features_per_s"]
                                                          / entry["mapserver"]["features_per_s"], 2)
                results[key] = entry
        errlog = wdir / "mapserver" / "mapserver-error.log"
        ms_errors = errlog.read_text().strip().splitlines()[-20:] if errlog.exists() else []
    finally:
        procs.stop_all()

    mapserv_version = run(["mapserv", "-v"]).stdout.split(" OUTPUT")[0].strip()
    commit = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], text=True,
                            capture_output=True).stdout.strip()
    doc = {"config": {"servers": servers, "workers": args.workers, "runs": args.runs, "copies": args.copies,
                      "layers": layers, "formats": formats, "cores": os.cpu_count(), "mapserver": mapserv_version,
                      "commit": commit, "features_indexes": indexes, "expected_features": expected,
                      "rss": "peak RSS of the server process(es) during the request (MapServer: the largest "
                             "mapserv FastCGI process); PostgreSQL and nginx not counted"},
           "mapserver_error_log_tail": ms_errors,
           "cases": results}
    (wdir / "results.json").write_text(json.dumps(doc, indent=2))

    names = {"mapserver": "MapServer", "xplanserver": "XPlanServer"}
    print(f"WFS GetFeature of a whole layer, {args.workers} workers each, median of {args.runs} requests "
          f"after one warm-up ({args.copies} copies of BPlan001_5-1)\n")
    print("| server | layer | format | features | MB | median s | features/s | peak RSS MB | ratio |")
    print("|---|---|---|---:|---:|---:|---:|---:|---:|")
    for e in results.values():
        for s in servers:
            x = e[s]
            flag = "" if x["valid"] else f" (**invalid: {'; '.join(x['problems'])[:120]}**)"
            ratio = f"**{e['ratio_features_per_s']}x**" if s == "xplanserver" and "ratio_features_per_s" in e else ""
            print(f"| {names[s]} | {e['layer']} | {e['format']} | {x['features']} | {x['mb']} | {x['median_s']} | "
                  f"{x['features_per_s']}{flag} | {x['peak_rss_mb']} | {ratio} |")
    busy = [f"{k} {s} ({e[s]['disturbed_runs']} of {args.runs})" for k, e in results.items()
            for s in servers if e[s]["disturbed_runs"]]
    if busy:
        print(f"\nruns disturbed by other processes (over {BUSY_LIMIT} % CPU): {', '.join(busy)}: "
              "these figures are low")
    if len(servers) == 2:
        print("\nratio = XPlanServer features/s / MapServer features/s")
    print(f"\nresults: {wdir / 'results.json'}")
    if not all(e[s]["valid"] for e in results.values() for s in servers):
        sys.exit("some responses failed their checks (feature count, CRS, status): those figures are not valid")


if __name__ == "__main__":
    main()
