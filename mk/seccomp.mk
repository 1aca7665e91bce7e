# SPDX-License-Identifier: Apache-2.0
# Localhost seccomp profiles: crisp-helper-seccomp (parsers/seccomp_local_helper.c behind the
# sandbox), the parser's fuzz target (fuzz/seccomp_local_fuzz.c) and the fuzz target of the
# daemon's pure reply validator (daemon/replies/seccomp_reply.c, fuzz/seccomp_reply_fuzz.c).
# Included by the top-level Makefile. runs in: build time only.

SECCOMP_HELPER := $(B)/crisp-helper-seccomp
HELPERS += $(SECCOMP_HELPER)

# The helper links only its own parser (and json_map) out of libcrisp_parsers.a.
$(SECCOMP_HELPER): $(B)/obj/parsers/seccomp_local_helper.o $(LIBPARSERS) $(LIBSANDBOX) $(LIBPROTO)
	@echo "  LD      $@"
	$(Q)$(CC) $(LDFLAGS_ALL) $(HELPER_LDFLAGS) -o $@ $^ -ljansson -lprotobuf-c $(SANDBOX_LIBS)

# The validator and its helper call are held to the parsers' conversion warnings too.
$(B)/obj/daemon/replies/seccomp_reply.o $(B)/obj/daemon/helpers/seccomp_call.o: \
	EXTRA_CFLAGS := $(STRICT)

# The unit test runs the real helper from $(B) under its real filter.
$(B)/tests/test_seccomp_local: | $(SECCOMP_HELPER)

# ---- fuzz targets: the parser (libcrisp_parsers.a) and the reply validator ------------------
FUZZ_TARGETS += seccomp_local seccomp_reply
$(B)/fuzz/replay_seccomp_reply: $(B)/obj/daemon/replies/seccomp_reply.o $(LIBPROTO)
FUZZ_LIBS_seccomp_reply := -lprotobuf-c -lseccomp
$(B)/fuzz/seccomp_reply_fuzzer: fuzz/seccomp_reply_fuzz.c daemon/replies/seccomp_reply.c \
		$(B)/fuzz/obj/helper.pb-c.o $(wildcard daemon/replies/*.h parsers/base/*.h \
		fuzz/*.h) $(GEN)/helper.pb-c.h
	@mkdir -p $(@D)
	@echo "  CCLD    $@"
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) -o $@ $(filter %.c,$^) $(filter %.o,$^) -lprotobuf-c -lseccomp
