#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
# Checks generated RuntimeDefault profiles (seccomp-<family>.json): valid JSON in OCI
# LinuxSeccomp form, and, evaluated call by call, blocking what issue 7 asks for while keeping
# what programs need. Also checks that policy/README.md documents every syscall group.
# runs in: build time only (make unit / make check).
"""Usage: check_seccomp.py --groups GROUPS --readme README.md seccomp-x86.json [...]"""

import argparse
import json
import os
import re
import sys

EPERM, EINVAL, ENOSYS = 1, 22, 38
ALLOW = "allow"
ARCHES = {
    "x86": ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"],
    "arm": ["SCMP_ARCH_AARCH64", "SCMP_ARCH_ARM"],
}
CLONE_NEWNS, CLONE_NEWCGROUP, CLONE_NEWUTS = 0x20000, 0x02000000, 0x04000000
CLONE_NEWIPC, CLONE_NEWUSER, CLONE_NEWPID = 0x08000000, 0x10000000, 0x20000000
CLONE_NEWNET, CLONE_NEWTIME = 0x40000000, 0x80
SIGCHLD = 17
GLIBC_THREAD_FLAGS = 0x3D0F00  # CLONE_VM|FS|FILES|SIGHAND|THREAD|SYSVSEM|SETTLS|*TID
AF_UNIX, AF_INET, AF_INET6, AF_NETLINK, AF_PACKET, AF_ALG, AF_VSOCK = 1, 2, 10, 16, 17, 38, 40
SOCK_STREAM, SOCK_DGRAM, SOCK_SEQPACKET, SOCK_CLOEXEC = 1, 2, 5, 0x80000
NETLINK_ROUTE, NETLINK_AUDIT = 0, 9

# (syscall, args, expected result): ALLOW, an errno, or ENOSYS for "no rule: default action".
EXPECT = [
    # Things every program does.
    ("read", [], ALLOW), ("write", [], ALLOW), ("openat", [], ALLOW), ("execve", [], ALLOW),
    ("mmap", [], ALLOW), ("futex", [], ALLOW), ("exit_group", [], ALLOW), ("wait4", [], ALLOW),
    ("clone", [SIGCHLD], ALLOW), ("clone", [GLIBC_THREAD_FLAGS], ALLOW),
    ("unshare", [0x200], ALLOW),  # CLONE_FS
    ("socket", [AF_INET, SOCK_STREAM, 0], ALLOW),
    ("socket", [AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0], ALLOW),
    ("socket", [AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0], ALLOW),
    ("socket", [AF_PACKET, 3, 0], ALLOW),  # the kernel still wants CAP_NET_RAW
    ("socket", [AF_NETLINK, 3, NETLINK_ROUTE], ALLOW),
    ("socketpair", [AF_UNIX, SOCK_STREAM, 0], ALLOW),
    ("personality", [0xFFFFFFFF], ALLOW), ("personality", [8], ALLOW),
    # Issue 7: blocked with EPERM.
    ("socket", [AF_ALG, SOCK_SEQPACKET, 0], EPERM),
    ("socket", [AF_VSOCK, SOCK_STREAM, 0], EPERM),
    ("socket", [(1 << 32) | AF_ALG, SOCK_SEQPACKET, 0], EPERM),  # the kernel drops the high bits
    ("socket", [(0xFFFF << 32) | AF_VSOCK, SOCK_STREAM, 0], EPERM),
    ("socketpair", [AF_ALG, SOCK_SEQPACKET, 0], EPERM),
    ("socketpair", [AF_VSOCK, SOCK_STREAM, 0], EPERM),
    ("socket", [AF_NETLINK, 3, NETLINK_AUDIT], EINVAL),
    ("keyctl", [], EPERM), ("add_key", [], EPERM), ("request_key", [], EPERM),
    ("io_uring_setup", [], EPERM), ("io_uring_enter", [], EPERM),
    ("io_uring_register", [], EPERM),
    ("bpf", [], EPERM), ("userfaultfd", [], EPERM), ("perf_event_open", [], EPERM),
    ("kexec_load", [], EPERM), ("kexec_file_load", [], EPERM),
    ("open_by_handle_at", [], EPERM),
    ("mount", [], EPERM), ("umount2", [], EPERM), ("fsopen", [], EPERM),
    ("fsconfig", [], EPERM), ("fsmount", [], EPERM), ("fspick", [], EPERM),
    ("move_mount", [], EPERM), ("open_tree", [], EPERM), ("mount_setattr", [], EPERM),
    ("pivot_root", [], EPERM),
    ("unshare", [CLONE_NEWUSER], EPERM), ("unshare", [CLONE_NEWNS], EPERM),
    ("unshare", [CLONE_NEWNET | 0x200], EPERM), ("unshare", [CLONE_NEWTIME], EPERM),
    ("clone", [CLONE_NEWUSER | SIGCHLD], EPERM), ("clone", [CLONE_NEWPID | SIGCHLD], EPERM),
    ("clone", [CLONE_NEWIPC | CLONE_NEWUTS | CLONE_NEWCGROUP], EPERM),
    ("setns", [], EPERM),
    ("ptrace", [], EPERM), ("process_vm_readv", [], EPERM), ("process_vm_writev", [], EPERM),
    ("pidfd_getfd", [], EPERM), ("kcmp", [], EPERM),
    ("init_module", [], EPERM), ("finit_module", [], EPERM), ("acct", [], EPERM),
    ("settimeofday", [], EPERM), ("clock_settime", [], EPERM), ("reboot", [], EPERM),
    ("syslog", [], EPERM), ("swapon", [], EPERM), ("vmsplice", [], EPERM),
    ("chroot", [], EPERM),
    # Left to the default ENOSYS so libcs fall back (clone3 -> clone, which is filtered).
    ("clone3", [], ENOSYS), ("socketcall", [1], ENOSYS),
    ("personality", [0x0040000], ENOSYS),  # ADDR_NO_RANDOMIZE
    ("socket", [AF_INET, 0x80000001, 0], ENOSYS),  # type bit 31 is never valid
    ("no_such_syscall", [], ENOSYS),
]


class CheckError(Exception):
    pass


def check_shape(doc, family, path):
    want = {"defaultAction", "defaultErrnoRet", "architectures", "syscalls"}
    if set(doc) != want:
        raise CheckError(f"{path}: top-level keys {sorted(doc)} != {sorted(want)}")
    if doc["defaultAction"] != "SCMP_ACT_ERRNO" or doc["defaultErrnoRet"] != ENOSYS:
        raise CheckError(f"{path}: default must be SCMP_ACT_ERRNO with errno 38 (ENOSYS)")
    if doc["architectures"] != ARCHES[family]:
        raise CheckError(f"{path}: architectures {doc['architectures']} != {ARCHES[family]}")
    for i, rule in enumerate(doc["syscalls"]):
        where = f"{path}: syscalls[{i}]"
        names = rule.get("names")
        if not names or not all(isinstance(n, str) and re.match(r"^[a-z0-9_]+$", n)
                                for n in names):
            raise CheckError(f"{where}: bad names")
        if rule.get("action") not in ("SCMP_ACT_ALLOW", "SCMP_ACT_ERRNO"):
            raise CheckError(f"{where}: bad action {rule.get('action')!r}")
        if (rule["action"] == "SCMP_ACT_ERRNO") != ("errnoRet" in rule):
            raise CheckError(f"{where}: errnoRet goes with SCMP_ACT_ERRNO only")
        if rule.get("errnoRet") == ENOSYS:
            raise CheckError(f"{where}: an ENOSYS rule equals the default; runc skips it")
        idx = [a["index"] for a in rule.get("args", [])]
        if len(idx) != len(set(idx)):
            raise CheckError(f"{where}: an argument index repeats (runc would OR them)")
        for a in rule.get("args", []):
            if a["op"] != "SCMP_CMP_MASKED_EQ" or a["valueTwo"] & ~a["value"]:
                raise CheckError(f"{where}: bad argument comparison {a}")


def evaluate(doc, name, args):
    """All distinct results of rules matching the call; {ENOSYS} if none matches."""
    results = set()
    for rule in doc["syscalls"]:
        if name not in rule["names"]:
            continue
        ok = True
        for a in rule.get("args", []):
            val = args[a["index"]] if a["index"] < len(args) else 0
            if val & a["value"] != a["valueTwo"]:
                ok = False
        if ok:
            results.add(ALLOW if rule["action"] == "SCMP_ACT_ALLOW" else rule["errnoRet"])
    return results or {ENOSYS}


def check_calls(doc, path):
    for name, args, want in EXPECT:
        got = evaluate(doc, name, args)
        if got != {want}:
            raise CheckError(f"{path}: {name}({', '.join(hex(a) for a in args)}) gives "
                             f"{sorted(map(str, got))}, expected {want}")
    # Every named call resolves to exactly one result for a sweep of socket families.
    for fam in range(0, 70):
        got = evaluate(doc, "socket", [fam, SOCK_STREAM, 0])
        want = {EPERM} if fam in (AF_ALG, AF_VSOCK) else {ALLOW} if fam < 64 else {ENOSYS}
        if got != want:
            raise CheckError(f"{path}: socket({fam}) gives {got}, expected {want}")


def check_readme(groups_path, readme_path):
    with open(groups_path, encoding="ascii") as f:
        groups = re.findall(r"^group (\S+)$", f.read(), re.M)
    with open(readme_path, encoding="utf-8") as f:
        readme = f.read()
    missing = [g for g in groups if f"`{g}`" not in readme]
    if missing:
        raise CheckError(f"{readme_path}: groups not documented: {', '.join(missing)}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--groups", required=True)
    ap.add_argument("--readme", required=True)
    ap.add_argument("profiles", nargs="+")
    opts = ap.parse_args()
    try:
        for path in opts.profiles:
            m = re.search(r"seccomp-(\w+)\.json$", os.path.basename(path))
            if not m or m.group(1) not in ARCHES:
                raise CheckError(f"{path}: name must be seccomp-<family>.json")
            with open(path, encoding="utf-8") as f:
                doc = json.load(f)
            check_shape(doc, m.group(1), path)
            check_calls(doc, path)
        check_readme(opts.groups, opts.readme)
    except (CheckError, OSError, ValueError, KeyError, TypeError) as e:
        print(f"check_seccomp: {e}", file=sys.stderr)
        return 1
    print(f"check_seccomp: {len(opts.profiles)} profiles, {len(EXPECT)} calls each: ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
