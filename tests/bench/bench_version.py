#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
# Benchmark of the Version RPC against a fresh crispd (run by `make bench`, which sets CRISPD):
# latency for 1 client, calls/s for 16 concurrent clients (python grpcio and grpc-go), and RSS.
# Prints numbers only; exits non-zero if any call fails.
import concurrent.futures
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
CRISPD = os.environ.get("CRISPD", os.path.join(REPO, "build", "rel", "crispd"))
SEQ_CALLS = 5000
WARMUP = 500
CONC = 16
CONC_CALLS = 10000
ROUNDS = 5


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return -1


def threads(pid):
    return len(os.listdir(f"/proc/{pid}/task"))


def pct(sorted_vals, p):
    return sorted_vals[min(len(sorted_vals) - 1, int(p * (len(sorted_vals) - 1)))]


def gen_stubs(tmp):
    out = os.path.join(tmp, "stubs")
    os.makedirs(out)
    subprocess.run([sys.executable, "-m", "grpc_tools.protoc", "-I", os.path.join(REPO, "proto"),
                    "--python_out", out, "--grpc_python_out", out, "cri/api.proto"], check=True)
    sys.path.insert(0, out)
    from cri import api_pb2, api_pb2_grpc
    return api_pb2, api_pb2_grpc


def start_crispd(tmp):
    sock = os.path.join(tmp, "crisp.sock")
    log = open(os.path.join(tmp, "crispd.log"), "wb")
    proc = subprocess.Popen([CRISPD, "--listen", sock, "--root", os.path.join(tmp, "root"),
                             "--runroot", os.path.join(tmp, "run"), "--log-level", "info"],
                            stdout=log, stderr=subprocess.STDOUT)
    log.close()
    deadline = time.monotonic() + 10
    while not os.path.exists(sock):
        if proc.poll() is not None or time.monotonic() > deadline:
            raise SystemExit("crispd did not start; see " + os.path.join(tmp, "crispd.log"))
        time.sleep(0.02)
    return proc, sock


class Py:
    """python3-grpcio (C-core) client; counts failures instead of raising."""

    def __init__(self, grpc, pb, pbg, sock):
        self.channel = grpc.insecure_channel("unix://" + sock)
        self.stub = pbg.RuntimeServiceStub(self.channel)
        self.req = pb.VersionRequest(version="v1")
        self.errors = 0
        self.first_error = None
        self.lock = threading.Lock()

    def call(self):
        t0 = time.perf_counter_ns()
        try:
            r = self.stub.Version(self.req, timeout=10)
            ok = r.runtime_name == "crisp"
            err = None if ok else f"bad response {r}"
        except Exception as e:  # grpc.RpcError and friends
            err = repr(e)
        dt = time.perf_counter_ns() - t0
        if err:
            with self.lock:
                self.errors += 1
                self.first_error = self.first_error or err
        return dt

    def sequential(self, n):
        lat = sorted(self.call() for _ in range(n))
        return lat

    def concurrent(self, n, conc):
        def worker(k):
            return [self.call() for _ in range(k)]
        per = [n // conc + (1 if i < n % conc else 0) for i in range(conc)]
        t0 = time.perf_counter()
        with concurrent.futures.ThreadPoolExecutor(conc) as ex:
            lat = sorted(x for part in ex.map(worker, per) for x in part)
        return lat, time.perf_counter() - t0


def go_client(tmp):
    out = os.path.join(tmp, "go")
    r = subprocess.run([os.path.join(REPO, "tests", "interop", "build.sh"), out],
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if r.returncode != 0:
        print("grpc-go client build failed:\n" + r.stdout, file=sys.stderr)
        return None
    return os.path.join(out, "crisp-interop")


def go_bench(client, sock, n, conc):
    r = subprocess.run([client, "-socket", sock, "-bench", "-n", str(n), "-c", str(conc),
                        "-warmup", str(WARMUP)], stdout=subprocess.PIPE, text=True)
    res = json.loads(r.stdout.strip().splitlines()[-1])
    return res


def main():
    import grpc
    tmp = tempfile.mkdtemp(prefix="crisp-bench-")
    proc = None
    failures = []
    rows = []
    try:
        pb, pbg = gen_stubs(tmp)
        client = go_client(tmp)
        if client is None:
            failures.append("grpc-go client build")
        proc, sock = start_crispd(tmp)
        time.sleep(0.3)
        rss_idle = rss_kib(proc.pid)
        idle_threads = threads(proc.pid)
        calls = 0

        py = Py(grpc, pb, pbg, sock)
        py.sequential(WARMUP)
        calls += WARMUP
        lat = py.sequential(SEQ_CALLS)
        calls += SEQ_CALLS
        rows.append(("python grpcio", 1, SEQ_CALLS, statistics.median(lat) / 1e3,
                     pct(lat, 0.99) / 1e3, SEQ_CALLS / (sum(lat) / 1e9)))
        lat, secs = py.concurrent(CONC_CALLS, CONC)
        calls += CONC_CALLS
        rows.append(("python grpcio", CONC, CONC_CALLS, statistics.median(lat) / 1e3,
                     pct(lat, 0.99) / 1e3, CONC_CALLS / secs))
        rss_10k = rss_kib(proc.pid)
        calls_at_10k = calls

        if client:
            for n, conc in ((SEQ_CALLS, 1), (CONC_CALLS, CONC)):
                res = go_bench(client, sock, n, conc)
                calls += WARMUP + n
                rows.append(("grpc-go", conc, n,
                             res["p50_us"], res["p99_us"], res["calls_per_sec"]))
                if res["errors"]:
                    failures.append(f"grpc-go -c {conc}: {res['errors']} failed calls, "
                                    f"first: {res.get('first_error')}")
        rss_rounds = [(calls_at_10k, rss_10k, None),
                      (calls, rss_kib(proc.pid), threads(proc.pid))]
        # More rounds of 10,000 calls (16 concurrent), to see whether RSS keeps growing.
        for _ in range(ROUNDS):
            if client:
                res = go_bench(client, sock, CONC_CALLS, CONC)
                calls += WARMUP + CONC_CALLS
                if res["errors"]:
                    failures.append(f"grpc-go round: {res['errors']} failed calls")
            else:
                py.concurrent(CONC_CALLS, CONC)
                calls += CONC_CALLS
            rss_rounds.append((calls, rss_kib(proc.pid), threads(proc.pid)))
        if py.errors:
            failures.append(f"python: {py.errors} failed calls, first: {py.first_error}")
        py.channel.close()

        print(f"crispd Version RPC benchmark ({CRISPD})")
        print(f"{'client':<20}{'conc':>5}{'calls':>8}{'p50 us':>10}{'p99 us':>10}{'calls/s':>11}")
        for name, conc, n, p50, p99, cps in rows:
            print(f"{name:<20}{conc:>5}{n:>8}{p50:>10.1f}{p99:>10.1f}{cps:>11.0f}")
        print(f"crispd RSS idle:{'':>22}{rss_idle:>6} kB, {idle_threads} thread(s)")
        for n, rss, nth in rss_rounds:
            extra = f", {nth} threads" if nth else ""
            print(f"crispd RSS after {n:>6} calls:{'':>10}{rss:>6} kB{extra}")
        print("(1-client p50/p99 are per-call latencies of sequential calls; with 16 clients "
              "they include queueing; python's 16-client figure is bound by the GIL)")
    finally:
        if proc and proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                rc = proc.wait(timeout=15)
                if rc != 0:
                    failures.append(f"crispd exited with {rc} on SIGTERM")
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
                failures.append("crispd did not stop within 15 s of SIGTERM")
        shutil.rmtree(tmp, ignore_errors=True)
    if failures:
        print("FAILED: " + "; ".join(failures), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
