# SPDX-License-Identifier: Apache-2.0
# crisp-helper-unpack (layer tar -> directory, libarchive), its fuzz targets, and the test
# driver for the layer tests. Included by the top-level Makefile.

# parsers/layer_stream.c links libarchive (tar + gzip/zstd/none only) and mbedtls (sha256).
UNPACK_LIBS := -larchive -lmbedcrypto
# Every fuzzer and replay driver compiles or links all of parsers/: they need them too.
PARSERS_LIBS += $(UNPACK_LIBS)
TEST_LIBS += $(UNPACK_LIBS)

UNPACK_HELPER := $(B)/crisp-helper-unpack
HELPERS += $(UNPACK_HELPER)
UNPACK_HELPER_OBJ := $(B)/obj/parsers/unpack_helper.o $(B)/obj/parsers/unpack_fs_helper.o
# Release builds link it -static-pie like the other helpers (HELPER_LDFLAGS, mk/sandbox.mk).
# libarchive.a's archive_read_append_filter() names every decompressor it knows, so the static
# link needs their archives too (libzstd-dev and liblz4-dev in DEB_PKGS): that code is in the
# binary but unreachable, since only the one filter the request names is ever appended.
UNPACK_STATIC_LIBS = $(if $(HELPER_LDFLAGS),-lz -lzstd -lbz2 -llzma -llz4)
$(UNPACK_HELPER): $(UNPACK_HELPER_OBJ) $(LIBPARSERS) $(LIBSANDBOX) $(LIBPROTO)
	@echo "  LD      $@"
	$(Q)$(CC) $(LDFLAGS_ALL) $(HELPER_LDFLAGS) -o $@ $^ $(UNPACK_LIBS) -lprotobuf-c \
		$(SANDBOX_LIBS) $(UNPACK_STATIC_LIBS)

FUZZ_TARGETS += tar_entry layer_stream unpack_reply

# The reply validator lives in the daemon; its replay driver links it and the proto code.
$(B)/fuzz/replay_unpack_reply: $(B)/obj/daemon/replies/unpack_reply.o $(LIBPROTO)
FUZZ_LIBS_unpack_reply := -lprotobuf-c

# tests/integration/unpack_driver.c: calls layer_unpack() from libcrispd.a, prints JSON.
UNPACK_DRIVER := $(B)/tests/unpack_driver
$(UNPACK_DRIVER): tests/integration/unpack_driver.c $(LIBDAEMON) $(LIBSANDBOX) $(LIBPOLICY) $(LIBPROTO)
	@mkdir -p $(@D)
	@echo "  CCLD    $@"
	$(Q)$(CC) $(CFLAGS_ALL) -o $@ $< $(LIBDAEMON) $(LIBSANDBOX) $(LIBPOLICY) $(LIBPROTO) \
		$(LDFLAGS_ALL) $(DAEMON_LIBS) $(EXTRA_LIBS)
integration: $(UNPACK_DRIVER)
all: $(UNPACK_DRIVER)

# The validator is held to the parsers' conversion warnings (the fuzzer build uses them).
$(B)/obj/daemon/replies/unpack_reply.o: EXTRA_CFLAGS := $(STRICT)
# libFuzzer binary of the reply validator: its source plus the generated protobuf-c code
# (instrumented, not held to our warnings).
UNPACK_PB_FUZZ_O := $(B)/fuzz/obj/unpack/helper.pb-c.o
$(UNPACK_PB_FUZZ_O): $(GEN)/helper.pb-c.c $(GEN)/helper.pb-c.h
	@mkdir -p $(@D)
	@echo "  CC      $<"
	$(Q)$(FUZZ_CC) $(BASE_CFLAGS) -O1 -fsanitize=fuzzer-no-link,address,undefined \
		-fno-omit-frame-pointer -w -c $< -o $@
$(B)/fuzz/unpack_reply_fuzzer: fuzz/unpack_reply_fuzz.c daemon/replies/unpack_reply.c $(UNPACK_PB_FUZZ_O) \
		daemon/replies/unpack_reply.h $(wildcard parsers/base/*.h fuzz/*.h) $(GEN)/helper.pb-c.h
	@mkdir -p $(@D)
	@echo "  CCLD    $@"
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) -o $@ $(filter %.c,$^) $(filter %.o,$^) -lprotobuf-c
