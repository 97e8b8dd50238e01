#!/usr/bin/env python3
"""Per-rule precision of perfaudit's performance rules (PA1xx-PA4xx) against judged findings.

Reads the scan JSON of every corpus (OUT/<set>/<name>.json, written by run.sh) and the
judgements in bench/precision/<name>.tsv (columns: corpus, commit, code, path:line, verdict,
reason; verdict one of real, defensible, minor, false). Prints, per set, per rule:
findings, judged, real, defensible, minor, false, precision = (real + defensible) /
(real + defensible + false); then the findings not yet judged, and judged findings the scan no
longer reports ("gone"), so a lost real finding is seen.

Usage: precision.py OUT [--set tuning|heldout|all] [--unjudged] [--gone] [--default-only]
"""
import argparse
import collections
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
VERDICTS = ("real", "defensible", "minor", "false")


def corpora():
    rows = []
    with open(os.path.join(HERE, "corpora.tsv")) as f:
        for line in f:
            if line.startswith("#") or not line.strip():
                continue
            s, name, repo, commit, subdir, fw = line.rstrip("\n").split("\t")
            rows.append((s, name, repo, commit))
    return rows


def judgements(name, commit):
    path = os.path.join(HERE, f"{name}.tsv")
    out = {}
    if not os.path.exists(path):
        return out
    with open(path) as f:
        for n, line in enumerate(f, 1):
            if line.startswith("#") or not line.strip():
                continue
            cols = line.rstrip("\n").split("\t")
            if len(cols) < 6:
                sys.exit(f"error: {path}:{n}: expected 6 tab-separated columns, got {len(cols)}")
            corpus, c, code, loc, verdict, reason = cols[:6]
            if verdict not in VERDICTS:
                sys.exit(f"error: {path}:{n}: verdict {verdict!r} is not one of {VERDICTS}")
            if c != commit:
                sys.exit(f"error: {path}:{n}: commit {c} is not the pinned {commit}")
            out[(code, loc)] = (verdict, reason)
    return out


def perf(code):
    return code[:3] in ("PA1", "PA2", "PA3", "PA4")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--set", default="all")
    ap.add_argument("--unjudged", action="store_true", help="list every unjudged finding")
    ap.add_argument("--gone", action="store_true", help="list judged findings no longer reported")
    args = ap.parse_args()
    sets = collections.OrderedDict()
    missing_runs = []
    for s, name, repo, commit in corpora():
        if args.set not in ("all", s):
            continue
        path = os.path.join(args.out, s, f"{name}.json")
        if not os.path.exists(path):
            missing_runs.append(path)
            continue
        with open(path) as f:
            doc = json.load(f)
        judged = judgements(name, commit)
        found = collections.Counter()
        findings = []
        for fd in doc["findings"]:
            if not perf(fd["code"]):
                continue
            key = (fd["code"], f'{fd["path"]}:{fd["line"]}')
            found[key] += 1
            if found[key] == 1:
                findings.append((key, fd))
        sets.setdefault(s, []).append((name, commit, findings, judged))
    if missing_runs:
        sys.exit("error: no scan output for: " + ", ".join(missing_runs) + " (run run.sh first)")
    bad = False
    for s, rows in sets.items():
        per = collections.defaultdict(collections.Counter)
        unjudged = []
        gone = []
        for name, commit, findings, judged in rows:
            keys = set()
            for key, fd in findings:
                keys.add(key)
                c = per[fd["code"]]
                c["findings"] += 1
                if key in judged:
                    c["judged"] += 1
                    c[judged[key][0]] += 1
                else:
                    unjudged.append((name, key, fd))
            for key, (verdict, reason) in judged.items():
                if key not in keys:
                    gone.append((name, key, verdict, reason))
        print(f"== {s}: {', '.join(r[0] for r in rows)}")
        print(f"{'rule':<7}{'found':>7}{'judged':>8}{'real':>6}{'def':>5}{'minor':>7}{'false':>7}  precision")
        tot = collections.Counter()
        for code in sorted(per):
            c = per[code]
            tot.update(c)
            print(f"{code:<7}{c['findings']:>7}{c['judged']:>8}{c['real']:>6}{c['defensible']:>5}"
                  f"{c['minor']:>7}{c['false']:>7}  {fmt(c)}")
        print(f"{'all':<7}{tot['findings']:>7}{tot['judged']:>8}{tot['real']:>6}{tot['defensible']:>5}"
              f"{tot['minor']:>7}{tot['false']:>7}  {fmt(tot)}")
        print(f"not judged: {len(unjudged)}; judged but no longer reported: {len(gone)} "
              f"(of them real or defensible: {sum(1 for g in gone if g[2] in ('real', 'defensible'))})")
        if args.unjudged:
            for name, (code, loc), fd in unjudged:
                print(f"UNJUDGED\t{name}\t{code}\t{loc}\t{fd.get('context', '')}\t{fd['message']}")
        if args.gone:
            for name, (code, loc), verdict, reason in gone:
                print(f"GONE\t{name}\t{code}\t{loc}\t{verdict}\t{reason}")
        if unjudged:
            bad = True
        print()
    return 1 if bad else 0


def fmt(c):
    den = c["real"] + c["defensible"] + c["false"]
    if den == 0:
        return "n/a"
    return f"{100.0 * (c['real'] + c['defensible']) / den:.1f}% ({c['real'] + c['defensible']}/{den})"


if __name__ == "__main__":
    sys.exit(main())
