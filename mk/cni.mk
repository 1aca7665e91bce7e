# SPDX-License-Identifier: Apache-2.0
# crisp-helper-cni (parsers/cni.c behind the sandbox) and the CNI fuzz targets.
# Included by the top-level Makefile.

CNI_HELPER := $(B)/crisp-helper-cni
HELPERS += $(CNI_HELPER)
$(CNI_HELPER): $(B)/obj/parsers/cni_helper.o $(LIBPARSERS) $(LIBSANDBOX) $(LIBPROTO)
	@echo "  LD      $@"
	$(Q)$(CC) $(LDFLAGS_ALL) -o $@ $^ -ljansson -lprotobuf-c $(SANDBOX_LIBS)

FUZZ_TARGETS += cni_conf cni_result
