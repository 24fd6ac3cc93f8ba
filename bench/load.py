"""HTTP load for the benchmarks: `jiceng serve` on loopback in its own processes, driven from
another process by N keep-alive clients; and the CPU seconds the server, PostgreSQL and the
driver spend (Linux /proc). Used by bench/requests.py (intake) and bench/village.py (the board)."""

import argparse
import http.client
import json
import os
import random
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def arguments(parser, seconds, clients, what):
    """The load's arguments: --seconds, --clients, --workers, --threads, and the driver's hidden ones."""
    parser.add_argument("--seconds", type=float, default=seconds, help="seconds of load per concurrency level")
    parser.add_argument("--clients", default=clients, help=f"concurrency levels of the {what} load")
    parser.add_argument("--workers", type=int, default=2, help="server processes (jiceng serve --workers)")
    parser.add_argument("--threads", type=int, default=8, help="threads per server process")
    parser.add_argument("--drive", help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)


# == the driver: a separate process ==========================================================

def drive(port, clients, seconds, seed, next_request):
    """Send `next_request(rng, client_no, i)` → (method, path, body, headers) from `clients`
    threads for `seconds`, each thread on its own keep-alive connection (a new one after an
    error, counted as status 0). Returns {"elapsed", "samples": [(seconds, status)], "cpu"}."""
    rng = random.Random(seed)
    deadline = time.perf_counter() + seconds
    results, lock = [], threading.Lock()

    def client(n):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        mine, i = [], 0
        local = random.Random(rng.random())
        while time.perf_counter() < deadline:
            method, path, body, headers = next_request(local, n, i)
            i += 1
            t0 = time.perf_counter()
            try:
                conn.request(method, path, body, headers)
                response = conn.getresponse()
                response.read()
                status = response.status
            except (OSError, http.client.HTTPException):
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
                status = 0
            mine.append((time.perf_counter() - t0, status))
        conn.close()
        with lock:
            results.extend(mine)

    started = time.perf_counter()
    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - started
    usage = os.times()
    return {"elapsed": elapsed, "samples": results, "cpu": usage.user + usage.system}


def drive_spec(args, requests_of):
    """The driver process's body (`script --drive SPEC --out OUT`): read the spec, drive with
    `requests_of(spec)` as next_request, write the result."""
    with open(args.drive) as f:
        spec = json.load(f)
    result = drive(spec["port"], spec["clients"], spec["seconds"], spec["seed"], requests_of(spec))
    with open(args.out, "w") as f:
        json.dump(result, f)


def run_driver(script, spec):
    """Run `script --drive SPEC --out OUT` (a process of its own, so the clients' CPU is not the
    server's) and return what it wrote."""
    fd, spec_path = tempfile.mkstemp(suffix=".json", prefix="bench-drive-")
    os.close(fd)
    out = spec_path + ".out"
    with open(spec_path, "w") as f:
        json.dump(spec, f)
    try:
        subprocess.check_call([sys.executable, str(script), "--drive", spec_path, "--out", out], cwd=ROOT)
        with open(out) as f:
            return json.load(f)
    finally:
        os.unlink(spec_path)
        if os.path.exists(out):
            os.unlink(out)


# == the server ===============================================================================

class Server:
    """`jiceng serve` on loopback for the length of a `with` block (gunicorn when workers > 1,
    waitress otherwise), answering /healthz when the block starts; `stderr`: its lines, once stopped."""

    def __init__(self, workers, threads):
        self.port = 18000 + os.getpid() % 1000
        self.how = f"gunicorn {workers}×{threads} threads" if workers > 1 else f"waitress {threads} threads"
        self.stderr = []
        self.process = subprocess.Popen(
            [sys.executable, "-m", "jiceng", "serve", "--host", "127.0.0.1", "--port", str(self.port),
             "--workers", str(workers), "--threads", str(threads)],
            env={**os.environ}, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)

    def __enter__(self):
        try:
            wait_for(self.port)
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc):
        self.stop()

    def load(self, script, spec):
        """run_driver(script, spec), with result["spent"]: the CPU seconds of the server's
        processes, PostgreSQL's backends of this database and the driver meanwhile."""
        servers, backends = process_tree(self.process.pid), database_backends()
        before = cpu_seconds(servers), cpu_seconds(backends)
        result = run_driver(script, spec)
        result["spent"] = cpu_seconds(servers) - before[0], cpu_seconds(backends) - before[1], result["cpu"]
        return result

    def stop(self):
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
        self.stderr = self.process.stderr.read().decode(errors="replace").splitlines()


def cpu_note(what, clients, spent, answered):
    """The note of CPU per answered request: server, PostgreSQL, load driver."""
    server, database, driver = (s / answered * 1e3 for s in spent)
    return (f"{what}, {clients} client(s): CPU per request {server:.2f} ms server, {database:.2f} ms PostgreSQL, "
            f"{driver:.2f} ms load driver")


def wait_for(port):
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                return
        except OSError:
            time.sleep(0.3)
    raise SystemExit("the server did not answer /healthz within 60 s")


# == CPU seconds spent by the server, the database and the load driver (Linux /proc) =========

def cpu_seconds(pids):
    """utime + stime of these processes (those gone count 0)."""
    total = 0.0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


def process_tree(pid):
    children = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout.split()
    return [pid] + [p for child in children for p in process_tree(int(child))]


def database_backends():
    """PostgreSQL's server processes of this database, but ours (SQLite runs in the server)."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return []
    with connection.cursor() as cursor:
        cursor.execute("SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
                       "AND pid <> pg_backend_pid()")
        return [pid for (pid,) in cursor.fetchall()]
