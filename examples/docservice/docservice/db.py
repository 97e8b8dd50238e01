"""SQLite storage of documents, authors and tags, seeded with a deterministic corpus."""

import os
import random
import sqlite3
import tempfile

DB_PATH = os.environ.get("DOCSERVICE_DB") or os.path.join(
    tempfile.gettempdir(), "docservice-%d.sqlite3" % os.getpid()
)

WORDS = (
    "latency throughput request response cache index query database connection pool "
    "thread worker event loop async await socket buffer payload document summary keyword "
    "search ranking token parser render template queue retry timeout backoff replica shard "
    "memory allocation garbage collector profile trace span metric alert budget service "
    "deploy rollout canary regression baseline percentile histogram sample benchmark"
).split()

SCHEMA = """
CREATE TABLE IF NOT EXISTS authors (id INTEGER PRIMARY KEY, name TEXT NOT NULL, email TEXT);
CREATE TABLE IF NOT EXISTS documents (
    id INTEGER PRIMARY KEY,
    title TEXT NOT NULL,
    author_id INTEGER NOT NULL REFERENCES authors(id),
    body TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS tags (doc_id INTEGER NOT NULL, name TEXT NOT NULL);
"""


def connect():
    return sqlite3.connect(DB_PATH)


def seed(documents=400, seed_value=7):
    """Create the schema and a deterministic corpus (idempotent)."""
    rng = random.Random(seed_value)
    conn = connect()
    try:
        conn.executescript(SCHEMA)
        have = conn.execute("SELECT count(*) FROM documents").fetchone()[0]
        if have >= documents:
            return have
        conn.executemany(
            "INSERT OR REPLACE INTO authors(id, name, email) VALUES (?, ?, ?)",
            [(i, "Author %d" % i, "author%d@example.invalid" % i) for i in range(1, 41)],
        )
        rows = []
        tags = []
        for doc_id in range(1, documents + 1):
            words = [rng.choice(WORDS) for _ in range(rng.randint(250, 600))]
            title = " ".join(words[:4]).title()
            rows.append((doc_id, title, rng.randint(1, 40), " ".join(words), "2026-01-%02d" % (doc_id % 28 + 1)))
            for tag in rng.sample(WORDS, 3):
                tags.append((doc_id, tag))
        conn.executemany(
            "INSERT OR REPLACE INTO documents(id, title, author_id, body, created_at) VALUES (?, ?, ?, ?, ?)",
            rows,
        )
        conn.executemany("INSERT INTO tags(doc_id, name) VALUES (?, ?)", tags)
        conn.commit()
        return documents
    finally:
        conn.close()
