# SPDX-License-Identifier: Apache-2.0
# Issue 10 part 3: Localhost seccomp profiles through crispd's CRI API with real runc and
# conmon. A profile that makes sethostname fail with a distinctive errno applies to a
# container even with CAP_SYS_ADMIN added (without it, the same container renames its UTS
# namespace), is ignored for a privileged container, and every bad profile (a symlink out of
# [policy] seccomp_profile_root, a 100 MiB file, malformed JSON, duplicate keys, an unknown
# syscall name, a missing file, a FIFO) is an INVALID_ARGUMENT that names the path and the
# problem. The parser runs in crisp-helper-seccomp, caught in flight: seccomp filter,
# no_new_privs, no capabilities, nobody, its own network namespace. Needs root.
import json
import os
import socket
import threading
import time

import grpc
import pytest

from test_containers import Env, registry  # noqa: F401 (registry is a fixture)

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))

# EADDRNOTAVAIL: an errno nothing else would give sethostname, so a pass proves the profile.
ERRNO = 99
BLOCK = {"defaultAction": "SCMP_ACT_ALLOW",
         "architectures": ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"],
         "syscalls": [{"names": ["sethostname"], "action": "SCMP_ACT_ERRNO",
                       "errnoRet": ERRNO}]}
# Renames the pod's UTS namespace, never the host's: it refuses to run elsewhere.
HOSTNAME = ["sh", "-c", 'test "$(hostname)" = "$POD" || { echo "not the pod UTS: $(hostname)";'
            ' exit 7; }; grep Seccomp: /proc/self/status; hostname renamed 2>&1; echo rc=$?;'
            ' hostname']
# A pod network of its own (loopback only: no bridge or subnet to share with other tests),
# so the pod has its own UTS namespace.
CNI_LO = {"cniVersion": "1.0.0", "name": "crisp-seccomp-lo", "plugins": [{"type": "loopback"}]}


@pytest.fixture
def lenv(crispd_factory, cri, registry, tmp_path):  # noqa: F811
    root = tmp_path / "profiles"
    root.mkdir()
    net_d = tmp_path / "net.d"
    net_d.mkdir()
    (net_d / "10-lo.conflist").write_text(json.dumps(CNI_LO))
    d = crispd_factory("seccomp", config_text="[cni]\nconf_dir = %s\n[policy]\n"
                       "seccomp_profile_root = %s\n" % (net_d, root)).start()
    e = Env(d, cri, str(tmp_path))
    e.root = root
    e.pull(registry.bb)
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
    """A pod with its own UTS namespace (hostname changes stay inside it)."""
    pb = e.pb
    e.pod_cfg = pb.PodSandboxConfig(
        metadata=pb.PodSandboxMetadata(name=name, namespace="default", uid="u-" + name),
        hostname=name, log_directory=e.logdir,
        linux=pb.LinuxPodSandboxConfig(security_context=pb.LinuxSandboxSecurityContext(
            privileged=privileged,
            namespace_options=pb.NamespaceOption(network=pb.POD, pid=pb.CONTAINER))))
    e.pod_id = e.s.RunPodSandbox(pb.RunPodSandboxRequest(config=e.pod_cfg),
                                 timeout=60).pod_sandbox_id
    e.pods.append(e.pod_id)


def localhost(e, path, **kw):
    pb = e.pb
    return pb.LinuxContainerSecurityContext(
        seccomp=pb.SecurityProfile(profile_type=pb.SecurityProfile.Localhost,
                                   localhost_ref=str(path)), **kw)


def sys_admin(e):
    return e.pb.Capability(add_capabilities=["CAP_SYS_ADMIN"])


def run_out(e, image, sc, name):
    host = socket.gethostname()
    pb = e.pb
    cid = e.run(image, HOSTNAME, name=name, security_context=sc,
                envs=[pb.KeyValue(key="POD", value=e.pod_cfg.hostname.encode())])
    st = e.wait_exit(cid)
    out = e.out(cid)
    assert socket.gethostname() == host
    assert st.exit_code == 0, out
    return out


def test_profile_blocks_sethostname_even_with_sys_admin(lenv, registry):  # noqa: F811
    prof = lenv.root / "block.json"
    prof.write_text(json.dumps(BLOCK))
    pod(lenv, "block")
    out = run_out(lenv, registry.bb, localhost(lenv, prof, capabilities=sys_admin(lenv)), "lh")
    assert "Seccomp:\t2" in out, out
    assert "Cannot assign requested address" in out and "rc=1" in out, out
    assert out.strip().endswith("block"), out
    # The control: RuntimeDefault with CAP_SYS_ADMIN lets the same command rename the pod.
    ctl = run_out(lenv, registry.bb, lenv.pb.LinuxContainerSecurityContext(
        capabilities=sys_admin(lenv)), "ctl")
    assert "rc=0" in ctl and ctl.strip().endswith("renamed"), ctl


def test_deprecated_localhost_path(lenv, registry):  # noqa: F811
    """kubelets before the typed field send seccomp_profile_path "localhost/<path>"."""
    prof = lenv.root / "block.json"
    prof.write_text(json.dumps(BLOCK))
    pod(lenv, "old")
    sc = lenv.pb.LinuxContainerSecurityContext(seccomp_profile_path="localhost/%s" % prof,
                                               capabilities=sys_admin(lenv))
    out = run_out(lenv, registry.bb, sc, "old")
    assert "Cannot assign requested address" in out and "rc=1" in out, out


def test_ignored_when_privileged(lenv, registry):  # noqa: F811
    prof = lenv.root / "block.json"
    prof.write_text(json.dumps(BLOCK))
    pod(lenv, "priv", privileged=True)
    out = run_out(lenv, registry.bb, localhost(lenv, prof, privileged=True), "priv")
    assert "Seccomp:\t0" in out, out
    assert "rc=0" in out and out.strip().endswith("renamed"), out


def bad_profiles(e, tmp):
    """{name: (path, substring of the error)}; each one must be refused."""
    root = e.root
    outside = tmp / "outside.json"
    outside.write_text(json.dumps(BLOCK))
    (root / "escape.json").symlink_to(outside)
    (root / "sub").mkdir()
    (root / "sub" / "up.json").symlink_to("../../outside.json")
    with open(root / "huge.json", "wb") as f:
        f.truncate(100 << 20)
    (root / "malformed.json").write_text('{"defaultAction": "SCMP_ACT_ALLOW", ')
    (root / "dup.json").write_text('{"defaultAction": "SCMP_ACT_ALLOW", '
                                   '"defaultAction": "SCMP_ACT_KILL"}')
    unknown = dict(BLOCK, syscalls=[{"names": ["sethostname", "frobnicate"],
                                     "action": "SCMP_ACT_ERRNO"}])
    (root / "unknown.json").write_text(json.dumps(unknown))
    os.mkfifo(root / "fifo.json")
    return {
        "symlink": (root / "escape.json", "resolves outside [policy] seccomp_profile_root"),
        "relative symlink": (root / "sub" / "up.json", "resolves outside"),
        "dotdot": ("%s/../outside.json" % root, "has a '.' or '..' component"),
        "outside": (outside, "must lie beneath the configured profile root"),
        "huge": (root / "huge.json", "larger than the limit of 1 MiB"),
        "malformed": (root / "malformed.json", "invalid seccomp profile"),
        "duplicate": (root / "dup.json", "duplicate object key"),
        "unknown syscall": (root / "unknown.json", 'unknown syscall name "frobnicate"'),
        "missing": (root / "missing.json", "No such file or directory"),
        "fifo": (root / "fifo.json", "is not a regular file"),
        "relative": ("profiles/block.json", "must be absolute"),
    }


def test_bad_profiles_are_invalid_argument(lenv, registry, tmp_path):  # noqa: F811
    pod(lenv, "bad")
    for name, (path, want) in bad_profiles(lenv, tmp_path).items():
        with pytest.raises(grpc.RpcError) as ei:
            lenv.create(registry.bb, ["true"], name="bad", security_context=localhost(lenv, path))
        err = ei.value
        assert err.code() == grpc.StatusCode.INVALID_ARGUMENT, (name, err.details())
        assert want in err.details() and str(path) in err.details(), (name, err.details())
    # Nothing was left behind: the same name can be created with a good profile.
    (lenv.root / "ok.json").write_text(json.dumps(BLOCK))
    lenv.create(registry.bb, ["true"], name="bad",
                security_context=localhost(lenv, lenv.root / "ok.json"))


def helper_pids():
    out = []
    for p in os.listdir("/proc"):
        if p.isdigit():
            try:
                with open("/proc/%s/comm" % p) as f:
                    if f.read().strip() == "crisp-helper-se":
                        out.append(int(p))
            except OSError:
                pass
    return out


def status_of(pid):
    with open("/proc/%d/status" % pid) as f:
        st = dict(l.split(":", 1) for l in f.read().splitlines())
    return st, os.readlink("/proc/%d/ns/net" % pid)


def big_profile():
    """Near the 1 MiB cap and refused at the very end (unknown name in the last entry), so
    the helper parses for as long as a profile can make it."""
    rules = [{"names": ["read", "write", "openat", "close"] * 250, "action": "SCMP_ACT_ALLOW"}
             for _ in range(8)]
    rules.append({"names": ["frobnicate"], "action": "SCMP_ACT_ALLOW"})
    doc = json.dumps({"defaultAction": "SCMP_ACT_ALLOW", "syscalls": rules})
    return doc + " " * (1000000 - len(doc))


def test_helper_runs_confined(lenv, registry):  # noqa: F811
    """Catch crisp-helper-seccomp while it parses (a few attempts; each create runs it once):
    it must already be confined, as its policy (policy/helpers/seccomp.syscalls) says."""
    (lenv.root / "big.json").write_text(big_profile())
    pod(lenv, "conf")
    seen, stop = [], threading.Event()

    def watch():
        while not stop.is_set() and not seen:
            for pid in helper_pids():
                try:
                    st, netns = status_of(pid)
                except OSError:
                    continue
                if st.get("Seccomp", "").strip() == "2":
                    seen.append((st, netns))
    t = threading.Thread(target=watch)
    t.start()
    try:
        for i in range(40):
            with pytest.raises(grpc.RpcError) as ei:
                lenv.create(registry.bb, ["true"], name="c%d" % i,
                            security_context=localhost(lenv, lenv.root / "big.json"))
            assert ei.value.code() == grpc.StatusCode.INVALID_ARGUMENT, ei.value.details()
            assert "frobnicate" in ei.value.details(), ei.value.details()
            if seen:
                break
    finally:
        stop.set()
        t.join()
    assert seen, "did not catch crisp-helper-seccomp confined while it ran"
    st, netns = seen[0]
    assert st["NoNewPrivs"].strip() == "1"
    assert int(st["CapEff"], 16) == 0 and int(st["CapPrm"], 16) == 0
    assert int(st["CapBnd"], 16) == 0
    assert st["Uid"].split() == ["65534"] * 4 and st["Gid"].split() == ["65534"] * 4
    assert netns != os.readlink("/proc/self/ns/net")


def test_helper_policy_is_a_pure_parsers():
    """The helper's allowlist is the pure-parser baseline: no files, sockets or processes."""
    rules, directives = set(), {}
    with open(os.path.join(REPO, "policy", "helpers", "seccomp.syscalls")) as f:
        for line in f:
            body, _, why = line.partition("#")
            words = body.split()
            if not words:
                continue
            if words[0].startswith("@"):
                directives.setdefault(words[0], []).append(words[1:])
            else:
                rules.add(words[0])
    assert rules == set(), rules  # everything comes from @include parser_base
    assert directives["@include"] == [["parser_base"]]
    assert directives["@caps"] == [["none"]] and directives["@user"] == [["nobody"]]
    assert directives["@namespaces"] == [["net,ipc,uts,mnt,pid"]]
