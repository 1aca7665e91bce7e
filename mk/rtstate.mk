# SPDX-License-Identifier: Apache-2.0
# crisp-helper-rtstate (parsers/runtime_state.c behind the sandbox: `runc state` / `crun state`
# JSON and conmon sync-pipe messages), the fuzz targets of the parsers and of the daemon's
# reply validators (daemon/replies/rtstate_reply.c). Included by the top-level Makefile.
# runs in: build time only.

RTSTATE_HELPER := $(B)/crisp-helper-rtstate
HELPERS += $(RTSTATE_HELPER)
# HELPER_LDFLAGS (mk/sandbox.mk: -static-pie in release builds) and SANDBOX_LIBS are expanded
# in the recipe, after mk/sandbox.mk was read.
$(RTSTATE_HELPER): $(B)/obj/parsers/runtime_state_helper.o $(LIBPARSERS) $(LIBSANDBOX) $(LIBPROTO)
	@echo "  LD      $@"
	$(Q)$(CC) $(LDFLAGS_ALL) $(HELPER_LDFLAGS) -o $@ $^ -ljansson -lprotobuf-c $(SANDBOX_LIBS)

# The daemon side is held to the parsers' conversion warnings too.
$(B)/obj/daemon/helpers/rtstate_call.o $(B)/obj/daemon/replies/rtstate_reply.o: EXTRA_CFLAGS := $(STRICT)

# The unit test runs the real helper from $(B) under its real filter.
$(B)/tests/test_runtime_state: | $(RTSTATE_HELPER)

# ---- fuzz targets: the pure parsers, and the reply validators --------------------------------
RTSTATE_REPLY_FUZZ := rtstate_reply rtstate_conmon_reply
FUZZ_TARGETS += rtstate rtstate_conmon $(RTSTATE_REPLY_FUZZ)

# Replay drivers of the validators: mk/parsers.mk's replay_% rule links these prerequisites.
$(B)/fuzz/replay_rtstate_reply: $(B)/obj/daemon/replies/rtstate_reply.o $(LIBPROTO)
$(B)/fuzz/replay_rtstate_conmon_reply: $(B)/obj/daemon/replies/rtstate_reply.o $(LIBPROTO)
FUZZ_LIBS_rtstate_reply := -lprotobuf-c
FUZZ_LIBS_rtstate_conmon_reply := -lprotobuf-c

# libFuzzer binaries of the validators: the validator's source instrumented with the target;
# the generated protobuf-c code instrumented too, without our warnings (it is not ours).
RTSTATE_PB_FUZZ_O := $(B)/fuzz/obj/rtstate/helper.pb-c.o
$(RTSTATE_PB_FUZZ_O): $(GEN)/helper.pb-c.c $(GEN)/helper.pb-c.h
	@mkdir -p $(@D)
	@echo "  CC      $<"
	$(Q)$(FUZZ_CC) $(BASE_CFLAGS) -O1 -fsanitize=fuzzer-no-link,address,undefined \
		-fno-omit-frame-pointer -w -c $< -o $@
$(patsubst %,$(B)/fuzz/%_fuzzer,$(RTSTATE_REPLY_FUZZ)): $(B)/fuzz/%_fuzzer: fuzz/%_fuzz.c \
		daemon/replies/rtstate_reply.c $(RTSTATE_PB_FUZZ_O) daemon/replies/rtstate_reply.h \
		daemon/helpers/rtstate_call.h $(wildcard parsers/base/*.h fuzz/*.h) $(GEN)/helper.pb-c.h
	@mkdir -p $(@D)
	@echo "  CCLD    $@"
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) -o $@ $(filter %.c,$^) $(filter %.o,$^) -lprotobuf-c
