#!/usr/bin/env python3
"""Validation throughput, side by side in one run: `xplanserver validate`
(schema + the geometric checks implemented so far) against
`xmllint --noout --schema` (schema only) on the same files.

Reports the median wall time of --runs runs, MB/s, peak memory (maximum
resident set, /usr/bin/time) and the ratio of our time to xmllint's
(<= 1.0 means our full validation is at least as fast as its schema check).

Usage: benches/validate_vs_xmllint.py [--bin .../release/xplanserver] [--runs 5] [--copies 150]
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VERSIONS = {"4/1": "4_1", "5/0": "5_0", "5/1": "5_1", "5/2": "5_2", "5/3": "5_3", "5/4": "5_4", "6/0": "6_0"}


def timed(cmd, env=None, ok_codes=(0, 1)):
    with tempfile.NamedTemporaryFile("r") as tf:
        t0 = time.perf_counter()
        p = subprocess.run(["/usr/bin/time", "-f", "%M", "-o", tf.name] + cmd, capture_output=True, text=True, env=env)
        dt = time.perf_counter() - t0
        if p.returncode not in ok_codes:
            sys.exit(f"failed ({p.returncode}): {' '.join(cmd)}\n{p.stderr[-2000:]}")
        return dt, int(tf.read().strip().splitlines()[-1]) / 1024.0


def schema_for(path):
    head = path.read_bytes()[:4000].decode("utf-8", "replace")
    for ns, v in VERSIONS.items():
        if f"xplangml/{ns}" in head:
            return ROOT / "xsd" / f"XPlanGML_{v}" / "XPlanung-Operationen.xsd"
    sys.exit(f"no XPlanGML namespace in {path}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", default=str(Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target")) / "release" / "xplanserver"))
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--copies", type=int, default=150)
    ap.add_argument("--out", default=str(ROOT / "bench-out"))
    args = ap.parse_args()
    work = Path(args.out) / "validate"
    work.mkdir(parents=True, exist_ok=True)
    files = []
    for name in ["RROP_Landkreis_Test_51.zip", "FPlan.zip", "FNP_Test_60.zip", "BP2135.zip"]:
        dst = work / (Path(name).stem + ".gml")
        with zipfile.ZipFile(ROOT / "fixtures" / "plans" / name) as z:
            dst.write_bytes(z.read("xplan.gml"))
        files.append(dst)
    synthetic = work / "synthetic.gml"
    subprocess.run([args.bin, "synth", str(ROOT / "fixtures/plans/BPlan001_5-1.gml"), "--copies", str(args.copies),
                    "-o", str(synthetic)], check=True)
    files.append(synthetic)
    env = dict(os.environ, XML_CATALOG_FILES=str(ROOT / "xsd" / "ogc" / "catalog.xml"))
    rows = []
    for f in files:
        mb = f.stat().st_size / 1e6
        ours = [timed([args.bin, "validate", "--format", "json", str(f)]) for _ in range(args.runs)]
        lint = [timed(["xmllint", "--nonet", "--noout", "--schema", str(schema_for(f)), str(f)], env=env)
                for _ in range(args.runs)]
        t_o = statistics.median(x[0] for x in ours)
        t_l = statistics.median(x[0] for x in lint)
        rows.append({"file": f.name, "mb": round(mb, 1),
                     "xplanserver_s": round(t_o, 3), "xplanserver_mb_s": round(mb / t_o, 1),
                     "xplanserver_rss_mib": round(max(x[1] for x in ours), 1),
                     "xmllint_s": round(t_l, 3), "xmllint_mb_s": round(mb / t_l, 1),
                     "xmllint_rss_mib": round(max(x[1] for x in lint), 1),
                     "time_ratio": round(t_o / t_l, 2)})
        print(f"{f.name}: ours {t_o:.2f} s, xmllint {t_l:.2f} s", file=sys.stderr)
    (Path(args.out) / "validate.json").write_text(json.dumps(rows, indent=2))
    print("| file | MB | xplanserver s (MB/s, RSS MiB) | xmllint s (MB/s, RSS MiB) | time ratio |")
    print("|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['file']} | {r['mb']} | {r['xplanserver_s']} ({r['xplanserver_mb_s']}, {r['xplanserver_rss_mib']}) | "
              f"{r['xmllint_s']} ({r['xmllint_mb_s']}, {r['xmllint_rss_mib']}) | {r['time_ratio']} |")


if __name__ == "__main__":
    main()
