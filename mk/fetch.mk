# SPDX-License-Identifier: Apache-2.0
# crisp-helper-fetch (libcurl, the only binary that links it), its pure parsers' and the
# daemon reply validator's fuzz targets, and the registry test driver. Included by the Makefile.

FETCH_HELPER := $(B)/crisp-helper-fetch
HELPERS += $(FETCH_HELPER)
FETCH_HELPER_OBJ := $(B)/obj/parsers/fetch_helper.o $(B)/obj/parsers/fetch_curl_helper.o
# Only the parsers this helper runs, not all of libcrisp_parsers.a.
FETCH_PARSER_OBJ := $(patsubst %,$(B)/obj/parsers/%.o,www_auth token registry_error http_header \
	json_map)
# Linked dynamically, unlike the other helpers ($(HELPER_LDFLAGS) is -static-pie): Debian
# ships no static libcurl dependencies for GSS-API, LDAP, RTMP, SSH2, PSL or zstd, so a
# static libcurl cannot link. ld.so runs before main(), i.e. before confinement, so the
# dynamic loader needs nothing from the filter.
$(FETCH_HELPER): $(FETCH_HELPER_OBJ) $(FETCH_PARSER_OBJ) $(LIBSANDBOX) $(LIBPROTO)
	@echo "  LD      $@"
	$(Q)$(CC) $(LDFLAGS_ALL) -o $@ $^ -lcurl -ljansson -lprotobuf-c $(SANDBOX_LIBS)

# ---- the registry test driver (tests/integration/test_registry_fetch.py) --------------------
# Linked from the fetcher's own daemon objects, not all of libcrispd.a.
FETCH_DRIVER := $(B)/tests/fetch_driver
FETCH_DAEMON_OBJ := $(patsubst %,$(B)/obj/daemon/%.o,images/registry helpers/helper_call \
	replies/fetch_reply core/log)
$(FETCH_DRIVER): tests/integration/fetch_driver.c $(FETCH_DAEMON_OBJ) $(LIBSANDBOX) $(LIBPROTO)
	@mkdir -p $(@D)
	@echo "  CCLD    $@"
	$(Q)$(CC) $(CFLAGS_ALL) -o $@ $< $(FETCH_DAEMON_OBJ) $(LIBSANDBOX) $(LIBPROTO) \
		$(LDFLAGS_ALL) -lprotobuf-c $(SANDBOX_LIBS) -lpthread
integration: $(FETCH_DRIVER) $(FETCH_HELPER)
all: $(FETCH_DRIVER)

# ---- fuzz targets: the fetcher's pure parsers (built by mk/parsers.mk's rules) and the
# daemon's reply validator (rules here: it links daemon/replies/fetch_reply.c and protobuf-c) --------
FUZZ_TARGETS += www_auth token registry_error http_header fetch_reply
$(B)/fuzz/replay_fetch_reply: $(B)/obj/daemon/replies/fetch_reply.o $(LIBPROTO)
FUZZ_LIBS_fetch_reply := -lprotobuf-c
# libFuzzer build: our code instrumented with our warnings, the generated protobuf code
# without them (it is not ours).
$(B)/fuzz/helper_pb_fuzz.o: $(GEN)/helper.pb-c.c $(PROTO_H)
	@mkdir -p $(@D)
	$(Q)$(FUZZ_CC) $(BASE_CFLAGS) -O1 -fsanitize=fuzzer-no-link,address,undefined -w -c $< -o $@
$(B)/fuzz/fetch_reply_fuzzer: fuzz/fetch_reply_fuzz.c daemon/replies/fetch_reply.c daemon/replies/fetch_reply.h \
		$(B)/fuzz/helper_pb_fuzz.o $(PROTO_H)
	@mkdir -p $(@D)
	@echo "  CCLD    $@"
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) -o $@ fuzz/fetch_reply_fuzz.c daemon/replies/fetch_reply.c \
		$(B)/fuzz/helper_pb_fuzz.o -lprotobuf-c
