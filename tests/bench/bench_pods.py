#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
# Benchmark of pod sandboxes (run by `make bench`, which sets CRISPD): RunPodSandbox and
# StopPodSandbox+RemovePodSandbox over N pods, median and p90, next to the floor measured in
# the same run: a netns made with `ip netns add` plus the same CNI plugin list ADD/DEL invoked
# directly (bridge, portmap, loopback) with the same config. Prints numbers; needs root.
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
N = int(os.environ.get("BENCH_PODS", "50"))
CNI_BIN = "/usr/lib/cni"


def pct(vals, p):
    s = sorted(vals)
    return s[min(len(s) - 1, int(p * (len(s) - 1)))]


def conflist(bridge, subnet, data_dir):
    return {"cniVersion": "1.0.0", "name": "crisp-bench", "plugins": [
        {"type": "bridge", "bridge": bridge, "isGateway": True, "ipMasq": True,
         "ipam": {"type": "host-local", "dataDir": data_dir, "routes": [{"dst": "0.0.0.0/0"}],
                  "ranges": [[{"subnet": subnet}]]}},
        {"type": "portmap", "capabilities": {"portMappings": True}},
        {"type": "loopback"}]}


def plugin(ptype, cmd, netns, cid, conf, prev=None, host_port=None):
    c = dict(conf)
    if prev is not None:
        c["prevResult"] = prev
    if host_port and conf.get("capabilities", {}).get("portMappings"):
        c["runtimeConfig"] = {"portMappings": [{"hostPort": host_port, "containerPort": 80,
                                                "protocol": "tcp"}]}
    env = {"CNI_COMMAND": cmd, "CNI_CONTAINERID": cid, "CNI_NETNS": netns, "CNI_IFNAME": "eth0",
           "CNI_PATH": CNI_BIN, "PATH": "/usr/sbin:/usr/bin:/sbin:/bin"}
    r = subprocess.run([os.path.join(CNI_BIN, ptype)], input=json.dumps(c).encode(), env=env,
                       capture_output=True, check=True)
    return json.loads(r.stdout) if r.stdout.strip() else None


def floor_once(i, cl):
    """What any runtime must do: a netns, then the plugin list ADD (and DEL), with the same
    port mapping the crisp pods get."""
    ns = "crispbench%d" % i
    cid = "floor%d" % i
    t0 = time.perf_counter()
    subprocess.run(["ip", "netns", "add", ns], check=True)
    prev = None
    for p in cl["plugins"]:
        conf = dict(p, name=cl["name"], cniVersion=cl["cniVersion"])
        prev = plugin(p["type"], "ADD", "/run/netns/" + ns, cid, conf, prev, 40000 + i) or prev
    t1 = time.perf_counter()
    for p in reversed(cl["plugins"]):
        conf = dict(p, name=cl["name"], cniVersion=cl["cniVersion"])
        plugin(p["type"], "DEL", "/run/netns/" + ns, cid, conf, prev, 40000 + i)
    subprocess.run(["ip", "netns", "del", ns], check=True)
    t2 = time.perf_counter()
    return t1 - t0, t2 - t1


def main():
    tmp = tempfile.mkdtemp(prefix="crisp-bench-pods-")
    bridge = "crbench%d" % (os.getpid() % 100)
    cl = conflist(bridge, "10.214.0.0/16", os.path.join(tmp, "ipam"))
    netd = os.path.join(tmp, "net.d")
    os.makedirs(netd)
    with open(os.path.join(netd, "10-bench.conflist"), "w") as f:
        json.dump(cl, f)
    with open(os.path.join(tmp, "crisp.conf"), "w") as f:
        f.write("[cni]\nconf_dir = %s\n" % netd)
    out = os.path.join(tmp, "stubs")
    os.makedirs(out)
    subprocess.run([sys.executable, "-m", "grpc_tools.protoc", "-I", os.path.join(REPO, "proto"),
                    "--python_out", out, "--grpc_python_out", out, "cri/api.proto"], check=True)
    sys.path.insert(0, out)
    import grpc
    from cri import api_pb2 as pb, api_pb2_grpc as rpc

    sock = os.path.join(tmp, "crisp.sock")
    log = open(os.path.join(tmp, "crispd.log"), "wb")
    d = subprocess.Popen([CRISPD, "--config", os.path.join(tmp, "crisp.conf"), "--listen", sock,
                          "--root", os.path.join(tmp, "root"), "--runroot",
                          os.path.join(tmp, "run")], stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.time() + 10
        while not os.path.exists(sock):
            assert time.time() < deadline and d.poll() is None
            time.sleep(0.02)
        ch = grpc.insecure_channel("unix://" + sock)
        s = rpc.RuntimeServiceStub(ch)
        run, down, fl_run, fl_down = [], [], [], []
        for i in range(N + 3):
            cfg = pb.PodSandboxConfig(
                metadata=pb.PodSandboxMetadata(name="bench%d" % i, namespace="default",
                                               uid="u%d" % i),
                hostname="bench%d" % i,
                dns_config=pb.DNSConfig(servers=["10.96.0.10"]),
                port_mappings=[pb.PortMapping(container_port=80, host_port=30000 + i)])
            t0 = time.perf_counter()
            pid = s.RunPodSandbox(pb.RunPodSandboxRequest(config=cfg), timeout=60).pod_sandbox_id
            t1 = time.perf_counter()
            s.StopPodSandbox(pb.StopPodSandboxRequest(pod_sandbox_id=pid), timeout=60)
            s.RemovePodSandbox(pb.RemovePodSandboxRequest(pod_sandbox_id=pid), timeout=60)
            t2 = time.perf_counter()
            a, b = floor_once(i, cl)
            if i >= 3:  # warm-up: the bridge and iptables chains get created once
                run.append(t1 - t0)
                down.append(t2 - t1)
                fl_run.append(a)
                fl_down.append(b)
        print("pod sandboxes, %d pods (after 3 warm-up), milliseconds" % N)
        print("%-34s %8s %8s" % ("", "median", "p90"))
        for name, v in [("crisp RunPodSandbox", run), ("floor: netns + CNI ADD", fl_run),
                        ("crisp Stop+RemovePodSandbox", down), ("floor: CNI DEL + netns del", fl_down)]:
            print("%-34s %8.1f %8.1f" % (name, statistics.median(v) * 1000, pct(v, 0.9) * 1000))
        ch.close()
    finally:
        d.send_signal(signal.SIGTERM)
        d.wait(20)
        subprocess.run(["ip", "link", "del", bridge], capture_output=True)
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
