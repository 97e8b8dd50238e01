#!/usr/bin/env python3
"""Write the tree of COMMIT (optionally only SUBDIR) from GIT_DIR into DEST.

Blobs missing from the mirror (the fetch tool leaves out files of 4 MiB and more) are skipped
and counted; symlinks and submodules are skipped. Usage: extract_tree.py GIT_DIR COMMIT SUBDIR DEST
"""
import os
import subprocess
import sys

git, commit, subdir, dest = sys.argv[1:5]
spec = [commit] if subdir == "." else [commit, "--", subdir]
tree = subprocess.run(["git", "--git-dir", git, "ls-tree", "-r", "-z", *spec],
                      check=True, capture_output=True).stdout
entries = []
for rec in tree.split(b"\0"):
    if not rec:
        continue
    meta, path = rec.split(b"\t", 1)
    mode, kind, sha = meta.split()
    if kind != b"blob" or mode == b"120000":
        continue
    entries.append((sha.decode(), path.decode("utf-8", "surrogateescape")))
cat = subprocess.Popen(["git", "--git-dir", git, "cat-file", "--batch"],
                       stdin=subprocess.PIPE, stdout=subprocess.PIPE)
missing = 0
strip = "" if subdir == "." else subdir.rstrip("/") + "/"
for sha, path in entries:
    cat.stdin.write(sha.encode() + b"\n")
    cat.stdin.flush()
    header = cat.stdout.readline().split()
    if len(header) < 3 or header[1] == b"missing":
        missing += 1
        continue
    size = int(header[2])
    data = cat.stdout.read(size)
    cat.stdout.read(1)
    rel = path[len(strip):] if strip and path.startswith(strip) else path
    out = os.path.join(dest, rel)
    os.makedirs(os.path.dirname(out), exist_ok=True)
    with open(out, "wb") as f:
        f.write(data)
cat.stdin.close()
cat.wait()
print(f"{len(entries) - missing} files, {missing} missing from the mirror", file=sys.stderr)
