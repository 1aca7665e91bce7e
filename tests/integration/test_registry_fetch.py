# SPDX-License-Identifier: Apache-2.0
# The registry fetcher end to end: tests/integration/fetch_driver (the daemon's
# registry_get_manifest / registry_get_blob running the real crisp-helper-fetch under its real
# seccomp filter) against Debian's docker-registry (plain HTTP, TLS with a CA dir, htpasswd
# Basic auth, Bearer tokens from a small token server here) and a hostile server on loopback.
# runs in: tests only (root, make check).
import base64
import hashlib
import http.server
import json
import os
import socket
import socketserver
import ssl
import struct
import subprocess
import tempfile
import threading
import time
import urllib.request
import warnings

import pytest

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
HELPER_DIR = os.environ.get("CRISP_HELPER_DIR", os.path.join(REPO, "build", "rel"))
DRIVER = os.path.join(HELPER_DIR, "tests", "fetch_driver")
REGISTRY_BIN = "/usr/bin/docker-registry"
OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json"
USER, PASSWORD = "crisp", "s3cret-pw"
SERVICE, ISSUER = "crisp-test-registry", "crisp-test-issuer"


def sha(data):
    return "sha256:" + hashlib.sha256(data).hexdigest()


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run_driver(*args, timeout=60):
    """Run fetch_driver; returns its JSON result."""
    p = subprocess.run([DRIVER, "--helper-dir", HELPER_DIR, "--timeout-ms", "30000"] + list(args),
                       capture_output=True, text=True, timeout=timeout)
    assert p.returncode == 0, p.stderr
    out = json.loads(p.stdout)
    out["log"] = p.stderr
    return out


def manifest(tmp, *args):
    out = os.path.join(tmp, "manifest.out")
    if os.path.exists(out):
        os.unlink(out)
    res = run_driver(*(list(args) + [out]))
    res["body"] = open(out, "rb").read() if res["rc"] == 0 else None
    return res


def blob(path, *args):
    return run_driver(*(list(args) + [path]))


# ---- certificates ------------------------------------------------------------------------------

def make_cert(d, name):
    key, cert = os.path.join(d, name + ".key"), os.path.join(d, name + ".crt")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key,
                    "-out", cert, "-days", "2", "-subj", "/CN=127.0.0.1",
                    "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"],
                   check=True, capture_output=True)
    return key, cert


# ---- docker-registry ----------------------------------------------------------------------------

class Registry:
    def __init__(self, tmp, storage, auth_yaml="", tls=None):
        self.port = free_port()
        self.addr = "127.0.0.1:%d" % self.port
        cfg = os.path.join(tmp, "registry-%d.yml" % self.port)
        tls_yaml = ""
        if tls:
            tls_yaml = "  tls:\n    certificate: %s\n    key: %s\n" % (tls[1], tls[0])
        with open(cfg, "w") as f:
            f.write("version: 0.1\nlog:\n  level: error\n"
                    "storage:\n  filesystem:\n    rootdirectory: %s\n"
                    "http:\n  addr: %s\n%s%s" % (storage, self.addr, tls_yaml, auth_yaml))
        self.log = open(os.path.join(tmp, "registry-%d.log" % self.port), "wb")
        self.proc = subprocess.Popen([REGISTRY_BIN, "serve", cfg], stdout=self.log,
                                     stderr=subprocess.STDOUT)
        deadline = time.time() + 15
        while True:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                break
            except OSError:
                if self.proc.poll() is not None or time.time() > deadline:
                    raise RuntimeError("docker-registry did not start: " + open(self.log.name).read())
                time.sleep(0.05)

    def stop(self):
        self.proc.terminate()
        self.proc.wait(10)
        self.log.close()


def push_blob(base, repo, data):
    d = sha(data)
    r = urllib.request.urlopen(urllib.request.Request(
        "%s/v2/%s/blobs/uploads/" % (base, repo), method="POST"))
    loc = r.headers["Location"]
    if loc.startswith("/"):
        loc = base + loc
    loc += ("&" if "?" in loc else "?") + "digest=" + d
    urllib.request.urlopen(urllib.request.Request(
        loc, data=data, method="PUT", headers={"Content-Type": "application/octet-stream"}))
    return d


def push_image(base, repo, tag, media_type, layer):
    cfg = json.dumps({"architecture": "amd64", "os": "linux",
                      "rootfs": {"type": "layers", "diff_ids": [sha(layer)]}}).encode()
    cd, ld = push_blob(base, repo, cfg), push_blob(base, repo, layer)
    cfg_mt = ("application/vnd.oci.image.config.v1+json" if media_type == OCI_MANIFEST
              else "application/vnd.docker.container.image.v1+json")
    layer_mt = ("application/vnd.oci.image.layer.v1.tar" if media_type == OCI_MANIFEST
                else "application/vnd.docker.image.rootfs.diff.tar.gzip")
    m = json.dumps({"schemaVersion": 2, "mediaType": media_type,
                    "config": {"mediaType": cfg_mt, "digest": cd, "size": len(cfg)},
                    "layers": [{"mediaType": layer_mt, "digest": ld, "size": len(layer)}]},
                   indent=1).encode()
    urllib.request.urlopen(urllib.request.Request(
        "%s/v2/%s/manifests/%s" % (base, repo, tag), data=m, method="PUT",
        headers={"Content-Type": media_type}))
    return m, ld


@pytest.fixture(scope="module")
def content():
    """One storage dir with test images, pushed through an open registry."""
    tmp = tempfile.mkdtemp(prefix="crisp-fetch-")
    storage = os.path.join(tmp, "storage")
    reg = Registry(tmp, storage)
    base = "http://" + reg.addr
    layer = os.urandom(3 * 1024 * 1024 + 123)
    oci, ld = push_image(base, "library/t", "v1", OCI_MANIFEST, layer)
    docker, _ = push_image(base, "library/d", "latest", DOCKER_MANIFEST, os.urandom(1000))
    c = {"tmp": tmp, "storage": storage, "reg": reg, "oci": oci, "docker": docker,
         "layer": layer, "layer_digest": ld}
    yield c
    reg.stop()


# ---- plain registry ----------------------------------------------------------------------------

def test_manifest_by_tag_and_digest(content, tmp_path):
    reg = content["reg"]
    r = manifest(str(tmp_path), "--plain", "manifest", reg.addr, "library/t", "v1")
    assert r["rc"] == 0, r
    assert r["body"] == content["oci"]
    assert r["media_type"] == OCI_MANIFEST
    assert r["digest"] == sha(content["oci"])
    r2 = manifest(str(tmp_path), "--plain", "manifest", reg.addr, "library/t", sha(content["oci"]))
    assert r2["rc"] == 0 and r2["body"] == content["oci"], r2
    r3 = manifest(str(tmp_path), "--plain", "manifest", reg.addr, "library/d", "latest")
    assert r3["rc"] == 0 and r3["media_type"] == DOCKER_MANIFEST, r3
    assert r3["body"] == content["docker"]


def test_manifest_unknown(content, tmp_path):
    r = manifest(str(tmp_path), "--plain", "manifest", content["reg"].addr, "library/nope", "latest")
    assert r["rc"] != 0 and r["errno"] == "ENOENT", r
    assert "registry %s: manifest unknown: library/nope:latest" % content["reg"].addr in r["err"]


def test_blob_download_and_resume(content, tmp_path):
    reg, layer, d = content["reg"], content["layer"], content["layer_digest"]
    p = str(tmp_path / "blob")
    r = blob(p, "--plain", "blob", reg.addr, "library/t", d, str(len(layer)))
    assert r["rc"] == 0, r
    assert open(p, "rb").read() == layer
    # Resume: the file holds the first part already, only the rest is fetched (Range).
    half = 1234567
    with open(p, "wb") as f:
        f.write(layer[:half])
    r = blob(p, "--plain", "--resume", str(half), "blob", reg.addr, "library/t", d,
             str(len(layer)))
    assert r["rc"] == 0, r
    assert open(p, "rb").read() == layer


def test_blob_unknown(content, tmp_path):
    d = sha(b"not there")
    r = blob(str(tmp_path / "b"), "--plain", "blob", content["reg"].addr, "library/t", d, "9")
    assert r["errno"] == "ENOENT" and "blob unknown: library/t@" + d in r["err"], r


def test_connection_refused(tmp_path):
    r = manifest(str(tmp_path), "--plain", "manifest", "127.0.0.1:%d" % free_port(), "a/b", "v1")
    assert r["errno"] == "ECONNREFUSED" and "connection refused" in r["err"], r


def test_tls_with_ca_dir(content, tmp_path):
    key, cert = make_cert(str(tmp_path), "tls")
    reg = Registry(str(tmp_path), content["storage"], tls=(key, cert))
    try:
        r = manifest(str(tmp_path), "manifest", reg.addr, "library/t", "v1")
        assert r["errno"] == "EPROTO" and "TLS: certificate verify failed" in r["err"], r
        cadir = tmp_path / "certs.d"
        cadir.mkdir()
        (cadir / "ca.crt").write_bytes(open(cert, "rb").read())
        r = manifest(str(tmp_path), "--ca-dir", str(cadir), "manifest", reg.addr, "library/t", "v1")
        assert r["rc"] == 0 and r["body"] == content["oci"], r
        # Plain HTTP to a TLS registry is not silently upgraded or downgraded.
        r = manifest(str(tmp_path), "--plain", "manifest", reg.addr, "library/t", "v1")
        assert r["rc"] != 0, r
    finally:
        reg.stop()


# ---- Basic auth (htpasswd) --------------------------------------------------------------------

def test_basic_auth(content, tmp_path):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        import crypt
        line = "%s:%s\n" % (USER, crypt.crypt(PASSWORD, crypt.mksalt(crypt.METHOD_BLOWFISH)))
    htpasswd = tmp_path / "htpasswd"
    htpasswd.write_text(line)
    reg = Registry(str(tmp_path), content["storage"],
                   "auth:\n  htpasswd:\n    realm: crisp-realm\n    path: %s\n" % htpasswd)
    t = str(tmp_path)
    try:
        r = manifest(t, "--plain", "manifest", reg.addr, "library/t", "v1")
        assert r["errno"] == "EACCES" and "authentication required" in r["err"], r
        assert "no credentials" in r["err"]
        r = manifest(t, "--plain", "--user", USER, "--password", "wrong", "manifest", reg.addr,
                     "library/t", "v1")
        assert r["errno"] == "EACCES" and "authentication required" in r["err"], r
        assert "wrong" not in r["err"] + r["log"]
        r = manifest(t, "--plain", "--user", USER, "--password", PASSWORD, "manifest", reg.addr,
                     "library/t", "v1")
        assert r["rc"] == 0 and r["body"] == content["oci"], r
        b64 = base64.b64encode(("%s:%s" % (USER, PASSWORD)).encode()).decode()
        p = str(tmp_path / "blob")
        r = blob(p, "--plain", "--auth", b64, "blob", reg.addr, "library/t",
                 content["layer_digest"], str(len(content["layer"])))
        assert r["rc"] == 0, r
        assert open(p, "rb").read() == content["layer"]
        assert PASSWORD not in r["err"] + r["log"]
    finally:
        reg.stop()


# ---- Bearer tokens -------------------------------------------------------------------------------

def b64url(b):
    return base64.urlsafe_b64encode(b).rstrip(b"=").decode()


def libtrust_kid(pub_der):
    s = base64.b32encode(hashlib.sha256(pub_der).digest()[:30]).decode().rstrip("=")
    return ":".join(s[i:i + 4] for i in range(0, len(s), 4))


class TokenServer:
    """Issues registry JWTs (RS256, libtrust kid) for USER:PASSWORD (GET, Basic) or a refresh
    token (POST, OAuth2 form); anything else gets 401."""

    REFRESH = "crisp-refresh-token-1"

    def __init__(self, tmp, mode="ok"):
        from cryptography.hazmat.primitives import hashes, serialization
        from cryptography.hazmat.primitives.asymmetric import padding
        self.key_path, self.cert_path = make_cert(tmp, "token")
        key = serialization.load_pem_private_key(open(self.key_path, "rb").read(), None)
        pub = key.public_key().public_bytes(serialization.Encoding.DER,
                                            serialization.PublicFormat.SubjectPublicKeyInfo)
        kid = libtrust_kid(pub)
        self.requests = []
        outer = self

        def token(scope):
            now = int(time.time())
            access = []
            if scope:
                typ, name, actions = scope.split(":")
                access = [{"type": typ, "name": name, "actions": actions.split(",")}]
            head = b64url(json.dumps({"typ": "JWT", "alg": "RS256", "kid": kid}).encode())
            claims = b64url(json.dumps({"iss": ISSUER, "sub": USER, "aud": SERVICE,
                                        "exp": now + 300, "nbf": now - 10, "iat": now,
                                        "jti": os.urandom(8).hex(), "access": access}).encode())
            sig = key.sign(("%s.%s" % (head, claims)).encode(), padding.PKCS1v15(),
                           hashes.SHA256())
            return "%s.%s.%s" % (head, claims, b64url(sig))

        class H(http.server.BaseHTTPRequestHandler):
            def log_message(self, *a):
                pass

            def reply(self, code, body):
                self.send_response(code)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self):
                from urllib.parse import parse_qs, urlparse
                q = parse_qs(urlparse(self.path).query)
                outer.requests.append(("GET", self.path, self.headers.get("Authorization")))
                want = "Basic " + base64.b64encode(("%s:%s" % (USER, PASSWORD)).encode()).decode()
                if mode == "dupkeys":
                    return self.reply(200, b'{"token": "a", "token": "b"}')
                if mode == "badjson":
                    return self.reply(200, b'{"token": "abc"')
                if self.headers.get("Authorization") != want:
                    return self.reply(401, b'{"details": "bad credentials"}')
                t = token(q.get("scope", [""])[0])
                self.reply(200, json.dumps({"token": t, "access_token": t,
                                            "expires_in": 300}).encode())

            def do_POST(self):
                from urllib.parse import parse_qs
                n = int(self.headers.get("Content-Length", "0"))
                form = parse_qs(self.rfile.read(n).decode())
                outer.requests.append(("POST", self.path, self.headers.get("Authorization")))
                if (form.get("grant_type") != ["refresh_token"] or
                        form.get("refresh_token") != [TokenServer.REFRESH]):
                    return self.reply(401, b'{"error": "invalid_grant"}')
                self.reply(200, json.dumps({"access_token": token(form["scope"][0]),
                                            "expires_in": 300}).encode())

        self.server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), H)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.realm = "http://127.0.0.1:%d/token" % self.port
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.token = token

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def token_registry(content, tmp_path):
    ts = TokenServer(str(tmp_path))
    reg = Registry(str(tmp_path), content["storage"],
                   "auth:\n  token:\n    realm: %s\n    service: %s\n    issuer: %s\n"
                   "    rootcertbundle: %s\n" % (ts.realm, SERVICE, ISSUER, ts.cert_path))
    yield reg, ts
    reg.stop()
    ts.stop()


def test_bearer_token_flow(content, token_registry, tmp_path):
    reg, ts = token_registry
    t = str(tmp_path)
    r = manifest(t, "--plain", "manifest", reg.addr, "library/t", "v1")
    assert r["errno"] == "EACCES" and "authentication required" in r["err"], r
    assert "token endpoint" in r["err"]
    r = manifest(t, "--plain", "--user", USER, "--password", PASSWORD, "manifest", reg.addr,
                 "library/t", "v1")
    assert r["rc"] == 0 and r["body"] == content["oci"], r
    # The token request carried service and the registry's scope, with Basic credentials.
    get = [x for x in ts.requests if x[0] == "GET"][-1]
    assert "service=" + SERVICE in get[1] and "scope=repository%3Alibrary%2Ft%3Apull" in get[1]
    assert get[2].startswith("Basic ")
    p = str(tmp_path / "blob")
    r = blob(p, "--plain", "--user", USER, "--password", PASSWORD, "blob", reg.addr, "library/t",
             content["layer_digest"], str(len(content["layer"])))
    assert r["rc"] == 0 and open(p, "rb").read() == content["layer"], r


def test_bearer_identity_and_registry_token(content, token_registry, tmp_path):
    reg, ts = token_registry
    t = str(tmp_path)
    r = manifest(t, "--plain", "--identity-token", TokenServer.REFRESH, "manifest", reg.addr,
                 "library/t", "v1")
    assert r["rc"] == 0 and r["body"] == content["oci"], r
    assert ts.requests[-1][0] == "POST"
    r = manifest(t, "--plain", "--identity-token", "wrong", "manifest", reg.addr, "library/t", "v1")
    assert r["errno"] == "EACCES", r
    n = len(ts.requests)
    tok = ts.token("repository:library/t:pull")
    r = manifest(t, "--plain", "--registry-token", tok, "manifest", reg.addr, "library/t", "v1")
    assert r["rc"] == 0 and r["body"] == content["oci"], r
    assert len(ts.requests) == n  # a registry token goes straight to the registry


@pytest.mark.parametrize("mode,needle", [("dupkeys", "duplicate"), ("badjson", "token reply")])
def test_hostile_token_reply(content, tmp_path, mode, needle):
    ts = TokenServer(str(tmp_path), mode=mode)
    reg = Registry(str(tmp_path), content["storage"],
                   "auth:\n  token:\n    realm: %s\n    service: %s\n    issuer: %s\n"
                   "    rootcertbundle: %s\n" % (ts.realm, SERVICE, ISSUER, ts.cert_path))
    try:
        r = manifest(str(tmp_path), "--plain", "--user", USER, "--password", PASSWORD, "manifest",
                     reg.addr, "library/t", "v1")
        assert r["rc"] != 0 and r["errno"] == "EPROTO", r
        assert needle in r["err"], r
    finally:
        reg.stop()
        ts.stop()


# ---- hostile server ---------------------------------------------------------------------------

class Hostile:
    """A registry that misbehaves on purpose, per blob digest / manifest tag."""

    def __init__(self, tls=None):
        self.requests = []
        self.counts = {}
        self.routes = {}
        outer = self

        class H(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *a):
                pass

            def do_GET(self):
                outer.requests.append((self.path, dict(self.headers)))
                outer.counts[self.path] = outer.counts.get(self.path, 0) + 1
                fn = outer.routes.get(self.path.split("?")[0])
                if not fn:
                    body = b'{"errors":[{"code":"BLOB_UNKNOWN","message":"no"}]}'
                    self.send_response(404)
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                    return
                try:
                    fn(self, outer.counts[self.path])
                except (BrokenPipeError, ConnectionResetError, ssl.SSLError, OSError):
                    pass

        class S(socketserver.ThreadingMixIn, http.server.HTTPServer):
            daemon_threads = True

        self.server = S(("127.0.0.1", 0), H)
        if tls:
            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            ctx.load_cert_chain(tls[1], tls[0])
            self.server.socket = ctx.wrap_socket(self.server.socket, server_side=True)
        self.port = self.server.server_address[1]
        self.addr = "127.0.0.1:%d" % self.port
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


def send(h, code, body=b"", headers=(), length=True):
    h.send_response(code)
    for k, v in headers:
        h.send_header(k, v)
    if length:
        h.send_header("Content-Length", str(len(body)))
    h.end_headers()
    h.wfile.write(body)


@pytest.fixture
def hostile():
    s = Hostile()
    yield s
    s.stop()


def test_blob_larger_than_declared(hostile, tmp_path):
    data = os.urandom(5000)
    d = sha(data[:1000])
    hostile.routes["/v2/h/x/blobs/" + d] = lambda h, n: send(h, 200, data)
    p = str(tmp_path / "b")
    r = blob(p, "--plain", "blob", hostile.addr, "h/x", d, "1000")
    assert r["errno"] == "EFBIG" and "larger than its declared size 1000" in r["err"], r
    assert r["file_size"] <= 1000


def test_endless_blob(hostile, tmp_path):
    def endless(h, n):
        h.send_response(200)
        h.send_header("Connection", "close")
        h.end_headers()
        chunk = b"\0" * 65536
        while True:
            h.wfile.write(chunk)
    d = sha(b"endless")
    hostile.routes["/v2/h/x/blobs/" + d] = endless
    p = str(tmp_path / "b")
    r = blob(p, "--plain", "blob", hostile.addr, "h/x", d, "100000")
    assert r["errno"] == "EFBIG" and "larger than its declared size" in r["err"], r
    assert r["file_size"] <= 100000


def test_stalled_connection(hostile, tmp_path):
    def stall(h, n):
        h.send_response(200)
        h.send_header("Content-Length", "100000")
        h.end_headers()
        h.wfile.write(b"x" * 100)
        h.wfile.flush()
        time.sleep(20)
    d = sha(b"stall")
    hostile.routes["/v2/h/x/blobs/" + d] = stall
    t0 = time.time()
    r = blob(str(tmp_path / "b"), "--plain", "--low-speed", "1000", "--low-speed-s", "2",
             "--retries", str(2**32 - 1), "blob", hostile.addr, "h/x", d, "100000")
    assert r["errno"] == "ETIMEDOUT" and "timed out" in r["err"], r
    assert time.time() - t0 < 15


def test_huge_manifest_refused(hostile, tmp_path):
    def huge(h, n):
        h.send_response(200)
        h.send_header("Content-Type", OCI_MANIFEST)
        h.send_header("Content-Length", str(100 * 1024 * 1024))
        h.end_headers()
        for _ in range(100 * 16):
            h.wfile.write(b" " * 65536)

    def huge_chunked(h, n):
        h.send_response(200)
        h.send_header("Content-Type", OCI_MANIFEST)
        h.send_header("Connection", "close")
        h.end_headers()
        for _ in range(100 * 16):
            h.wfile.write(b" " * 65536)
    hostile.routes["/v2/h/x/manifests/huge"] = huge
    hostile.routes["/v2/h/x/manifests/huge2"] = huge_chunked
    for tag in ("huge", "huge2"):
        r = manifest(str(tmp_path), "--plain", "manifest", hostile.addr, "h/x", tag)
        assert r["errno"] == "EFBIG" and "larger than 4194304 bytes" in r["err"], r


def test_redirect_loop(hostile, tmp_path):
    d = sha(b"loop")
    path = "/v2/h/x/blobs/" + d
    hostile.routes[path] = lambda h, n: send(h, 302, headers=[("Location", path)])
    r = blob(str(tmp_path / "b"), "--plain", "blob", hostile.addr, "h/x", d, "4")
    assert r["errno"] == "EPROTO" and "more than 5 redirects" in r["err"], r


def test_redirect_to_blob_storage_without_credentials(hostile, tmp_path):
    storage = Hostile()
    try:
        data = os.urandom(70000)
        d = sha(data)
        auth = "Basic " + base64.b64encode(b"u:p").decode()

        def registry(h, n):
            if h.headers.get("Authorization") != auth:
                return send(h, 401, headers=[("WWW-Authenticate", 'Basic realm="r"')])
            send(h, 307, headers=[("Location", "http://localhost:%d/store/%s" % (storage.port, d))])
        hostile.routes["/v2/h/x/blobs/" + d] = registry
        storage.routes["/store/" + d] = lambda h, n: send(h, 200, data)
        p = str(tmp_path / "b")
        r = blob(p, "--plain", "--user", "u", "--password", "p", "blob", hostile.addr, "h/x", d,
                 str(len(data)))
        assert r["rc"] == 0, r
        assert open(p, "rb").read() == data
        assert storage.requests and "Authorization" not in storage.requests[0][1]
    finally:
        storage.stop()


def test_https_to_http_redirect_refused(tmp_path):
    key, cert = make_cert(str(tmp_path), "hostile")
    tls = Hostile(tls=(key, cert))
    plain = Hostile()
    try:
        d = sha(b"downgrade")
        tls.routes["/v2/h/x/blobs/" + d] = lambda h, n: send(
            h, 302, headers=[("Location", "http://%s/x" % plain.addr)])
        cadir = tmp_path / "ca"
        cadir.mkdir()
        (cadir / "ca.crt").write_bytes(open(cert, "rb").read())
        r = blob(str(tmp_path / "b"), "--ca-dir", str(cadir), "blob", tls.addr, "h/x", d, "9")
        assert r["errno"] == "EPROTO" and "redirect from https to http refused" in r["err"], r
        assert not plain.requests
    finally:
        tls.stop()
        plain.stop()


def test_5xx_then_success(hostile, tmp_path):
    data = os.urandom(10000)
    d = sha(data)

    def flaky(h, n):
        if n <= 2:
            return send(h, 503, b'{"errors":[{"code":"UNAVAILABLE","message":"busy"}]}')
        send(h, 200, data)
    hostile.routes["/v2/h/x/blobs/" + d] = flaky
    p = str(tmp_path / "b")
    r = blob(p, "--plain", "--retries", "3", "blob", hostile.addr, "h/x", d, str(len(data)))
    assert r["rc"] == 0, r
    assert open(p, "rb").read() == data
    assert hostile.counts["/v2/h/x/blobs/" + d] == 3
    # Without retries the 503 is the answer.
    hostile.counts.clear()
    r = blob(p, "--plain", "--retries", str(2**32 - 1), "blob", hostile.addr, "h/x", d,
             str(len(data)))
    assert r["rc"] != 0 and "HTTP 503" in r["err"] and "UNAVAILABLE" in r["err"], r


def test_reset_then_resume(hostile, tmp_path):
    data = os.urandom(200000)
    d = sha(data)
    half = 80000

    def resetting(h, n):
        rng = h.headers.get("Range")
        if n == 1:
            h.send_response(200)
            h.send_header("Content-Length", str(len(data)))
            h.end_headers()
            h.wfile.write(data[:half])
            h.wfile.flush()
            # An abortive close (RST), with every reference to the socket dropped.
            h.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            h.close_connection = True
            h.wfile.close()
            h.rfile.close()
            h.connection.close()
            return
        start = int(rng.split("=")[1].rstrip("-"))
        send(h, 206, data[start:], headers=[
            ("Content-Range", "bytes %d-%d/%d" % (start, len(data) - 1, len(data)))])
    hostile.routes["/v2/h/x/blobs/" + d] = resetting
    p = str(tmp_path / "b")
    r = blob(p, "--plain", "--retries", "2", "blob", hostile.addr, "h/x", d, str(len(data)))
    assert r["rc"] == 0, r
    assert open(p, "rb").read() == data
    ranges = [rq[1].get("Range") for rq in hostile.requests]
    assert ranges[0] is None and ranges[1] is not None
    assert int(ranges[1].split("=")[1].rstrip("-")) > 0


def test_range_ignored_restarts(hostile, tmp_path):
    data = os.urandom(50000)
    d = sha(data)
    hostile.routes["/v2/h/x/blobs/" + d] = lambda h, n: send(h, 200, data)
    p = str(tmp_path / "b")
    with open(p, "wb") as f:
        f.write(b"garbage-" * 1000)
    r = blob(p, "--plain", "--resume", "8000", "blob", hostile.addr, "h/x", d, str(len(data)))
    assert r["rc"] == 0, r
    assert open(p, "rb").read() == data


def test_wrong_content_range_refused(hostile, tmp_path):
    data = os.urandom(5000)
    d = sha(data)
    hostile.routes["/v2/h/x/blobs/" + d] = lambda h, n: send(
        h, 206, data[10:], headers=[("Content-Range", "bytes 10-4999/5000")])
    r = blob(str(tmp_path / "b"), "--plain", "--resume", "100", "blob", hostile.addr, "h/x", d,
             "5000")
    assert r["errno"] == "EPROTO" and "another range" in r["err"], r


def test_short_blob(hostile, tmp_path):
    data = os.urandom(3000)
    d = sha(data)
    hostile.routes["/v2/h/x/blobs/" + d] = lambda h, n: send(h, 200, data[:1000])
    r = blob(str(tmp_path / "b"), "--plain", "blob", hostile.addr, "h/x", d, "3000")
    assert r["errno"] == "ENODATA" and "shorter than its declared size 3000" in r["err"], r
    assert r["file_size"] == 1000


# ---- the helper's confinement, as written in its policy -----------------------------------------

def test_fetch_policy_shape():
    """The fetcher keeps the network but nothing else a network-facing parser could abuse: no
    exec, no new processes or threads, no namespace or mount games, no file writes except
    pwrite on fd 5, opens read-only only."""
    rules = {}
    directives = {}
    with open(os.path.join(REPO, "policy", "helpers", "fetch.syscalls")) as f:
        for line in f:
            body, _, why = line.partition("#")
            words = body.split()
            if not words:
                continue
            if words[0].startswith("@"):
                directives.setdefault(words[0], []).append(words[1:])
                continue
            assert why.strip(), line
            rules.setdefault(words[0], []).append(words[1:])
    for forbidden in ("execve", "execveat", "clone", "clone3", "fork", "vfork", "unshare",
                      "setns", "mount", "ptrace", "open", "creat", "write", "pwritev",
                      "unlink", "unlinkat", "rename", "renameat", "chmod", "fchmod", "bpf"):
        assert forbidden not in rules, forbidden
    assert rules["pwrite64"] == [["arg0==5"]]
    assert rules["openat"] == [["arg2==O_RDONLY|O_CLOEXEC"]]
    assert sorted(r[0] for r in rules["socket"]) == ["arg0==AF_INET", "arg0==AF_INET6"]
    assert directives["@namespaces"] == [["ipc,uts,mnt,pid"]]  # no net namespace: it fetches
    assert directives["@caps"] == [["none"]] and directives["@user"] == [["nobody"]]
