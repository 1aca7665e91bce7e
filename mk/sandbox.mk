# SPDX-License-Identifier: Apache-2.0
# sandbox/: helper spawning, confinement, framing; policy/helpers/ tables; the test-only
# crisp-helper-selftest; `make policy-dump`. Included by the top-level Makefile.

SANDBOX_LIBS := -lseccomp -lcap-ng
# crispd links libcrisp_sandbox.a (helper_run, and the policy tables for spawning).
EXTRA_LIBS += $(SANDBOX_LIBS)

# ---- helper policies: policy/helpers/*.syscalls -> C tables in the build dir -----------------
HELPER_POLICY_SRC := $(wildcard policy/helpers/*.syscalls)
HELPER_POLICY_GEN := $(GEN)/helper_policies.c $(GEN)/helper_policies.h
$(HELPER_POLICY_GEN) &: $(HELPER_POLICY_SRC) policy/helpers/gen_policies.py
	@mkdir -p $(GEN)
	$(PYTHON) policy/helpers/gen_policies.py $(GEN)/helper_policies.c $(GEN)/helper_policies.h \
		$(HELPER_POLICY_SRC)
# A generated header any object may include ("helper_policies.h"): generate it before compiling.
PROTO_H += $(GEN)/helper_policies.h
# The tables live in libcrisp_sandbox.a next to the code that reads them.
$(LIBSANDBOX): $(B)/gen/helper_policies.o

# ---- helper link flags, for every crisp-helper-* -------------------------------------------
# A helper starts once per document, so start-up is its main cost. Linked static-pie it skips
# ld.so: on this VM that cut a helper's CPU per run from ~6.7 ms to ~4.2 ms. ASan/UBSan builds
# cannot be static. ld warns that libcap-ng's capng_change_id() references initgroups() and
# getpwuid() (NSS); helpers never call it, so no NSS module is ever loaded.
ifeq ($(SAN),1)
HELPER_LDFLAGS :=
else
HELPER_LDFLAGS := -static-pie
endif

# ---- crisp-helper-selftest: a test-only helper, built by `make all`, never installed --------
SELFTEST_HELPER := $(B)/crisp-helper-selftest
SELFTEST_OBJ := $(B)/obj/tests/helpers/sandbox_selftest_helper.o
$(SELFTEST_OBJ): EXTRA_CFLAGS := $(STRICT)
$(SELFTEST_HELPER): $(SELFTEST_OBJ) $(LIBSANDBOX) $(LIBPROTO)
	$(CC) $(LDFLAGS_ALL) $(HELPER_LDFLAGS) -o $@ $^ -lprotobuf-c $(SANDBOX_LIBS)
all: $(SELFTEST_HELPER)

# The confinement tests spawn the real selftest helper from $(B).
$(B)/tests/test_sandbox_helper: | $(SELFTEST_HELPER)
# Frame I/O tests script read(2)/write(2) results through link-time wrappers.
$(B)/tests/test_sandbox_frame: TEST_LIBS += -Wl,--wrap=read -Wl,--wrap=write
# The daemon's helper round trip: helper_run() scripted, free() watched (credential wiping).
$(B)/tests/test_helper_call: TEST_LIBS += -Wl,--wrap=helper_run -Wl,--wrap=free

# ---- make policy-dump: every helper filter in libseccomp's PFC form, both variants ----------
POLICY_DUMP := $(B)/tools/policy-dump
$(POLICY_DUMP): $(B)/obj/sandbox/tools/policy_dump.o $(LIBSANDBOX)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS_ALL) -o $@ $^ $(SANDBOX_LIBS)
policy-dump: $(POLICY_DUMP)
	@$(POLICY_DUMP)

# ---- make bench-sandbox: helper round trip (spawn, confine, echo, reap), median and p99 -----
SANDBOX_BENCH := $(B)/bench/bench_sandbox_helper
$(SANDBOX_BENCH): tests/bench/bench_sandbox_helper.c $(LIBSANDBOX) $(LIBPROTO)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_ALL) -o $@ $< $(LIBSANDBOX) $(LIBPROTO) $(LDFLAGS_ALL) -lprotobuf-c \
		$(SANDBOX_LIBS) -lpthread
.PHONY: bench-sandbox
bench-sandbox: $(SANDBOX_BENCH) $(SELFTEST_HELPER)
	$(SANDBOX_BENCH) $(abspath $(B)) 200 8
