# SPDX-License-Identifier: Apache-2.0
# Server streaming through the real gRPC engine: GetContainerEvents on crispd itself (open,
# idle, cancel, graceful stop), and a test server (grpc_stream_server) that publishes events
# so many messages, large messages, deadlines and cancellation can be watched.
import os
import signal
import subprocess
import threading
import time

import grpc
import pytest

from conftest import REPO

STREAM_SERVER = os.environ.get("STREAM_SERVER",
                               os.path.join(REPO, "build", "rel", "tests", "grpc_stream_server"))


class StreamServer:
    def __init__(self, tmp, interval_ms, payload):
        self.sock = os.path.join(tmp, "s.sock")
        self.log_path = os.path.join(tmp, "s.log")
        self.logf = open(self.log_path, "wb")
        self.proc = subprocess.Popen([STREAM_SERVER, self.sock, str(interval_ms), str(payload)],
                                     stdout=self.logf, stderr=self.logf)
        deadline = time.time() + 10
        while "serving" not in self.log():
            assert self.proc.poll() is None, self.log()
            assert time.time() < deadline, self.log()
            time.sleep(0.02)

    def log(self):
        with open(self.log_path, "rb") as f:
            return f.read().decode(errors="replace")

    def subscribers(self, cri):
        pb, rpc = cri
        with grpc.insecure_channel("unix://" + self.sock) as ch:
            return int(rpc.RuntimeServiceStub(ch).Version(pb.VersionRequest(), timeout=5).runtime_name)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            self.proc.wait(15)
        self.logf.close()
        return self.proc.returncode


@pytest.fixture
def stream_server(tmp_path):
    servers = []

    def make(interval_ms=20, payload=16):
        s = StreamServer(str(tmp_path), interval_ms, payload)
        servers.append(s)
        return s

    yield make
    for s in servers:
        if s.proc.poll() is None:
            s.proc.kill()
            s.proc.wait()


def events_stub(cri, sock):
    pb, rpc = cri
    ch = grpc.insecure_channel("unix://" + sock,
                               options=[("grpc.max_receive_message_length", 16 << 20)])
    return ch, rpc.RuntimeServiceStub(ch), pb


def wait_for(pred, timeout=5):
    deadline = time.time() + timeout
    while not pred():
        assert time.time() < deadline
        time.sleep(0.05)


def test_many_messages_in_order(cri, stream_server):
    srv = stream_server(interval_ms=5, payload=16)
    ch, s, pb = events_stub(cri, srv.sock)
    with ch:
        it = s.GetContainerEvents(pb.GetEventsRequest(), timeout=30)
        got = []
        for ev in it:
            got.append(ev.created_at)
            if len(got) == 100:
                break
        it.cancel()
    # Consecutive: nothing lost, nothing reordered.
    assert got == list(range(got[0], got[0] + 100))
    wait_for(lambda: srv.subscribers(cri) == 0)
    assert srv.stop() == 0


def test_large_messages_flow_control(cri, stream_server):
    # 1 MiB events: far beyond the 64 KiB default HTTP/2 window, so flow control must work.
    srv = stream_server(interval_ms=1, payload=1 << 20)
    ch, s, pb = events_stub(cri, srv.sock)
    with ch:
        it = s.GetContainerEvents(pb.GetEventsRequest(), timeout=60)
        sizes = []
        for ev in it:
            sizes.append(len(ev.container_id))
            if len(sizes) == 40:
                break
        it.cancel()
    assert sizes == [1 << 20] * 40
    assert srv.stop() == 0


def test_deadline_mid_stream(cri, stream_server):
    srv = stream_server(interval_ms=20, payload=16)
    ch, s, pb = events_stub(cri, srv.sock)
    n = 0
    t0 = time.time()
    with ch:
        with pytest.raises(grpc.RpcError) as e:
            for _ in s.GetContainerEvents(pb.GetEventsRequest(), timeout=0.5):
                n += 1
    assert e.value.code() == grpc.StatusCode.DEADLINE_EXCEEDED
    assert n > 3 and time.time() - t0 < 3
    # The server noticed too: the handler ended and unsubscribed.
    wait_for(lambda: srv.subscribers(cri) == 0)
    assert "stream closed" in srv.log()


def test_cancel_frees_handler(cri, stream_server):
    srv = stream_server(interval_ms=50, payload=16)
    chans = []
    its = []
    for _ in range(5):
        ch, s, pb = events_stub(cri, srv.sock)
        chans.append(ch)
        it = s.GetContainerEvents(pb.GetEventsRequest())
        next(it)
        its.append(it)
    assert srv.subscribers(cri) == 5
    for it in its:
        it.cancel()  # RST_STREAM(CANCEL)
    wait_for(lambda: srv.subscribers(cri) == 0)
    assert srv.log().count("cancelled=1") == 5
    for ch in chans:
        ch.close()


def test_shutdown_ends_open_streams(cri, stream_server):
    srv = stream_server(interval_ms=50, payload=16)
    ch, s, pb = events_stub(cri, srv.sock)
    result = {}

    def reader():
        n = 0
        try:
            for _ in s.GetContainerEvents(pb.GetEventsRequest()):
                n += 1
            result["status"] = "OK"
        except grpc.RpcError as e:
            result["status"] = e.code()
        result["n"] = n

    t = threading.Thread(target=reader)
    t.start()
    wait_for(lambda: srv.subscribers(cri) == 1)
    time.sleep(0.2)
    t0 = time.time()
    assert srv.stop() == 0
    t.join(10)
    assert not t.is_alive()
    assert time.time() - t0 < 5
    # Graceful: the stream ended with its trailers (OK), not a reset.
    assert result["status"] == "OK", result
    assert result["n"] >= 1
    ch.close()


def test_crispd_container_events_stream(cri, crispd):
    """crispd's own GetContainerEvents: open and idle (no containers yet), cancel, stop."""
    ch, s, pb = events_stub(cri, crispd.sock)
    with ch:
        with pytest.raises(grpc.RpcError) as e:
            for _ in s.GetContainerEvents(pb.GetEventsRequest(), timeout=0.6):
                pass
        assert e.value.code() == grpc.StatusCode.DEADLINE_EXCEEDED
        it = s.GetContainerEvents(pb.GetEventsRequest())
        done = {}

        def reader():
            try:
                for _ in it:
                    pass
                done["status"] = "OK"
            except grpc.RpcError as err:
                done["status"] = err.code()

        t = threading.Thread(target=reader)
        t.start()
        time.sleep(0.5)
        assert not done  # an idle stream stays open: kubelet's evented PLEG expects that
        assert crispd.stop(signal.SIGTERM) == 0
        t.join(10)
        assert done.get("status") == "OK", done
