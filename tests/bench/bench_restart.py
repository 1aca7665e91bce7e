#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
# Restart speed (issue 13): with 50 pods and 100 running containers on record, the time from
# exec of crispd to the first answered Version (median and max over RESTARTS restarts, each
# after a SIGTERM). Prints numbers only; exits non-zero if a call fails or a container is lost.
# Needs root, runc, conmon and docker-registry (as the integration tests). Goal: < 100 ms.
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time

import grpc

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
sys.path.insert(0, os.path.join(REPO, "tests", "integration"))
import oci_images as oi  # noqa: E402

CRISPD = os.environ.get("CRISPD", os.path.join(REPO, "build", "rel", "crispd"))
PODS = int(os.environ.get("BENCH_PODS", "50"))
PER_POD = 2
RESTARTS = 5


def gen_stubs(tmp):
    out = os.path.join(tmp, "stubs")
    os.makedirs(out)
    subprocess.run([sys.executable, "-m", "grpc_tools.protoc", "-I", os.path.join(REPO, "proto"),
                    "--python_out", out, "--grpc_python_out", out, "cri/api.proto"], check=True)
    sys.path.insert(0, out)
    from cri import api_pb2, api_pb2_grpc
    return api_pb2, api_pb2_grpc


class Daemon:
    def __init__(self, tmp, pb, pbg):
        self.tmp, self.pb, self.pbg = tmp, pb, pbg
        self.sock = os.path.join(tmp, "crisp.sock")
        self.args = [CRISPD, "--listen", self.sock, "--root", os.path.join(tmp, "root"),
                     "--runroot", os.path.join(tmp, "run"), "--log-level", "info"]
        self.proc = None

    def start(self):
        """Exec crispd and call Version until it answers; returns the seconds that took."""
        log = open(os.path.join(self.tmp, "crispd.log"), "ab")
        t0 = time.monotonic()
        self.proc = subprocess.Popen(self.args, stdout=log, stderr=subprocess.STDOUT)
        log.close()
        while True:
            if self.proc.poll() is not None:
                raise SystemExit("crispd exited early")
            if os.path.exists(self.sock):
                ch = grpc.insecure_channel("unix://" + self.sock)
                try:
                    self.pbg.RuntimeServiceStub(ch).Version(self.pb.VersionRequest(), timeout=5)
                    took = time.monotonic() - t0
                    break
                except grpc.RpcError:
                    pass
                finally:
                    ch.close()
            if time.monotonic() - t0 > 30:
                raise SystemExit("crispd did not answer Version within 30 s")
            time.sleep(0.002)
        self.ch = grpc.insecure_channel("unix://" + self.sock)
        self.s = self.pbg.RuntimeServiceStub(self.ch)
        self.im = self.pbg.ImageServiceStub(self.ch)
        return took

    def stop(self):
        self.ch.close()
        self.proc.send_signal(signal.SIGTERM)
        self.proc.wait(30)


def populate(d, pb, image):
    d.im.PullImage(pb.PullImageRequest(image=pb.ImageSpec(image=image)), timeout=120)
    for i in range(PODS):
        cfg = pb.PodSandboxConfig(
            metadata=pb.PodSandboxMetadata(name="p%d" % i, namespace="bench", uid="u%d" % i),
            log_directory=os.path.join(d.tmp, "logs", "p%d" % i),
            linux=pb.LinuxPodSandboxConfig(security_context=pb.LinuxSandboxSecurityContext(
                namespace_options=pb.NamespaceOption(network=pb.NODE))))
        pod = d.s.RunPodSandbox(pb.RunPodSandboxRequest(config=cfg), timeout=60).pod_sandbox_id
        for k in range(PER_POD):
            c = pb.ContainerConfig(metadata=pb.ContainerMetadata(name="c%d" % k),
                                   image=pb.ImageSpec(image=image),
                                   command=["sleep", "100000"], log_path="c%d.log" % k)
            cid = d.s.CreateContainer(pb.CreateContainerRequest(
                pod_sandbox_id=pod, config=c, sandbox_config=cfg), timeout=60).container_id
            d.s.StartContainer(pb.StartContainerRequest(container_id=cid), timeout=60)


def running(d, pb):
    cs = d.s.ListContainers(pb.ListContainersRequest(), timeout=30).containers
    return sum(1 for c in cs if c.state == pb.CONTAINER_RUNNING)


def main():
    tmp = tempfile.mkdtemp(prefix="crisp-bench-restart-")
    pb, pbg = gen_stubs(tmp)
    os.makedirs(os.path.join(tmp, "registry"))
    reg = oi.Registry(os.path.join(tmp, "registry"))
    d = Daemon(tmp, pb, pbg)
    try:
        oi.push_image(reg, "bench/bb", "v1", [oi.busybox_layer()])
        d.start()
        t0 = time.monotonic()
        populate(d, pb, "%s/bench/bb:v1" % reg.addr)
        want = PODS * PER_POD
        print("setup: %d pods, %d containers in %.1f s" % (PODS, want, time.monotonic() - t0))
        times = []
        for _ in range(RESTARTS):
            d.stop()
            times.append(d.start())
            n = running(d, pb)
            if n != want:
                raise SystemExit("after restart %d of %d containers running" % (n, want))
        ms = sorted(t * 1000 for t in times)
        print("restart to first Version: median %.1f ms, max %.1f ms (%d restarts)"
              % (statistics.median(ms), ms[-1], RESTARTS))
    finally:
        try:
            for p in d.s.ListPodSandbox(pb.ListPodSandboxRequest(), timeout=30).items:
                d.s.StopPodSandbox(pb.StopPodSandboxRequest(pod_sandbox_id=p.id), timeout=120)
                d.s.RemovePodSandbox(pb.RemovePodSandboxRequest(pod_sandbox_id=p.id),
                                     timeout=120)
            d.stop()
        except Exception as e:  # noqa: BLE001 - cleanup goes on
            print("cleanup: %r" % e, file=sys.stderr)
            if d.proc and d.proc.poll() is None:
                d.proc.kill()
        reg.stop()
        if not os.environ.get("BENCH_KEEP"):
            shutil.rmtree(tmp, ignore_errors=True)
        else:
            print("kept %s" % tmp)


if __name__ == "__main__":
    main()
