/* SPDX-License-Identifier: Apache-2.0 */
/* The "mounts" of a container's OCI config: the kernel filesystems, the pod's /dev/shm and
 * hostname/hosts/resolv.conf, the CRI mounts (destination and host path checked, host path
 * resolved once), and image VOLUMEs as fresh directories beneath the container's volume dir.
 * runs in: daemon/privileged (stat/realpath of host paths; mkdir beneath volume_dir). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "daemon/containers/ctr_spec_internal.h"
#include "parsers/base/limits.h"
#include "parsers/base/macro.h"
#include "policy/validate.h"

/* A mount's option list. */
struct opts {
	const char *const *v;
	size_t n;
};

#define OPTS(...)                                                                                  \
	((struct opts){(const char *const[]){__VA_ARGS__},                                         \
		       ELEMENTSOF(((const char *const[]){__VA_ARGS__}))})

/* A mount of the sorted part (everything but the kernel filesystems). */
struct mnt {
	char *dest; /* normalised: no trailing '/' */
	json_t *obj;
	unsigned depth;
	size_t seq;
};

struct mnt_list {
	struct mnt v[CTR_SPEC_MAX_MOUNTS];
	size_t n;
};

static void
mnt_list_done(struct mnt_list *l)
{
	for (size_t i = 0; i < l->n; i++) {
		free(l->v[i].dest);
		json_decref(l->v[i].obj);
	}
}

static unsigned
path_depth(const char *p)
{
	unsigned d = 0;
	for (const char *s = p; *s; s++)
		if (*s == '/' && s[1] && s[1] != '/')
			d++;
	return d;
}

/* dest without its trailing '/' (the validator allows one). */
static char *
dest_norm(const char *p)
{
	size_t n = strlen(p);
	if (n > 1 && p[n - 1] == '/')
		n--;
	return strndup(p, n);
}

/* Whether a CRI mount's destination (normalised) equals p or is a parent of it. */
static bool
cri_covers(const Runtime__V1__ContainerConfig *cfg, const char *p, bool parents)
{
	size_t pl = strlen(p);
	for (size_t i = 0; i < cfg->n_mounts; i++) {
		const char *d = cfg->mounts[i]->container_path;
		size_t dl = d ? strlen(d) : 0;
		if (dl > 1 && d[dl - 1] == '/')
			dl--;
		if (dl == 0 || dl > pl || memcmp(d, p, dl) != 0)
			continue;
		if (dl == pl || (parents && p[dl] == '/'))
			return true;
	}
	return false;
}

static int
mnt_add(struct spec_ctx *c, struct mnt_list *l, const char *dest, json_t *obj)
{
	if (!obj)
		return -ENOMEM;
	if (l->n >= CTR_SPEC_MAX_MOUNTS) {
		json_decref(obj);
		return spec_fail(c, -EINVAL, "mounts: more than %u", CTR_SPEC_MAX_MOUNTS);
	}
	char *d = dest_norm(dest);
	if (!d) {
		json_decref(obj);
		return -ENOMEM;
	}
	l->v[l->n] = (struct mnt){.dest = d, .obj = obj, .depth = path_depth(d), .seq = l->n};
	l->n++;
	return 0;
}

static json_t *
mount_obj(struct spec_ctx *c, const char *dest, const char *type, const char *source,
	  struct opts opts, int *ret_r)
{
	json_t *o = json_object(), *a = json_array();
	int r = o && a ? 0 : -ENOMEM;
	for (size_t i = 0; r == 0 && i < opts.n; i++)
		r = spec_append(a, json_string(opts.v[i]));
	if (r == 0)
		r = spec_set(o, "options", TAKE_PTR(a));
	if (r == 0)
		r = spec_set_str(c, o, "destination", "mount destination", dest);
	if (r == 0)
		r = spec_set(o, "type", json_string(type));
	if (r == 0)
		r = spec_set_str(c, o, "source", "mount source", source);
	json_decref(a);
	if (r < 0) {
		json_decref(o);
		*ret_r = r;
		return NULL;
	}
	return o;
}

/* ---- kernel filesystems ---------------------------------------------------------------- */

static int
sys_add(struct spec_ctx *c, json_t *arr, const char *dest, const char *type, const char *src,
	struct opts opts)
{
	/* A CRI mount at the same destination replaces the default, as with CRI-O. */
	if (cri_covers(c->in->cfg, dest, false))
		return 0;
	int r = 0;
	json_t *o = mount_obj(c, dest, type, src, opts, &r);
	return o ? spec_append(arr, o) : r;
}

static int
system_mounts(struct spec_ctx *c, json_t *arr)
{
	int r = sys_add(c, arr, "/proc", "proc", "proc", OPTS("nosuid", "noexec", "nodev"));
	if (r == 0)
		r = sys_add(c, arr, "/dev", "tmpfs", "tmpfs",
			    OPTS("nosuid", "strictatime", "mode=755", "size=65536k"));
	if (r == 0)
		r = sys_add(
		    c, arr, "/dev/pts", "devpts", "devpts",
		    OPTS("nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"));
	if (r == 0)
		r = sys_add(c, arr, "/dev/mqueue", "mqueue", "mqueue",
			    OPTS("nosuid", "noexec", "nodev"));
	/* Privileged containers get /sys and the cgroup tree writable, as with CRI-O. */
	if (r == 0 && c->privileged)
		r = sys_add(c, arr, "/sys", "sysfs", "sysfs",
			    OPTS("nosuid", "noexec", "nodev", "rw", "rslave"));
	else if (r == 0)
		r = sys_add(c, arr, "/sys", "sysfs", "sysfs",
			    OPTS("nosuid", "noexec", "nodev", "ro"));
	if (r == 0 && c->privileged)
		r = sys_add(c, arr, "/sys/fs/cgroup", "cgroup", "cgroup",
			    OPTS("nosuid", "noexec", "nodev", "relatime", "rw", "rslave"));
	else if (r == 0)
		r = sys_add(c, arr, "/sys/fs/cgroup", "cgroup", "cgroup",
			    OPTS("nosuid", "noexec", "nodev", "relatime", "ro"));
	/* The pod's private tmpfs; with the host's IPC namespace the host's /dev/shm (CRI-O's
	 * sandbox shm path is /dev/shm then), never a fresh one the other containers can't see. */
	if (r == 0)
		r = sys_add(c, arr, "/dev/shm", "bind",
			    c->in->shm_path ? c->in->shm_path : "/dev/shm",
			    OPTS("rw", "bind", "nosuid", "nodev", "noexec"));
	return r;
}

/* ---- the pod's files -------------------------------------------------------------------- */

/* Writable unless the rootfs is read-only, as with CRI-O (kubelet and some images rewrite
 * them); the files are the pod's, shared by its containers, never a host file. */
static int
pod_files(struct spec_ctx *c, struct mnt_list *l)
{
	static const char *const files[][2] = {{"/etc/hostname", "hostname"},
					       {"/etc/hosts", "hosts"},
					       {"/etc/resolv.conf", "resolv.conf"}};
	const char *dir = c->in->pod_run_dir;
	const char *rw = c->sc && c->sc->readonly_rootfs ? "ro" : "rw";
	for (size_t i = 0; dir && i < ELEMENTSOF(files); i++) {
		/* A CRI mount at the file or at /etc wins: runc would otherwise create the
		 * mount point inside the host directory mounted there. */
		if (cri_covers(c->in->cfg, files[i][0], true))
			continue;
		cleanup_free char *src = NULL;
		if (asprintf(&src, "%s/%s", dir, files[i][1]) < 0)
			return -ENOMEM;
		int r = 0;
		json_t *o = mount_obj(c, files[i][0], "bind", src,
				      OPTS("bind", rw, "nodev", "nosuid", "noexec"), &r);
		if (!o)
			return r;
		r = mnt_add(c, l, files[i][0], o);
		if (r < 0)
			return r;
	}
	return 0;
}

/* ---- CRI mounts ---------------------------------------------------------------------------- */

static int
cri_mount_unsupported(struct spec_ctx *c, const Runtime__V1__Mount *m, const char *q)
{
	if (m->n_uidmappings || m->n_gidmappings)
		return spec_fail(c, -EINVAL, "mount \"%s\": ID-mapped mounts are not supported", q);
	if (m->recursive_read_only)
		return spec_fail(
		    c, -EINVAL, "mount \"%s\": recursive_read_only is not supported (runc 1.1)", q);
	if (m->image && m->image->image && m->image->image[0])
		return spec_fail(c, -EINVAL, "mount \"%s\": image volumes are not supported", q);
	if (m->n_mount_options)
		return spec_fail(c, -EINVAL, "mount \"%s\": mount_options are not supported", q);
	return 0;
}

/* Host paths come from kubelet (a trusted caller) and may legitimately pass through symlinks
 * (/var/run -> /run, /etc/localtime). crisp resolves the path once, here, and hands runc the
 * resolved path: a symlink swapped into the requested path after this check cannot redirect
 * the mount, and what is mounted is what the spec (and so the log) shows. A path that does
 * not resolve (missing, dangling or looping symlink) is refused. */
static int
resolve_host_path(struct spec_ctx *c, const char *host, const char *q, char **ret)
{
	char qh[SPEC_QUOTE_SZ];
	if (!host || host[0] != '/')
		return spec_fail(c, -EINVAL, "mount \"%s\": host_path \"%s\" is not absolute", q,
				 spec_quote(host, qh));
	if (strlen(host) >= POLICY_PATH_MAX)
		return spec_fail(c, -EINVAL, "mount \"%s\": host_path is too long", q);
	char *res = realpath(host, NULL);
	if (!res) {
		int e = errno;
		return spec_fail(c, e == ENOMEM ? -ENOMEM : -EINVAL,
				 "mount \"%s\": host_path \"%s\" does not resolve: %s", q,
				 spec_quote(host, qh), strerror(e));
	}
	*ret = res;
	return 0;
}

static const char *
propagation(struct spec_ctx *c, const Runtime__V1__Mount *m, const char *q, int *ret_r)
{
	switch (m->propagation) {
	case RUNTIME__V1__MOUNT_PROPAGATION__PROPAGATION_PRIVATE:
		return "rprivate";
	case RUNTIME__V1__MOUNT_PROPAGATION__PROPAGATION_HOST_TO_CONTAINER:
		if (!c->rootfs_propagation)
			c->rootfs_propagation = "rslave";
		return "rslave";
	case RUNTIME__V1__MOUNT_PROPAGATION__PROPAGATION_BIDIRECTIONAL:
		/* Mounts made inside reach the host: Kubernetes allows it only for privileged
		 * containers, and so does crisp, whoever the caller is. */
		if (!c->privileged)
			break;
		c->rootfs_propagation = "rshared";
		return "rshared";
	case _RUNTIME__V1__MOUNT_PROPAGATION_IS_INT_SIZE:
	default:
		*ret_r = spec_fail(c, -EINVAL, "mount \"%s\": unknown propagation %d", q,
				   (int)m->propagation);
		return NULL;
	}
	*ret_r = spec_fail(
	    c, -EINVAL, "mount \"%s\": bidirectional propagation needs a privileged container", q);
	return NULL;
}

static int
cri_mount(struct spec_ctx *c, struct mnt_list *l, const Runtime__V1__Mount *m)
{
	char q[SPEC_QUOTE_SZ];
	const char *dest = m->container_path ? m->container_path : "";
	spec_quote(dest, q);
	struct policy_error pe;
	if (validate_mount_destination(dest, strlen(dest), c->privileged, &pe) < 0)
		return spec_fail(c, -EINVAL, "mounts: %s", pe.message);
	int r = cri_mount_unsupported(c, m, q);
	const char *prop = r == 0 ? propagation(c, m, q, &r) : NULL;
	if (!prop)
		return r;
	cleanup_free char *src = NULL;
	r = resolve_host_path(c, m->host_path, q, &src);
	if (r < 0)
		return r;
	json_t *o =
	    mount_obj(c, dest, "bind", src, OPTS("rbind", m->readonly ? "ro" : "rw", prop), &r);
	return o ? mnt_add(c, l, dest, o) : r;
}

static int
cri_mounts(struct spec_ctx *c, struct mnt_list *l)
{
	const Runtime__V1__ContainerConfig *cfg = c->in->cfg;
	for (size_t i = 0; i < cfg->n_mounts; i++) {
		size_t before = l->n;
		int r = cri_mount(c, l, cfg->mounts[i]);
		if (r < 0)
			return r;
		for (size_t j = 0; j < before; j++)
			if (strcmp(l->v[j].dest, l->v[before].dest) == 0) {
				char q[SPEC_QUOTE_SZ];
				return spec_fail(c, -EINVAL, "mounts: destination \"%s\" twice",
						 spec_quote(l->v[before].dest, q));
			}
	}
	return 0;
}

/* ---- image volumes (CVE-2022-23648) ------------------------------------------------------- */

/* <volume_dir>/vol-<i>: created with mkdirat beneath an O_NOFOLLOW handle of volume_dir, so
 * the image's path never becomes part of a host path; chowned to the process user so a
 * non-root container can write its volume. No copy-up of the image's content. */
static int
volume_dir_make(struct spec_ctx *c, int dfd, size_t i, char **ret_src)
{
	char name[32];
	(void)snprintf(name, sizeof(name), "vol-%zu", i);
	if (mkdirat(dfd, name, 0755) < 0 && errno != EEXIST)
		return spec_fail(c, -errno, "image volume %zu: mkdir %s/%s: %s", i,
				 c->in->volume_dir, name, strerror(errno));
	cleanup_close int fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return spec_fail(c, -errno, "image volume %zu: open %s/%s: %s", i,
				 c->in->volume_dir, name, strerror(errno));
	if (fchown(fd, c->in->uid, c->in->gid) < 0)
		return spec_fail(c, -errno, "image volume %zu: chown: %s", i, strerror(errno));
	if (asprintf(ret_src, "%s/%s", c->in->volume_dir, name) < 0)
		return -ENOMEM;
	return 0;
}

static int
volume_dir_open(struct spec_ctx *c)
{
	const char *vd = c->in->volume_dir;
	if (!vd || vd[0] != '/')
		return spec_fail(c, -EINVAL,
				 "image volumes: no volume directory for the container");
	if (mkdir(vd, 0700) < 0 && errno != EEXIST)
		return spec_fail(c, -errno, "image volumes: mkdir %s: %s", vd, strerror(errno));
	int fd = open(vd, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return spec_fail(c, -errno, "image volumes: open %s: %s", vd, strerror(errno));
	return fd;
}

static int
image_volume(struct spec_ctx *c, struct mnt_list *l, int dfd, size_t i, const char *v)
{
	char *d = dest_norm(v);
	if (!d)
		return -ENOMEM;
	bool skip = cri_covers(c->in->cfg, d, true);
	for (size_t j = 0; !skip && j < l->n; j++)
		skip = strcmp(l->v[j].dest, d) == 0; /* the same VOLUME twice, or a pod file */
	char *src = NULL;
	int r = skip ? 0 : volume_dir_make(c, dfd, i, &src);
	json_t *o = r == 0 && !skip
			? mount_obj(c, d, "bind", src, OPTS("rbind", "rw", "rprivate"), &r)
			: NULL;
	if (o)
		r = mnt_add(c, l, d, o);
	free(src);
	free(d);
	return r;
}

static int
image_volumes(struct spec_ctx *c, struct mnt_list *l)
{
	const Crisp__State__ImageConfig *img = c->in->image;
	if (!img || img->n_volumes == 0)
		return 0;
	if (img->n_volumes > IMAGE_CONFIG_MAX_VOLUMES)
		return spec_fail(c, -EINVAL, "image volumes: more than %u",
				 IMAGE_CONFIG_MAX_VOLUMES);
	cleanup_close int dfd = -EBADF;
	for (size_t i = 0; i < img->n_volumes; i++) {
		const char *v = img->volumes[i] ? img->volumes[i] : "";
		struct policy_error pe;
		/* The image's VOLUME is data: a relative path, "..", /proc or /sys is refused,
		 * never cleaned into something else. */
		if (validate_mount_destination(v, strlen(v), false, &pe) < 0)
			return spec_fail(c, -EINVAL, "image volume: %s", pe.message);
		if (dfd < 0 && (dfd = volume_dir_open(c)) < 0)
			return dfd;
		int r = image_volume(c, l, dfd, i, v);
		if (r < 0)
			return r;
	}
	return 0;
}

/* ---- assembly ---------------------------------------------------------------------------- */

/* Parents before children (runc mounts in order): by depth, then request order. */
static int
mnt_cmp(const void *a, const void *b)
{
	const struct mnt *x = a, *y = b;
	if (x->depth != y->depth)
		return x->depth < y->depth ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

int
spec_mounts(struct spec_ctx *c, json_t **ret)
{
	json_t *arr = json_array();
	struct mnt_list *l = calloc(1, sizeof(*l));
	int r = arr && l ? 0 : -ENOMEM;
	if (r == 0)
		r = system_mounts(c, arr);
	if (r == 0)
		r = cri_mounts(c, l);
	if (r == 0)
		r = pod_files(c, l);
	if (r == 0)
		r = image_volumes(c, l);
	if (r == 0)
		qsort(l->v, l->n, sizeof(l->v[0]), mnt_cmp);
	for (size_t i = 0; r == 0 && i < l->n; i++)
		r = spec_append(arr, TAKE_PTR(l->v[i].obj));
	if (l)
		mnt_list_done(l);
	free(l);
	if (r < 0) {
		json_decref(arr);
		return r;
	}
	*ret = arr;
	return 0;
}
