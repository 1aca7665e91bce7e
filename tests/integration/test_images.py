# SPDX-License-Identifier: Apache-2.0
# The image service through a real gRPC client against Debian's docker-registry on loopback
# and a hostile registry: pulls of OCI/Docker images (gzip, zstd, uncompressed, multi-layer,
# whiteouts, multi-arch index, by tag/digest), Basic auth, ImageStatus/ListImages/RemoveImage/
# ImageFsInfo, shared downloads, hostile content refused with nothing left behind, and a
# crispd killed mid-pull. Needs root.
import base64
import gzip
import json
import os
import signal
import subprocess
import threading
import time
import warnings

import grpc
import pytest

import oci_images as oi

USER, PASSWORD = "crisp", "s3cret-Pa55"


@pytest.fixture(scope="module")
def registry(tmp_path_factory):
    tmp = str(tmp_path_factory.mktemp("registry"))
    reg = oi.Registry(tmp)
    bb = oi.busybox_layer()
    data = oi.tar_layer([("data", "dir"), ("data/a.txt", "file", b"A\n"),
                         ("data/gone.txt", "file", b"old\n"), ("opq", "dir"),
                         ("opq/lower.txt", "file", b"lower\n")])
    top = oi.tar_layer([("data/gone.txt", "whiteout"), ("opq", "dir"), ("opq", "opaque"),
                        ("opq/upper.txt", "file", b"upper\n")])
    reg.images = {}
    for kind in ("oci", "docker"):
        for how in ("gzip", "zstd", "none"):
            m, md, cd = oi.push_image(reg, "test/bb-%s-%s" % (kind, how), "v1", [bb], kind, how)
            reg.images[(kind, how)] = (md, cd)
            if (kind, how) == ("oci", "gzip"):  # a second tag for the same manifest
                reg.push_manifest("test/bb-oci-gzip", "v2", m, oi.OCI_MANIFEST)
    m, md, cd = oi.push_image(reg, "test/layers", "v1", [bb, data, top])
    reg.images["layers"] = (md, cd, [bb, data, top])
    amd, amd_d, amd_c = oi.push_image(reg, "test/multi", "amd64", [bb], arch="amd64")
    arm, arm_d, arm_c = oi.push_image(reg, "test/multi", "arm64",
                                      [oi.tar_layer([("arm", "file", b"arm\n")])], arch="arm64")
    oi.push_index(reg, "test/multi", "v1", [
        (arm, {"os": "linux", "architecture": "arm64", "variant": "v8"}),
        (amd, {"os": "linux", "architecture": "amd64"})])
    reg.images["multi"] = (amd_c, arm_c)
    m, md, cd = oi.push_image(reg, "test/user", "v1", [bb], config={"User": "appuser"})
    reg.images["user"] = cd
    yield reg
    reg.stop()


class Images:
    def __init__(self, d, cri):
        self.d = d
        self.pb, rpc = cri
        self.ch = grpc.insecure_channel(d.target())
        self.s = rpc.ImageServiceStub(self.ch)

    def pull(self, ref, auth=None, timeout=120):
        return self.s.PullImage(self.pb.PullImageRequest(image=self.pb.ImageSpec(image=ref),
                                                         auth=auth), timeout=timeout).image_ref

    def status(self, ref, verbose=False):
        return self.s.ImageStatus(self.pb.ImageStatusRequest(image=self.pb.ImageSpec(image=ref),
                                                             verbose=verbose), timeout=10)

    def list(self, ref=None):
        f = self.pb.ImageFilter(image=self.pb.ImageSpec(image=ref)) if ref else None
        return self.s.ListImages(self.pb.ListImagesRequest(filter=f), timeout=10).images

    def remove(self, ref):
        self.s.RemoveImage(self.pb.RemoveImageRequest(image=self.pb.ImageSpec(image=ref)),
                           timeout=30)

    def store_files(self):
        root = os.path.join(self.d.tmp, "root")
        out = {}
        for sub in ("blobs/tmp", "layers", "images"):
            p = os.path.join(root, sub)
            out[sub] = sorted(os.listdir(p)) if os.path.isdir(p) else []
        return out


@pytest.fixture
def images(crispd, cri):
    im = Images(crispd, cri)
    yield im
    im.ch.close()


@pytest.mark.parametrize("kind", ["oci", "docker"])
@pytest.mark.parametrize("how", ["gzip", "zstd", "none"])
def test_pull_media_types(images, registry, kind, how):
    ref = "%s/test/bb-%s-%s:v1" % (registry.addr, kind, how)
    md, cd = registry.images[(kind, how)]
    assert images.pull(ref) == cd
    st = images.status(ref).image
    assert st.id == cd
    assert st.repo_tags == [ref]
    assert st.repo_digests == ["%s/test/bb-%s-%s@%s" % (registry.addr, kind, how, md)]
    assert st.uid.value == 0 and st.username == ""
    layer = os.path.join(images.d.tmp, "root", "layers")
    diff = os.path.join(layer, os.listdir(layer)[0], "diff")
    assert os.path.islink(os.path.join(diff, "bin", "sh"))
    with open(os.path.join(diff, "bin", "busybox"), "rb") as f, open(oi.BUSYBOX, "rb") as g:
        assert f.read() == g.read()
    assert images.store_files()["blobs/tmp"] == []


def test_pull_by_digest_and_status_verbose(images, registry):
    md, cd = registry.images[("oci", "gzip")]
    ref = "%s/test/bb-oci-gzip@%s" % (registry.addr, md)
    assert images.pull(ref) == cd
    assert images.status(ref).image.id == cd
    both = "%s/test/bb-oci-gzip:v1@%s" % (registry.addr, md)
    assert images.pull(both) == cd
    info = json.loads(images.status(cd, verbose=True).info["info"])
    assert info["config"]["cmd"] == ["sh"] and info["config"]["os"] == "linux"
    assert info["manifestDigest"] == md
    wrong = "%s/test/bb-oci-gzip@sha256:%s" % (registry.addr, "0" * 64)
    with pytest.raises(grpc.RpcError) as e:
        images.pull(wrong)
    assert "manifest" in e.value.details()


def test_multi_layer_whiteout_and_opaque(images, registry):
    md, cd, layers = registry.images["layers"]
    assert images.pull("%s/test/layers:v1" % registry.addr) == cd
    info = json.loads(images.status(cd, verbose=True).info["info"])
    assert len(info["chainIDs"]) == 3
    root = os.path.join(images.d.tmp, "root", "layers")
    top = os.path.join(root, info["chainIDs"][2][7:], "diff")
    st = os.lstat(os.path.join(top, "data", "gone.txt"))
    assert (st.st_mode & 0o170000) == 0o020000 and st.st_rdev == 0  # char 0/0 whiteout
    assert os.getxattr(os.path.join(top, "opq"), "trusted.overlay.opaque") == b"y"
    # Mount the three layers as overlay does for a container: whiteout and opaque work.
    mnt = os.path.join(images.d.tmp, "mnt")
    os.makedirs(mnt)
    lower = ":".join(os.path.join(root, c[7:], "diff") for c in reversed(info["chainIDs"]))
    subprocess.run(["mount", "-t", "overlay", "overlay", "-o", "lowerdir=" + lower, mnt],
                   check=True)
    try:
        assert os.path.exists(os.path.join(mnt, "data", "a.txt"))
        assert not os.path.exists(os.path.join(mnt, "data", "gone.txt"))
        assert sorted(os.listdir(os.path.join(mnt, "opq"))) == ["upper.txt"]
    finally:
        subprocess.run(["umount", mnt], check=True)


def test_multi_arch_index_picks_host(images, registry):
    amd_c, arm_c = registry.images["multi"]
    got = images.pull("%s/test/multi:v1" % registry.addr)
    assert got == (amd_c if os.uname().machine == "x86_64" else arm_c)


def test_image_user_reported(images, registry):
    cd = registry.images["user"]
    images.pull("%s/test/user:v1" % registry.addr)
    st = images.status(cd).image
    assert st.username == "appuser" and not st.HasField("uid")


def test_list_remove_and_fsinfo(images, registry):
    a = "%s/test/bb-oci-gzip:v1" % registry.addr
    b = "%s/test/layers:v1" % registry.addr
    ida, idb = images.pull(a), images.pull(b)
    assert {i.id for i in images.list()} == {ida, idb}
    assert [i.id for i in images.list(a)] == [ida]
    fs = images.s.ImageFsInfo(images.pb.ImageFsInfoRequest(), timeout=10).image_filesystems[0]
    assert fs.used_bytes.value > 1000000 and fs.inodes_used.value > 20
    assert fs.fs_id.mountpoint == os.path.join(images.d.tmp, "root")
    layers_before = images.store_files()["layers"]
    # The busybox layer is shared by both images: removing one keeps it.
    images.remove(ida)
    assert {i.id for i in images.list()} == {idb}
    assert images.status(a).HasField("image") is False
    assert set(images.store_files()["layers"]) == set(layers_before)
    images.remove(b)
    assert len(images.list()) == 0
    assert images.store_files()["layers"] == [] and images.store_files()["images"] == []
    images.remove(b)  # idempotent
    images.remove("sha256:" + "1" * 64)
    fs2 = images.s.ImageFsInfo(images.pb.ImageFsInfoRequest(), timeout=10).image_filesystems[0]
    assert fs2.used_bytes.value < fs.used_bytes.value


def test_remove_by_tag_untags_when_other_tags_remain(images, registry):
    md, cd = registry.images[("oci", "gzip")]
    v1 = "%s/test/bb-oci-gzip:v1" % registry.addr
    v2 = "%s/test/bb-oci-gzip:v2" % registry.addr
    assert images.pull(v1) == images.pull(v2) == cd
    st = images.status(cd).image
    assert sorted(st.repo_tags) == [v1, v2] and len(st.repo_digests) == 1
    images.remove(v1)  # another tag still names it: only this tag goes
    st = images.status(cd).image
    assert st.id == cd and list(st.repo_tags) == [v2]
    images.remove(v2)  # the last tag: the image goes
    assert not images.status(cd).HasField("image")
    assert len(images.list()) == 0


def test_basic_auth_pull(images, tmp_path):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        import crypt
        line = "%s:%s\n" % (USER, crypt.crypt(PASSWORD, crypt.mksalt(crypt.METHOD_BLOWFISH)))
    (tmp_path / "htpasswd").write_text(line)
    reg = oi.Registry(str(tmp_path), "auth:\n  htpasswd:\n    realm: crisp\n    path: %s\n"
                      % (tmp_path / "htpasswd"))
    hdr = {"Authorization": "Basic " + base64.b64encode(
        ("%s:%s" % (USER, PASSWORD)).encode()).decode()}
    try:
        m, md, cd = oi.push_image(reg, "private/bb", "v1", [oi.busybox_layer()], headers=hdr)
        ref = "%s/private/bb:v1" % reg.addr
        with pytest.raises(grpc.RpcError) as e:
            images.pull(ref)
        assert "authentication required" in e.value.details()
        with pytest.raises(grpc.RpcError) as e:
            images.pull(ref, auth=images.pb.AuthConfig(username=USER, password="wrong"))
        assert "wrong" not in e.value.details()
        assert images.pull(ref, auth=images.pb.AuthConfig(username=USER, password=PASSWORD)) == cd
        auth = base64.b64encode(("%s:%s" % (USER, PASSWORD)).encode()).decode()
        images.remove(cd)
        assert images.pull(ref, auth=images.pb.AuthConfig(auth=auth)) == cd
        assert PASSWORD not in images.d.log()
    finally:
        reg.stop()


def test_concurrent_pulls_share_one_download(images):
    fake = oi.FakeRegistry()
    try:
        layer = oi.busybox_layer()
        blob = gzip.compress(layer)
        fake.add_image("test/shared", "v1", [blob], [oi.sha(layer)])
        path = "/v2/test/shared/blobs/" + oi.sha(blob)
        ref = "%s/test/shared:v1" % fake.addr
        res, errs = [], []

        def pull():
            try:
                res.append(images.pull(ref))
            except grpc.RpcError as e:
                errs.append(e.details())

        ts = [threading.Thread(target=pull) for _ in range(6)]
        for t in ts:
            t.start()
        for t in ts:
            t.join(120)
        assert errs == [] and len(set(res)) == 1 and len(res) == 6
        assert fake.hits[path] == 1
        assert len(images.list()) == 1
    finally:
        fake.stop()


def bad_layer(f, entries, config_override=None):
    """An image whose one layer holds entries; the config's diff_id is right, so the pull
    gets as far as unpacking."""
    tar = oi.tar_layer(entries)
    f.add_image("h/x", "v1", [gzip.compress(tar)], [oi.sha(tar)],
                config_override=config_override)
    return tar


def nested_index(f):
    """An index whose entry is another index (that points back at a digest): crisp follows
    one level only, so no loop can start."""
    inner = json.dumps({"schemaVersion": 2, "mediaType": oi.OCI_INDEX, "manifests": [
        {"mediaType": oi.OCI_INDEX, "digest": "sha256:" + "a" * 64, "size": 10,
         "platform": {"os": "linux", "architecture": os_arch()}}]}).encode()
    f.manifests[("h/x", oi.sha(inner))] = (oi.OCI_INDEX, inner)
    outer = json.dumps({"schemaVersion": 2, "mediaType": oi.OCI_INDEX, "manifests": [
        {"mediaType": oi.OCI_MANIFEST, "digest": oi.sha(inner), "size": len(inner),
         "platform": {"os": "linux", "architecture": os_arch()}}]}).encode()
    f.manifests[("h/x", "v1")] = (oi.OCI_INDEX, outer)


def os_arch():
    return {"x86_64": "amd64", "aarch64": "arm64"}.get(os.uname().machine, os.uname().machine)


def hostile_cases():
    bomb_tar = oi.tar_layer([("big", "file", b"\0" * (8 << 20))])
    return {
        "layer digest mismatch": lambda f: (
            bad_layer(f, [("a", "file", b"a")]),
            # same size, other bytes: only the digest check can catch it
            f.blobs.__setitem__(list(f.blobs)[-1], bytes(b ^ 1 for b in f.blobs[list(f.blobs)[-1]])),
            "digest mismatch"),
        "diff_id mismatch": lambda f: (
            f.add_image("h/x", "v1", [gzip.compress(oi.tar_layer([("a", "file", b"a")]))],
                        [oi.sha(b"not it")]),
            "does not match the config"),
        "dot-dot entry": lambda f: (bad_layer(f, [("../escape", "file", b"x")]), "escape"),
        "absolute path": lambda f: (bad_layer(f, [("/etc/evil", "file", b"x")]), "absolute"),
        "symlink then file through it": lambda f: (
            bad_layer(f, [("l", "symlink", "/tmp"), ("l/crisp-evil", "file", b"x")]), "layer"),
        "hardlink to host path": lambda f: (
            bad_layer(f, [("h", "hardlink", "/etc/passwd")]), "link"),
        "invalid config JSON": lambda f: (
            bad_layer(f, [("a", "file", b"a")],
                      config_override=b'{"os":"linux","os":"windows"}'),
            "config"),
        "index points at an index": lambda f: (nested_index(f), "not an image manifest"),
        "100 MiB manifest": lambda f: (
            f.routes.__setitem__("/v2/h/x/manifests/v1", lambda h: h.reply(
                200, b"{" + b" " * (100 << 20) + b"}", oi.OCI_MANIFEST)),
            "manifest"),
        "gzip bomb": lambda f: (
            f.add_image("h/x", "v1", [gzip.compress(bomb_tar)], [oi.sha(bomb_tar)]),
            "limit"),
    }


@pytest.mark.parametrize("name", sorted(hostile_cases()))
def test_hostile_registry(crispd_factory, cri, name, tmp_path):
    # A 4 MiB uncompressed-layer limit makes the gzip bomb cheap to serve.
    d = crispd_factory(config_text="[limits]\nlayer_max_bytes = 4M\n").start()
    images = Images(d, cri)
    fake = oi.FakeRegistry()
    canary = "/tmp/crisp-evil"
    try:
        out = hostile_cases()[name](fake)
        needle = out[-1]
        with pytest.raises(grpc.RpcError) as e:
            images.pull("%s/h/x:v1" % fake.addr, timeout=120)
        assert needle.lower() in e.value.details().lower(), e.value.details()
        assert len(images.list()) == 0
        files = images.store_files()
        assert files["blobs/tmp"] == [] and files["images"] == []
        assert [l for l in files["layers"] if l.startswith("tmp-")] == []
        assert not os.path.exists(canary)
        # The daemon is still fine.
        assert images.s.ImageFsInfo(images.pb.ImageFsInfoRequest(), timeout=10)
    finally:
        fake.stop()
        images.ch.close()


def test_many_tiny_files(images):
    fake = oi.FakeRegistry()
    try:
        entries = [("d", "dir")] + [("d/f%06d" % i, "file", b"x") for i in range(100000)]
        tar = oi.tar_layer(entries)
        fake.add_image("t/many", "v1", [gzip.compress(tar)], [oi.sha(tar)])
        cd = images.pull("%s/t/many:v1" % fake.addr, timeout=300)
        info = json.loads(images.status(cd, verbose=True).info["info"])
        diff = os.path.join(images.d.tmp, "root", "layers", info["chainIDs"][0][7:], "diff", "d")
        assert len(os.listdir(diff)) == 100000
    finally:
        fake.stop()


def test_killed_mid_pull_then_restart(crispd_factory, cri):
    d = crispd_factory().start()
    images = Images(d, cri)
    fake = oi.FakeRegistry()
    try:
        layer = oi.tar_layer([("big", "file", os.urandom(4 << 20))])
        blob = gzip.compress(layer)
        fake.add_image("t/slow", "v1", [blob], [oi.sha(layer)])
        path = "/v2/t/slow/blobs/" + oi.sha(blob)
        started = threading.Event()

        def slow(h):
            started.set()
            h.send_response(200)
            h.send_header("Content-Length", str(len(blob)))
            h.end_headers()
            try:
                h.wfile.write(blob[:1 << 20])
                time.sleep(30)
            except OSError:
                pass

        fake.routes[path] = slow
        t = threading.Thread(target=lambda: pytest.raises(grpc.RpcError, images.pull,
                                                          "%s/t/slow:v1" % fake.addr))
        t.start()
        assert started.wait(30)
        time.sleep(0.5)
        assert images.store_files()["blobs/tmp"] != []  # a partial download exists
        d.proc.kill()
        d.proc.wait()
        t.join(30)
        images.ch.close()
        del fake.routes[path]
        d.start()
        images = Images(d, cri)
        assert images.store_files()["blobs/tmp"] == []
        cd = images.pull("%s/t/slow:v1" % fake.addr)
        assert [i.id for i in images.list()] == [cd]
        assert images.store_files()["blobs/tmp"] == []
    finally:
        fake.stop()
        images.ch.close()


def test_layers_shared_only_by_blob_digest(images):
    """The same tar as gzip and uncompressed: equal diffIDs, different blobs. The unpack
    helper reports the diffID, so sharing on it alone would let a subverted helper poison
    another image's layer; crisp shares a layer only for the same verified blob."""
    fake = oi.FakeRegistry()
    try:
        tar = oi.busybox_layer()
        cfg_b = json.dumps({"architecture": os_arch(), "os": "linux", "config": {"Cmd": ["id"]},
                            "rootfs": {"type": "layers", "diff_ids": [oi.sha(tar)]}}).encode()
        fake.add_image("t/a", "v1", [gzip.compress(tar)], [oi.sha(tar)])
        fake.add_image("t/b", "v1", [tar], [oi.sha(tar)],
                       layer_media_type="application/vnd.oci.image.layer.v1.tar",
                       config_override=cfg_b)
        fake.add_image("t/c", "v1", [gzip.compress(tar)], [oi.sha(tar)],
                       config_override=cfg_b.replace(b'"id"', b'"sh"'))
        a = images.pull("%s/t/a:v1" % fake.addr)
        b = images.pull("%s/t/b:v1" % fake.addr)
        ia = json.loads(images.status(a, verbose=True).info["info"])
        ib = json.loads(images.status(b, verbose=True).info["info"])
        assert a != b and ia["config"]["diffIDs"] == ib["config"]["diffIDs"]
        assert ia["chainIDs"] != ib["chainIDs"]
        assert len(images.store_files()["layers"]) == 2
        # A third image with the very same gzip blob shares the first one's directory.
        images.pull("%s/t/c:v1" % fake.addr)
        assert len(images.store_files()["layers"]) == 2
    finally:
        fake.stop()


def test_config_over_cap_is_not_downloaded(crispd_factory, cri):
    """An image config declared larger than IMAGE_CONFIG_MAX_SIZE (4 MiB) but under the 8 MiB
    the puller used to allow is refused from its descriptor: the blob is never fetched."""
    d = crispd_factory().start()
    images = Images(d, cri)
    fake = oi.FakeRegistry()
    try:
        tar = oi.tar_layer([("a", "file", b"a")])
        cfg = json.dumps({"architecture": os_arch(), "os": "linux", "config": {"Cmd": ["sh"]},
                          "rootfs": {"type": "layers", "diff_ids": [oi.sha(tar)]}})
        cfgb = (cfg[:-1] + " " * (5 << 20) + "}").encode()
        fake.add_image("h/x", "v1", [gzip.compress(tar)], [oi.sha(tar)], config_override=cfgb)
        with pytest.raises(grpc.RpcError) as e:
            images.pull("%s/h/x:v1" % fake.addr, timeout=120)
        assert "larger than 4194304 bytes" in e.value.details(), e.value.details()
        assert [p for p in fake.hits if p.endswith(oi.sha(cfgb))] == []
        assert len(images.list()) == 0
    finally:
        fake.stop()
        images.ch.close()
