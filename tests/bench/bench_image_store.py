#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
# Benchmark of the image RPCs kubelet calls in its loops (run by `make bench`, which sets
# CRISPD) against the size of the store (issue 17): ListImages, ImageStatus, a warm PullImage
# (image present) and ImageFsInfo with 0 (a small image only), 1 and 5 images of 100,000
# files each in the store. Median wall time of RUNS calls each, from a gRPC client on the
# same machine, crispd and docker-registry on loopback. None of them should grow with the
# number of files. Prints numbers; needs root (crispd).
import gzip
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
from test_image_store_scale import NFILES, big_layer  # noqa: E402

RUNS = 21
BIG_COUNTS = (0, 1, 5)


def start_crispd(tmp):
    sock = os.path.join(tmp, "crisp.sock")
    log = open(os.path.join(tmp, "crispd.log"), "wb")
    d = subprocess.Popen([CRISPD, "--listen", sock, "--root", os.path.join(tmp, "root"),
                          "--runroot", os.path.join(tmp, "run")], stdout=log,
                         stderr=subprocess.STDOUT)
    deadline = time.time() + 10
    while not os.path.exists(sock):
        assert time.time() < deadline and d.poll() is None, "crispd did not start"
        time.sleep(0.02)
    return d, sock


def push_big(reg, small, i):
    """Image i: the small layer plus a 100,000-file layer of its own (gzip, fast level)."""
    tar = big_layer(i)
    blob = gzip.compress(tar, compresslevel=1, mtime=0)
    cfg_diff = [oi.sha(small), oi.sha(tar)]
    cfgb = json.dumps({"architecture": "amd64", "os": "linux", "config": {"Cmd": ["sh"]},
                       "rootfs": {"type": "layers", "diff_ids": cfg_diff}}).encode()
    repo = "bench/big%d" % i
    cd = reg.push_blob(repo, cfgb)
    sb = gzip.compress(small, mtime=0)
    layers = [{"mediaType": oi.layer_media("oci", "gzip"), "digest": reg.push_blob(repo, b),
               "size": len(b)} for b in (sb, blob)]
    m = json.dumps({"schemaVersion": 2, "mediaType": oi.OCI_MANIFEST,
                    "config": {"mediaType": oi.OCI_CONFIG, "digest": cd, "size": len(cfgb)},
                    "layers": layers}).encode()
    reg.push_manifest(repo, "v1", m, oi.OCI_MANIFEST)
    return "%s/%s:v1" % (reg.addr, repo)


def main():
    tmp = tempfile.mkdtemp(prefix="crisp-bench-imgstore-")
    out = os.path.join(tmp, "stubs")
    os.makedirs(out)
    subprocess.run([sys.executable, "-m", "grpc_tools.protoc", "-I", os.path.join(REPO, "proto"),
                    "--python_out", out, "--grpc_python_out", out, "cri/api.proto"], check=True)
    sys.path.insert(0, out)
    import grpc
    from cri import api_pb2 as pb, api_pb2_grpc as rpc

    reg = oi.Registry(tmp)
    d = None
    try:
        small = oi.tar_layer([("etc", "dir"), ("etc/hello", "file", b"hello\n")])
        oi.push_image(reg, "bench/small", "v1", [small])
        small_ref = "%s/bench/small:v1" % reg.addr
        bigs = [push_big(reg, small, i) for i in range(max(BIG_COUNTS))]
        d, sock = start_crispd(tmp)
        ch = grpc.insecure_channel("unix://" + sock)
        im = rpc.ImageServiceStub(ch)
        spec = pb.ImageSpec(image=small_ref)
        calls = [
            ("ListImages", lambda: im.ListImages(pb.ListImagesRequest(), timeout=60)),
            ("ImageStatus", lambda: im.ImageStatus(pb.ImageStatusRequest(image=spec),
                                                   timeout=60)),
            ("PullImage (warm)", lambda: im.PullImage(pb.PullImageRequest(image=spec),
                                                      timeout=600)),
            ("ImageFsInfo", lambda: im.ImageFsInfo(pb.ImageFsInfoRequest(), timeout=60)),
        ]
        im.PullImage(pb.PullImageRequest(image=spec), timeout=600)
        rows, pulled = {}, 0
        for n in BIG_COUNTS:
            while pulled < n:
                t0 = time.perf_counter()
                im.PullImage(pb.PullImageRequest(image=pb.ImageSpec(image=bigs[pulled])),
                             timeout=1800)
                print("pulled a %d-file image in %.1f s" % (NFILES, time.perf_counter() - t0))
                pulled += 1
            for name, f in calls:
                f()
                ts = []
                for _ in range(RUNS):
                    t0 = time.perf_counter()
                    f()
                    ts.append(time.perf_counter() - t0)
                rows.setdefault(name, []).append(statistics.median(ts) * 1000)
        fs = im.ImageFsInfo(pb.ImageFsInfoRequest(), timeout=60).image_filesystems[0]
        print("image RPCs against the store size: median of %d calls (ms); the store "
              "holds a small image plus N images of %d files" % (RUNS, NFILES))
        print("%-20s" % "" + "".join("%12s" % ("N=%d" % n) for n in BIG_COUNTS))
        for name, _ in calls:
            print("%-20s" % name + "".join("%12.2f" % v for v in rows[name]))
        print("ImageFsInfo with N=%d: %d bytes, %d inodes used" % (
            max(BIG_COUNTS), fs.used_bytes.value, fs.inodes_used.value))
        ch.close()
    finally:
        if d is not None:
            d.send_signal(signal.SIGTERM)
            d.wait(20)
        reg.stop()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
