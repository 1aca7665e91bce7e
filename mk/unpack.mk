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
$(UNPACK_HELPER): $(UNPACK_HELPER_OBJ) $(LIBPARSERS) $(LIBSANDBOX) $(LIBPROTO)
	@echo "  LD      $@"
	$(Q)$(CC) $(LDFLAGS_ALL) -o $@ $^ $(UNPACK_LIBS) -lprotobuf-c $(SANDBOX_LIBS)

FUZZ_TARGETS += tar_entry layer_stream unpack_reply

# The reply validator lives in the daemon; its replay driver links it and the proto code.
$(B)/fuzz/replay_unpack_reply: $(B)/obj/daemon/unpack_reply.o $(LIBPROTO)
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
