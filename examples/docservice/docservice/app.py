"""The routes of docservice. Each handler is small; several are slow for real reasons."""

import time

_import_started = time.perf_counter()

import asyncio  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import sqlite3  # noqa: E402
import threading  # noqa: E402

from . import db  # noqa: E402
from .text import keywords, score, summarize  # noqa: E402
from .web import App  # noqa: E402

# DOCSERVICE_SLOWDOWN=0.25 makes every request and this module's import 25% slower (a delay of
# a quarter of the time each took): the regression benchmark's deliberate change.
SLOWDOWN = float(os.environ.get("DOCSERVICE_SLOWDOWN", "0") or 0)

app = App(SLOWDOWN)

# Summaries are expensive, so they are cached ... forever, one entry per document and length.
_summary_cache = {}

_stats = {"requests": 0}


def get_db():
    # A new connection for every request.
    return sqlite3.connect(db.DB_PATH)


@app.get("/health")
def health(request):
    return 200, {"status": "ok"}


@app.get("/documents")
def list_documents(request):
    conn = get_db()
    try:
        rows = conn.execute("SELECT * FROM documents ORDER BY id").fetchall()
        out = []
        for row in rows:
            # One query per document for its tags and one for its author.
            tags = conn.execute("SELECT name FROM tags WHERE doc_id = ?", (row[0],)).fetchall()
            author = conn.execute("SELECT name FROM authors WHERE id = ?", (row[2],)).fetchone()
            out.append(
                {
                    "id": row[0],
                    "title": row[1],
                    "author": author[0] if author else None,
                    "tags": [t[0] for t in tags],
                    "created_at": row[4],
                }
            )
        return 200, {"documents": out, "count": len(out)}
    finally:
        conn.close()


@app.get("/documents/{doc_id}")
def get_document(request):
    conn = get_db()
    try:
        row = conn.execute(
            "SELECT * FROM documents WHERE id = ?", (int(request.params["doc_id"]),)
        ).fetchone()
    finally:
        conn.close()
    if row is None:
        return 404, {"error": "no such document"}
    sentences = int(request.arg("sentences", "3"))
    key = (row[0], sentences)
    if key not in _summary_cache:
        _summary_cache[key] = summarize(row[3], sentences)
    return 200, {
        "id": row[0],
        "title": row[1],
        "summary": _summary_cache[key],
        "keywords": keywords(row[3]),
        "words": len(row[3].split()),
    }


@app.get("/search")
def search(request):
    query = request.arg("q", "")
    conn = get_db()
    try:
        # A full scan with LIKE on an unindexed text column, then scoring in Python.
        rows = conn.execute(
            "SELECT id, title, body FROM documents WHERE body LIKE ?", ("%" + query + "%",)
        ).fetchall()
    finally:
        conn.close()
    ranked = sorted(((score(r[2], query), r[0], r[1]) for r in rows), reverse=True)
    return 200, {"query": query, "hits": [{"id": i, "title": t, "score": s} for s, i, t in ranked[:20]]}


@app.post("/documents/import")
def import_document(request):
    url = json.loads(request.body or b"{}").get("url", "")
    try:  # optional: the service runs with the stdlib alone
        import requests
    except ImportError:
        return 501, {"error": "the requests package is not installed"}
    response = requests.get(url)  # no timeout: a slow remote host hangs this worker
    conn = get_db()
    try:
        cur = conn.execute(
            "INSERT INTO documents(title, author_id, body, created_at) VALUES (?, 1, ?, date('now'))",
            (url, response.text),
        )
        conn.commit()
        return 201, {"id": cur.lastrowid}
    finally:
        conn.close()


@app.get("/stats")
def stats(request):
    return 200, {"requests": _stats["requests"]}


@app.get("/authors")
def list_authors(request):
    conn = get_db()
    authors = conn.execute("SELECT id, name, email FROM authors ORDER BY name").fetchall()
    return 200, authors


async def refresh_stats_forever(interval):
    while True:
        _stats["refreshed_at"] = time.time()
        time.sleep(interval)  # blocks the event loop
        await asyncio.sleep(0)


def start_background_refresh(interval=1.0):
    loop = asyncio.new_event_loop()
    thread = threading.Thread(
        target=loop.run_until_complete, args=(refresh_stats_forever(interval),), daemon=True
    )
    thread.start()
    return thread


def before_request():
    _stats["requests"] += 1
    delay_ms = float(os.environ.get("DOCSERVICE_DELAY_MS", "0") or 0)
    if delay_ms > 0:
        time.sleep(delay_ms / 1000.0)


if SLOWDOWN > 0:
    time.sleep(SLOWDOWN * (time.perf_counter() - _import_started))
