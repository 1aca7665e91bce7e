# SPDX-License-Identifier: Apache-2.0
# Layer unpack end to end: daemon/images/layer.c's layer_unpack() (through tests/integration/
# unpack_driver) runs the real crisp-helper-unpack under its real seccomp filter, chrooted,
# on layers built here with tarfile/gzip/zstd: a normal layer, whiteouts and opaque dirs
# (then mounted as overlay), hostile layers, 100,000 files, and the helper's confinement.
# runs in: make check (as root).
import gzip
import hashlib
import io
import json
import os
import shutil
import stat
import subprocess
import tarfile
import time

import pytest

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
HELPER_DIR = os.environ.get("CRISP_HELPER_DIR", os.path.join(REPO, "build", "rel"))
DRIVER = os.path.join(HELPER_DIR, "tests", "unpack_driver")
MTIME = 1600000000
# struct vfs_cap_data v2: magic 0x02000001 (effective), permitted CAP_NET_RAW (bit 13).
CAP = b"\x01\x00\x00\x02" + b"\x00\x20\x00\x00" + b"\x00" * 12

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="layer unpack tests need root")


def ti(name, type=tarfile.REGTYPE, data=b"", **kw):
    i = tarfile.TarInfo(name)
    i.type = type
    i.size = len(data) if type == tarfile.REGTYPE else 0
    i.mtime = MTIME
    for k, v in kw.items():
        setattr(i, k, v)
    return (i, data if type == tarfile.REGTYPE else None)


def tar_bytes(members):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as t:
        for info, data in members:
            t.addfile(info, io.BytesIO(data) if data is not None else None)
    return buf.getvalue()


def compress(data, comp):
    if comp == "gzip":
        return gzip.compress(data, 6)
    if comp == "zstd":
        return subprocess.run(["zstd", "-q", "-c"], input=data, capture_output=True,
                              check=True).stdout
    return data


def snapshot(path):
    """Names, types, sizes and mtimes of everything under path (to prove nothing changed)."""
    out = {}
    for root, dirs, files in os.walk(path):
        for n in dirs + files:
            p = os.path.join(root, n)
            st = os.lstat(p)
            out[os.path.relpath(p, path)] = (stat.S_IFMT(st.st_mode), st.st_size, st.st_mtime_ns,
                                             st.st_nlink)
    return out


def host_etc():
    st = os.stat("/etc/passwd")
    with open("/etc/passwd", "rb") as f:
        return (st.st_nlink, st.st_mtime_ns, hashlib.sha256(f.read()).hexdigest(),
                sorted(os.listdir("/etc")))


class Env:
    def __init__(self, tmp):
        self.tmp = str(tmp)
        self.outside = os.path.join(self.tmp, "outside")
        os.makedirs(self.outside)
        with open(os.path.join(self.outside, "canary"), "w") as f:
            f.write("canary\n")
        os.makedirs(os.path.join(self.tmp, "layers"), mode=0o700)
        self.n = 0

    def unpack(self, blob, comp="none", max_bytes=1 << 30, wait=True):
        self.n += 1
        path = os.path.join(self.tmp, "blob%d" % self.n)
        with open(path, "wb") as f:
            f.write(blob)
        dest = os.path.join(self.tmp, "layers", str(self.n), "diff")
        os.makedirs(dest)
        args = [DRIVER, HELPER_DIR, path, dest, comp, str(max_bytes)]
        if not wait:
            return subprocess.Popen(args, stdout=subprocess.PIPE), dest
        out = subprocess.run(args, capture_output=True, check=True, timeout=600)
        return json.loads(out.stdout), dest


@pytest.fixture
def env(tmp_path):
    if not os.path.exists(DRIVER):
        pytest.fail("unpack_driver not built: %s" % DRIVER)
    return Env(tmp_path)


def normal_layer():
    return tar_bytes([
        ti("./", tarfile.DIRTYPE, mode=0o755),
        ti("etc/", tarfile.DIRTYPE, mode=0o755),
        ti("etc/hosts", data=b"127.0.0.1 localhost\n", mode=0o644, uid=1000, gid=1000),
        ti("bin/", tarfile.DIRTYPE, mode=0o755),
        ti("bin/ping", data=b"\x7fELF-ping", mode=0o4755, pax_headers={
            "SCHILY.xattr.security.capability": CAP.decode("latin-1"),
            "SCHILY.xattr.trusted.overlay.opaque": "y",
            "SCHILY.xattr.trusted.evil": "x",
            "SCHILY.xattr.security.selinux": "system_u:object_r:shadow_t:s0",
            "SCHILY.xattr.user.note": "kept"}),
        ti("bin/sh", tarfile.SYMTYPE, linkname="/bin/busybox"),
        ti("bin/hosts-link", tarfile.LNKTYPE, linkname="etc/hosts"),
        ti("srv/", tarfile.DIRTYPE, mode=0o2775, uid=1000, gid=1000),
        ti("dev/null", tarfile.CHRTYPE, devmajor=1, devminor=3, mode=0o666),
        ti("run/fifo", tarfile.FIFOTYPE, mode=0o600),
        ti("deep/implicit/parents/file", data=b"x"),
    ])


@pytest.mark.parametrize("comp", ["none", "gzip", "zstd"])
def test_normal_layer(env, comp):
    if comp == "zstd" and not shutil.which("zstd"):
        pytest.skip("the zstd tool is not installed (needed to build the test layer)")
    tar = normal_layer()
    res, d = env.unpack(compress(tar, comp), comp)
    assert res["ok"], res
    assert res["diff_id"] == "sha256:" + hashlib.sha256(tar).hexdigest()
    assert res["size"] == len(tar)
    assert res["entries"] == 11
    st = os.lstat(os.path.join(d, "etc/hosts"))
    assert (st.st_uid, st.st_gid, stat.S_IMODE(st.st_mode)) == (1000, 1000, 0o644)
    assert st.st_mtime == MTIME and st.st_nlink == 2
    with open(os.path.join(d, "etc/hosts"), "rb") as f:
        assert f.read() == b"127.0.0.1 localhost\n"
    assert os.lstat(os.path.join(d, "bin/hosts-link")).st_ino == st.st_ino
    ping = os.path.join(d, "bin/ping")
    assert stat.S_IMODE(os.lstat(ping).st_mode) == 0o4755
    assert os.getxattr(ping, "security.capability") == CAP
    assert os.getxattr(ping, "user.note") == b"kept"
    names = os.listxattr(ping)
    assert not [n for n in names if n.startswith("trusted.")], names
    assert "security.selinux" not in names or \
        b"shadow_t" not in os.getxattr(ping, "security.selinux")
    assert os.readlink(os.path.join(d, "bin/sh")) == "/bin/busybox"
    srv = os.lstat(os.path.join(d, "srv"))
    assert stat.S_IMODE(srv.st_mode) == 0o2775 and srv.st_uid == 1000
    assert srv.st_mtime == MTIME and os.lstat(d).st_mtime == MTIME
    null = os.lstat(os.path.join(d, "dev/null"))
    assert stat.S_ISCHR(null.st_mode) and os.major(null.st_rdev) == 1 and \
        os.minor(null.st_rdev) == 3
    assert stat.S_ISFIFO(os.lstat(os.path.join(d, "run/fifo")).st_mode)
    assert os.path.isfile(os.path.join(d, "deep/implicit/parents/file"))
    assert stat.S_IMODE(os.lstat(os.path.join(d, "deep")).st_mode) == 0o755


def test_whiteout_opaque_overlay(env):
    lower = tar_bytes([
        ti("a/keep", data=b"keep"), ti("a/gone", data=b"gone"),
        ti("d/old", data=b"old"), ti("d/sub/older", data=b"older")])
    upper = tar_bytes([
        ti("a/.wh.gone"), ti("d/.wh..wh..opq"), ti("d/new", data=b"new"),
        ti("e/.wh..wh..opq"), ti(".wh..wh.plnk/junk", data=b"aufs")])
    res_l, dl = env.unpack(lower)
    res_u, du = env.unpack(upper)
    assert res_l["ok"] and res_u["ok"], (res_l, res_u)
    wh = os.lstat(os.path.join(du, "a/gone"))
    assert stat.S_ISCHR(wh.st_mode) and wh.st_rdev == 0
    assert not os.path.exists(os.path.join(du, "a/.wh.gone"))
    assert os.getxattr(os.path.join(du, "d"), "trusted.overlay.opaque") == b"y"
    assert os.getxattr(os.path.join(du, "e"), "trusted.overlay.opaque") == b"y"
    assert not os.path.exists(os.path.join(du, "d/.wh..wh..opq"))
    assert not os.path.exists(os.path.join(du, ".wh..wh.plnk"))
    mnt = os.path.join(env.tmp, "mnt")
    os.makedirs(mnt)
    subprocess.run(["mount", "-t", "overlay", "overlay", "-o",
                    "lowerdir=%s:%s" % (du, dl), mnt], check=True)
    try:
        assert sorted(os.listdir(os.path.join(mnt, "a"))) == ["keep"]
        assert sorted(os.listdir(os.path.join(mnt, "d"))) == ["new"]
        with open(os.path.join(mnt, "a/keep")) as f:
            assert f.read() == "keep"
    finally:
        subprocess.run(["umount", mnt], check=True)


def many_zero_files(n, size):
    """A gzip bomb: n files of size zero bytes, compressed ~1000:1."""
    buf = io.BytesIO()
    with gzip.GzipFile(fileobj=buf, mode="wb", compresslevel=9) as g:
        with tarfile.open(fileobj=g, mode="w|", format=tarfile.PAX_FORMAT) as t:
            for i in range(n):
                info = tarfile.TarInfo("z%d" % i)
                info.size = size
                t.addfile(info, io.BytesIO(b"\0" * size))
    return buf.getvalue()


def padded_bomb():
    tar = tar_bytes([ti("a", data=b"a")])
    return gzip.compress(tar + b"\0" * (64 << 20), 9)


HOSTILE = [
    ("dotdot", lambda: tar_bytes([ti("../outside/pwned", data=b"x")]), "none",
     'layer entry "../outside/pwned": path escapes the layer'),
    ("dotdot_inner", lambda: tar_bytes([ti("a/../../outside/pwned", data=b"x")]), "none",
     "path escapes the layer"),
    ("absolute", lambda: tar_bytes([ti("/etc/passwd", data=b"x")]), "none", "absolute path"),
    ("symlink_then_file", lambda: tar_bytes([
        ti("etc", tarfile.SYMTYPE, linkname="/etc"), ti("etc/passwd", data=b"pwned")]),
     "none", "is a symlink or not a directory"),
    ("symlink_relative_up", lambda: tar_bytes([
        ti("up", tarfile.SYMTYPE, linkname="../../../outside"), ti("up/pwned", data=b"x")]),
     "none", "is a symlink or not a directory"),
    ("hardlink_absolute", lambda: tar_bytes([ti("p", tarfile.LNKTYPE, linkname="/etc/passwd")]),
     "none", "absolute path"),
    ("hardlink_host_relative", lambda: tar_bytes([
        ti("p", tarfile.LNKTYPE, linkname="etc/passwd")]), "none", "is not in this layer"),
    ("hardlink_through_symlink", lambda: tar_bytes([
        ti("x", tarfile.SYMTYPE, linkname="/etc"),
        ti("p", tarfile.LNKTYPE, linkname="x/passwd")]), "none", "symlink or not a directory"),
    ("hardlink_dotdot", lambda: tar_bytes([
        ti("p", tarfile.LNKTYPE, linkname="../../../../etc/passwd")]), "none",
     "escapes the layer"),
    ("whiteout_device", lambda: tar_bytes([ti("w", tarfile.CHRTYPE, devmajor=0, devminor=0)]),
     "none", "character device 0/0"),
    ("gzip_bomb", lambda: many_zero_files(64, 1 << 20), "gzip",
     "layer larger than the 16777216-byte uncompressed limit (layer_max_bytes)"),
    ("zero_padding", padded_bomb, "gzip", "past the tar end-of-archive marker"),
    ("truncated_gzip", lambda: gzip.compress(tar_bytes([ti("a", data=os.urandom(20000))]))[:5000],
     "gzip", "gzip: "),
    ("not_tar", lambda: b"<html>this is not a layer</html>\n" * 100, "none", "not a tar archive"),
    ("plain_tar_said_gzip", lambda: tar_bytes([ti("a", data=b"a")]), "gzip", "gzip: "),
    ("bad_owner", lambda: tar_bytes([ti("a", data=b"a", uid=4294967295)]), "none",
     "owner uid 4294967295 out of range"),
    ("dir_replaced", lambda: tar_bytes([ti("d", tarfile.DIRTYPE), ti("d", data=b"x")]), "none",
     "replaces a directory"),
]


@pytest.mark.parametrize("name,make,comp,want", HOSTILE, ids=[h[0] for h in HOSTILE])
def test_hostile(env, name, make, comp, want):
    before_out, before_etc = snapshot(env.outside), host_etc()
    res, d = env.unpack(make(), comp, max_bytes=16 << 20)
    assert not res["ok"], res
    assert want in res["error"], res
    assert snapshot(env.outside) == before_out
    assert host_etc() == before_etc
    # Nothing escaped beside the layer directory either.
    assert sorted(os.listdir(os.path.dirname(d))) == ["diff"]
    if name == "symlink_then_file":
        assert os.readlink(os.path.join(d, "etc")) == "/etc"


def test_100k_tiny_files(env):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.GNU_FORMAT) as t:
        for i in range(100000):
            info = tarfile.TarInfo("f/%03d/%d" % (i % 1000, i))
            info.size = 1
            t.addfile(info, io.BytesIO(b"x"))
    blob = gzip.compress(buf.getvalue(), 1)
    start = time.monotonic()
    res, d = env.unpack(blob, "gzip")
    took = time.monotonic() - start
    assert res["ok"], res
    assert res["entries"] == 100000
    assert len(os.listdir(os.path.join(d, "f"))) == 1000
    assert os.path.getsize(os.path.join(d, "f/999/99999")) == 1
    print("100,000 files unpacked in %.2f s" % took)


def helper_pids():
    out = []
    for p in os.listdir("/proc"):
        if p.isdigit():
            try:
                with open("/proc/%s/comm" % p) as f:
                    if f.read().strip() == "crisp-helper-un":
                        out.append(int(p))
            except OSError:
                pass
    return out


def test_confinement(env):
    """While the helper runs: its root is the layer dir (host /etc invisible), it has its own
    network namespace, no_new_privs, a seccomp filter, and only the file capabilities."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.GNU_FORMAT) as t:
        for i in range(60000):
            info = tarfile.TarInfo("c/%d" % i)
            info.size = 1
            t.addfile(info, io.BytesIO(b"x"))
    before = set(helper_pids())
    proc, dest = env.unpack(buf.getvalue(), wait=False)
    seen = None
    deadline = time.monotonic() + 60
    while proc.poll() is None and time.monotonic() < deadline and seen is None:
        for pid in set(helper_pids()) - before:
            try:
                root = os.readlink("/proc/%d/root" % pid)
                if root != dest:
                    continue
                with open("/proc/%d/status" % pid) as f:
                    status = dict(line.split(":", 1) for line in f.read().splitlines())
                seen = (root, os.readlink("/proc/%d/ns/net" % pid), status)
            except OSError:
                pass
    out, _ = proc.communicate(timeout=120)
    assert json.loads(out)["ok"]
    assert seen, "did not catch the helper while it ran"
    root, netns, status = seen
    assert root == dest
    assert netns != os.readlink("/proc/self/ns/net")
    assert status["NoNewPrivs"].strip() == "1"
    assert status["Seccomp"].strip() == "2"
    # CHOWN 0, DAC_OVERRIDE 1, FOWNER 3, FSETID 4, MKNOD 27, SETFCAP 31; SYS_CHROOT (18) gone.
    want = sum(1 << c for c in (0, 1, 3, 4, 27, 31))
    assert int(status["CapEff"], 16) == want
    assert int(status["CapPrm"], 16) == want
    assert int(status["CapAmb"], 16) == 0


def test_names_bytes_kept(env):
    """UTF-8 pax names and raw non-UTF-8 names (GNU and pax hdrcharset=BINARY) keep their
    bytes: the helper reads them without any charset conversion."""
    for fmt, name, want in [(tarfile.PAX_FORMAT, "caf\u00e9/na\u00efve", b"caf\xc3\xa9"),
                            (tarfile.GNU_FORMAT, "raw\udce9gnu", b"raw\xe9gnu"),
                            (tarfile.PAX_FORMAT, "raw\udce9pax", b"raw\xe9pax")]:
        buf = io.BytesIO()
        with tarfile.open(fileobj=buf, mode="w", format=fmt, encoding="utf-8",
                          errors="surrogateescape") as t:
            info = tarfile.TarInfo(name)
            info.size = 1
            t.addfile(info, io.BytesIO(b"x"))
        res, d = env.unpack(buf.getvalue())
        assert res["ok"], res
        assert os.listdir(os.fsencode(d)) == [want]


def test_sparse_file(env):
    """A GNU tar sparse file (pax 1.0 map) comes out with the same bytes and its holes."""
    src = os.path.join(env.tmp, "sparse-src")
    os.makedirs(src)
    path = os.path.join(src, "sparse")
    with open(path, "wb") as f:
        f.truncate(10 << 20)
        f.seek(5000000)
        f.write(b"data")
    blob = subprocess.run(["tar", "-C", src, "--format=pax", "-cSf", "-", "sparse"],
                          capture_output=True, check=True).stdout
    res, d = env.unpack(blob)
    assert res["ok"], res
    assert res["diff_id"] == "sha256:" + hashlib.sha256(blob).hexdigest()
    with open(path, "rb") as a, open(os.path.join(d, "sparse"), "rb") as b:
        assert a.read() == b.read()
    assert os.stat(os.path.join(d, "sparse")).st_blocks * 512 < (1 << 20)


def test_policy_shape(tmp_path):
    """The generated unpack filter: every openat must carry O_NOFOLLOW, nothing that reaches
    the network, other processes, mounts or paths resolved with symlinks, and exactly the
    file capabilities (plus SYS_CHROOT, dropped by the helper right after its chroot)."""
    gen = os.path.join(REPO, "policy", "helpers", "gen_policies.py")
    files = [os.path.join(REPO, "policy", "helpers", f)
             for f in os.listdir(os.path.join(REPO, "policy", "helpers"))
             if f.endswith(".syscalls")]
    subprocess.run(["/usr/bin/python3", gen, str(tmp_path / "p.c"), str(tmp_path / "p.h")] +
                   files, check=True)
    text = (tmp_path / "p.c").read_text()
    rules = text[text.index("rules_unpack[] = {"):]
    rules = rules[:rules.index("};")]
    names = [line.split('"')[1] for line in rules.splitlines() if '"' in line]
    for bad in ("socket", "connect", "execve", "execveat", "clone", "clone3", "fork", "vfork",
                "open", "openat2", "mount", "ptrace", "bpf", "unshare", "setns", "pivot_root",
                "open_by_handle_at", "name_to_handle_at", "setxattr", "lsetxattr", "renameat2"):
        assert bad not in names, bad
    openat = [line for line in rules.splitlines() if '"openat"' in line]
    assert openat and all("SANDBOX_PIN_MASKED_EQ, (uint64_t)(O_NOFOLLOW), (uint64_t)(O_NOFOLLOW)"
                          in line for line in openat), openat
    pol = text[text.index("helper_policy_unpack = {"):]
    caps = pol[pol.index(".keep_caps"):pol.index("\n", pol.index(".keep_caps"))]
    got = sorted(c.rstrip("),") for c in caps.split() if c.startswith("CAP_"))
    assert got == sorted(["CAP_CHOWN", "CAP_FOWNER", "CAP_FSETID", "CAP_DAC_OVERRIDE",
                          "CAP_MKNOD", "CAP_SETFCAP", "CAP_SYS_CHROOT"]), got
    assert "CLONE_NEWNET" in pol[:pol.index("};")]
