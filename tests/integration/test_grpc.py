# SPDX-License-Identifier: Apache-2.0
# The gRPC server against a real client (python3-grpcio): the first RPCs, concurrency, size
# and deadline limits, malformed input, unknown methods, socket handling and signals.
import concurrent.futures
import os
import signal
import socket
import stat
import subprocess
import threading
import time

import grpc
import pytest

from conftest import CRISPD

RS = "/runtime.v1.RuntimeService/"


def stub(cri, d, **opts):
    pb, rpc = cri
    ch = grpc.insecure_channel(d.target(), options=list(opts.items()))
    return ch, rpc.RuntimeServiceStub(ch), pb


def assert_alive(cri, d):
    ch, s, pb = stub(cri, d)
    with ch:
        assert s.Version(pb.VersionRequest(), timeout=5).runtime_name == "crisp"


def test_version(cri, crispd):
    ch, s, pb = stub(cri, crispd)
    with ch:
        v = s.Version(pb.VersionRequest(version="v1"), timeout=5)
    assert v.runtime_name == "crisp"
    assert v.runtime_api_version == "v1"
    assert v.version == "0.1.0"
    out = subprocess.run([CRISPD, "--version"], capture_output=True, text=True, check=True)
    # The RPC reports the same build version the binary prints.
    assert v.runtime_version.split("+")[0] in out.stdout
    assert v.runtime_version.split("+")[1] in out.stdout
    # ... and that is the revision the tree was built from, not a stale one.
    rev = subprocess.run(["git", "-C", os.path.dirname(CRISPD), "rev-parse", "--short=12",
                          "HEAD"], capture_output=True, text=True)
    if rev.returncode == 0:
        assert v.runtime_version == "0.1.0+" + rev.stdout.strip()


def net_config(tmp, conf=True, bin_dirs="/usr/lib/cni,/opt/cni/bin"):
    netd = os.path.join(tmp, "net.d")
    os.makedirs(netd, exist_ok=True)
    if conf:
        with open(os.path.join(netd, "10-test.conflist"), "w") as f:
            f.write('{"cniVersion":"1.0.0","name":"t","plugins":[{"type":"bridge"}]}')
    return "[cni]\nconf_dir = %s\nbin_dirs = %s\n" % (netd, bin_dirs)


def conditions(st):
    return {c.type: c for c in st.status.conditions}


def test_status_ready(cri, crispd_factory, tmp_path):
    d = crispd_factory(config_text=net_config(str(tmp_path))).start()
    ch, s, pb = stub(cri, d)
    with ch:
        st = s.Status(pb.StatusRequest(verbose=True), timeout=5)
    c = conditions(st)
    assert c["RuntimeReady"].status, c["RuntimeReady"]
    assert c["NetworkReady"].status, c["NetworkReady"]
    assert "config" in st.info and '"defaultRuntime":"runc"' in st.info["config"]
    assert sorted(h.name for h in st.runtime_handlers) == ["", "crun", "runc"]


def test_status_not_ready(cri, crispd_factory, tmp_path):
    cfg = net_config(str(tmp_path), conf=False) + \
        "[runtime.runc]\npath = /nonexistent/runc\nroot = /run/crisp/runc\n"
    d = crispd_factory(config_text=cfg).start()
    ch, s, pb = stub(cri, d)
    with ch:
        st = s.Status(pb.StatusRequest(), timeout=5)
    c = conditions(st)
    assert not c["RuntimeReady"].status
    assert c["RuntimeReady"].reason == "OCIRuntimeMissing"
    assert "/nonexistent/runc" in c["RuntimeReady"].message
    assert not c["NetworkReady"].status
    assert c["NetworkReady"].reason == "NetworkPluginNotReady"
    assert "no CNI configuration file" in c["NetworkReady"].message
    assert len(st.info) == 0  # verbose off


def test_status_missing_plugin(cri, crispd_factory, tmp_path):
    empty = tmp_path / "nobin"
    empty.mkdir()
    d = crispd_factory(config_text=net_config(str(tmp_path), bin_dirs=str(empty))).start()
    ch, s, pb = stub(cri, d)
    with ch:
        c = conditions(s.Status(pb.StatusRequest(), timeout=5))
    assert not c["NetworkReady"].status
    assert "CNI plugin" in c["NetworkReady"].message


def test_runtime_config_and_update(cri, crispd_factory, tmp_path):
    d = crispd_factory(config_text="[crisp]\ncgroup_driver = systemd\n").start()
    ch, s, pb = stub(cri, d)
    with ch:
        r = s.RuntimeConfig(pb.RuntimeConfigRequest(), timeout=5)
        assert r.linux.cgroup_driver == pb.SYSTEMD
        req = pb.UpdateRuntimeConfigRequest(runtime_config=pb.RuntimeConfig(
            network_config=pb.NetworkConfig(pod_cidr="10.244.1.0/24,fd00:1::/64")))
        s.UpdateRuntimeConfig(req, timeout=5)
        st = s.Status(pb.StatusRequest(verbose=True), timeout=5)
        assert '"podCIDR":"10.244.1.0/24,fd00:1::/64"' in st.info["config"]
        bad = pb.UpdateRuntimeConfigRequest(runtime_config=pb.RuntimeConfig(
            network_config=pb.NetworkConfig(pod_cidr="10.0.0.0/8\nevil")))
        with pytest.raises(grpc.RpcError) as e:
            s.UpdateRuntimeConfig(bad, timeout=5)
        assert e.value.code() == grpc.StatusCode.INVALID_ARGUMENT
        assert "pod_cidr" in e.value.details()
        # An empty CIDR keeps the one we have.
        s.UpdateRuntimeConfig(pb.UpdateRuntimeConfigRequest(), timeout=5)
        st = s.Status(pb.StatusRequest(verbose=True), timeout=5)
        assert '"podCIDR":"10.244.1.0/24,fd00:1::/64"' in st.info["config"]


def test_200_concurrent_one_channel(cri, crispd):
    ch, s, pb = stub(cri, crispd)
    with ch, concurrent.futures.ThreadPoolExecutor(64) as ex:
        futs = [s.Version.future(pb.VersionRequest(), timeout=30) for _ in range(200)]
        res = [f.result() for f in futs]
    assert len(res) == 200 and all(r.runtime_name == "crisp" for r in res)


def test_200_concurrent_20_channels(cri, crispd):
    chans = [stub(cri, crispd) for _ in range(20)]
    try:
        futs = []
        for i in range(200):
            _, s, pb = chans[i % 20]
            futs.append(s.Status.future(pb.StatusRequest(verbose=(i % 2 == 0)), timeout=30))
        res = [f.result() for f in futs]
        assert len(res) == 200
        assert all(len(r.status.conditions) == 2 for r in res)
    finally:
        for ch, _, _ in chans:
            ch.close()


def test_17mib_request_resource_exhausted(cri, crispd):
    ch, s, pb = stub(cri, crispd)
    big = pb.UpdateRuntimeConfigRequest(runtime_config=pb.RuntimeConfig(
        network_config=pb.NetworkConfig(pod_cidr="1" * (17 << 20))))
    with ch:
        with pytest.raises(grpc.RpcError) as e:
            s.UpdateRuntimeConfig(big, timeout=30)
    assert e.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED, e.value
    assert "16777216" in e.value.details()
    assert_alive(cri, crispd)


def raw_call(d, method, payload, timeout=5):
    ch = grpc.insecure_channel(d.target())
    with ch:
        f = ch.unary_unary(method, request_serializer=None, response_deserializer=None)
        return f(payload, timeout=timeout)


def test_garbage_protobuf_invalid_argument(crispd, cri):
    for junk in [b"\xff\xff\xff\xff", b"\x0a\x80\x80\x80\x80\x10", b"\x0a\x05ab"]:
        with pytest.raises(grpc.RpcError) as e:
            raw_call(crispd, RS + "Version", junk)
        assert e.value.code() == grpc.StatusCode.INVALID_ARGUMENT, junk
        assert "VersionRequest" in e.value.details()
    assert_alive(cri, crispd)


def test_unknown_and_unimplemented_methods(crispd, cri):
    with pytest.raises(grpc.RpcError) as e:
        raw_call(crispd, RS + "NoSuchMethod", b"")
    assert e.value.code() == grpc.StatusCode.UNIMPLEMENTED
    assert "unknown method /runtime.v1.RuntimeService/NoSuchMethod" in e.value.details()
    with pytest.raises(grpc.RpcError) as e:
        raw_call(crispd, "/other.Service/Version", b"")
    assert e.value.code() == grpc.StatusCode.UNIMPLEMENTED
    with pytest.raises(grpc.RpcError) as e:
        raw_call(crispd, RS + "CheckpointContainer", b"")
    assert e.value.code() == grpc.StatusCode.UNIMPLEMENTED
    assert "CheckpointContainer is not implemented" in e.value.details()
    assert_alive(cri, crispd)


def test_1ms_deadline(cri, crispd):
    ch, s, pb = stub(cri, crispd)
    # 8 MiB takes longer than 1 ms to send, so the deadline passes mid-request.
    req = pb.UpdateRuntimeConfigRequest(runtime_config=pb.RuntimeConfig(
        network_config=pb.NetworkConfig(pod_cidr="1" * (8 << 20))))
    with ch:
        for _ in range(3):
            with pytest.raises(grpc.RpcError) as e:
                s.UpdateRuntimeConfig(req, timeout=0.001)
            assert e.value.code() == grpc.StatusCode.DEADLINE_EXCEEDED
    assert_alive(cri, crispd)


def test_socket_mode_and_sigterm(cri, crispd):
    st = os.lstat(crispd.sock)
    assert stat.S_ISSOCK(st.st_mode)
    assert stat.S_IMODE(st.st_mode) == 0o600
    assert_alive(cri, crispd)
    assert crispd.stop(signal.SIGTERM) == 0
    assert not os.path.exists(crispd.sock)
    assert "crispd stopped" in crispd.log()


def test_sigterm_with_open_connection(cri, crispd):
    ch, s, pb = stub(cri, crispd)
    s.Version(pb.VersionRequest(), timeout=5)
    t0 = time.time()
    assert crispd.stop(signal.SIGTERM) == 0
    assert time.time() - t0 < 5
    ch.close()


def test_second_crispd_refuses(cri, crispd, crispd_factory):
    second = crispd_factory("second")
    second.args[second.args.index("--listen") + 1] = crispd.sock
    second.start(wait=False)
    assert second.proc.wait(10) != 0
    assert "already serving" in second.log()
    assert_alive(cri, crispd)


def test_stale_socket_replaced(cri, crispd_factory):
    d = crispd_factory()
    os.makedirs(d.tmp, exist_ok=True)
    s = socket.socket(socket.AF_UNIX)
    s.bind(d.sock)  # bound, never listening: what a dead server leaves behind
    s.close()
    d.start()
    assert "replacing stale socket" in d.log()
    assert_alive(cri, d)


def test_live_foreign_socket_refused(crispd_factory):
    d = crispd_factory()
    os.makedirs(d.tmp, exist_ok=True)
    s = socket.socket(socket.AF_UNIX)
    s.bind(d.sock)
    s.listen(1)
    try:
        d.start(wait=False)
        assert d.proc.wait(10) != 0
        assert "a server is answering" in d.log()
    finally:
        s.close()


def test_bad_config_is_line_numbered(crispd_factory):
    d = crispd_factory(config_text="[crisp]\nlog_level = debug\n[limits]\nhelper_timeout_seconds = ten\n")
    d.start(wait=False)
    assert d.proc.wait(10) == 2
    assert "crisp.conf:4: [limits] helper_timeout_seconds" in d.log()


def test_config_subcommand(tmp_path):
    conf = tmp_path / "c.conf"
    conf.write_text("[crisp]\nroot = /srv/x\n[runtime]\ndefault = crun\n")
    out = subprocess.run([CRISPD, "config", "--config", str(conf), "--runroot", "/run/y"],
                         capture_output=True, text=True, check=True).stdout
    assert "root = /srv/x\n" in out
    assert "runroot = /run/y\n" in out
    assert "default = crun\n" in out
    # The printed configuration is itself a valid config file.
    again = tmp_path / "again.conf"
    again.write_text(out)
    out2 = subprocess.run([CRISPD, "config", "--config", str(again)], capture_output=True,
                          text=True, check=True).stdout
    assert out2 == out.replace("runroot = /run/y", "runroot = /run/y")


def test_sighup_reload(cri, crispd_factory, tmp_path):
    d = crispd_factory(config_text=net_config(str(tmp_path), conf=False)).start()
    ch, s, pb = stub(cri, d)
    with ch:
        assert not conditions(s.Status(pb.StatusRequest(), timeout=5))["NetworkReady"].status
        with open(d.config, "w") as f:
            f.write(net_config(str(tmp_path), conf=True))
        d.proc.send_signal(signal.SIGHUP)
        deadline = time.time() + 5
        while "configuration reloaded" not in d.log() and time.time() < deadline:
            time.sleep(0.05)
        assert conditions(s.Status(pb.StatusRequest(), timeout=5))["NetworkReady"].status
        # A broken file on reload keeps the running configuration.
        with open(d.config, "w") as f:
            f.write("[crisp]\nlog_level = nope\n")
        d.proc.send_signal(signal.SIGHUP)
        deadline = time.time() + 5
        while "not reloaded" not in d.log() and time.time() < deadline:
            time.sleep(0.05)
        assert "crisp.conf:2" in d.log()
        assert conditions(s.Status(pb.StatusRequest(), timeout=5))["NetworkReady"].status


def test_rst_stream_cancels_and_daemon_survives(cri, crispd):
    """Many calls cancelled mid-flight by the client (RST_STREAM) leave the daemon healthy."""
    ch, s, pb = stub(cri, crispd)
    big = pb.UpdateRuntimeConfigRequest(runtime_config=pb.RuntimeConfig(
        network_config=pb.NetworkConfig(pod_cidr="1" * (4 << 20))))
    with ch:
        futs = [s.UpdateRuntimeConfig.future(big, timeout=10) for _ in range(10)]
        for f in futs:
            f.cancel()
        for f in futs:
            try:
                f.result()
            except (grpc.FutureCancelledError, grpc.RpcError):
                pass
    assert_alive(cri, crispd)
