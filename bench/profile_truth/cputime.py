"""Run a command; print its own user+system CPU seconds and wall seconds to FILE.
Usage: cputime.py FILE CMD ARGS..."""
import resource
import subprocess
import sys
import time

t0 = time.monotonic()
code = subprocess.call(sys.argv[2:])
wall = time.monotonic() - t0
ru = resource.getrusage(resource.RUSAGE_CHILDREN)
with open(sys.argv[1], "w") as f:
    f.write(f"{ru.ru_utime + ru.ru_stime:.3f} {wall:.3f} {ru.ru_maxrss}\n")
sys.exit(code)
