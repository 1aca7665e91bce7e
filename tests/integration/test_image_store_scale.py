# SPDX-License-Identifier: Apache-2.0
# Issue 17: no image RPC walks the store's files. With a 100,000-file image in the store,
# ListImages, ImageStatus, a warm PullImage and ImageFsInfo make a bounded number of
# stat/getdents calls (counted with strace -f -c on crispd during the call; a walk would need
# one stat per file), and the sizes they report equal a walk done here (du semantics: every
# inode once, st_blocks * 512). Layers without a size record (a store from before the change)
# are measured once in the background at start-up. Needs root and strace.
import json
import os
import signal
import stat
import subprocess
import tempfile
import time

import grpc
import pytest

import oci_images as oi

NFILES = 100000
# A walk of the store would make at least NFILES of these; records and flat blob/record
# directories need a few per image, helper start-up (a warm pull runs the manifest and
# config helpers) a few hundred.
STAT_CALLS = ("newfstatat", "fstatat64", "statx", "stat", "lstat", "getdents64")
MAX_STAT_CALLS = 2000


def ustar(name, typ=b"0", data=b"", link=""):
    """One ustar member, written by hand: tarfile takes over a minute for 100,000 members."""
    h = bytearray(512)
    h[0:len(name)] = name.encode()
    h[100:108] = b"%07o\0" % (0o755 if typ == b"5" else 0o644)
    h[108:116] = h[116:124] = b"0000000\0"
    h[124:136] = b"%011o\0" % len(data)
    h[136:148] = b"%011o\0" % 1700000000
    h[148:156] = b" " * 8
    h[156:157] = typ
    h[157:157 + len(link)] = link.encode()
    h[257:265] = b"ustar\x0000"
    h[148:156] = b"%06o\0 " % sum(h)
    return bytes(h) + data + b"\0" * (-len(data) % 512)


def big_layer(seed=0):
    """NFILES entries in 100 directories; every 10th file has 3003 bytes of data; a few
    hardlinks (counted once), a symlink, a whiteout and an entry replaced by a later one
    (whose data carries seed, so layers of different seeds differ)."""
    out = [ustar("d%02d" % d, b"5") for d in range(100)]
    for i in range(NFILES - 100 - 6):
        data = (b"%07d" % i) * 429 if i % 10 == 0 else b""
        out.append(ustar("d%02d/f%06d" % (i % 100, i), data=data))
    out += [ustar("links", b"5"), ustar("links/a", b"1", link="d00/f000000"),
            ustar("links/b", b"1", link="d00/f000000"), ustar("links/c", b"2", link="../d01"),
            ustar("d00/f000000", data=b"replaced %d\n" % seed * 1000), ustar("links/.wh.gone")]
    return b"".join(out) + b"\0" * 1024


def du(paths):
    """(bytes, inodes) of everything beneath paths (not the paths themselves when they are
    directories listed with contents_only), each inode once."""
    seen, total, inodes = set(), 0, 0
    stack = list(paths)
    while stack:
        p = stack.pop()
        st = os.lstat(p)
        key = (st.st_dev, st.st_ino)
        if not stat.S_ISDIR(st.st_mode) and st.st_nlink > 1:
            if key in seen:
                continue
            seen.add(key)
        total += st.st_blocks * 512
        inodes += 1
        if stat.S_ISDIR(st.st_mode):
            stack.extend(os.path.join(p, n) for n in os.listdir(p))
    return total, inodes


def store_du(root):
    tops = []
    for sub in ("blobs/sha256", "layers", "images"):
        d = os.path.join(root, sub)
        tops += [os.path.join(d, n) for n in os.listdir(d)]
    return du(tops)


@pytest.fixture(scope="module")
def registry(tmp_path_factory):
    tmp = str(tmp_path_factory.mktemp("registry"))
    reg = oi.Registry(tmp)
    small = oi.tar_layer([("etc", "dir"), ("etc/hello", "file", b"hello\n")])
    oi.push_image(reg, "test/small", "v1", [small])
    oi.push_image(reg, "test/big", "v1", [small, big_layer()])
    yield reg
    reg.stop()


class Client:
    def __init__(self, d, cri):
        self.d = d
        self.pb, rpc = cri
        self.ch = grpc.insecure_channel(d.target())
        self.s = rpc.ImageServiceStub(self.ch)

    def pull(self, ref):
        return self.s.PullImage(self.pb.PullImageRequest(image=self.pb.ImageSpec(image=ref)),
                                timeout=300).image_ref

    def status(self, ref, verbose=False):
        return self.s.ImageStatus(self.pb.ImageStatusRequest(
            image=self.pb.ImageSpec(image=ref), verbose=verbose), timeout=30)

    def list(self):
        return self.s.ListImages(self.pb.ListImagesRequest(), timeout=30).images

    def fsinfo(self):
        return self.s.ImageFsInfo(self.pb.ImageFsInfoRequest(),
                                  timeout=30).image_filesystems[0]


def stat_calls(pid, call):
    """Run call() with strace -f -c attached to every thread of pid; returns the number of
    stat-family and getdents calls made meanwhile (helpers the call spawned included)."""
    out = tempfile.NamedTemporaryFile(prefix="strace-", delete=False).name
    tr = subprocess.Popen(["strace", "-f", "-c", "-o", out, "-p", str(pid)],
                          stderr=subprocess.PIPE)
    # strace says "Process N attached" for every thread once it is in place.
    buf = b""
    deadline = time.time() + 10
    while b"attached" not in buf and time.time() < deadline:
        buf += tr.stderr.read1(4096)
    time.sleep(0.2)
    try:
        call()
    finally:
        tr.send_signal(signal.SIGINT)
        tr.wait(30)
    n = 0
    with open(out) as f:
        for line in f:
            parts = line.split()
            # % time, seconds, usecs/call, calls, [errors,] syscall
            if len(parts) in (5, 6) and parts[-1] in STAT_CALLS:
                n += int(parts[3])
    os.unlink(out)
    return n


def check_sizes(c, root, ref):
    st = c.status(ref, verbose=True)
    info = json.loads(st.info["info"])
    layers = [os.path.join(root, "layers", ch[7:]) for ch in info["chainIDs"]]
    assert st.image.size == du(layers)[0]
    assert [i.size for i in c.list() if i.id == st.image.id] == [st.image.size]
    fs = c.fsinfo()
    assert (fs.used_bytes.value, fs.inodes_used.value) == store_du(root)
    return st.image.size


def test_image_rpcs_do_not_walk(crispd, cri, registry):
    c = Client(crispd, cri)
    root = os.path.join(crispd.tmp, "root")
    small = "%s/test/small:v1" % registry.addr
    big = "%s/test/big:v1" % registry.addr
    c.pull(small)
    calls = {
        "ListImages": c.list,
        "ImageStatus": lambda: c.status(small),
        "PullImage": lambda: c.pull(small),
        "ImageFsInfo": c.fsinfo,
    }
    base = {k: stat_calls(crispd.proc.pid, f) for k, f in calls.items()}
    c.pull(big)
    assert du([os.path.join(root, "layers")])[1] > NFILES
    counts = {k: stat_calls(crispd.proc.pid, f) for k, f in calls.items()}
    counts["ImageStatus(big)"] = stat_calls(crispd.proc.pid, lambda: c.status(big))
    counts["PullImage(big)"] = stat_calls(crispd.proc.pid, lambda: c.pull(big))
    print("stat/getdents calls, empty store:", base, "with the big image:", counts)
    for k, n in counts.items():
        assert n <= MAX_STAT_CALLS, (k, n, base)
    # Each call costs about what it cost before the big image came (a few stats per image).
    for k in calls:
        assert counts[k] <= base[k] + 200, (k, counts[k], base[k])
    size = check_sizes(c, root, big)
    assert size > NFILES // 10 * 3000


def test_unrecorded_layers_measured_at_start(crispd_factory, cri, registry):
    d = crispd_factory().start()
    c = Client(d, cri)
    root = os.path.join(d.tmp, "root")
    big = "%s/test/big:v1" % registry.addr
    c.pull(big)
    want = check_sizes(c, root, big)
    c.ch.close()
    d.stop()
    # A store from before size records: no layer.pb anywhere.
    layers = os.path.join(root, "layers")
    for h in os.listdir(layers):
        os.unlink(os.path.join(layers, h, "layer.pb"))
    d.start()
    c = Client(d, cri)
    assert len(c.list()) == 1  # answers at once, whatever the measurement's progress
    deadline = time.time() + 60
    while "measured 2 layers that had no size record" not in d.log():
        assert time.time() < deadline, d.log()[-3000:]
        time.sleep(0.1)
    assert all(os.path.exists(os.path.join(layers, h, "layer.pb")) for h in os.listdir(layers))
    assert check_sizes(c, root, big) == want
    c.ch.close()
