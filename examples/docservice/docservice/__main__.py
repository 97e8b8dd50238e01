"""`python3 -m docservice [--port N] [--host 127.0.0.1]`: seed the database, then serve."""

import argparse
import os
import signal
import sys

from . import db
from .app import app, before_request, start_background_refresh
from .web import serve


def main(argv=None):
    parser = argparse.ArgumentParser(prog="docservice")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "0")))
    parser.add_argument("--documents", type=int, default=400)
    args = parser.parse_args(argv)

    db.seed(args.documents)
    start_background_refresh()
    server = serve(app, args.host, args.port, before_request)

    def stop(signum, frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)
    host, port = server.server_address[:2]
    print("docservice listening on http://%s:%d" % (host, port), flush=True)
    try:
        server.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
        if not os.environ.get("DOCSERVICE_DB"):
            for suffix in ("", "-wal", "-shm", "-journal"):
                try:
                    os.remove(db.DB_PATH + suffix)
                except OSError:
                    pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
