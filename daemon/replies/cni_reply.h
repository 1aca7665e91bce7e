/* SPDX-License-Identifier: Apache-2.0 */
/* CNI JSON (network config files, plugin results) parsed by crisp-helper-cni, and the pure
 * validators that re-check every field of its replies before the daemon uses them.
 * runs in: daemon/privileged (validators are pure and fuzzed). */
#ifndef CRISP_DAEMON_CNI_REPLY_H
#define CRISP_DAEMON_CNI_REPLY_H

#include <stddef.h>
#include <stdint.h>

#include "helper.pb-c.h"

struct cni_plugin {
	char *type;        /* plugin binary name, [A-Za-z0-9_.-] */
	char *conf;        /* canonical JSON object with name and cniVersion set */
	int port_mappings; /* capabilities.portMappings */
};

struct cni_netconf {
	char *name;
	char *cni_version;
	struct cni_plugin *plugins;
	size_t n_plugins;
};

struct cni_result {
	char **ips; /* "10.88.0.5" without prefix length, validated with inet_pton */
	size_t n_ips;
	char *json; /* canonical result JSON, the next plugin's prevResult */
	/* a plugin's error object ({"code", "msg", "details"}) instead of a result */
	int is_error;
	uint32_t error_code;
	char *error_msg;
};

struct cni_netconf *cni_netconf_free(struct cni_netconf *n);
struct cni_result *cni_result_free(struct cni_result *r);

/* Pure validators of a helper reply body (fuzzed): every field checked, copied into a new
 * struct. Errors: -EPROTO (the reply breaks a rule), -ENOMEM. */
int cni_reply_validate_netconf(const Crisp__Helper__CniConfReply *c, struct cni_netconf **ret);
int cni_reply_validate_result(const Crisp__Helper__CniResultReply *c, struct cni_result **ret);

#endif
