#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
# Benchmark of the stats RPCs (run by `make bench`, which sets CRISPD): BENCH_STATS_PODS pods
# (default 10) on a CNI bridge, BENCH_STATS_PER_POD running busybox containers each (default
# 2); ListContainerStats and ListPodSandboxStats (no filter) called BENCH_STATS_CALLS times
# (default 50) each: median and p90 latency, and crispd's CPU time per call (utime+stime from
# /proc/<pid>/stat over the calls). The first call of each (cold: it walks every writable
# layer) is reported on its own. Prints numbers; needs root.
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
CRISPD = os.environ.get("CRISPD", os.path.join(REPO, "build", "rel", "crispd"))
sys.path.insert(0, os.path.join(REPO, "tests", "integration"))
import oci_images as oi  # noqa: E402

PODS = int(os.environ.get("BENCH_STATS_PODS", "10"))
PER_POD = int(os.environ.get("BENCH_STATS_PER_POD", "2"))
CALLS = int(os.environ.get("BENCH_STATS_CALLS", "50"))


def pct(vals, p):
    s = sorted(vals)
    return s[min(len(s) - 1, int(p * (len(s) - 1)))]


def cpu_ticks(pid):
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])  # utime + stime


def start_crispd(tmp, net_d):
    sock = os.path.join(tmp, "crisp.sock")
    conf = os.path.join(tmp, "crisp.conf")
    with open(conf, "w") as f:
        f.write("[cni]\nconf_dir = %s\n" % net_d)
    log = open(os.path.join(tmp, "crispd.log"), "wb")
    d = subprocess.Popen([CRISPD, "--listen", sock, "--root", os.path.join(tmp, "root"),
                          "--runroot", os.path.join(tmp, "run"), "--config", conf],
                         stdout=log, stderr=subprocess.STDOUT)
    deadline = time.time() + 10
    while not os.path.exists(sock):
        assert time.time() < deadline and d.poll() is None, "crispd did not start"
        time.sleep(0.02)
    return d, sock


def measure(d, call):
    t_cold = time.perf_counter()
    call()
    cold = time.perf_counter() - t_cold
    lat = []
    c0 = cpu_ticks(d.pid)
    for _ in range(CALLS):
        t0 = time.perf_counter()
        call()
        lat.append(time.perf_counter() - t0)
    cpu_ms = (cpu_ticks(d.pid) - c0) * 1000.0 / os.sysconf("SC_CLK_TCK") / CALLS
    return cold, lat, cpu_ms


def setup(s, pb, ref, tmp, pods):
    for p in range(PODS):
        cfg = pb.PodSandboxConfig(
            metadata=pb.PodSandboxMetadata(name="bp%d" % p, namespace="default", uid="u%d" % p),
            hostname="bp%d" % p, log_directory=os.path.join(tmp, "logs", str(p)),
            linux=pb.LinuxPodSandboxConfig(security_context=pb.LinuxSandboxSecurityContext(
                namespace_options=pb.NamespaceOption(network=pb.POD))))
        pod = s.RunPodSandbox(pb.RunPodSandboxRequest(config=cfg), timeout=60).pod_sandbox_id
        pods.append(pod)
        for c in range(PER_POD):
            cc = pb.ContainerConfig(metadata=pb.ContainerMetadata(name="c%d" % c),
                                    image=pb.ImageSpec(image=ref), command=["sleep", "1000"],
                                    log_path="c%d.log" % c)
            cid = s.CreateContainer(pb.CreateContainerRequest(
                pod_sandbox_id=pod, config=cc, sandbox_config=cfg), timeout=60).container_id
            s.StartContainer(pb.StartContainerRequest(container_id=cid), timeout=60)


def main():
    tmp = tempfile.mkdtemp(prefix="crisp-bench-stats-")
    out = os.path.join(tmp, "stubs")
    os.makedirs(out)
    subprocess.run([sys.executable, "-m", "grpc_tools.protoc", "-I", os.path.join(REPO, "proto"),
                    "--python_out", out, "--grpc_python_out", out, "cri/api.proto"], check=True)
    sys.path.insert(0, out)
    import grpc
    from cri import api_pb2 as pb, api_pb2_grpc as rpc

    bridge = "crbst%d" % (os.getpid() % 100)
    net_d = os.path.join(tmp, "net.d")
    os.makedirs(net_d)
    with open(os.path.join(net_d, "10-bench.conflist"), "w") as f:
        json.dump({"cniVersion": "1.0.0", "name": "crisp-bench-stats", "plugins": [
            {"type": "bridge", "bridge": bridge, "isGateway": True,
             "ipam": {"type": "host-local", "dataDir": os.path.join(tmp, "ipam"),
                      "ranges": [[{"subnet": "10.218.0.0/16"}]]}},
            {"type": "loopback"}]}, f)
    reg = oi.Registry(tmp)
    d = None
    s = None
    pods = []
    try:
        oi.push_image(reg, "bench/bb", "v1", [oi.busybox_layer()])
        ref = "%s/bench/bb:v1" % reg.addr
        d, sock = start_crispd(tmp, net_d)
        ch = grpc.insecure_channel("unix://" + sock)
        s = rpc.RuntimeServiceStub(ch)
        rpc.ImageServiceStub(ch).PullImage(pb.PullImageRequest(image=pb.ImageSpec(image=ref)),
                                           timeout=120)
        setup(s, pb, ref, tmp, pods)
        rows = []
        for name, call in [
                ("ListContainerStats", lambda: s.ListContainerStats(
                    pb.ListContainerStatsRequest(), timeout=30)),
                ("ListPodSandboxStats", lambda: s.ListPodSandboxStats(
                    pb.ListPodSandboxStatsRequest(), timeout=30))]:
            cold, lat, cpu_ms = measure(d, call)
            rows.append((name, cold, lat, cpu_ms))
        n = len(s.ListContainerStats(pb.ListContainerStatsRequest(), timeout=30).stats)
        print("stats RPCs, %d running containers in %d pods (CNI bridge), %d calls each, "
              "milliseconds" % (n, PODS, CALLS))
        print("%-22s %8s %8s %8s %14s" % ("", "first", "median", "p90", "crispd CPU/call"))
        for name, cold, lat, cpu_ms in rows:
            print("%-22s %8.2f %8.2f %8.2f %14.2f" % (name, cold * 1000,
                                                     statistics.median(lat) * 1000,
                                                     pct(lat, 0.9) * 1000, cpu_ms))
    finally:
        for pod in pods:  # the containers go with their pod (conmon would keep them)
            try:
                s.StopPodSandbox(pb.StopPodSandboxRequest(pod_sandbox_id=pod), timeout=60)
                s.RemovePodSandbox(pb.RemovePodSandboxRequest(pod_sandbox_id=pod), timeout=60)
            except grpc.RpcError as e:
                print("cleanup of pod %s: %s" % (pod, e), file=sys.stderr)
        if d is not None:
            d.send_signal(signal.SIGTERM)
            d.wait(60)
        reg.stop()
        subprocess.run(["ip", "link", "del", bridge], capture_output=True)
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
