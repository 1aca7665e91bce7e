# SPDX-License-Identifier: Apache-2.0
# Test images and a real registry for integration tests: Debian's docker-registry on
# 127.0.0.1 and images built here from busybox-static (tar layers, gzip/zstd/none, OCI and
# Docker media types, indexes), pushed with the plain distribution API (no docker client).
import gzip
import hashlib
import io
import json
import os
import shutil
import socket
import subprocess
import tarfile
import time
import urllib.request

REGISTRY_BIN = "/usr/bin/docker-registry"
BUSYBOX = "/bin/busybox"

OCI_INDEX = "application/vnd.oci.image.index.v1+json"
OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
OCI_CONFIG = "application/vnd.oci.image.config.v1+json"
DOCKER_LIST = "application/vnd.docker.distribution.manifest.list.v2+json"
DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json"
DOCKER_CONFIG = "application/vnd.docker.container.image.v1+json"


def sha(data):
    return "sha256:" + hashlib.sha256(data).hexdigest()


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


class Registry:
    """docker-registry on 127.0.0.1:<free port>, storage in tmp."""

    def __init__(self, tmp, extra_yaml=""):
        self.port = free_port()
        self.addr = "127.0.0.1:%d" % self.port
        self.base = "http://" + self.addr
        cfg = os.path.join(tmp, "registry-%d.yml" % self.port)
        with open(cfg, "w") as f:
            f.write("version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n"
                    "    rootdirectory: %s\n  delete:\n    enabled: true\nhttp:\n  addr: %s\n%s"
                    % (os.path.join(tmp, "storage-%d" % self.port), self.addr, extra_yaml))
        self.log = open(os.path.join(tmp, "registry-%d.log" % self.port), "wb")
        self.proc = subprocess.Popen([REGISTRY_BIN, "serve", cfg], stdout=self.log,
                                     stderr=subprocess.STDOUT)
        deadline = time.time() + 15
        while True:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return
            except OSError:
                if self.proc.poll() is not None or time.time() > deadline:
                    raise RuntimeError("docker-registry did not start")
                time.sleep(0.05)

    def stop(self):
        self.proc.terminate()
        self.proc.wait(10)
        self.log.close()

    def push_blob(self, repo, data, headers=None):
        d = sha(data)
        r = urllib.request.urlopen(urllib.request.Request(
            "%s/v2/%s/blobs/uploads/" % (self.base, repo), method="POST", headers=headers or {}))
        loc = r.headers["Location"]
        if loc.startswith("/"):
            loc = self.base + loc
        loc += ("&" if "?" in loc else "?") + "digest=" + d
        urllib.request.urlopen(urllib.request.Request(
            loc, data=data, method="PUT", headers=dict(headers or {}, **{
                "Content-Type": "application/octet-stream"})))
        return d

    def push_manifest(self, repo, ref, body, media_type, headers=None):
        urllib.request.urlopen(urllib.request.Request(
            "%s/v2/%s/manifests/%s" % (self.base, repo, ref), data=body, method="PUT",
            headers=dict(headers or {}, **{"Content-Type": media_type})))
        return sha(body)


# ---- layers ----------------------------------------------------------------------------------

def tar_layer(entries):
    """entries: list of (name, kind, data_or_target, mode, uid) with kind in
    file/dir/symlink/hardlink/whiteout/opaque. Returns uncompressed tar bytes."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as t:
        for e in entries:
            name, kind = e[0], e[1]
            data = e[2] if len(e) > 2 else b""
            mode = e[3] if len(e) > 3 else None
            uid = e[4] if len(e) > 4 else 0
            ti = tarfile.TarInfo(name)
            ti.uid = ti.gid = uid
            ti.mtime = 1700000000
            if kind == "dir":
                ti.type, ti.mode = tarfile.DIRTYPE, mode or 0o755
                t.addfile(ti)
            elif kind == "symlink":
                ti.type, ti.linkname, ti.mode = tarfile.SYMTYPE, data, 0o777
                t.addfile(ti)
            elif kind == "hardlink":
                ti.type, ti.linkname, ti.mode = tarfile.LNKTYPE, data, 0o644
                t.addfile(ti)
            elif kind == "whiteout":
                d, b = os.path.split(name)
                ti.name = os.path.join(d, ".wh." + b)
                ti.size, ti.mode = 0, 0o644
                t.addfile(ti, io.BytesIO(b""))
            elif kind == "opaque":
                ti.name = os.path.join(name, ".wh..wh..opq")
                ti.size, ti.mode = 0, 0o644
                t.addfile(ti, io.BytesIO(b""))
            else:
                ti.size, ti.mode = len(data), mode or 0o644
                t.addfile(ti, io.BytesIO(data))
    return buf.getvalue()


def busybox_layer(applets=("sh", "echo", "cat", "sleep", "ls", "id", "env", "true",
                           "false", "head", "yes", "dd", "sync", "stat", "test", "grep",
                           "tr", "touch", "wc", "tail", "mkdir", "rm",
                           "unshare", "hostname")):
    with open(BUSYBOX, "rb") as f:
        bb = f.read()
    entries = [("bin", "dir"), ("bin/busybox", "file", bb, 0o755), ("etc", "dir"),
               ("etc/passwd", "file",
                b"root:x:0:0:root:/root:/bin/sh\nappuser:x:1000:1000:app:/home/app:/bin/sh\n"),
               ("etc/group", "file", b"root:x:0:\napp:x:1000:\nextra:x:2000:appuser\n"),
               ("tmp", "dir", b"", 0o1777), ("root", "dir", b"", 0o700),
               ("home", "dir"), ("home/app", "dir", b"", 0o755, 1000)]
    entries += [("bin/" + a, "symlink", "busybox") for a in applets]
    return tar_layer(entries)


def compress(tar, how):
    if how == "gzip":
        return gzip.compress(tar, mtime=0)
    if how == "zstd":
        return subprocess.run(["zstd", "-q", "-c"], input=tar, capture_output=True,
                              check=True).stdout
    return tar


def layer_media(kind, how):
    if kind == "oci":
        return {"none": "application/vnd.oci.image.layer.v1.tar",
                "gzip": "application/vnd.oci.image.layer.v1.tar+gzip",
                "zstd": "application/vnd.oci.image.layer.v1.tar+zstd"}[how]
    return {"none": "application/vnd.docker.image.rootfs.diff.tar",
            "gzip": "application/vnd.docker.image.rootfs.diff.tar.gzip",
            "zstd": "application/vnd.docker.image.rootfs.diff.tar.zstd"}[how]


def push_image(reg, repo, tag, layers, kind="oci", how="gzip", config=None, arch="amd64",
               headers=None, push_tag=True):
    """Push an image made of uncompressed tar layers; returns (manifest bytes, digest,
    config digest)."""
    blobs = [compress(l, how) for l in layers]
    cfg = {"architecture": arch, "os": "linux",
           "config": {"Env": ["PATH=/bin"], "Cmd": ["sh"]},
           "rootfs": {"type": "layers", "diff_ids": [sha(l) for l in layers]}}
    if config:
        cfg["config"].update(config)
    cfgb = json.dumps(cfg).encode()
    cd = reg.push_blob(repo, cfgb, headers)
    descs = []
    for b in blobs:
        descs.append({"mediaType": layer_media(kind, how), "digest": reg.push_blob(repo, b, headers),
                      "size": len(b)})
    mt = OCI_MANIFEST if kind == "oci" else DOCKER_MANIFEST
    m = json.dumps({"schemaVersion": 2, "mediaType": mt,
                    "config": {"mediaType": OCI_CONFIG if kind == "oci" else DOCKER_CONFIG,
                               "digest": cd, "size": len(cfgb)},
                    "layers": descs}, indent=1).encode()
    md = reg.push_manifest(repo, tag if push_tag else sha(m), m, mt, headers)
    return m, md, cd


def push_index(reg, repo, tag, entries, kind="oci"):
    """entries: list of (manifest bytes, platform dict)."""
    mt = OCI_INDEX if kind == "oci" else DOCKER_LIST
    sub = OCI_MANIFEST if kind == "oci" else DOCKER_MANIFEST
    idx = json.dumps({"schemaVersion": 2, "mediaType": mt, "manifests": [
        {"mediaType": sub, "digest": sha(m), "size": len(m), "platform": p}
        for m, p in entries]}).encode()
    return idx, reg.push_manifest(repo, tag, idx, mt)


# ---- a scriptable registry for hostile cases ----------------------------------------------------

import http.server
import socketserver
import threading


class FakeRegistry:
    """A minimal distribution API on 127.0.0.1 serving manifests and blobs from dicts, with
    per-path misbehaviour: routes[path] = callable(handler) overrides the normal answer."""

    def __init__(self):
        self.manifests = {}  # (repo, ref) -> (media type, body)
        self.blobs = {}      # digest -> bytes
        self.routes = {}
        self.hits = {}
        fake = self

        class H(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *a):
                pass

            def do_GET(self):
                fake.hits[self.path] = fake.hits.get(self.path, 0) + 1
                if self.path in fake.routes:
                    return fake.routes[self.path](self)
                if self.path == "/v2/":
                    return self.reply(200, b"{}", "application/json")
                parts = self.path.split("/")
                if len(parts) >= 5 and parts[-2] == "manifests":
                    repo = "/".join(parts[2:-2])
                    m = fake.manifests.get((repo, parts[-1]))
                    if m:
                        return self.reply(200, m[1], m[0])
                if len(parts) >= 5 and parts[-2] == "blobs" and parts[-1] in fake.blobs:
                    return self.reply(200, fake.blobs[parts[-1]], "application/octet-stream")
                self.reply(404, b'{"errors":[{"code":"MANIFEST_UNKNOWN","message":"unknown"}]}',
                           "application/json")

            do_HEAD = do_GET

            def reply(self, code, body, ctype, length=None):
                self.send_response(code)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body) if length is None else length))
                self.end_headers()
                if self.command != "HEAD":
                    try:
                        self.wfile.write(body)
                    except (BrokenPipeError, ConnectionResetError):
                        pass

        class S(socketserver.ThreadingMixIn, http.server.HTTPServer):
            daemon_threads = True
            allow_reuse_address = True

        self.server = S(("127.0.0.1", 0), H)
        self.addr = "127.0.0.1:%d" % self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def add_image(self, repo, tag, layers_blobs, diff_ids, media="oci", layer_media_type=None,
                  config_override=None):
        """layers_blobs: compressed blobs as served; diff_ids: what the config claims."""
        cfg = {"architecture": "amd64", "os": "linux", "config": {"Cmd": ["sh"]},
               "rootfs": {"type": "layers", "diff_ids": diff_ids}}
        cfgb = config_override if config_override is not None else json.dumps(cfg).encode()
        self.blobs[sha(cfgb)] = cfgb
        descs = []
        for b in layers_blobs:
            self.blobs[sha(b)] = b
            descs.append({"mediaType": layer_media_type or layer_media(media, "gzip"),
                          "digest": sha(b), "size": len(b)})
        mt = OCI_MANIFEST if media == "oci" else DOCKER_MANIFEST
        m = json.dumps({"schemaVersion": 2, "mediaType": mt,
                        "config": {"mediaType": OCI_CONFIG, "digest": sha(cfgb),
                                   "size": len(cfgb)},
                        "layers": descs}).encode()
        self.manifests[(repo, tag)] = (mt, m)
        self.manifests[(repo, sha(m))] = (mt, m)
        return m

    def stop(self):
        self.server.shutdown()
        self.server.server_close()
