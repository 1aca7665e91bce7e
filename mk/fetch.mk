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
FETCH_DAEMON_OBJ := $(patsubst %,$(B)/obj/daemon/%.o,registry fetch_reply log)
$(FETCH_DRIVER): tests/integration/fetch_driver.c $(FETCH_DAEMON_OBJ) $(LIBSANDBOX) $(LIBPROTO)
	@mkdir -p $(@D)
	@echo "  CCLD    $@"
	$(Q)$(CC) $(CFLAGS_ALL) -o $@ $< $(FETCH_DAEMON_OBJ) $(LIBSANDBOX) $(LIBPROTO) \
		$(LDFLAGS_ALL) -lprotobuf-c $(SANDBOX_LIBS) -lpthread
integration: $(FETCH_DRIVER) $(FETCH_HELPER)
all: $(FETCH_DRIVER)
