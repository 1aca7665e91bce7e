/* SPDX-License-Identifier: Apache-2.0 */
/* CNI JSON: network configuration files (a .conflist, or a single-plugin .conf) and plugin
 * stdout (a result, or an error object). Pure: bytes in, validated struct out.
 * runs in: helper/untrusted (crisp-helper-cni). */
#ifndef CRISP_PARSERS_CNI_H
#define CRISP_PARSERS_CNI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "parsers/base/limits.h"
#include "parsers/base/parse_error.h"

struct cni_conf_plugin {
	char *type;         /* [A-Za-z0-9_.-], 1..CNI_MAX_TYPE */
	char *conf;         /* compact JSON object, with name and cniVersion of the list set */
	bool port_mappings; /* capabilities.portMappings == true */
};

struct cni_conf {
	char *name;
	char *cni_version;
	struct cni_conf_plugin *plugins;
	size_t n_plugins;
};

struct cni_res {
	bool is_error;
	uint32_t error_code;
	char *error_msg; /* printable ASCII, at most CNI_MAX_ERROR_MSG */
	char **ips;      /* addresses without prefix length, as inet_ntop prints them */
	size_t n_ips;
	char *json; /* compact JSON of the whole document (prevResult for the next plugin) */
};

int cni_conf_parse(const uint8_t *buf, size_t len, struct cni_conf **ret,
		   struct parse_error *reterr);
struct cni_conf *cni_conf_free(struct cni_conf *c);

int cni_result_parse(const uint8_t *buf, size_t len, struct cni_res **ret,
		     struct parse_error *reterr);
struct cni_res *cni_res_free(struct cni_res *r);

#endif
