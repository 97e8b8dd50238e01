#!/usr/bin/env python3
"""Generate crates/perfaudit_scan/src/deps/dist_modules.tsv: which import names the most
downloaded PyPI distributions provide, read from their real wheels.

    python3 scripts/gen_dist_modules.py --list pypi.tsv --top 3000 [--jobs 4] [--batch 40] [--max-mb 60]
        [--cache results.jsonl]   (resumable: names already in the cache are not fetched again)

`--list` is a TSV whose header has `name` and `rank_among_15000_most_downloaded` columns (the
package list of the environment). For each of the `--top` best ranked names, `pip download
--no-deps --only-binary :all:` fetches one wheel each (batches of names per pip run) into a temporary directory (a file-size limit
bounds every download; the wheel is deleted as soon as it is read), and the modules are read
from the wheel's RECORD (file list), falling back to top_level.txt:

- a top-level `x.py` / `x.*.so` / `x/__init__.py` provides `x`;
- a top-level directory without `__init__.py` (a PEP 420 namespace such as `google/`) provides
  its deepest packages below it that have one (`google.cloud.storage`, `google.protobuf`).

Output (one line a distribution, sorted, `#` lines are comments):
    <PEP 503 normalised name> TAB <version> TAB <module>[,<module>...]
Modules are lower-case dotted names, sorted. Distributions that failed (no wheel, too large,
time-out) are listed in `# skipped:` comment lines with the reason.
"""
import argparse, concurrent.futures as cf, csv, json, os, re, resource, subprocess, sys, tempfile, zipfile

JUNK = {"tests", "test", "testing", "docs", "doc", "examples", "example", "benchmarks", "scripts", "__pycache__"}
IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def normalize(name):
    return re.sub(r"[-_.]+", "-", name).lower()


def modules_of(names):
    """Import names from the file list of a wheel."""
    files = [n for n in names if not n.endswith("/")]
    inits = set()
    for f in files:
        parts = f.split("/")
        if parts[-1] in ("__init__.py", "__init__.pyi") or re.match(r"__init__\..*\.(so|pyd)$", parts[-1]):
            inits.add("/".join(parts[:-1]))
    out = set()
    for f in files:
        parts = f.split("/")
        top = parts[0]
        if top.endswith((".dist-info", ".data", ".egg-info")) or top in JUNK:
            continue
        if len(parts) == 1:
            m = re.match(r"^([A-Za-z_][A-Za-z0-9_]*)(\.py|\.pyi|\..*\.(so|pyd)|\.so|\.pyd)$", top)
            if m:
                out.add(m.group(1))
            continue
        if not f.endswith((".py", ".pyi", ".so", ".pyd")):
            continue
        # The shortest prefix that is a regular package; namespace dirs are descended.
        for i in range(1, len(parts)):
            prefix = parts[:i]
            if not all(IDENT.match(p) for p in prefix):
                break
            if "/".join(prefix) in inits:
                out.add(".".join(prefix))
                break
        else:
            # A module file directly inside namespace dirs (`ns/mod.py`).
            stem = parts[-1].split(".")[0]
            dirs = parts[:-1]
            if all(IDENT.match(p) for p in dirs) and IDENT.match(stem):
                out.add(".".join(dirs + [stem]))
    # Keep the minimal set: drop names covered by a shorter one.
    out = sorted(m.lower() for m in out)
    minimal = []
    for m in out:
        if not any(m.startswith(k + ".") for k in minimal):
            minimal.append(m)
    return minimal


def limit_size(max_bytes):
    def f():
        resource.setrlimit(resource.RLIMIT_FSIZE, (max_bytes, max_bytes))
    return f


def read_wheel(whl):
    """(version, modules) of a wheel file."""
    version = os.path.basename(whl).split("-")[1]
    with zipfile.ZipFile(whl) as z:
        names = z.namelist()
        mods = modules_of(names)
        if not mods:
            tl = [n for n in names if n.endswith(".dist-info/top_level.txt")]
            if tl:
                mods = sorted({l.strip().replace("/", ".").lower()
                               for l in z.read(tl[0]).decode("utf-8", "replace").splitlines()
                               if l.strip() and IDENT.match(l.strip().split("/")[0])})
    return version, mods


def batch(pip, names, max_mb, timeout):
    """Download the wheels of `names` with one pip process (pip's start-up dominates a
    download on a busy machine); a name pip cannot serve, or whose wheel is over the size
    limit, is dropped and the rest retried. Yields (name, (version, modules) | None, why)."""
    remaining = list(names)
    while remaining:
        with tempfile.TemporaryDirectory(prefix="distmod-") as d:
            try:
                r = subprocess.run(
                    [pip, "download", "--no-deps", "--only-binary", ":all:",
                     "--disable-pip-version-check", "--progress-bar", "off", "-d", d, *remaining],
                    stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=timeout,
                    preexec_fn=limit_size(max_mb << 20))
                out = r.stdout.decode("utf-8", "replace")
                rc = r.returncode
            except subprocess.TimeoutExpired as e:
                out = (e.stdout or b"").decode("utf-8", "replace")
                rc = "time-out"
            got = {}
            for f in os.listdir(d):
                if f.endswith(".whl"):
                    try:
                        got[normalize(f.split("-")[0])] = read_wheel(os.path.join(d, f))
                    except (zipfile.BadZipFile, OSError):
                        pass
        for n in remaining:
            if normalize(n) in got:
                yield n, got[normalize(n)], None
        left = [n for n in remaining if normalize(n) not in got]
        if rc == 0 or not left:
            for n in left:
                yield n, None, "no wheel"
            return
        # Who failed: the requirement pip names, else the last one it was working on.
        culprit, why = None, "no wheel"
        m = re.search(r"(?:satisfies the requirement|No matching distribution found for) ([A-Za-z0-9._-]+)", out)
        if m:
            culprit = m.group(1)
        else:
            last = re.findall(r"(?:Collecting|Downloading) ([A-Za-z0-9._-]+)", out)
            if last:
                culprit = last[-1]
                why = "time-out" if rc == "time-out" else f"over {max_mb} MB or failed"
        hit = [n for n in left if culprit and (normalize(n) == normalize(culprit)
                                               or normalize(culprit).startswith(normalize(n) + "-"))]
        if not hit:
            hit = left[:1]
        for n in hit:
            yield n, None, why
        remaining = [n for n in left if n not in hit]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--list", required=True)
    ap.add_argument("--top", type=int, default=3000)
    ap.add_argument("--jobs", type=int, default=4)
    ap.add_argument("--max-mb", type=int, default=60)
    ap.add_argument("--timeout", type=int, default=900, help="seconds for one pip run")
    ap.add_argument("--batch", type=int, default=40, help="names per pip run")
    ap.add_argument("--cache", help="JSON lines of results already read (resume a run)")
    ap.add_argument("--pip", default=os.path.join(os.path.dirname(sys.executable), "pip"))
    ap.add_argument("--out", default=os.path.join(os.path.dirname(__file__), "..", "crates",
                                                  "perfaudit_scan", "src", "deps", "dist_modules.tsv"))
    a = ap.parse_args()
    ranked = []
    with open(a.list, newline="") as f:
        for row in csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE):
            r = row.get("rank_among_15000_most_downloaded") or ""
            if r.strip().isdigit() and int(r) > 0:
                ranked.append((int(r), row["name"]))
    ranked.sort()
    names = [n for _, n in ranked[: a.top]]
    done, skipped = {}, {}
    cached = {}
    if a.cache and os.path.exists(a.cache):
        with open(a.cache) as f:
            for line in f:
                d = json.loads(line)
                if d["why"] != "time-out":
                    cached[d["name"]] = d
    cache = open(a.cache, "a") if a.cache else None

    def record(name, res, why):
        if cache:
            cache.write(json.dumps({"name": name, "res": res, "why": why}) + "\n")
            cache.flush()

    todo = [n for n in names if n not in cached]
    wanted = set(names)
    results = [(d["name"], d["res"], d["why"]) for n, d in cached.items() if n in wanted]
    import threading
    lock = threading.Lock()

    def work(chunk):
        for r in batch(a.pip, chunk, a.max_mb, a.timeout):
            with lock:
                record(*r)
                results.append(r)
                if len(results) % 100 == 0:
                    print(f"{len(results)}/{len(names)}", file=sys.stderr, flush=True)

    chunks = [todo[i:i + a.batch] for i in range(0, len(todo), a.batch)]
    with cf.ThreadPoolExecutor(a.jobs) as ex:
        for fu in [ex.submit(work, c) for c in chunks]:
            fu.result()
    for name, res, why in results:
        if res is None:
            skipped[normalize(name)] = why
        elif res[1]:
            done[normalize(name)] = tuple(res)
        else:
            skipped[normalize(name)] = "no importable module"
    with open(a.out, "w") as f:
        f.write("# Generated by scripts/gen_dist_modules.py from the wheels of the "
                f"{len(names)} most downloaded PyPI distributions ({len(done)} read). Do not edit.\n")
        f.write("# <normalised distribution>\t<version>\t<modules, comma-separated>\n")
        for n in sorted(done):
            v, mods = done[n]
            f.write(f"{n}\t{v}\t{','.join(mods)}\n")
        for n in sorted(skipped):
            f.write(f"# skipped: {n}\t{skipped[n]}\n")


if __name__ == "__main__":
    main()
