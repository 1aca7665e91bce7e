/* SPDX-License-Identifier: Apache-2.0 */
/* Default capabilities, masked and read-only paths, no_new_privs and device rules of a
 * container; see container_policy.h for the contracts.
 * runs in: daemon/privileged (pure: no allocation, no I/O, no state). */
#include "policy/container_policy.h"

#include <errno.h>
#include <linux/capability.h>
#include <stdio.h>
#include <string.h>

#include "parsers/base/macro.h"

#define BIT(n) (UINT64_C(1) << (n))

_Static_assert(CAP_LAST_CAP < CONTAINER_POLICY_CAP_COUNT, "a capability crisp does not know");

const uint64_t container_policy_default_caps =
    BIT(CAP_CHOWN) | BIT(CAP_DAC_OVERRIDE) | BIT(CAP_FSETID) | BIT(CAP_FOWNER) | BIT(CAP_SETGID) |
    BIT(CAP_SETUID) | BIT(CAP_SETPCAP) | BIT(CAP_NET_BIND_SERVICE) | BIT(CAP_KILL);

static const char *const cap_names[CONTAINER_POLICY_CAP_COUNT] = {
    "CAP_CHOWN",
    "CAP_DAC_OVERRIDE",
    "CAP_DAC_READ_SEARCH",
    "CAP_FOWNER",
    "CAP_FSETID",
    "CAP_KILL",
    "CAP_SETGID",
    "CAP_SETUID",
    "CAP_SETPCAP",
    "CAP_LINUX_IMMUTABLE",
    "CAP_NET_BIND_SERVICE",
    "CAP_NET_BROADCAST",
    "CAP_NET_ADMIN",
    "CAP_NET_RAW",
    "CAP_IPC_LOCK",
    "CAP_IPC_OWNER",
    "CAP_SYS_MODULE",
    "CAP_SYS_RAWIO",
    "CAP_SYS_CHROOT",
    "CAP_SYS_PTRACE",
    "CAP_SYS_PACCT",
    "CAP_SYS_ADMIN",
    "CAP_SYS_BOOT",
    "CAP_SYS_NICE",
    "CAP_SYS_RESOURCE",
    "CAP_SYS_TIME",
    "CAP_SYS_TTY_CONFIG",
    "CAP_MKNOD",
    "CAP_LEASE",
    "CAP_AUDIT_WRITE",
    "CAP_AUDIT_CONTROL",
    "CAP_SETFCAP",
    "CAP_MAC_OVERRIDE",
    "CAP_MAC_ADMIN",
    "CAP_SYSLOG",
    "CAP_WAKE_ALARM",
    "CAP_BLOCK_SUSPEND",
    "CAP_AUDIT_READ",
    "CAP_PERFMON",
    "CAP_BPF",
    "CAP_CHECKPOINT_RESTORE",
};

const char *
container_policy_cap_name(unsigned n)
{
	return n < CONTAINER_POLICY_CAP_COUNT ? cap_names[n] : NULL;
}

/* ASCII case-insensitive equality of s[0..len) and the NUL-terminated word. */
static bool
eq_word(const char *s, size_t len, const char *word)
{
	size_t wl = strlen(word);
	if (len != wl)
		return false;
	for (size_t i = 0; i < len; i++) {
		char c = s[i];
		if (c >= 'a' && c <= 'z')
			c = (char)(c - 'a' + 'A');
		if (c != word[i])
			return false;
	}
	return true;
}

int
container_policy_cap_from_name(const char *name, size_t len)
{
	for (unsigned i = 0; i < CONTAINER_POLICY_CAP_COUNT; i++) {
		/* Kubernetes spells them without the prefix ("NET_ADMIN"); OCI with it. */
		if (eq_word(name, len, cap_names[i]) || eq_word(name, len, cap_names[i] + 4))
			return (int)i;
	}
	return -EINVAL;
}

static bool
has_all(const char *const *names, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (names[i] && eq_word(names[i], strlen(names[i]), "ALL"))
			return true;
	return false;
}

/* Apply each named capability (skipping "ALL") to *set: add or remove. */
static int
apply_names(const char *const *names, size_t n, bool add, uint64_t *set,
	    struct policy_error *reterr)
{
	for (size_t i = 0; i < n; i++) {
		const char *s = names[i] ? names[i] : "";
		size_t len = strlen(s);
		if (eq_word(s, len, "ALL"))
			continue;
		int cap = container_policy_cap_from_name(s, len);
		if (cap < 0)
			return policy_error_set(reterr,
						add ? "add_capabilities" : "drop_capabilities", s,
						len, 0, "unknown capability");
		if (add)
			*set |= BIT(cap);
		else
			*set &= ~BIT(cap);
	}
	return 0;
}

int
container_policy_caps(const struct container_policy_caps_request *req,
		      struct container_policy_caps *ret, struct policy_error *reterr)
{
	uint64_t set;

	if (req->privileged) {
		set = CONTAINER_POLICY_CAP_ALL;
	} else {
		set = req->defaults & CONTAINER_POLICY_CAP_ALL;
		if (has_all(req->add, req->n_add))
			set = CONTAINER_POLICY_CAP_ALL;
		if (has_all(req->drop, req->n_drop))
			set = 0;
		int r = apply_names(req->add, req->n_add, true, &set, reterr);
		if (r < 0)
			return r;
		r = apply_names(req->drop, req->n_drop, false, &set, reterr);
		if (r < 0)
			return r;
	}
	*ret = (struct container_policy_caps){
	    .bounding = set,
	    .permitted = req->root ? set : 0,
	    .effective = req->root ? set : 0,
	    .inheritable = 0,
	    .ambient = 0,
	};
	return 0;
}

/* Masked: each leaks host state or hardware access the container has no business with. */
static const char *const masked_paths[] = {
    "/proc/acpi",                    /* ACPI tables and controls */
    "/proc/asound",                  /* sound card state (and controls of some drivers) */
    "/proc/interrupts",              /* per-CPU interrupt counts: a side channel on other tenants */
    "/proc/kcore",                   /* the kernel's memory */
    "/proc/keys",                    /* the kernel keyring, not namespaced */
    "/proc/latency_stats",           /* host-wide latency records */
    "/proc/sched_debug",             /* every task on the host */
    "/proc/scsi",                    /* SCSI controls */
    "/proc/timer_list",              /* host timers, with pointers */
    "/proc/timer_stats",             /* host-wide timer usage */
    "/sys/devices/virtual/powercap", /* RAPL energy counters: PLATYPUS, CVE-2020-8694 */
    "/sys/firmware",                 /* firmware tables (ACPI, EFI variables) */
};

static const char *const readonly_paths[] = {
    "/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger",
};

const char *const *
container_policy_masked_paths(bool privileged, size_t *ret_n)
{
	*ret_n = privileged ? 0 : ELEMENTSOF(masked_paths);
	return masked_paths;
}

const char *const *
container_policy_readonly_paths(bool privileged, size_t *ret_n)
{
	*ret_n = privileged ? 0 : ELEMENTSOF(readonly_paths);
	return readonly_paths;
}

int
container_policy_thermal_throttle_path(unsigned cpu, char *buf, size_t sz)
{
	int r = snprintf(buf, sz, "/sys/devices/system/cpu/cpu%u/thermal_throttle", cpu);
	if (r < 0 || (size_t)r >= sz)
		return -ENOBUFS;
	return r;
}

bool
container_policy_no_new_privs(bool privileged, bool request_nnp, bool force, bool allow_escalation)
{
	if (request_nnp)
		return true;
	return force && !privileged && !allow_escalation;
}

#define DEV(t, ma, mi)                                                                             \
	{                                                                                          \
		.allow = true, .type = (t), .major = (ma), .minor = (mi), .access = "rwm"          \
	}

static const struct container_policy_device_rule default_devices[] = {
    {.allow = false, .type = 'a', .major = -1, .minor = -1, .access = "rwm"},
    DEV('c', 1, 3),    /* /dev/null */
    DEV('c', 1, 5),    /* /dev/zero */
    DEV('c', 1, 7),    /* /dev/full */
    DEV('c', 1, 8),    /* /dev/random */
    DEV('c', 1, 9),    /* /dev/urandom */
    DEV('c', 5, 0),    /* /dev/tty */
    DEV('c', 5, 1),    /* /dev/console */
    DEV('c', 5, 2),    /* /dev/ptmx */
    DEV('c', 136, -1), /* /dev/pts/N */
};

static const struct container_policy_device_rule privileged_devices[] = {
    {.allow = true, .type = 'a', .major = -1, .minor = -1, .access = "rwm"},
};

const struct container_policy_device_rule *
container_policy_devices(bool privileged, size_t *ret_n)
{
	if (privileged) {
		*ret_n = ELEMENTSOF(privileged_devices);
		return privileged_devices;
	}
	*ret_n = ELEMENTSOF(default_devices);
	return default_devices;
}

/* The canonical access string of perms, or the rule it breaks. */
static const char *
device_access(const char *perms, size_t len, char access[4], size_t *ret_off)
{
	static const char rwm[] = "rwm";
	bool seen[3] = {false, false, false};

	*ret_off = 0;
	if (len == 0 || len > 3)
		return "must be a non-empty subset of \"rwm\"";
	for (size_t i = 0; i < len; i++) {
		const char *p = perms[i] ? strchr(rwm, perms[i]) : NULL;
		*ret_off = i;
		if (!p)
			return "only 'r', 'w' and 'm' are allowed";
		if (seen[p - rwm])
			return "repeated permission";
		seen[p - rwm] = true;
	}
	size_t m = 0;
	for (size_t k = 0; k < 3; k++)
		if (seen[k])
			access[m++] = rwm[k];
	access[m] = '\0';
	return NULL;
}

int
container_policy_device_rule(const struct container_policy_device_request *req,
			     struct container_policy_device_rule *ret, struct policy_error *reterr)
{
	struct container_policy_device_rule d = {
	    .allow = true, .type = req->type, .major = req->major, .minor = req->minor};
	char buf[24];
	size_t off;

	buf[0] = req->type;
	if (req->type != 'c' && req->type != 'b')
		return policy_error_set(reterr, "device type", buf, 1, 0, "must be 'c' or 'b'");
	if (req->major < 0 || req->major >= (1 << 12)) {
		int n = snprintf(buf, sizeof(buf), "%lld", (long long)req->major);
		return policy_error_set(reterr, "device major", buf, n < 0 ? 0 : (size_t)n, 0,
					"outside 0..4095");
	}
	if (req->minor < 0 || req->minor >= (1 << 20)) {
		int n = snprintf(buf, sizeof(buf), "%lld", (long long)req->minor);
		return policy_error_set(reterr, "device minor", buf, n < 0 ? 0 : (size_t)n, 0,
					"outside 0..1048575");
	}
	const char *rule = device_access(req->perms, req->perms_len, d.access, &off);
	if (rule)
		return policy_error_set(reterr, "device permissions", req->perms, req->perms_len,
					off, rule);
	*ret = d;
	return 0;
}
