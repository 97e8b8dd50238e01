#!/usr/bin/env python3
"""Compare perfaudit PA504-PA506 with deptry DEP001-DEP005 on one project.

    compare.py NAME MODE PERFAUDIT.json DEPTRY.json VERDICTS.tsv

Findings are compared per (class, name): `undeclared` (PA504 / DEP001, DEP003: the top-level
module), `unused` (PA505 / DEP002: the PEP 503 distribution name), `misplaced` (PA506 on an
import / DEP004: the top-level module), `stdlib` (PA506 on a declaration / DEP005). A key both
tools report is agreed; the others are disagreements, looked up in VERDICTS.tsv:

    project  mode  class  name  verdict  reason

`verdict` is `perfaudit` (perfaudit is right: its finding is true, or deptry's is false) or
`deptry` (deptry is right). `mode` is `novenv`, `venv` or `*` (both). Prints one TSV row:
name mode pa_sites pa_keys dt_keys agreed only_pa only_dt pa_wrong_sites pa_wrong_keys
dt_wrong_keys unclassified; with SHOW=1 the unclassified keys follow as `?` lines.
"""
import json, os, re, sys

name, mode, pa_path, dt_path, verdicts_path = sys.argv[1:6]


def norm(n):
    return re.sub(r"[-_.]+", "-", n).lower()


pa = {}  # key -> sites
doc = json.load(open(pa_path))
for f in doc.get("findings", []):
    code = f["code"]
    msg = f["message"]
    mod = re.match(r"`([^`]*)`", msg).group(1)
    if code == "PA504":
        key = ("undeclared", mod.split(".")[0].lower())
    elif code == "PA505":
        key = ("unused", norm(f.get("symbol") or mod))
    elif code == "PA506":
        if "standard library" in msg:
            key = ("stdlib", norm(f.get("symbol") or mod))
        else:
            key = ("misplaced", mod.split(".")[0].lower())
    else:
        continue
    pa[key] = pa.get(key, 0) + 1

dt = {}
for e in json.load(open(dt_path)):
    code = e["error"]["code"]
    mod = e["module"]
    cls = {"DEP001": "undeclared", "DEP003": "undeclared", "DEP002": "unused",
           "DEP004": "misplaced", "DEP005": "stdlib"}.get(code)
    if not cls:
        continue
    key = (cls, norm(mod) if cls in ("unused", "stdlib") else mod.split(".")[0].lower())
    dt[key] = dt.get(key, 0) + 1

verdicts = {}
if os.path.exists(verdicts_path):
    for line in open(verdicts_path):
        if line.startswith("#") or not line.strip():
            continue
        cols = line.rstrip("\n").split("\t")
        if len(cols) < 5:
            continue
        p, m, c, n, v = cols[:5]
        if p == name and m in (mode, "*"):
            verdicts[(c, n)] = v

agreed = set(pa) & set(dt)
only_pa = sorted(set(pa) - set(dt))
only_dt = sorted(set(dt) - set(pa))
pa_wrong_keys = [k for k in only_pa if verdicts.get(k) == "deptry"]
pa_wrong_sites = sum(pa[k] for k in pa_wrong_keys)
dt_wrong_keys = [k for k in only_dt if verdicts.get(k) == "perfaudit"]
# perfaudit misses (deptry right on its own finding) are perfaudit's false negatives.
unclassified = [k for k in only_pa + only_dt if k not in verdicts]
print("\t".join(map(str, [name, mode, sum(pa.values()), len(pa), len(dt), len(agreed),
                          len(only_pa), len(only_dt), pa_wrong_sites, len(pa_wrong_keys),
                          len(dt_wrong_keys), len(unclassified)])))
if os.environ.get("SHOW"):
    for k in unclassified:
        who = "perfaudit" if k in pa else "deptry"
        print(f"?\t{name}\t{mode}\t{k[0]}\t{k[1]}\t{who}\t{pa.get(k, dt.get(k))}")
