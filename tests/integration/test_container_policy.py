# SPDX-License-Identifier: Apache-2.0
# Issue 7, "Tests from inside real containers": a static probe (syscall_probe.c, compiled here
# with gcc -static) runs as /probe in containers started through crispd's CRI API with real
# runc and conmon, and reports what the kernel answered: the RuntimeDefault profile's blocked
# calls fail with EPERM and the basics work (root and non-root), /proc/self/status shows the
# capability, no_new_privs and seccomp state, masked paths read empty, read-only paths refuse
# writers; privileged and Unconfined containers can do what the default forbids. The
# expectations are those of policy/README.md. Needs root.
import os
import re
import subprocess

import grpc
import pytest

import oci_images as oi
from test_containers import Env

HERE = os.path.dirname(os.path.abspath(__file__))

# Every call the default profile blocks, with the errno policy/README.md documents for it
# (all are EPERM: no blocked group of the table uses another errno for these calls).
BLOCKED = ["af_alg", "af_vsock", "keyctl", "unshare_user", "unshare_ns", "mount", "bpf",
           "io_uring_setup", "ptrace", "userfaultfd", "perf_event_open"]
ALLOWED = ["getpid", "socket_inet", "openat", "clock_gettime"]
DEFAULT_CAPS = "00000000000005fb"  # CRI-O's default set (policy/README.md, Capabilities)


def host_status(field):
    with open("/proc/self/status") as f:
        return re.search(r"^%s:\s+(\S+)$" % field, f.read(), re.M).group(1)


@pytest.fixture(scope="module")
def probe_image(tmp_path_factory):
    tmp = str(tmp_path_factory.mktemp("policy-probe"))
    exe = os.path.join(tmp, "probe")
    subprocess.run(["gcc", "-static", "-O2", "-D_GNU_SOURCE", "-o", exe,
                    os.path.join(HERE, "syscall_probe.c")], check=True, capture_output=True)
    with open(exe, "rb") as f:
        data = f.read()
    reg = oi.Registry(tmp)
    layer = oi.tar_layer([("probe", "file", data, 0o755), ("mnt", "dir"),
                          ("etc", "dir"), ("etc/hostname", "file", b"probe\n")])
    oi.push_image(reg, "test/probe", "v1", [oi.busybox_layer(), layer])
    reg.probe = "%s/test/probe:v1" % reg.addr
    yield reg
    reg.stop()


@pytest.fixture
def penv(crispd, cri, probe_image, tmp_path):
    e = Env(crispd, cri, str(tmp_path))
    e.pull(probe_image.probe)
    e.pods = []
    yield e
    for pod in e.pods:
        try:
            e.s.StopPodSandbox(e.pb.StopPodSandboxRequest(pod_sandbox_id=pod), timeout=60)
            e.s.RemovePodSandbox(e.pb.RemovePodSandboxRequest(pod_sandbox_id=pod), timeout=60)
        except grpc.RpcError:
            pass
    e.ch.close()


def pod(e, name, privileged=False):
    """A pod like kubelet makes it; kubelet marks the pod privileged when a container is."""
    pb = e.pb
    cfg = pb.PodSandboxConfig(
        metadata=pb.PodSandboxMetadata(name=name, namespace="default", uid="u-" + name),
        hostname=name, log_directory=e.logdir,
        linux=pb.LinuxPodSandboxConfig(security_context=pb.LinuxSandboxSecurityContext(
            privileged=privileged,
            namespace_options=pb.NamespaceOption(network=pb.NODE, pid=pb.CONTAINER))))
    pid = e.s.RunPodSandbox(pb.RunPodSandboxRequest(config=cfg), timeout=60).pod_sandbox_id
    e.pods.append(pid)
    return pid, cfg


def parse(out):
    """{'status': {CapEff: ..}, 'calls': {name: (ret, errno)}, 'files': {(op, path): ..}}"""
    r = {"status": {}, "calls": {}, "files": {}}
    lines = out.splitlines()
    assert lines and lines[-1] == "done", out
    for l in lines[:-1]:
        m = re.match(r"^(CapEff|CapBnd|NoNewPrivs|Seccomp):\s+(\S+)$", l)
        if m:
            r["status"][m.group(1)] = m.group(2)
            continue
        f = l.split()
        if f[0] == "file":
            r["files"][(f[1], f[2])] = (int(f[3]), f[4])
        else:
            assert len(f) == 3, l
            r["calls"][f[0]] = (int(f[1]), f[2])
    assert sorted(r["status"]) == ["CapBnd", "CapEff", "NoNewPrivs", "Seccomp"], out
    assert set(r["calls"]) == set(BLOCKED + ALLOWED), out
    return r


def run_probes(e, image, variants):
    """variants: {label: (pod id, pod config, security context)}; all run at once."""
    cids = {}
    for label, (pod_id, cfg, sc) in variants.items():
        e.pod_id, e.pod_cfg = pod_id, cfg
        cids[label] = e.run(image, ["/probe"], name=label, security_context=sc)
    res = {}
    for label, cid in cids.items():
        st = e.wait_exit(cid)
        out = e.out(cid)
        assert st.exit_code == 0, (label, st.exit_code, out)
        res[label] = parse(out)
    return res


@pytest.fixture
def results(penv, probe_image):
    pb = penv.pb
    plain = pod(penv, "plain")
    priv = pod(penv, "priv", privileged=True)
    SC = pb.LinuxContainerSecurityContext
    return run_probes(penv, probe_image.probe, {
        "root": plain + (None,),
        # As kubelet sends it for allowPrivilegeEscalation: false.
        "nonroot": plain + (SC(run_as_user=pb.Int64Value(value=1000), no_new_privs=True),),
        "unconfined": plain + (SC(seccomp=pb.SecurityProfile(
            profile_type=pb.SecurityProfile.Unconfined)),),
        "privileged": priv + (SC(privileged=True),),
    })


def assert_allowed_work(r):
    for name in ALLOWED:
        ret, err = r["calls"][name]
        assert ret >= 0 and err == "OK", (name, ret, err)
    assert r["calls"]["getpid"][0] > 1  # a forked child of the probe


def assert_blocked(r, label):
    bad = {n: r["calls"][n] for n in BLOCKED if r["calls"][n] != (-1, "EPERM")}
    assert not bad, "%s: not EPERM: %r" % (label, bad)


def assert_masked_and_readonly(r, label, writers):
    files = r["files"]
    # Masked files (/dev/null bound over them) read empty; /proc/kcore does not exist on this
    # kernel, so /proc/interrupts, /proc/timer_list and /proc/keys stand for the list.
    for p in ("/proc/interrupts", "/proc/timer_list", "/proc/keys"):
        if os.path.exists(p):
            assert files[("read", p)] == (0, "OK"), (label, p, files[("read", p)])
    # Read-only: opening for writing fails (nothing is ever written).
    for p in ("/proc/sys/kernel/hostname", "/proc/sys/vm/drop_caches", "/proc/sysrq-trigger"):
        got = files[("openw", p)]
        if not os.path.exists(p):  # this kernel has no /proc/sysrq-trigger (CONFIG_MAGIC_SYSRQ)
            assert got == (-1, "ENOENT"), (label, p, got)
        else:
            assert got[0] == -1 and got[1] in writers, (label, p, got)


def test_default_profile_root(results):
    r = results["root"]
    # no_new_privs as requested: kubelet sends false unless allowPrivilegeEscalation: false.
    assert r["status"] == {"CapEff": DEFAULT_CAPS, "CapBnd": DEFAULT_CAPS, "NoNewPrivs": "0",
                           "Seccomp": "2"}
    assert_blocked(r, "root")
    assert_allowed_work(r)
    assert_masked_and_readonly(r, "root", ("EROFS",))


def test_default_profile_non_root(results):
    r = results["nonroot"]
    assert r["status"] == {"CapEff": "0000000000000000", "CapBnd": DEFAULT_CAPS,
                           "NoNewPrivs": "1", "Seccomp": "2"}
    assert_blocked(r, "nonroot")
    assert_allowed_work(r)
    # The files are root's 0644/0200: EACCES may come before the read-only mount's EROFS.
    assert_masked_and_readonly(r, "nonroot", ("EROFS", "EACCES"))


def test_privileged_has_no_seccomp_and_all_capabilities(results):
    r = results["privileged"]
    # Every capability the host has, no seccomp, no no_new_privs (policy/README.md).
    assert r["status"] == {"CapEff": host_status("CapBnd"), "CapBnd": host_status("CapBnd"),
                           "NoNewPrivs": "0", "Seccomp": "0"}
    assert_allowed_work(r)
    c = r["calls"]
    assert c["unshare_ns"] == (0, "OK") and c["mount"] == (0, "OK"), c
    assert c["keyctl"][0] >= 0, c  # the session keyring runc made for the container
    assert c["userfaultfd"][0] >= 0 and c["ptrace"] == (0, "OK"), c
    # With CAP_SYS_ADMIN the kernel itself looks at the empty BPF_PROG_LOAD: no instructions.
    assert c["bpf"] == (-1, "E2BIG"), c
    # Not masked when privileged.
    assert r["files"][("read", "/proc/interrupts")][0] > 0, r["files"]


def test_unconfined_does_what_the_default_forbids(results):
    r = results["unconfined"]
    assert r["status"] == {"CapEff": DEFAULT_CAPS, "CapBnd": DEFAULT_CAPS, "NoNewPrivs": "0",
                           "Seccomp": "0"}
    assert_allowed_work(r)
    c = r["calls"]
    # The always-blocked groups (keyring, userfaultfd, io_uring) are kernel business now.
    assert c["keyctl"][0] >= 0, c
    assert c["userfaultfd"][0] >= 0, c  # UFFD_USER_MODE_ONLY: no CAP_SYS_PTRACE needed
    with open("/proc/sys/kernel/io_uring_disabled") as f:
        uring_disabled = f.read().strip() != "0"
    if uring_disabled:  # the host's sysctl then refuses it with EPERM itself
        assert c["io_uring_setup"] == (-1, "EPERM"), c
    else:  # a kernel without io_uring answers ENOSYS (no seccomp involved)
        assert c["io_uring_setup"][0] >= 0 or c["io_uring_setup"][1] == "ENOSYS", c
    assert c["ptrace"] == (0, "OK"), c
    # User namespaces need no capability from the kernel: only the profile stood in the way
    # (unless the host turned them off with user.max_user_namespaces=0).
    with open("/proc/sys/user/max_user_namespaces") as f:
        if int(f.read()) > 0:
            assert c["unshare_user"] == (0, "OK"), c
    # perf_event_open of the process's own user-space clock: allowed by the kernel up to
    # perf_event_paranoid 2 (Debian's 3 and above refuse it without CAP_PERFMON).
    with open("/proc/sys/kernel/perf_event_paranoid") as f:
        if int(f.read()) <= 2:
            assert c["perf_event_open"][0] >= 0, c
    # AF_ALG and AF_VSOCK reach the kernel: it creates them or lacks the family, never EPERM.
    for n in ("af_alg", "af_vsock"):
        assert c[n][0] >= 0 or c[n][1] in ("EAFNOSUPPORT", "ESOCKTNOSUPPORT"), (n, c[n])
    # Capabilities still bind without seccomp: no CAP_SYS_ADMIN, so no mount namespace and no
    # mount (the kernel's own EPERM).
    assert c["unshare_ns"] == (-1, "EPERM") and c["mount"] == (-1, "EPERM"), c
    assert_masked_and_readonly(r, "unconfined", ("EROFS",))


# ---- no_new_privs as requested (issue 10): a setuid-root binary raises the effective uid of a
# uid-1000 process only when no_new_privs is off; [policy] no_new_privileges = always forces it.
EUID_C = b"""
#include <stdio.h>
#include <unistd.h>
int main(void) { printf("euid=%d uid=%d\\n", (int)geteuid(), (int)getuid()); return 0; }
"""


@pytest.fixture(scope="module")
def suid_image(tmp_path_factory):
    tmp = str(tmp_path_factory.mktemp("policy-suid"))
    src, exe = os.path.join(tmp, "euid.c"), os.path.join(tmp, "euid")
    with open(src, "wb") as f:
        f.write(EUID_C)
    subprocess.run(["gcc", "-static", "-O2", "-o", exe, src], check=True, capture_output=True)
    with open(exe, "rb") as f:
        data = f.read()
    reg = oi.Registry(tmp)
    layer = oi.tar_layer([("euid", "file", data, 0o4755)])
    oi.push_image(reg, "test/suid", "v1", [oi.busybox_layer(), layer])
    reg.suid = "%s/test/suid:v1" % reg.addr
    yield reg
    reg.stop()


def euid_of(e, image, sc):
    cid = e.run(image, ["/euid"], name="euid-%d" % len(e.created), security_context=sc)
    st = e.wait_exit(cid)
    assert st.exit_code == 0, e.out(cid)
    return e.out(cid).strip()


def test_no_new_privs_as_requested(penv, suid_image):
    pb = penv.pb
    penv.pull(suid_image.suid)
    penv.pod_id, penv.pod_cfg = pod(penv, "suid")
    SC = pb.LinuxContainerSecurityContext
    user = pb.Int64Value(value=1000)
    assert euid_of(penv, suid_image.suid, SC(run_as_user=user)) == "euid=0 uid=1000"
    assert euid_of(penv, suid_image.suid, SC(run_as_user=user, no_new_privs=True)) == \
        "euid=1000 uid=1000"


def test_no_new_privs_forced_by_policy(crispd_factory, cri, suid_image, tmp_path):
    d = crispd_factory("forced", config_text="[policy]\nno_new_privileges = always\n").start()
    e = Env(d, cri, str(tmp_path))
    try:
        pb = e.pb
        e.pull(suid_image.suid)
        e.pods = []
        e.pod_id, e.pod_cfg = pod(e, "forced")
        SC = pb.LinuxContainerSecurityContext
        assert euid_of(e, suid_image.suid, SC(run_as_user=pb.Int64Value(value=1000))) == \
            "euid=1000 uid=1000"
        e.s.RemovePodSandbox(pb.RemovePodSandboxRequest(pod_sandbox_id=e.pod_id), timeout=60)
    finally:
        e.ch.close()
