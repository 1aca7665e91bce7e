# SPDX-License-Identifier: Apache-2.0
# policy/helpers/gen_policies.py: real allowlists generate; malformed ones (a syscall without a
# "# why" comment, bad pins, bad directives) are refused at build time.
# runs in: tests (no daemon needed).
import glob
import os
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
GEN = os.path.join(ROOT, "policy", "helpers", "gen_policies.py")


def generate(tmp_path, files):
    return subprocess.run([sys.executable, GEN, str(tmp_path / "p.c"), str(tmp_path / "p.h")] +
                          [str(f) for f in files], capture_output=True, text=True)


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text)
    return path


def test_real_policies_generate(tmp_path):
    files = glob.glob(os.path.join(ROOT, "policy", "helpers", "*.syscalls"))
    r = generate(tmp_path, files)
    assert r.returncode == 0, r.stderr
    header = (tmp_path / "p.h").read_text()
    for name in ("selftest", "manifest", "config", "passwd"):
        assert "POLICY_%s" % name.upper() in header
    # Fragments (_*.syscalls) are included, never helpers of their own.
    assert "POLICY__PARSER_BASE" not in header


@pytest.mark.parametrize("body,why", [
    ("read arg0<=5\n", "no comment"),
    ("read arg0<=5 #\n", "empty comment"),
    ("@sanitizer madvise\n", "sanitizer rule without comment"),
    ("read arg6<=5 # x\n", "argument out of range"),
    ("read arg0<5 # x\n", "unknown operator"),
    ("mmap arg2&PROT_EXEC<=0 # x\n", "masked pin that is not =="),
    ("read a0<=5 # x\n", "bad pin syntax"),
    ("Read # x\n", "bad syscall name"),
    ("read arg0<=1 arg1<=1 arg2<=1 arg3<=1 # x\n", "more than 3 pins"),
    ("@user somebody\n", "bad user"),
    ("@namespaces net,user\n", "user namespaces are not ours to create"),
    ("@rlimit stack 1M\n", "unknown rlimit"),
    ("@rlimit as lots\n", "bad size"),
    ("@include ../etc/passwd\n", "include outside the policy directory"),
    ("@include missing\n", "missing fragment"),
])
def test_bad_policy_refused(tmp_path, body, why):
    f = write(tmp_path, "bad.syscalls", body)
    r = generate(tmp_path, [f])
    assert r.returncode != 0, why
    assert "gen_policies:" in r.stderr


def test_fragment_and_pins(tmp_path):
    write(tmp_path, "_base.syscalls", "read arg0<=5 # request\n")
    f = write(tmp_path, "tiny.syscalls",
              "@include base\n@caps chown,CAP_FOWNER\n@user root\n"
              "mmap arg2&PROT_EXEC==0 # heap\n@sanitizer madvise # asan\n")
    r = generate(tmp_path, [f])
    assert r.returncode == 0, r.stderr
    c = (tmp_path / "p.c").read_text()
    assert "{SCMP_SYS(read), \"read\", 1, {{0, SANDBOX_PIN_LE" in c
    assert "SANDBOX_PIN_MASKED_EQ, (uint64_t)(PROT_EXEC), (uint64_t)(0)" in c
    assert "(UINT64_C(1) << CAP_CHOWN) | (UINT64_C(1) << CAP_FOWNER)" in c
    assert ".uid = 0u, .gid = 0u" in c
    assert ".n_san_rules = 1" in c
