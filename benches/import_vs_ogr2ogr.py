#!/usr/bin/env python3
"""Import throughput, side by side in one run: `xplanserver import` against
`ogr2ogr -f PostgreSQL` (GDAL's GML driver) loading the same files into the
same PostGIS server.

Data sets:
  fixtures   all plans in fixtures/plans (24 files, 4.1 to 6.0)
  synthetic  BPlan001_5-1 tiled N times (fresh gml:ids, shifted coordinates),
             150 copies = 110 850 features in one 180 MB document

Each tool runs --runs times per set (median reported); features/s counts
the features each tool actually stored, MB/s the GML bytes read, peak memory
is the maximum resident set size of the process (/usr/bin/time).

Usage: benches/import_vs_ogr2ogr.py [--bin target/release/xplanserver]
       [--runs 3] [--copies 150] [--out bench-out]
"""

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run(cmd, **kw):
    return subprocess.run(cmd, check=True, text=True, capture_output=True, **kw)


def timed(cmd, env=None):
    """Runs cmd under /usr/bin/time; returns (seconds, peak RSS in MiB)."""
    with tempfile.NamedTemporaryFile("r") as tf:
        t0 = time.perf_counter()
        p = subprocess.run(["/usr/bin/time", "-f", "%M", "-o", tf.name] + cmd,
                           text=True, capture_output=True, env=env)
        dt = time.perf_counter() - t0
        if p.returncode != 0:
            sys.exit(f"command failed: {' '.join(cmd)}\n{p.stderr[-2000:]}")
        rss_kib = int(tf.read().strip().splitlines()[-1])
    return dt, rss_kib / 1024.0


def psql(url, sql):
    return run(["psql", "-At", url, "-c", sql]).stdout.strip()


def gml_files(workdir):
    """The fixture plans as plain GML files (ogr2ogr reads GML, not zips)."""
    out = []
    for p in sorted((ROOT / "fixtures" / "plans").iterdir()):
        dst = workdir / (p.stem + ".gml")
        if p.suffix == ".zip":
            with zipfile.ZipFile(p) as z:
                dst.write_bytes(z.read("xplan.gml"))
        else:
            shutil.copy(p, dst)
        out.append(dst)
    return out


def ogr_rows(url):
    tables = psql(url, "SELECT string_agg(quote_ident(table_name), ',') FROM information_schema.tables "
                       "WHERE table_schema = 'public' AND table_type = 'BASE TABLE' AND table_name <> 'spatial_ref_sys'")
    if not tables:
        return 0
    return sum(int(psql(url, f"SELECT count(*) FROM {t}")) for t in tables.split(","))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", default=str(Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target")) / "release" / "xplanserver"))
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--copies", type=int, default=150)
    ap.add_argument("--out", default=str(ROOT / "bench-out"))
    ap.add_argument("--port", type=int, default=55440)
    args = ap.parse_args()

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    work = out / "import"
    if work.exists():
        shutil.rmtree(work)
    work.mkdir()
    xs = args.bin
    data_dir = out / "pg"
    base = [xs, "--data-dir", str(data_dir)]
    env = dict(os.environ, XPLAN_DB_PORT=str(args.port), XPLAN_LOG="warn")
    env.pop("XPLAN_DATABASE_URL", None)
    # a fresh cluster for every benchmark run
    subprocess.run(base + ["db", "stop"], env=env, capture_output=True)
    if data_dir.exists():
        shutil.rmtree(data_dir)
    run(base + ["db", "start"], env=env)
    import atexit
    atexit.register(lambda: subprocess.run(base + ["db", "stop"], env=env, capture_output=True))
    admin = run(base + ["db", "url"], env=env).stdout.strip()
    admin_pg = admin.rsplit("/", 1)[0] + "/postgres"

    fixtures = gml_files(work)
    synthetic = work / "synthetic.gml"
    run([xs, "synth", str(ROOT / "fixtures/plans/BPlan001_5-1.gml"), "--copies", str(args.copies), "-o", str(synthetic)])
    sets = {"fixtures": fixtures, "synthetic": [synthetic]}

    results = {}
    for name, files in sets.items():
        size_mb = sum(f.stat().st_size for f in files) / 1e6
        ours, ogr = [], []
        for r in range(args.runs):
            for db in ("bench_ours", "bench_ogr"):
                psql(admin_pg, f"DROP DATABASE IF EXISTS {db}")
                psql(admin_pg, f"CREATE DATABASE {db}")
            ours_url = admin.rsplit("/", 1)[0] + "/bench_ours"
            ogr_url = admin.rsplit("/", 1)[0] + "/bench_ogr"
            psql(ogr_url, "CREATE EXTENSION postgis")
            # migrations outside the timed run, as a running server has them
            run([xs, "--database-url", ours_url, "list"], env=env)

            # each tool starts from a quiet server: the previous run's dirty
            # buffers are flushed by a checkpoint outside the timed runs
            psql(admin_pg, "CHECKPOINT")
            # ogr2ogr does not validate: compare loading only (validation has its own benchmark)
            dt, rss = timed([xs, "--database-url", ours_url, "import", "--quiet", "--skip-validation"] + [str(f) for f in files], env=env)
            n = int(psql(ours_url, "SELECT count(*) FROM features"))
            ours.append((dt, rss, n))

            # ogr2ogr: one process per file, as it takes one source each; the
            # GML driver's .gfs schema files are removed so each run is cold.
            for g in work.glob("*.gfs"):
                g.unlink()
            u = ogr_url.split("://", 1)[1]
            cred, hostdb = u.split("@")
            user, pw = cred.split(":")
            hostport, db = hostdb.split("/")
            host, port = hostport.split(":")
            pg = f"PG:host={host} port={port} dbname={db} user={user} password={pw}"
            psql(admin_pg, "CHECKPOINT")
            total, peak = 0.0, 0.0
            for f in files:
                # generic geometry columns and added fields, so that the
                # plans of all versions load into the same layers
                dt1, rss1 = timed(["ogr2ogr", "-f", "PostgreSQL", pg, str(f), "-append", "-addfields",
                                   "-nlt", "GEOMETRY", "--config", "PG_USE_COPY", "YES"])
                total += dt1
                peak = max(peak, rss1)
            ogr.append((total, peak, ogr_rows(ogr_url)))
            print(f"{name} run {r + 1}: xplanserver {ours[-1][0]:.2f} s, ogr2ogr {ogr[-1][0]:.2f} s", file=sys.stderr)

        def summary(rows):
            t = statistics.median(x[0] for x in rows)
            n = rows[-1][2]
            return {"seconds": round(t, 3), "features": n, "features_per_s": round(n / t),
                    "mb_per_s": round(size_mb / t, 1), "peak_rss_mib": round(max(x[1] for x in rows), 1)}

        results[name] = {"input_mb": round(size_mb, 1), "files": len(files), "runs": args.runs,
                         "xplanserver": summary(ours), "ogr2ogr": summary(ogr)}
        results[name]["ratio_features_per_s"] = round(
            results[name]["xplanserver"]["features_per_s"] / results[name]["ogr2ogr"]["features_per_s"], 1)

    (out / "import.json").write_text(json.dumps(results, indent=2))
    print("| set | input | tool | median s | features | features/s | MB/s | peak RSS MiB |")
    print("|---|---|---|---|---|---|---|---|")
    for name, r in results.items():
        for tool in ("xplanserver", "ogr2ogr"):
            s = r[tool]
            print(f"| {name} | {r['input_mb']} MB, {r['files']} files | {tool} | {s['seconds']} | {s['features']} | "
                  f"{s['features_per_s']} | {s['mb_per_s']} | {s['peak_rss_mib']} |")
        print(f"| {name} | | **ratio (features/s)** | | | **{r['ratio_features_per_s']}x** | | |")


if __name__ == "__main__":
    main()
