#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
# Benchmark of image pulls (run by `make bench`, which sets CRISPD): a 5-layer ~100 MiB image
# of incompressible random data (gzip layers) pushed to Debian's docker-registry on 127.0.0.1;
# crispd's cold PullImage (empty store; median of 3, RemoveImage in between) and warm PullImage
# (image and all layers present), wall time and MB/s of compressed bytes, next to the floor
# measured in the same run with standard tools: curl (python urllib if curl is missing) of
# manifest + config, then per layer, the 5 layers in parallel processes: curl of the blob,
# sha256sum, `tar -xzf` into a fresh dir. Prints numbers; needs root (crispd).
import hashlib
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
import io

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
CRISPD = os.environ.get("CRISPD", os.path.join(REPO, "build", "rel", "crispd"))
sys.path.insert(0, os.path.join(REPO, "tests", "integration"))
import oci_images as oi  # noqa: E402

NLAYERS = 5
LAYER_BYTES = 20 << 20
COLD_RUNS = 3


def random_layer(i):
    """One tar with a single file of incompressible random data."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as t:
        d = tarfile.TarInfo("data%d" % i)
        d.type, d.mode, d.mtime = tarfile.DIRTYPE, 0o755, 1700000000
        t.addfile(d)
        data = os.urandom(LAYER_BYTES)
        ti = tarfile.TarInfo("data%d/random.bin" % i)
        ti.size, ti.mode, ti.mtime = len(data), 0o644, 1700000000
        t.addfile(ti, io.BytesIO(data))
    return buf.getvalue()


def fetch_cmd(url, out):
    if shutil.which("curl"):
        return "curl -sSf -o '%s' '%s'" % (out, url)
    return ("%s -c 'import sys,urllib.request; open(sys.argv[2],\"wb\").write("
            "urllib.request.urlopen(sys.argv[1]).read())' '%s' '%s'" % (sys.executable, url, out))


def floor_once(reg, repo, tag, work):
    """What any puller must do: manifest, config, then each layer fetched, hashed and unpacked
    (layers in parallel, one shell per layer)."""
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    t0 = time.perf_counter()
    mf = os.path.join(work, "manifest.json")
    subprocess.run("curl -sSf -H 'Accept: %s' -o '%s' '%s/v2/%s/manifests/%s'"
                   % (oi.OCI_MANIFEST, mf, reg.base, repo, tag) if shutil.which("curl") else
                   fetch_cmd("%s/v2/%s/manifests/%s" % (reg.base, repo, tag), mf),
                   shell=True, check=True)
    with open(mf) as f:
        m = json.load(f)
    cf = os.path.join(work, "config.json")
    subprocess.run(fetch_cmd("%s/v2/%s/blobs/%s" % (reg.base, repo, m["config"]["digest"]), cf)
                   + " && sha256sum '%s' >/dev/null" % cf, shell=True, check=True)
    procs = []
    for i, l in enumerate(m["layers"]):
        blob = os.path.join(work, "layer%d.tar.gz" % i)
        dest = os.path.join(work, "rootfs%d" % i)
        cmd = (fetch_cmd("%s/v2/%s/blobs/%s" % (reg.base, repo, l["digest"]), blob)
               + " && sha256sum '%s' && mkdir '%s' && tar -xzf '%s' -C '%s'"
               % (blob, dest, blob, dest))
        procs.append((l["digest"], subprocess.Popen(cmd, shell=True, stdout=subprocess.PIPE)))
    for digest, p in procs:
        out = p.communicate()[0].decode()
        if p.returncode != 0 or out.split()[0] != digest.split(":")[1]:
            raise RuntimeError("floor layer %s failed: rc=%s %r" % (digest, p.returncode, out))
    return time.perf_counter() - t0


def main():
    tmp = tempfile.mkdtemp(prefix="crisp-bench-pull-")
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
        layers = [random_layer(i) for i in range(NLAYERS)]
        m, md, cd = oi.push_image(reg, "bench/random", "v1", layers)
        blob_bytes = sum(l["size"] for l in json.loads(m)["layers"])
        ref = "%s/bench/random:v1" % reg.addr

        sock = os.path.join(tmp, "crisp.sock")
        log = open(os.path.join(tmp, "crispd.log"), "wb")
        root = os.path.join(tmp, "root")
        d = subprocess.Popen([CRISPD, "--listen", sock, "--root", root, "--runroot",
                              os.path.join(tmp, "run")], stdout=log, stderr=subprocess.STDOUT)
        deadline = time.time() + 10
        while not os.path.exists(sock):
            assert time.time() < deadline and d.poll() is None, "crispd did not start"
            time.sleep(0.02)
        ch = grpc.insecure_channel("unix://" + sock)
        im = rpc.ImageServiceStub(ch)

        def pull():
            t0 = time.perf_counter()
            got = im.PullImage(pb.PullImageRequest(image=pb.ImageSpec(image=ref)),
                               timeout=600).image_ref
            t = time.perf_counter() - t0
            assert got == cd, (got, cd)
            return t

        cold, warm, floor = [], [], []
        for r in range(COLD_RUNS):
            cold.append(pull())
            warm.append(pull())
            im.RemoveImage(pb.RemoveImageRequest(image=pb.ImageSpec(image=ref)), timeout=120)
            floor.append(floor_once(reg, "bench/random", "v1", os.path.join(tmp, "floor")))
        shutil.rmtree(os.path.join(tmp, "floor"), ignore_errors=True)
        fsu = im.ImageFsInfo(pb.ImageFsInfoRequest(), timeout=30)
        left = [u.used_bytes.value for u in fsu.image_filesystems]

        mib = blob_bytes / float(1 << 20)
        print("image pull: %d gzip layers of random data, %.1f MiB compressed, local "
              "docker-registry on 127.0.0.1 (median of %d runs)" % (NLAYERS, mib, COLD_RUNS))
        print("%-58s %9s %9s" % ("", "wall ms", "MiB/s"))
        for name, v in [("crisp PullImage, cold (empty store)", cold),
                        ("floor: curl + sha256sum + tar -xzf, 5 layers parallel", floor),
                        ("crisp PullImage, warm (image and layers present)", warm)]:
            t = statistics.median(v)
            print("%-58s %9.1f %9.1f" % (name, t * 1000, mib / t))
        print("all runs (ms): cold %s | floor %s | warm %s" % (
            ", ".join("%.0f" % (x * 1000) for x in cold),
            ", ".join("%.0f" % (x * 1000) for x in floor),
            ", ".join("%.1f" % (x * 1000) for x in warm)))
        print("image store used after the last RemoveImage: %s bytes" % left)
        ch.close()
    finally:
        if d is not None:
            d.send_signal(signal.SIGTERM)
            d.wait(20)
        reg.stop()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
