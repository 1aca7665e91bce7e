# SPDX-License-Identifier: Apache-2.0
# crisp build. `make` builds crispd and the helpers; `make check` is the test suite;
# `make run` starts crispd with embedded defaults. See README.md.

VERSION := 0.1.0
GIT_REV := $(shell git rev-parse --short=12 HEAD 2>/dev/null || echo unknown)

PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
LIBEXECDIR ?= $(PREFIX)/libexec/crisp

# BUILD_ROOT lets parallel work trees (or people) build side by side without clobbering.
BUILD_ROOT ?= build
SAN ?= 0
ifeq ($(SAN),1)
CC := clang
B := $(BUILD_ROOT)/san
else
CC := gcc
B := $(BUILD_ROOT)/rel
endif
GEN := $(BUILD_ROOT)/gen
PYTHON := /usr/bin/python3
# V=1 shows full compiler command lines.
V ?= 0
ifeq ($(V),1)
Q :=
else
Q := @
endif

# ---- flags (STYLE.md "Build flags") -------------------------------------------------------
BASE_CFLAGS := -std=gnu17 -g -pipe -Ulinux -D_GNU_SOURCE -I. -isystem $(GEN)
WARN := -Wall -Wextra -Werror -Wformat=2 -Werror=format-security -Wshadow -Wstrict-prototypes \
	-Wmissing-prototypes -Wmissing-declarations -Wvla -Wimplicit-fallthrough -Wswitch-enum \
	-Wcast-qual -Wpointer-arith -Wundef -Wnull-dereference -Wwrite-strings
STRICT := -Wconversion -Wsign-conversion
ifeq ($(SAN),1)
OPT := -O1 -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
HARDEN := -fPIE
SAN_LDFLAGS := -fsanitize=address,undefined
else
OPT := -O2
HARDEN := -U_FORTIFY_SOURCE -D_FORTIFY_SOURCE=3 -fstack-protector-strong \
	-fstack-clash-protection -fcf-protection=full -fPIE -fno-strict-overflow \
	-fno-delete-null-pointer-checks -ftrivial-auto-var-init=zero
SAN_LDFLAGS :=
endif
CFLAGS_ALL := $(BASE_CFLAGS) $(OPT) $(HARDEN) $(WARN) $(CFLAGS)
LDFLAGS_ALL := -pie -Wl,-z,relro -Wl,-z,now -Wl,-z,noexecstack -Wl,--as-needed \
	-Wl,--no-copy-dt-needed-entries $(SAN_LDFLAGS) $(LDFLAGS)

DAEMON_LIBS := -lnghttp2 -lprotobuf-c -linih -ljansson -lmbedcrypto -lpthread
TEST_LIBS := -lcmocka

# ---- sources --------------------------------------------------------------------------------
PROTOS := proto/cri/api.proto $(wildcard proto/helper.proto proto/state.proto)
PROTO_C := $(patsubst proto/%.proto,$(GEN)/%.pb-c.c,$(PROTOS))
PROTO_H := $(PROTO_C:.c=.h)
PROTO_OBJ := $(patsubst $(GEN)/%.c,$(B)/gen/%.o,$(PROTO_C))

# daemon/<area>/*.c and the wiring (services.c); main.c is linked on its own, pause/ is its own binary.
DAEMON_SRC := $(filter-out daemon/main.c daemon/pause/%,$(wildcard daemon/*.c daemon/*/*.c))
DAEMON_OBJ := $(patsubst %.c,$(B)/obj/%.o,$(DAEMON_SRC))
# The one parser the daemon may link: image references (kubelet's own input), fuzzed.
DAEMON_PARSER_SRC := $(wildcard parsers/image_ref.c)
DAEMON_PARSER_OBJ := $(patsubst %.c,$(B)/obj/%.o,$(DAEMON_PARSER_SRC))
SANDBOX_SRC := $(wildcard sandbox/*.c)
SANDBOX_OBJ := $(patsubst %.c,$(B)/obj/%.o,$(SANDBOX_SRC))
PARSERS_SRC := $(filter-out %_helper.c,$(wildcard parsers/*.c parsers/base/*.c))
PARSERS_OBJ := $(patsubst %.c,$(B)/obj/%.o,$(PARSERS_SRC))
POLICY_SRC := $(wildcard policy/*.c)
POLICY_OBJ := $(patsubst %.c,$(B)/obj/%.o,$(POLICY_SRC))

LIBDAEMON := $(B)/libcrispd.a
LIBPARSERS := $(B)/libcrisp_parsers.a
LIBSANDBOX := $(B)/libcrisp_sandbox.a
LIBPOLICY := $(B)/libcrisp_policy.a
LIBPROTO := $(B)/libcrisp_proto.a

CRISPD := $(B)/crispd
HELPERS :=
UNIT_TESTS := $(patsubst tests/unit/%.c,$(B)/tests/%,$(wildcard tests/unit/test_*.c))
# Fragments under mk/ add helpers (HELPERS += $(B)/crisp-helper-x), fuzz targets
# (FUZZ_TARGETS += x, with fuzz/x_fuzz.c and fuzz/corpus/x/), libraries (EXTRA_LIBS) and
# more unit-test libraries (TEST_LIBS). See mk/README.
FUZZ_TARGETS :=
EXTRA_LIBS :=
-include $(wildcard mk/*.mk)

.PHONY: all deps run check unit fuzz-replay integration interop bench install install-cni clean lint \
	format format-check check-deps policy-dump fuzz fuzz-run
.DEFAULT_GOAL := all
.SECONDARY:
.DELETE_ON_ERROR:

all: $(CRISPD) $(HELPERS)

# ---- version header: rewritten only when the version or git revision changes -------------
VERSION_H := $(GEN)/crisp_version.h
$(VERSION_H): FORCE
	@mkdir -p $(@D)
	@printf '#define CRISP_VERSION "%s"\n#define CRISP_GIT_REV "%s"\n' '$(VERSION)' '$(GIT_REV)' > $@.tmp
	@cmp -s $@.tmp $@ && rm -f $@.tmp || mv -f $@.tmp $@
.PHONY: FORCE
FORCE:
# -MMD leaves -isystem headers out of the depfiles: name the users of the version header.
$(B)/obj/daemon/main.o $(B)/obj/daemon/node/runtime_info.o: $(VERSION_H)

# ---- generated protobuf-c code ---------------------------------------------------------------
$(GEN)/%.pb-c.c $(GEN)/%.pb-c.h: proto/%.proto
	@mkdir -p $(GEN)
	protoc-c --c_out=$(GEN) -Iproto $<

# Generated code is not ours: it gets the hardening flags but not our warning set.
$(B)/gen/%.o: $(GEN)/%.c $(PROTO_H)
	@mkdir -p $(@D)
	@echo "  CC      $<"
	$(Q)$(CC) $(BASE_CFLAGS) $(OPT) $(HARDEN) -w -c $< -o $@

# -Wconversion is mandatory in parsers/, proto/ and sandbox/.
$(B)/obj/parsers/%.o $(B)/obj/sandbox/%.o $(B)/obj/proto/%.o: EXTRA_CFLAGS := $(STRICT)
$(B)/obj/%.o: %.c $(PROTO_H) | $(VERSION_H)
	@mkdir -p $(@D)
	@echo "  CC      $<"
	$(Q)$(CC) $(CFLAGS_ALL) $(EXTRA_CFLAGS) -MMD -MP -c $< -o $@

-include $(shell find $(BUILD_ROOT) -name '*.d' 2>/dev/null)

$(LIBPROTO): $(PROTO_OBJ)
	@mkdir -p $(@D)
	@echo "  AR      $@"
	$(Q)rm -f $@ && ar rcs $@ $^
$(LIBDAEMON): $(DAEMON_OBJ) $(DAEMON_PARSER_OBJ)
	@mkdir -p $(@D)
	@echo "  AR      $@"
	$(Q)rm -f $@ && ar rcs $@ $^
$(LIBPARSERS): $(PARSERS_OBJ)
	@mkdir -p $(@D)
	@echo "  AR      $@"
	$(Q)rm -f $@ && ar rcs $@ $^
$(LIBSANDBOX): $(SANDBOX_OBJ)
	@mkdir -p $(@D)
	@echo "  AR      $@"
	$(Q)rm -f $@ && ar rcs $@ $^
$(LIBPOLICY): $(POLICY_OBJ)
	@mkdir -p $(@D)
	@echo "  AR      $@"
	$(Q)rm -f $@ && ar rcs $@ $^

# The daemon links daemon/, proto/ and sandbox/, never libcrisp_parsers.a (the Rule of 2).
$(CRISPD): $(B)/obj/daemon/main.o $(LIBDAEMON) $(LIBSANDBOX) $(LIBPOLICY) $(LIBPROTO)
	@echo "  LD      $@"
	$(Q)$(CC) $(LDFLAGS_ALL) -o $@ $^ $(DAEMON_LIBS) $(EXTRA_LIBS)

# Unit tests may link anything.
$(B)/tests/%: tests/unit/%.c $(LIBDAEMON) $(LIBSANDBOX) $(LIBPOLICY) $(LIBPARSERS) $(LIBPROTO)
	@mkdir -p $(@D)
	@echo "  CCLD    $@"
	$(Q)$(CC) $(CFLAGS_ALL) -MMD -MP -o $@ $< $(LIBDAEMON) $(LIBSANDBOX) $(LIBPOLICY) $(LIBPARSERS) \
		$(LIBPROTO) $(LDFLAGS_ALL) $(DAEMON_LIBS) $(EXTRA_LIBS) $(TEST_LIBS)

# A test server around the real gRPC engine and event bus (server-streaming tests).
STREAM_SERVER := $(B)/tests/grpc_stream_server
$(STREAM_SERVER): tests/integration/grpc_stream_server.c $(LIBDAEMON) $(LIBPROTO)
	@mkdir -p $(@D)
	@echo "  CCLD    $@"
	$(Q)$(CC) $(CFLAGS_ALL) -o $@ $< $(LIBDAEMON) $(LIBSANDBOX) $(LIBPOLICY) $(LIBPROTO) \
		$(LDFLAGS_ALL) $(DAEMON_LIBS) $(EXTRA_LIBS)

# ---- dependencies (Debian 12) ---------------------------------------------------------------
DEB_PKGS := gcc make clang pkg-config git libseccomp-dev libselinux1-dev libcap-ng-dev \
	libprotobuf-c-dev protobuf-c-compiler libmbedtls-dev libcurl4-openssl-dev libarchive-dev \
	libcmocka-dev libnghttp2-dev libjansson-dev libinih-dev zlib1g-dev libclang-rt-14-dev \
	libzstd-dev liblz4-dev zstd \
	runc crun conmon containernetworking-plugins iptables busybox-static docker-registry iproute2 \
	python3 python3-grpcio python3-grpc-tools python3-protobuf python3-pytest \
	golang-go golang-google-grpc-dev clang-tidy clang-format cppcheck
deps:
	@scripts/deps.sh $(DEB_PKGS)

# ---- run ----------------------------------------------------------------------------------------
run: deps all
	$(CRISPD)

# ---- tests --------------------------------------------------------------------------------------
# make check: format-check and lint (clang-format, check-deps, banned calls, clang-tidy,
# cppcheck: STYLE.md's CI), unit tests (gcc and ASan+UBSan builds), fuzz corpus replay
# (ASan+UBSan), then integration tests against a real crispd. Exits non-zero on any failure.
check: deps
	$(MAKE) format-check lint
	$(MAKE) all unit
	$(MAKE) SAN=1 all unit fuzz-replay
	$(MAKE) integration

unit: $(UNIT_TESTS)
	@set -e; for t in $(UNIT_TESTS); do echo "== $$t"; $$t; done

fuzz-replay: $(patsubst %,$(B)/fuzz/replay_%,$(FUZZ_TARGETS))
	@set -e; for t in $(FUZZ_TARGETS); do \
		echo "== replay $$t"; \
		$(B)/fuzz/replay_$$t fuzz/corpus/$$t \
			$$(test -d fuzz/regress/$$t && echo fuzz/regress/$$t); done

integration: all $(STREAM_SERVER)
	CRISPD=$(abspath $(CRISPD)) CRISP_HELPER_DIR=$(abspath $(B)) \
		STREAM_SERVER=$(abspath $(STREAM_SERVER)) \
		$(PYTHON) -m pytest -q -p no:cacheprovider tests/integration

bench: all
	CRISPD=$(abspath $(CRISPD)) $(PYTHON) tests/bench/bench_version.py
	CRISPD=$(abspath $(CRISPD)) $(PYTHON) tests/bench/bench_pods.py
	CRISPD=$(abspath $(CRISPD)) $(PYTHON) tests/bench/bench_pull.py
	CRISPD=$(abspath $(CRISPD)) $(PYTHON) tests/bench/bench_containers.py
	CRISPD=$(abspath $(CRISPD)) $(PYTHON) tests/bench/bench_stats.py
	CRISPD=$(abspath $(CRISPD)) $(PYTHON) tests/bench/bench_image_store.py

# ---- install ------------------------------------------------------------------------------------
CNI_CONF_DIR ?= /etc/cni/net.d
install: all install-cni
	install -D -m 0755 $(CRISPD) $(DESTDIR)$(BINDIR)/crispd
	@for h in $(HELPERS); do install -D -m 0755 $$h $(DESTDIR)$(LIBEXECDIR)/$$(basename $$h); done

# The default pod network (bridge crisp0, host-local 10.88.0.0/16, portmap, loopback), only
# where no CNI configuration exists yet: an admin's network is never replaced.
install-cni:
	@found=; for f in $(DESTDIR)$(CNI_CONF_DIR)/*.conf $(DESTDIR)$(CNI_CONF_DIR)/*.conflist \
		$(DESTDIR)$(CNI_CONF_DIR)/*.json; do [ -e "$$f" ] && found=1; done; \
	if [ -n "$$found" ]; then \
		echo "install-cni: $(CNI_CONF_DIR) already has a network configuration; left alone"; \
	else \
		install -D -m 0644 contrib/cni/10-crisp.conflist \
			$(DESTDIR)$(CNI_CONF_DIR)/10-crisp.conflist; \
	fi

clean:
	rm -rf $(BUILD_ROOT)

# ---- style ----------------------------------------------------------------------------------------
SRC_ALL = $(shell find daemon parsers sandbox policy fuzz tests -name '*.[ch]' 2>/dev/null)
format:
	clang-format -i $(SRC_ALL)
format-check:
	clang-format --dry-run -Werror $(SRC_ALL)
check-deps:
	@scripts/check-deps.sh
# clang-tidy in parallel (its own stderr is only the "N warnings generated" chatter); a file
# with an error makes xargs and so make fail.
LINT_JOBS ?= 2
# cppcheck reads our headers but not the system's: give it protobuf-c's version macros, which
# the generated headers test with #error.
PBC_H := /usr/include/protobuf-c/protobuf-c.h
# cppcheck suppressions, each with its reason: memleak (cppcheck 2.10 does not run
# __attribute__((cleanup)) functions, so every cleanup_free buffer reads as leaked; helper
# replies are freed by _exit on purpose; LeakSanitizer covers leaks in make check), and
# nullPointerRedundantCheck (it does not see that sandbox_helper_fail() and friends are
# _Noreturn, so `if (!p) fail(); p->x` reads as a NULL dereference).
CPPCHECK_SUPPRESS := --suppress=memleak --suppress=nullPointerRedundantCheck
PBC_VERSION_DEFS = $(shell sed -n 's/^\#define \(PROTOBUF_C_VERSION_NUMBER\|PROTOBUF_C_MIN_COMPILER_VERSION\)[[:space:]]*\([0-9]*\).*/-D\1=\2/p' $(PBC_H) 2>/dev/null)
lint: check-deps $(PROTO_H) $(VERSION_H)
	@scripts/banned-calls.sh
	@printf '%s\n' $(filter %.c,$(SRC_ALL)) | xargs -P$(LINT_JOBS) -n8 \
		sh -c 'clang-tidy --quiet "$$@" -- $(BASE_CFLAGS) $(WARN) 2>/dev/null' clang-tidy
	cppcheck --quiet --error-exitcode=1 --enable=warning,portability --inline-suppr \
		$(CPPCHECK_SUPPRESS) -D__GNUC__ $(PBC_VERSION_DEFS) -I. -I$(GEN) daemon parsers sandbox policy
