# SPDX-License-Identifier: Apache-2.0
# parsers/: pure parsers (libcrisp_parsers.a via the top-level rules), their libFuzzer
# targets, the corpus replayers and `make fuzz` / `make fuzz-run`. Included by the Makefile.

PARSER_FUZZ := manifest image_config passwd image_ref json_map platform runtime_state
FUZZ_TARGETS += $(PARSER_FUZZ)
PARSERS_LIBS := -ljansson
FUZZ_SECONDS ?= 60

# fuzz/ code is ours: hold it to the parsers' conversion warnings too.
$(B)/obj/fuzz/%.o: EXTRA_CFLAGS := $(STRICT)

# ---- replay drivers (gcc, or clang+ASan+UBSan under SAN=1): $(B)/fuzz/replay_<x> ----------------
# Built from fuzz/<x>_fuzz.c + fuzz/replay_main.c + libcrisp_parsers.a. Another fragment's
# target (a daemon reply validator, say) adds its objects or archives as prerequisites of
# $(B)/fuzz/replay_<y> and its libraries to FUZZ_LIBS_<y>; this rule links them.
$(B)/fuzz/replay_%: $(B)/obj/fuzz/%_fuzz.o $(B)/obj/fuzz/replay_main.o $(LIBPARSERS)
	@mkdir -p $(@D)
	@echo "  CCLD    $@"
	$(Q)$(CC) $(LDFLAGS_ALL) -o $@ $(filter %.o,$^) $(filter %.a,$^) $(PARSERS_LIBS) \
		$(FUZZ_LIBS_$*)

# ---- libFuzzer binaries (always clang): $(B)/fuzz/<x>_fuzzer ------------------------------------
FUZZ_CC ?= clang
FUZZ_CFLAGS := $(BASE_CFLAGS) -O1 -fsanitize=fuzzer,address,undefined \
	-fno-sanitize-recover=all -fno-omit-frame-pointer $(WARN) $(STRICT)
FUZZ_PARSER_SRC := $(filter-out %_helper.c,$(wildcard parsers/*.c parsers/base/*.c))
FUZZ_PARSER_HDR := $(wildcard parsers/*.h parsers/base/*.h fuzz/*.h)
# Recursive on purpose: fragments included after this one add FUZZ_TARGETS too, so the list
# is only expanded inside recipes (prerequisites would be expanded while reading this file).
FUZZ_BINS = $(patsubst %,$(B)/fuzz/%_fuzzer,$(FUZZ_TARGETS))

$(B)/fuzz/%_fuzzer: fuzz/%_fuzz.c $(FUZZ_PARSER_SRC) $(FUZZ_PARSER_HDR)
	@mkdir -p $(@D)
	@echo "  CCLD    $@"
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) -o $@ $(filter %.c,$^) $(PARSERS_LIBS) $(FUZZ_LIBS_$*)

fuzz:
	@$(MAKE) --no-print-directory $(FUZZ_BINS)

# Each target runs FUZZ_SECONDS with its dictionary, over a scratch corpus (new inputs land
# in $(BUILD_ROOT)/fuzz-corpus/<x>, never in the seed corpus in git) plus fuzz/corpus/<x> and
# fuzz/regress/<x>. It stops at the first crash; the input is saved under
# $(BUILD_ROOT)/fuzz-artifacts/<x>/: minimise it, fix the bug, add it to fuzz/regress/<x>/.
fuzz-run: fuzz
	@set -e; for t in $(FUZZ_TARGETS); do \
		echo "== fuzz $$t for $(FUZZ_SECONDS)s"; \
		mkdir -p $(BUILD_ROOT)/fuzz-corpus/$$t $(BUILD_ROOT)/fuzz-artifacts/$$t; \
		dict=; [ -f fuzz/$$t.dict ] && dict=-dict=fuzz/$$t.dict; \
		regress=; [ -d fuzz/regress/$$t ] && regress=fuzz/regress/$$t; \
		$(B)/fuzz/$${t}_fuzzer -max_total_time=$(FUZZ_SECONDS) -timeout=10 \
			-rss_limit_mb=2048 -print_final_stats=1 $$dict \
			-artifact_prefix=$(BUILD_ROOT)/fuzz-artifacts/$$t/ \
			$(BUILD_ROOT)/fuzz-corpus/$$t fuzz/corpus/$$t $$regress || { \
			echo "fuzz-run: $$t failed; input saved in $(BUILD_ROOT)/fuzz-artifacts/$$t/"; \
			exit 1; }; \
	done
