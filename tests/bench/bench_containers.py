#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
# Benchmark of containers (run by `make bench`, which sets CRISPD): in one pod with host
# network (so CNI is not in the numbers), a busybox image pulled from Debian's docker-registry
# on 127.0.0.1; over N containers (env BENCH_CONTAINERS, default 50): CreateContainer +
# StartContainer, ExecSync `true`, StopContainer(timeout 0) + RemoveContainer, median and p90,
# next to the floor measured in the same run: `runc run -d` of an equivalent prepared bundle
# (busybox-static rootfs, `runc spec`, args sleep 1000, non-terminal, host network), then
# `runc exec <id> true`, then `runc kill` + `runc delete -f`, with runc --root on a temp dir.
# Prints numbers; needs root.
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

N = int(os.environ.get("BENCH_CONTAINERS", "50"))
WARMUP = 3
RUNC = shutil.which("runc") or "/usr/sbin/runc"


def pct(vals, p):
    s = sorted(vals)
    return s[min(len(s) - 1, int(p * (len(s) - 1)))]


def make_bundle(path):
    rootfs = os.path.join(path, "rootfs")
    for sub in ("bin", "etc", "tmp", "proc", "sys", "dev"):
        os.makedirs(os.path.join(rootfs, sub))
    shutil.copy(oi.BUSYBOX, os.path.join(rootfs, "bin", "busybox"))
    for a in ("sh", "sleep", "true"):
        os.symlink("busybox", os.path.join(rootfs, "bin", a))
    subprocess.run([RUNC, "spec"], cwd=path, check=True)
    cfgp = os.path.join(path, "config.json")
    with open(cfgp) as f:
        cfg = json.load(f)
    cfg["process"]["terminal"] = False
    cfg["process"]["args"] = ["sleep", "1000"]
    cfg["process"]["env"] = ["PATH=/bin"]
    # host network, like the crisp pod
    cfg["linux"]["namespaces"] = [n for n in cfg["linux"]["namespaces"] if n["type"] != "network"]
    with open(cfgp, "w") as f:
        json.dump(cfg, f)


def floor_once(i, bundle, root):
    cid = "crispbench-floor-%d-%d" % (os.getpid(), i)
    dn = subprocess.DEVNULL
    t0 = time.perf_counter()
    subprocess.run([RUNC, "--root", root, "run", "-d", "--bundle", bundle, cid],
                   stdin=dn, stdout=dn, stderr=dn, check=True)
    t1 = time.perf_counter()
    subprocess.run([RUNC, "--root", root, "exec", cid, "true"], stdin=dn, stdout=dn, check=True)
    t2 = time.perf_counter()
    subprocess.run([RUNC, "--root", root, "kill", cid, "KILL"], check=True)
    subprocess.run([RUNC, "--root", root, "delete", "-f", cid], check=True)
    t3 = time.perf_counter()
    return t1 - t0, t2 - t1, t3 - t2


def main():
    tmp = tempfile.mkdtemp(prefix="crisp-bench-ctr-")
    out = os.path.join(tmp, "stubs")
    os.makedirs(out)
    subprocess.run([sys.executable, "-m", "grpc_tools.protoc", "-I", os.path.join(REPO, "proto"),
                    "--python_out", out, "--grpc_python_out", out, "cri/api.proto"], check=True)
    sys.path.insert(0, out)
    import grpc
    from cri import api_pb2 as pb, api_pb2_grpc as rpc

    bundle = os.path.join(tmp, "bundle")
    runc_root = os.path.join(tmp, "runc-root")
    os.makedirs(bundle)
    os.makedirs(runc_root)
    make_bundle(bundle)

    reg = oi.Registry(tmp)
    d = None
    try:
        oi.push_image(reg, "bench/bb", "v1", [oi.busybox_layer()])
        ref = "%s/bench/bb:v1" % reg.addr
        sock = os.path.join(tmp, "crisp.sock")
        log = open(os.path.join(tmp, "crispd.log"), "wb")
        d = subprocess.Popen([CRISPD, "--listen", sock, "--root", os.path.join(tmp, "root"),
                              "--runroot", os.path.join(tmp, "run")],
                             stdout=log, stderr=subprocess.STDOUT)
        deadline = time.time() + 10
        while not os.path.exists(sock):
            assert time.time() < deadline and d.poll() is None, "crispd did not start"
            time.sleep(0.02)
        ch = grpc.insecure_channel("unix://" + sock)
        s = rpc.RuntimeServiceStub(ch)
        im = rpc.ImageServiceStub(ch)
        im.PullImage(pb.PullImageRequest(image=pb.ImageSpec(image=ref)), timeout=120)
        pod_cfg = pb.PodSandboxConfig(
            metadata=pb.PodSandboxMetadata(name="bench", namespace="default", uid="u-bench"),
            hostname="bench", log_directory=os.path.join(tmp, "podlogs"),
            linux=pb.LinuxPodSandboxConfig(security_context=pb.LinuxSandboxSecurityContext(
                namespace_options=pb.NamespaceOption(network=pb.NODE))))
        pod = s.RunPodSandbox(pb.RunPodSandboxRequest(config=pod_cfg), timeout=60).pod_sandbox_id
        up, ex, down, fl_up, fl_ex, fl_down = [], [], [], [], [], []
        for i in range(N + WARMUP):
            cfg = pb.ContainerConfig(metadata=pb.ContainerMetadata(name="c%d" % i),
                                     image=pb.ImageSpec(image=ref), command=["sleep", "1000"],
                                     log_path="c%d/0.log" % i)
            t0 = time.perf_counter()
            cid = s.CreateContainer(pb.CreateContainerRequest(
                pod_sandbox_id=pod, config=cfg, sandbox_config=pod_cfg), timeout=60).container_id
            s.StartContainer(pb.StartContainerRequest(container_id=cid), timeout=60)
            t1 = time.perf_counter()
            r = s.ExecSync(pb.ExecSyncRequest(container_id=cid, cmd=["true"], timeout=10),
                           timeout=40)
            t2 = time.perf_counter()
            if r.exit_code != 0:
                raise RuntimeError("ExecSync true exited %d: %r" % (r.exit_code, r.stderr))
            s.StopContainer(pb.StopContainerRequest(container_id=cid, timeout=0), timeout=60)
            s.RemoveContainer(pb.RemoveContainerRequest(container_id=cid), timeout=60)
            t3 = time.perf_counter()
            a, b, c = floor_once(i, bundle, runc_root)
            if i >= WARMUP:
                up.append(t1 - t0)
                ex.append(t2 - t1)
                down.append(t3 - t2)
                fl_up.append(a)
                fl_ex.append(b)
                fl_down.append(c)
        s.StopPodSandbox(pb.StopPodSandboxRequest(pod_sandbox_id=pod), timeout=60)
        s.RemovePodSandbox(pb.RemovePodSandboxRequest(pod_sandbox_id=pod), timeout=60)
        print("containers, %d (after %d warm-up), one pod with host network (no CNI in the "
              "numbers), busybox image, milliseconds" % (N, WARMUP))
        print("%-44s %8s %8s" % ("", "median", "p90"))
        for name, v in [("crisp CreateContainer+StartContainer", up),
                        ("floor: runc run -d (prepared bundle)", fl_up),
                        ("crisp ExecSync true", ex),
                        ("floor: runc exec true", fl_ex),
                        ("crisp StopContainer(0)+RemoveContainer", down),
                        ("floor: runc kill KILL + runc delete -f", fl_down)]:
            print("%-44s %8.1f %8.1f" % (name, statistics.median(v) * 1000, pct(v, 0.9) * 1000))
        ch.close()
    finally:
        if d is not None:
            d.send_signal(signal.SIGTERM)
            d.wait(20)
        reg.stop()
        left = subprocess.run([RUNC, "--root", runc_root, "list", "-q"], capture_output=True)
        for cid in left.stdout.decode().split():  # a floor run that failed half-way
            subprocess.run([RUNC, "--root", runc_root, "delete", "-f", cid], capture_output=True)
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
