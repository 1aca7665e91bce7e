/* SPDX-License-Identifier: Apache-2.0 */
/* Devices of a container's OCI config: the device cgroup (policy/ defaults, then each
 * requested device checked by container_policy_device_rule) and the device nodes (requested
 * ones, and for privileged containers every device node of the host's /dev, as CRI-O does).
 * runs in: daemon/privileged (stat of requested host devices, a walk of /dev when privileged). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "daemon/containers/ctr_spec_internal.h"
#include "parsers/base/limits.h"
#include "parsers/base/macro.h"
#include "policy/validate.h"

static json_t *
rule_json(const struct container_policy_device_rule *d)
{
	char type[2] = {d->type, '\0'};
	json_t *o =
	    json_pack("{s:b, s:s, s:s}", "allow", d->allow, "type", type, "access", d->access);
	if (o && d->major >= 0 && spec_set(o, "major", json_integer(d->major)) < 0)
		return json_decref(o), NULL;
	if (o && d->minor >= 0 && spec_set(o, "minor", json_integer(d->minor)) < 0)
		return json_decref(o), NULL;
	return o;
}

static json_t *
node_json(struct spec_ctx *c, const char *path, const struct stat *st, int *ret_r)
{
	json_t *o =
	    json_pack("{s:s, s:I, s:I, s:I, s:I, s:I}", "type", S_ISBLK(st->st_mode) ? "b" : "c",
		      "major", (json_int_t)major(st->st_rdev), "minor",
		      (json_int_t)minor(st->st_rdev), "fileMode", (json_int_t)(st->st_mode & 07777),
		      "uid", (json_int_t)st->st_uid, "gid", (json_int_t)st->st_gid);
	int r = o ? spec_set_str(c, o, "path", "device container_path", path) : -ENOMEM;
	if (r < 0) {
		json_decref(o);
		*ret_r = r;
		return NULL;
	}
	return o;
}

/* One CRI Device: container path checked like a mount destination, host path stat'ed
 * (following symlinks: /dev/disk/by-id/... are links) and must be a device node. */
static int
requested_device(struct spec_ctx *c, const Runtime__V1__Device *d, json_t *nodes, json_t *rules)
{
	char q[SPEC_QUOTE_SZ];
	const char *cp = d->container_path ? d->container_path : "";
	const char *hp = d->host_path ? d->host_path : "";
	struct policy_error pe;
	if (validate_mount_destination(cp, strlen(cp), c->privileged, &pe) < 0)
		return spec_fail(c, -EINVAL, "devices: %s", pe.message);
	struct stat st;
	if (hp[0] != '/' || stat(hp, &st) < 0 || !(S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode)))
		return spec_fail(c, -EINVAL, "devices: host_path \"%s\" is not a device node",
				 spec_quote(hp, q));
	const char *perms = d->permissions ? d->permissions : "";
	struct container_policy_device_request req = {
	    .type = S_ISBLK(st.st_mode) ? 'b' : 'c',
	    .major = (int64_t)major(st.st_rdev),
	    .minor = (int64_t)minor(st.st_rdev),
	    .perms = perms,
	    .perms_len = strlen(perms),
	};
	struct container_policy_device_rule rule;
	if (container_policy_device_rule(&req, &rule, &pe) < 0)
		return spec_fail(c, -EINVAL, "devices \"%s\": %s", spec_quote(hp, q), pe.message);
	int r = 0;
	json_t *n = node_json(c, cp, &st, &r);
	if (!n)
		return r;
	r = spec_append(nodes, n);
	return r == 0 ? spec_append(rules, rule_json(&rule)) : r;
}

/* ---- privileged: every device node of the host's /dev ------------------------------------ */

struct walk {
	struct spec_ctx *c;
	json_t *nodes;
	size_t count;
};

static bool
walk_skip(const char *name, unsigned depth)
{
	static const char *const skip[] = {"pts",     "shm",   "mqueue", "fd",
					   "console", ".udev", ".lxc",   ".lxd-mounts"};
	if (name[0] == '.' && (!name[1] || (name[1] == '.' && !name[2])))
		return true;
	for (size_t i = 0; depth == 0 && i < ELEMENTSOF(skip); i++)
		if (strcmp(name, skip[i]) == 0)
			return true;
	return false;
}

/* walk_entry and walk_dir recurse, at most CTR_SPEC_DEV_DEPTH levels deep. */
static int walk_dir(struct walk *w, int dfd, const char *path, unsigned depth);

static int
/* NOLINTNEXTLINE(misc-no-recursion): bounded by CTR_SPEC_DEV_DEPTH */
walk_entry(struct walk *w, int dfd, const char *path, const char *name, unsigned depth)
{
	struct stat st;
	if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return 0; /* gone meanwhile */
	cleanup_free char *p = NULL;
	if (asprintf(&p, "%s/%s", path, name) < 0)
		return -ENOMEM;
	if (S_ISDIR(st.st_mode)) {
		if (depth + 1 >= CTR_SPEC_DEV_DEPTH)
			return 0;
		int fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		return fd < 0 ? 0 : walk_dir(w, fd, p, depth + 1);
	}
	if (!S_ISCHR(st.st_mode) && !S_ISBLK(st.st_mode))
		return 0;
	if (++w->count > CTR_SPEC_MAX_HOST_DEVICES)
		return spec_fail(w->c, -E2BIG, "privileged: more than %u host devices",
				 CTR_SPEC_MAX_HOST_DEVICES);
	int r = 0;
	json_t *n = node_json(w->c, p, &st, &r);
	return n ? spec_append(w->nodes, n) : r;
}

/* Takes dfd. */
static int
/* NOLINTNEXTLINE(misc-no-recursion): bounded by CTR_SPEC_DEV_DEPTH */
walk_dir(struct walk *w, int dfd, const char *path, unsigned depth)
{
	DIR *d = fdopendir(dfd);
	if (!d) {
		(void)close(dfd);
		return 0;
	}
	int r = 0;
	struct dirent *de;
	while (r == 0 && (de = readdir(d)))
		if (!walk_skip(de->d_name, depth))
			r = walk_entry(w, dirfd(d), path, de->d_name, depth);
	(void)closedir(d);
	return r;
}

static int
host_devices(struct spec_ctx *c, json_t *nodes)
{
	int fd = open("/dev", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return spec_fail(c, -errno, "privileged: open /dev: %s", strerror(errno));
	struct walk w = {.c = c, .nodes = nodes};
	return walk_dir(&w, fd, "/dev", 0);
}

int
spec_devices(struct spec_ctx *c, json_t *linux_obj, json_t *resources)
{
	const Runtime__V1__ContainerConfig *cfg = c->in->cfg;
	if (cfg->n_devices > POLICY_MAX_DEVICES)
		return spec_fail(c, -EINVAL, "devices: more than %u", POLICY_MAX_DEVICES);
	size_t n = 0;
	const struct container_policy_device_rule *def =
	    container_policy_devices(c->privileged, &n);
	json_t *rules = json_array(), *nodes = json_array();
	int r = rules && nodes ? 0 : -ENOMEM;
	for (size_t i = 0; r == 0 && i < n; i++)
		r = spec_append(rules, rule_json(&def[i]));
	if (r == 0 && c->privileged)
		r = host_devices(c, nodes);
	for (size_t i = 0; r == 0 && i < cfg->n_devices; i++)
		r = requested_device(c, cfg->devices[i], nodes, rules);
	if (r == 0)
		r = spec_set(resources, "devices", TAKE_PTR(rules));
	if (r == 0 && json_array_size(nodes) > 0)
		r = spec_set(linux_obj, "devices", TAKE_PTR(nodes));
	json_decref(rules);
	json_decref(nodes);
	return r;
}
