# SPDX-License-Identifier: Apache-2.0
# crisp-pause: the static infra process of pods that share a PID namespace. Always built with
# gcc and the hardening flags (never a sanitizer: it must be a single static binary).

PAUSE := $(B)/crisp-pause
HELPERS += $(PAUSE)
$(PAUSE): daemon/pause/crisp_pause.c
	@mkdir -p $(@D)
	@echo "  CCLD    $@"
	$(Q)gcc -std=gnu17 -O2 -g $(WARN) -D_GNU_SOURCE -U_FORTIFY_SOURCE -D_FORTIFY_SOURCE=3 \
		-fstack-protector-strong -fstack-clash-protection -fcf-protection=full \
		-static-pie -fPIE -Wl,-z,relro -Wl,-z,now -Wl,-z,noexecstack -o $@ $<
