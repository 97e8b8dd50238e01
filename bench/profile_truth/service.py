"""A pre-forked stdlib HTTP service whose handler spends known CPU shares in known functions.

GET /work runs spin_a, spin_b and spin_c with iteration counts 6:3:1 (the same loop body), so
by design 60/30/10 of the spin time. The real shares of all the workers' CPU (HTTP handling
included) are measured in-process (time.thread_time around each call, summed in shared memory)
and served by GET /stats with the workers' CPU time (from /proc), so a benchmark can compare a
profile with the truth over the same window.

Usage: python3 service.py PORTFILE [WORKERS] [UNITS]   (binds 127.0.0.1:0, writes the port)
"""
import http.server
import json
import multiprocessing
import os
import signal
import socket
import socketserver
import sys
import time

UNITS = int(sys.argv[3]) if len(sys.argv) > 3 else 4000
# Shared counters: thread CPU seconds spent in each function, requests.
SPENT = multiprocessing.Array("d", 3, lock=True)
REQUESTS = multiprocessing.Value("q", 0, lock=True)
WORKERS = []


def spin_a(n):
    x = 0
    for i in range(n):
        x += i * i
    return x


def spin_b(n):
    x = 0
    for i in range(n):
        x += i * i
    return x


def spin_c(n):
    x = 0
    for i in range(n):
        x += i * i
    return x


def timed(k, fn, n):
    t0 = time.thread_time()
    fn(n)
    dt = time.thread_time() - t0
    with SPENT.get_lock():
        SPENT[k] += dt


def cpu_of(pid):
    with open(f"/proc/{pid}/stat") as f:
        parts = f.read().rsplit(")", 1)[1].split()
    return (int(parts[11]) + int(parts[12])) / os.sysconf("SC_CLK_TCK")


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def do_GET(self):
        if self.path == "/work":
            timed(0, spin_a, 6 * UNITS)
            timed(1, spin_b, 3 * UNITS)
            timed(2, spin_c, 1 * UNITS)
            with REQUESTS.get_lock():
                REQUESTS.value += 1
            body = b"ok\n"
        elif self.path == "/stats":
            with open(sys.argv[1] + ".workers") as f:
                pids = [int(p) for p in f.read().split(",") if p]
            body = json.dumps(
                {
                    "spent_s": list(SPENT[:]),
                    "requests": REQUESTS.value,
                    "workers_cpu_s": sum(cpu_of(p) for p in pids),
                    "workers": pids,
                }
            ).encode()
        else:
            body = b"ready\n"
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def serve(sock):
    signal.signal(signal.SIGTERM, lambda *a: os._exit(0))
    srv = socketserver.TCPServer(("127.0.0.1", 0), Handler, bind_and_activate=False)
    srv.socket.close()
    srv.socket = sock
    srv.serve_forever()


def main():
    portfile = sys.argv[1]
    workers = int(sys.argv[2]) if len(sys.argv) > 2 else 4
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    sock.listen(256)
    pids = []
    for _ in range(workers):
        pid = os.fork()
        if pid == 0:
            serve(sock)
            os._exit(0)
        pids.append(pid)
    # The workers' pids, for /stats (a worker cannot know its siblings otherwise).
    with open(portfile + ".workers", "w") as f:
        f.write(",".join(map(str, pids)))

    def stop(*_):
        for p in pids:
            try:
                os.kill(p, signal.SIGTERM)
            except ProcessLookupError:
                pass
        os._exit(0)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    with open(portfile + ".tmp", "w") as f:
        f.write(str(sock.getsockname()[1]))
    os.rename(portfile + ".tmp", portfile)
    while True:
        try:
            os.wait()
        except ChildProcessError:
            break


if __name__ == "__main__":
    main()
