/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target for validate_sysctl: byte 0 is the pod's private namespaces, then
 * name 0xff value. An accepted sysctl never carries a byte that could split or extend the
 * write (CVE-2022-0811), and its name has no "." / ".." component.
 * runs in: fuzzers and the replay driver only. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "fuzz/policy_fuzz_check.h"
#include "policy/validate.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	unsigned ns = data[0] & 7u;
	const char *name, *value;
	size_t nlen, vlen;
	policy_fuzz_split(data + 1, size - 1, &name, &nlen, &value, &vlen);

	struct policy_error e;
	policy_fuzz_poison(&e);
	int r = validate_sysctl(name, nlen, value, vlen, ns, &e);
	policy_fuzz_check(r, &e);
	if (r < 0)
		return 0;
	POLICY_FUZZ_ASSERT(nlen > 0 && vlen > 0);
	for (size_t i = 0; i < vlen; i++)
		POLICY_FUZZ_ASSERT(value[i] >= 0x20 && value[i] < 0x7f && value[i] != '+' &&
				   value[i] != '=');
	for (size_t i = 0; i < nlen; i++)
		POLICY_FUZZ_ASSERT(name[i] != '=' && name[i] != '\0' && name[i] != ' ');
	/* Accepted names are namespaced: net.*, kernel.*, fs.mqueue.* (either separator). */
	POLICY_FUZZ_ASSERT((nlen > 4 && memcmp(name, "net", 3) == 0) ||
			   (nlen > 7 && memcmp(name, "kernel", 6) == 0) ||
			   (nlen > 10 && memcmp(name, "fs", 2) == 0));
	/* No component is empty, "." or "..": the name can never walk out of /proc/sys. */
	char sep = memchr(name, '/', nlen) ? '/' : '.';
	size_t start = 0;
	for (size_t i = 0; i <= nlen; i++) {
		if (i < nlen && name[i] != sep)
			continue;
		size_t cl = i - start;
		POLICY_FUZZ_ASSERT(cl > 0);
		POLICY_FUZZ_ASSERT(!(cl == 1 && name[start] == '.'));
		POLICY_FUZZ_ASSERT(!(cl == 2 && name[start] == '.' && name[start + 1] == '.'));
		start = i + 1;
	}
	return 0;
}
