# SPDX-License-Identifier: Apache-2.0
# Shared fixtures for integration tests: Python gRPC stubs generated from proto/cri/api.proto
# at test time, and a real crispd on a temporary socket, root and runroot.
import os
import signal
import subprocess
import sys
import tempfile
import time

import pytest

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
CRISPD = os.environ.get("CRISPD", os.path.join(REPO, "build", "rel", "crispd"))


@pytest.fixture(scope="session")
def cri():
    """Generate and import the CRI stubs (api_pb2, api_pb2_grpc) once per session."""
    out = tempfile.mkdtemp(prefix="crisp-stubs-")
    subprocess.run(
        [sys.executable, "-m", "grpc_tools.protoc", "-I", os.path.join(REPO, "proto"),
         "--python_out", out, "--grpc_python_out", out, "cri/api.proto"],
        check=True)
    sys.path.insert(0, out)
    from cri import api_pb2, api_pb2_grpc  # noqa: E402
    return api_pb2, api_pb2_grpc


class Crispd:
    """A crispd process with its own socket, state dirs and log file."""

    def __init__(self, tmp, extra_args=(), config_text=None):
        self.tmp = tmp
        os.makedirs(tmp, exist_ok=True)
        self.sock = os.path.join(tmp, "crisp.sock")
        self.log_path = os.path.join(tmp, "crispd.log")
        self.args = [CRISPD, "--listen", self.sock, "--root", os.path.join(tmp, "root"),
                     "--runroot", os.path.join(tmp, "run"), "--log-level", "debug"]
        if config_text is not None:
            self.config = os.path.join(tmp, "crisp.conf")
            with open(self.config, "w") as f:
                f.write(config_text)
            self.args += ["--config", self.config]
        self.args += list(extra_args)
        self.proc = None

    def start(self, wait=True):
        self.logf = open(self.log_path, "ab")
        self.log_offset = self.logf.tell()
        self.proc = subprocess.Popen(self.args, stdout=self.logf, stderr=self.logf)
        if wait:
            deadline = time.time() + 10
            while " serving " not in self.log()[self.log_offset:]:
                if self.proc.poll() is not None:
                    raise RuntimeError("crispd exited early:\n" + self.log())
                if time.time() > deadline:
                    raise RuntimeError("crispd did not create its socket:\n" + self.log())
                time.sleep(0.02)
        return self

    def log(self):
        with open(self.log_path, "rb") as f:
            return f.read().decode(errors="replace")

    def target(self):
        return "unix://" + self.sock

    def stop(self, sig=signal.SIGTERM, timeout=15):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                raise AssertionError("crispd did not stop within %ss:\n%s" % (timeout, self.log()))
        if getattr(self, "logf", None):
            self.logf.close()
        return self.proc.returncode if self.proc else None


@pytest.fixture
def crispd_factory(tmp_path):
    started = []

    def make(name="d", **kw):
        d = Crispd(str(tmp_path / name), **kw)
        started.append(d)
        return d

    yield make
    for d in started:
        if d.proc and d.proc.poll() is None:
            try:
                d.stop(sig=signal.SIGTERM, timeout=10)
            except AssertionError:
                pass


@pytest.fixture
def crispd(crispd_factory):
    return crispd_factory().start()
