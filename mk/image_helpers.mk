# SPDX-License-Identifier: Apache-2.0
# Image document helpers: crisp-helper-manifest, crisp-helper-config and crisp-helper-passwd
# (parsers/*_helper.c behind the sandbox), the fuzz targets of the daemon's pure reply
# validators (daemon/replies/{manifest,image_config,passwd}_reply.c) and their seed corpus generator.
# Included by the top-level Makefile. runs in: build time only.

MANIFEST_HELPER := $(B)/crisp-helper-manifest
CONFIG_HELPER := $(B)/crisp-helper-config
PASSWD_HELPER := $(B)/crisp-helper-passwd
IMAGE_HELPERS := $(MANIFEST_HELPER) $(CONFIG_HELPER) $(PASSWD_HELPER)
HELPERS += $(IMAGE_HELPERS)

# Each helper links only its own parser out of libcrisp_parsers.a (the archive gives the linker
# just the objects it needs). HELPER_LDFLAGS (mk/sandbox.mk) is -static-pie in release builds;
# it and SANDBOX_LIBS are expanded in the recipe, after mk/sandbox.mk was read.
$(MANIFEST_HELPER): $(B)/obj/parsers/manifest_helper.o $(LIBPARSERS) $(LIBSANDBOX) $(LIBPROTO)
	@echo "  LD      $@"
	$(Q)$(CC) $(LDFLAGS_ALL) $(HELPER_LDFLAGS) -o $@ $^ -ljansson -lprotobuf-c $(SANDBOX_LIBS)
$(CONFIG_HELPER): $(B)/obj/parsers/image_config_helper.o $(LIBPARSERS) $(LIBSANDBOX) $(LIBPROTO)
	@echo "  LD      $@"
	$(Q)$(CC) $(LDFLAGS_ALL) $(HELPER_LDFLAGS) -o $@ $^ -ljansson -lprotobuf-c $(SANDBOX_LIBS)
$(PASSWD_HELPER): $(B)/obj/parsers/passwd_helper.o $(LIBPARSERS) $(LIBSANDBOX) $(LIBPROTO)
	@echo "  LD      $@"
	$(Q)$(CC) $(LDFLAGS_ALL) $(HELPER_LDFLAGS) -o $@ $^ -lprotobuf-c $(SANDBOX_LIBS)

# The validators and the helper glue are held to the parsers' conversion warnings too (the
# libFuzzer build compiles the validators with them anyway).
IMAGE_REPLY_OBJ := $(patsubst %,$(B)/obj/daemon/replies/%_reply.o,manifest image_config passwd)
$(IMAGE_REPLY_OBJ) $(B)/obj/daemon/helpers/image_calls.o: EXTRA_CFLAGS := $(STRICT)

# The unit test runs the real helpers from $(B) under their real filters.
$(B)/tests/test_image_parse: | $(IMAGE_HELPERS)

# ---- fuzz targets of the reply validators: fuzz/<x>_reply_fuzz.c, fuzz/corpus/<x>_reply/ ----
IMAGE_REPLY_FUZZ := manifest_reply image_config_reply passwd_reply
FUZZ_TARGETS += $(IMAGE_REPLY_FUZZ)

# Replay drivers: mk/parsers.mk's replay_% rule links these extra prerequisites.
$(B)/fuzz/replay_manifest_reply: $(B)/obj/daemon/replies/manifest_reply.o $(LIBPROTO)
$(B)/fuzz/replay_image_config_reply: $(B)/obj/daemon/replies/image_config_reply.o $(LIBPROTO)
$(B)/fuzz/replay_passwd_reply: $(B)/obj/daemon/replies/passwd_reply.o $(LIBPROTO)
FUZZ_LIBS_manifest_reply := -lprotobuf-c
FUZZ_LIBS_image_config_reply := -lprotobuf-c
FUZZ_LIBS_passwd_reply := -lprotobuf-c

# libFuzzer binaries: the validator's source instrumented with the target; the generated
# protobuf-c code is instrumented too but not held to our warnings (it is not ours).
IMAGE_REPLY_PB_FUZZ_O := $(B)/fuzz/obj/helper.pb-c.o
$(IMAGE_REPLY_PB_FUZZ_O): $(GEN)/helper.pb-c.c $(GEN)/helper.pb-c.h
	@mkdir -p $(@D)
	@echo "  CC      $<"
	$(Q)$(FUZZ_CC) $(BASE_CFLAGS) -O1 -fsanitize=fuzzer-no-link,address,undefined \
		-fno-omit-frame-pointer -w -c $< -o $@
$(patsubst %,$(B)/fuzz/%_fuzzer,$(IMAGE_REPLY_FUZZ)): $(B)/fuzz/%_fuzzer: fuzz/%_fuzz.c \
		daemon/replies/%.c $(IMAGE_REPLY_PB_FUZZ_O) $(wildcard daemon/replies/*.h \
		daemon/replies/reply_check.h parsers/base/*.h fuzz/*.h) $(GEN)/helper.pb-c.h
	@mkdir -p $(@D)
	@echo "  CCLD    $@"
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) -o $@ $(filter %.c,$^) $(filter %.o,$^) -lprotobuf-c

# ---- seed corpora: `make image-reply-seeds` rewrites fuzz/corpus/<x>_reply/ -------------------
# Packed replies built by hand (valid ones as the helpers send them, and hostile ones). The
# files are committed; rerun after changing the reply messages and review the diff.
IMAGE_REPLY_SEEDGEN := $(B)/tools/gen_image_reply_corpus
$(IMAGE_REPLY_SEEDGEN): $(B)/obj/tests/helpers/gen_image_reply_corpus.o $(LIBPROTO)
	@mkdir -p $(@D)
	@echo "  LD      $@"
	$(Q)$(CC) $(LDFLAGS_ALL) -o $@ $^ -lprotobuf-c
.PHONY: image-reply-seeds
image-reply-seeds: $(IMAGE_REPLY_SEEDGEN)
	$(IMAGE_REPLY_SEEDGEN) fuzz/corpus
