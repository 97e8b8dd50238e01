"""Compare perfaudit's profile and py-spy's (collapsed, --format raw) with the truth measured
inside the service. Usage: analyze.py OURS.json PYSPY.txt STATS0.json STATS1.json"""
import json
import sys

ours = json.load(open(sys.argv[1]))
raw = open(sys.argv[2]).read().splitlines()
s0 = json.load(open(sys.argv[3]))
s1 = json.load(open(sys.argv[4]))
names = ["spin_a", "spin_b", "spin_c"]
design = {"spin_a": 60.0, "spin_b": 30.0, "spin_c": 10.0}

cpu = s1["workers_cpu_s"] - s0["workers_cpu_s"]
spent = [b - a for a, b in zip(s0["spent_s"], s1["spent_s"])]
truth = {n: 100.0 * spent[i] / cpu for i, n in enumerate(names)}

ours_share = {n: 0.0 for n in names}
for f in ours["functions"]:
    if f["name"] in names and f["file"].endswith("service.py"):
        ours_share[f["name"]] += 100.0 * f["self_share"]

total = 0
spy = {n: 0 for n in names}
for line in raw:
    stack, _, n = line.rpartition(" ")
    if not n.isdigit():
        continue
    n = int(n)
    total += n
    leaf = stack.split(";")[-1]
    fn = leaf.split(" (")[0]
    if fn in spy and "service.py" in leaf:
        spy[fn] += n
spy_share = {n: 100.0 * spy[n] / max(total, 1) for n in names}

def norm(d):
    s = sum(d[n] for n in names) or 1.0
    return {n: 100.0 * d[n] / s for n in names}

print(f"window: {cpu:.1f} CPU-s of the workers, {s1['requests'] - s0['requests']} requests; "
      f"perfaudit {ours['samples']} samples, py-spy {total} samples")
print(f"{'function':8} {'truth':>7} {'perfaudit':>10} {'py-spy':>7} {'|pa-truth|':>11} {'|pa-pyspy|':>11}"
      f"   normalized: {'design':>6} {'truth':>6} {'pa':>6} {'py-spy':>6}")
worst_truth = worst_spy = 0.0
nt, no, ns = norm(truth), norm(ours_share), norm(spy_share)
for n in names:
    dt = abs(ours_share[n] - truth[n])
    ds = abs(ours_share[n] - spy_share[n])
    worst_truth = max(worst_truth, dt)
    worst_spy = max(worst_spy, ds)
    print(f"{n:8} {truth[n]:6.1f}% {ours_share[n]:9.1f}% {spy_share[n]:6.1f}% {dt:9.1f}pp {ds:9.1f}pp"
          f"               {design[n]:5.1f}% {nt[n]:5.1f}% {no[n]:5.1f}% {ns[n]:5.1f}%")
cal = max(abs(nt[n] - design[n]) for n in names)
print(f"calibration: the truth's 60/30/10 split is off the design by at most {cal:.1f}pp")
ok = worst_truth <= 3.0 and worst_spy <= 3.0
print(f"RESULT accuracy: max |perfaudit - truth| = {worst_truth:.1f}pp, "
      f"max |perfaudit - py-spy| = {worst_spy:.1f}pp (limit 3pp): {'PASS' if ok else 'FAIL'}")
sys.exit(0 if ok else 1)
