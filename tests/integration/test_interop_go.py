# SPDX-License-Identifier: Apache-2.0
# Interop with grpc-go (the library of kubelet and crictl): builds tests/interop/ from Debian's
# Go packages and runs it against a crispd of our own, dialed by bare socket path so that the
# HTTP/2 :authority is the path (python grpcio sends "localhost" and would hide that bug).
import json
import os
import shutil
import signal
import subprocess
import tempfile
import time

import pytest

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
CRISPD_BIN = os.environ.get("CRISPD", os.path.join(REPO, "build", "rel", "crispd"))

EXPECTED_CHECKS = {"version", "authority", "status", "runtime_config", "unknown_method",
                   "unimplemented_rpc", "deadline_1ms", "version_after"}


@pytest.fixture(scope="session")
def go_client():
    """Build the grpc-go client once per session into a temp dir; remove it afterwards."""
    out = tempfile.mkdtemp(prefix="crisp-interop-go-")
    try:
        r = subprocess.run([os.path.join(REPO, "tests", "interop", "build.sh"), out],
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                           timeout=600)
        assert r.returncode == 0, "building the grpc-go client failed:\n" + r.stdout
        yield os.path.join(out, "crisp-interop")
    finally:
        shutil.rmtree(out, ignore_errors=True)


@pytest.fixture(scope="module")
def go_crispd():
    """A crispd of this module's own on a temp socket/root/runroot, stopped with SIGTERM."""
    assert os.access(CRISPD_BIN, os.X_OK), f"crispd binary not found: {CRISPD_BIN} (set CRISPD)"
    tmp = tempfile.mkdtemp(prefix="crisp-go-")
    sock = os.path.join(tmp, "crisp.sock")
    log_path = os.path.join(tmp, "crispd.log")
    with open(log_path, "wb") as log:
        proc = subprocess.Popen([CRISPD_BIN, "--listen", sock, "--root", os.path.join(tmp, "root"),
                                 "--runroot", os.path.join(tmp, "run")],
                                stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 10
        while not os.path.exists(sock):
            assert proc.poll() is None, "crispd exited early:\n" + _read(log_path)
            assert time.monotonic() < deadline, "crispd did not create its socket:\n" + \
                _read(log_path)
            time.sleep(0.02)
        yield proc, sock, log_path
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        shutil.rmtree(tmp, ignore_errors=True)


def _read(path):
    with open(path, "r", errors="replace") as f:
        return f.read()


def _run(client, *args, timeout=120):
    r = subprocess.run([client, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       text=True, timeout=timeout)
    lines = [line for line in r.stdout.splitlines() if line.strip()]
    assert lines, f"no output (rc={r.returncode}); stderr:\n{r.stderr}"
    return r.returncode, json.loads(lines[-1]), r.stderr


def test_grpc_go_kubelet_style_checks(go_client, go_crispd):
    proc, sock, log_path = go_crispd
    rc, summary, stderr = _run(go_client, "-socket", sock)
    failed = {k: v for k, v in summary.get("checks", {}).items() if not v.get("ok")}
    assert rc == 0 and summary["ok"], \
        f"failed checks: {failed}\nsummary: {summary}\nstderr: {stderr}\nlog:\n{_read(log_path)}"
    assert EXPECTED_CHECKS <= set(summary["checks"]), summary
    # The point of this test: grpc-go sent the socket path as :authority and crispd took it.
    assert summary["authority"] == sock
    version = summary["checks"]["version"]["detail"]
    assert version["runtime_name"] == "crisp"
    assert version["runtime_api_version"] == "v1"
    assert version["runtime_version"]
    types = [c["type"] for c in summary["checks"]["status"]["detail"]["conditions"]]
    assert sorted(types) == ["NetworkReady", "RuntimeReady"]
    assert summary["checks"]["deadline_1ms"]["detail"] in ("OK", "DeadlineExceeded")
    assert proc.poll() is None, "crispd died:\n" + _read(log_path)


def test_grpc_go_concurrent_version_calls(go_client, go_crispd):
    proc, sock, log_path = go_crispd
    rc, res, stderr = _run(go_client, "-socket", sock, "-bench", "-n", "3000", "-c", "16",
                           "-warmup", "10")
    assert rc == 0 and res["errors"] == 0, f"{res}\nstderr: {stderr}\nlog:\n{_read(log_path)}"
    assert res["calls"] == 3000 and res["concurrency"] == 16
    # The daemon still answers the full check list afterwards.
    rc, summary, _ = _run(go_client, "-socket", sock)
    assert rc == 0 and summary["ok"], summary
    assert proc.poll() is None, "crispd died:\n" + _read(log_path)
