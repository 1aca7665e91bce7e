# SPDX-License-Identifier: Apache-2.0
# Container policy: the RuntimeDefault seccomp profile generated from
# policy/container/seccomp.groups (OCI JSON per architecture family and a C table compiled
# into libcrisp_policy.a), checks of the generated JSON, and the policy fuzz targets.
# runs in: build time only.

POLICY_GEN := $(GEN)/policy
SECCOMP_GROUPS := policy/container/seccomp.groups
SECCOMP_GENERATOR := policy/container/gen_seccomp.py
SECCOMP_CHECKER := policy/container/check_seccomp.py
SECCOMP_TABLE_C := $(POLICY_GEN)/seccomp_table.c
SECCOMP_TABLE_O := $(B)/obj/gen/policy/seccomp_table.o
# One profile per architecture family; seccomp.json is the one for the build host.
SECCOMP_JSON_ARCHES := x86 arm
SECCOMP_JSONS := $(patsubst %,$(POLICY_GEN)/seccomp-%.json,$(SECCOMP_JSON_ARCHES))
SECCOMP_HOST_FAMILY := $(if $(filter aarch64 arm64,$(shell uname -m)),arm,x86)
SECCOMP_JSON := $(POLICY_GEN)/seccomp.json

# The generated table belongs to libcrisp_policy.a (POLICY_OBJ is a simple variable, so this
# appends before the library rule in the Makefile reads it).
POLICY_OBJ += $(SECCOMP_TABLE_O)
# The libseccomp-backed profile test loads the generated rules the way runc does, and compares
# the generated JSON with the C table.
TEST_LIBS += -lseccomp
$(B)/tests/test_policy_seccomp: $(SECCOMP_JSON)

$(SECCOMP_TABLE_C): $(SECCOMP_GROUPS) $(SECCOMP_GENERATOR)
	@mkdir -p $(@D)
	@echo "  GEN     $@"
	$(Q)$(PYTHON) $(SECCOMP_GENERATOR) $(SECCOMP_GROUPS) --c $@.tmp && mv -f $@.tmp $@

$(POLICY_GEN)/seccomp-%.json: $(SECCOMP_GROUPS) $(SECCOMP_GENERATOR)
	@mkdir -p $(@D)
	@echo "  GEN     $@"
	$(Q)$(PYTHON) $(SECCOMP_GENERATOR) $(SECCOMP_GROUPS) --arch $* --json $@.tmp && mv -f $@.tmp $@

$(SECCOMP_JSON): $(POLICY_GEN)/seccomp-$(SECCOMP_HOST_FAMILY).json
	$(Q)cp -f $< $@.tmp && mv -f $@.tmp $@

$(POLICY_GEN)/seccomp-groups.md: $(SECCOMP_GROUPS) $(SECCOMP_GENERATOR)
	@mkdir -p $(@D)
	$(Q)$(PYTHON) $(SECCOMP_GENERATOR) $(SECCOMP_GROUPS) --markdown $@.tmp && mv -f $@.tmp $@

# Our own generated code gets our full warning set (unlike protobuf-c output).
$(SECCOMP_TABLE_O): $(SECCOMP_TABLE_C) policy/seccomp_profile.h
	@mkdir -p $(@D)
	@echo "  CC      $<"
	$(Q)$(CC) $(CFLAGS_ALL) -c $< -o $@

# The JSON ships with `make all`; `make unit` (run by `make check`) proves it is valid JSON
# that blocks what issue 7 lists and that the policy README documents every group.
all: $(SECCOMP_JSON) $(SECCOMP_JSONS)
unit: policy-check
.PHONY: policy-check policy-groups
policy-check: $(SECCOMP_JSONS) $(SECCOMP_JSON)
	@echo "== policy: seccomp profile checks"
	$(Q)$(PYTHON) $(SECCOMP_CHECKER) --groups $(SECCOMP_GROUPS) --readme policy/README.md \
		$(SECCOMP_JSONS)
# Print the group table that policy/README.md carries.
policy-groups: $(POLICY_GEN)/seccomp-groups.md
	@cat $<

# ---- fuzz targets: fuzz/policy_<x>_fuzz.c, corpus fuzz/corpus/policy_<x>/ ----------------------
POLICY_FUZZ := $(patsubst fuzz/%_fuzz.c,%,$(wildcard fuzz/policy_*_fuzz.c))
FUZZ_TARGETS += $(POLICY_FUZZ)
FUZZ_CC ?= clang

# Replay drivers for `make fuzz-replay` (gcc, or clang+ASan+UBSan under SAN=1): the target and
# fuzz/replay_main.c (feeds each file or directory named) linked with libcrisp_policy.a. This
# pattern's shorter stem wins over the parsers' replay_% rule.
$(B)/fuzz/replay_policy_%: $(B)/obj/fuzz/policy_%_fuzz.o $(B)/obj/fuzz/replay_main.o $(LIBPOLICY)
	@mkdir -p $(@D)
	@echo "  LD      $@"
	$(Q)$(CC) $(LDFLAGS_ALL) -o $@ $(filter %.o,$^) $(LIBPOLICY)

# libFuzzer binaries for `make fuzz` / `make fuzz-run` (always clang), built from the policy
# sources directly so they are instrumented.
POLICY_FUZZ_SRC = $(filter-out %_helper.c,$(wildcard policy/*.c)) $(SECCOMP_TABLE_C)
$(B)/fuzz/policy_%_fuzzer: fuzz/policy_%_fuzz.c $(POLICY_FUZZ_SRC) $(wildcard policy/*.h fuzz/policy_*.h)
	@mkdir -p $(@D)
	@echo "  CCLD    $@"
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) -o $@ $(filter %.c,$^)
