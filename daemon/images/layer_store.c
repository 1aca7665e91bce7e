/* SPDX-License-Identifier: Apache-2.0 */
/* Layer records and the in-memory size table (see layer_store.h), plus the one background
 * walk that measures layers unpacked before their sizes were recorded.
 * runs in: daemon/privileged. The walk only stats what it finds (never follows a symlink,
 * never crosses a mount) and is bounded in depth and entries. */
#include "daemon/images/layer_store.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "daemon/core/log.h"
#include "daemon/core/store.h"
#include "parsers/base/limits.h"
#include "parsers/base/macro.h"
#include "parsers/base/path.h"
#include "state.pb-c.h"

#define RECORD_NAME "layer.pb"
#define HEX_LEN     64

struct layer_entry {
	char hex[HEX_LEN + 1];
	bool known;
	struct layer_usage u;
};

struct layer_store {
	pthread_mutex_t mu; /* v, n */
	struct layer_entry *v;
	size_t n, cap;
	char *dir;
	pthread_t thread;
	bool started;
	atomic_bool stop;
};

static bool
hex_name(const char *s)
{
	if (strlen(s) != HEX_LEN)
		return false;
	for (size_t i = 0; i < HEX_LEN; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return true;
}

static const char *
hex_of(const char *chain_id)
{
	return chain_id && strncmp(chain_id, "sha256:", 7) == 0 && hex_name(chain_id + 7)
		   ? chain_id + 7
		   : NULL;
}

static uint64_t
sat_add(uint64_t a, uint64_t b)
{
	return a > UINT64_MAX - b ? UINT64_MAX : a + b;
}

static uint64_t
blocks_bytes(const struct stat *st)
{
	return st->st_blocks > 0 ? (uint64_t)st->st_blocks * 512u : 0;
}

/* ---- records ------------------------------------------------------------------------ */

int
layer_store_write(const char *dir, const char *chain_id, uint64_t disk_bytes, uint64_t inodes,
		  uint64_t uncompressed_size)
{
	Crisp__State__LayerRecord rec;
	crisp__state__layer_record__init(&rec);
	rec.version = 1;
	rec.chain_id = UNCONST(chain_id);
	rec.disk_bytes = disk_bytes;
	rec.inodes = inodes;
	rec.uncompressed_size = uncompressed_size;
	rec.walked = uncompressed_size == 0;
	uint8_t buf[LAYER_RECORD_MAX];
	size_t len = crisp__state__layer_record__get_packed_size(&rec);
	if (len > sizeof(buf))
		return -EFBIG;
	(void)crisp__state__layer_record__pack(&rec, buf);
	return store_write_atomic(dir, RECORD_NAME, buf, len, 0600);
}

/* layers/<hex>: the record's diff/ totals plus the <hex> directory and the record itself. */
static int
load_one(const char *layer_dir, const char *hex, struct layer_usage *ret)
{
	char dir[CRISP_PATH_MAX];
	if (path_fmt(dir, sizeof(dir), "%s/%s", layer_dir, hex) < 0)
		return -ENAMETOOLONG;
	cleanup_free uint8_t *buf = NULL;
	size_t len = 0;
	int r = store_read(dir, RECORD_NAME, LAYER_RECORD_MAX, &buf, &len);
	if (r < 0)
		return r;
	Crisp__State__LayerRecord *rec = crisp__state__layer_record__unpack(NULL, len, buf);
	const char *h = rec ? hex_of(rec->chain_id) : NULL;
	bool ok = h && rec->version == 1 && strcmp(h, hex) == 0 && rec->inodes >= 1 &&
		  rec->disk_bytes % 512u == 0;
	struct layer_usage u =
	    ok ? (struct layer_usage){rec->disk_bytes, rec->inodes} : (struct layer_usage){0};
	if (rec)
		crisp__state__layer_record__free_unpacked(rec, NULL);
	if (!ok)
		return -EBADMSG;
	struct stat d = {0}, f = {0};
	int dfd = open(dir, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dfd < 0)
		return -errno;
	r = fstat(dfd, &d) < 0 || fstatat(dfd, RECORD_NAME, &f, AT_SYMLINK_NOFOLLOW) < 0 ? -errno
											 : 0;
	(void)close(dfd);
	if (r < 0)
		return r;
	u.bytes = sat_add(sat_add(u.bytes, blocks_bytes(&d)), blocks_bytes(&f));
	u.inodes = sat_add(u.inodes, 2);
	*ret = u;
	return 0;
}

/* ---- the table ---------------------------------------------------------------------- */

static struct layer_entry *
find_locked(struct layer_store *ls, const char *hex)
{
	for (size_t i = 0; i < ls->n; i++)
		if (strcmp(ls->v[i].hex, hex) == 0)
			return &ls->v[i];
	return NULL;
}

static int
set_locked(struct layer_store *ls, const char *hex, const struct layer_usage *u)
{
	struct layer_entry *e = find_locked(ls, hex);
	if (!e) {
		if (ls->n == ls->cap) {
			size_t cap = ls->cap ? ls->cap * 2 : 16;
			struct layer_entry *v = realloc(ls->v, cap * sizeof(*v));
			if (!v)
				return -ENOMEM;
			ls->v = v;
			ls->cap = cap;
		}
		e = &ls->v[ls->n++];
		memcpy(e->hex, hex, HEX_LEN + 1);
	}
	e->known = u != NULL;
	e->u = u ? *u : (struct layer_usage){0};
	return 0;
}

int
layer_store_add(struct layer_store *ls, const char *chain_id)
{
	const char *hex = hex_of(chain_id);
	if (!hex)
		return -EINVAL;
	struct layer_usage u;
	int r = load_one(ls->dir, hex, &u);
	pthread_mutex_lock(&ls->mu);
	int s = set_locked(ls, hex, r == 0 ? &u : NULL);
	pthread_mutex_unlock(&ls->mu);
	return s < 0 ? s : r;
}

void
layer_store_remove(struct layer_store *ls, const char *chain_id)
{
	const char *hex = hex_of(chain_id);
	if (!hex)
		return;
	pthread_mutex_lock(&ls->mu);
	struct layer_entry *e = find_locked(ls, hex);
	if (e)
		*e = ls->v[--ls->n];
	pthread_mutex_unlock(&ls->mu);
}

int
layer_store_get(struct layer_store *ls, const char *chain_id, struct layer_usage *ret)
{
	const char *hex = hex_of(chain_id);
	if (!hex)
		return -ENOENT;
	pthread_mutex_lock(&ls->mu);
	struct layer_entry *e = find_locked(ls, hex);
	int r = e && e->known ? 0 : -ENOENT;
	if (r == 0)
		*ret = e->u;
	pthread_mutex_unlock(&ls->mu);
	return r;
}

void
layer_store_total(struct layer_store *ls, struct layer_usage *ret, size_t *ret_unknown)
{
	struct layer_usage t = {0};
	size_t unknown = 0;
	pthread_mutex_lock(&ls->mu);
	for (size_t i = 0; i < ls->n; i++) {
		if (!ls->v[i].known) {
			unknown++;
			continue;
		}
		t.bytes = sat_add(t.bytes, ls->v[i].u.bytes);
		t.inodes = sat_add(t.inodes, ls->v[i].u.inodes);
	}
	pthread_mutex_unlock(&ls->mu);
	*ret = t;
	*ret_unknown = unknown;
}

int
layer_store_new(const char *layer_dir, struct layer_store **ret)
{
	struct layer_store *ls = calloc(1, sizeof(*ls));
	if (!ls || !(ls->dir = strdup(layer_dir))) {
		free(ls);
		return -ENOMEM;
	}
	pthread_mutex_init(&ls->mu, NULL);
	DIR *d = opendir(layer_dir);
	struct dirent *de;
	size_t unknown = 0;
	while (d && (de = readdir(d))) {
		if (!hex_name(de->d_name))
			continue;
		char dir[CRISP_PATH_MAX];
		if (path_fmt(dir, sizeof(dir), "%s/%s", layer_dir, de->d_name) == 0)
			(void)store_clean_temp(dir); /* a record write a crash interrupted */
		struct layer_usage u;
		int r = load_one(layer_dir, de->d_name, &u);
		unknown += r < 0;
		if (set_locked(ls, de->d_name, r == 0 ? &u : NULL) < 0) {
			(void)closedir(d);
			layer_store_free(ls);
			return -ENOMEM;
		}
	}
	if (d)
		(void)closedir(d);
	if (unknown)
		log_info(0,
			 "%zu of %zu layers have no size record; measuring them in the background",
			 unknown, ls->n);
	*ret = ls;
	return 0;
}

/* ---- the start-up measurement ------------------------------------------------------- */

/* Inodes with more than one link, counted once (open addressing, grown at 1/2 load). */
struct ino_set {
	uint64_t *v;
	size_t cap, n;
};

/* 1 if ino was new (added), 0 if seen, -ENOMEM. */
static int
ino_add(struct ino_set *s, uint64_t ino)
{
	if ((s->n + 1) * 2 > s->cap) {
		struct ino_set g = {.cap = s->cap ? s->cap * 2 : 1024};
		if (!(g.v = calloc(g.cap, sizeof(*g.v))))
			return -ENOMEM;
		for (size_t i = 0; i < s->cap; i++)
			if (s->v[i])
				(void)ino_add(&g, s->v[i]);
		free(s->v);
		*s = g;
	}
	uint64_t key = ino ? ino : UINT64_MAX; /* 0 marks a free slot */
	for (size_t i = (size_t)(key * 0x9e3779b97f4a7c15ull) & (s->cap - 1);;
	     i = (i + 1) & (s->cap - 1)) {
		if (s->v[i] == key)
			return 0;
		if (!s->v[i]) {
			s->v[i] = key;
			s->n++;
			return 1;
		}
	}
}

struct walk {
	struct layer_store *ls;
	struct ino_set links;
	dev_t dev;
	uint64_t entries;
	struct layer_usage u;
};

static int walk_dir(struct walk *w, int dfd, unsigned depth);

static int
walk_entry(struct walk *w, int dfd, const char *name, unsigned depth)
{
	struct stat st;
	if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return -errno;
	if (atomic_load(&w->ls->stop))
		return -ECANCELED;
	if (++w->entries > LAYER_WALK_MAX_ENTRIES)
		return -EFBIG;
	if (!S_ISDIR(st.st_mode) && st.st_nlink > 1) {
		int r = ino_add(&w->links, (uint64_t)st.st_ino);
		if (r <= 0)
			return r; /* seen: its blocks are counted already */
	}
	w->u.bytes = sat_add(w->u.bytes, blocks_bytes(&st));
	w->u.inodes++;
	if (!S_ISDIR(st.st_mode))
		return 0;
	if (st.st_dev != w->dev || depth >= LAYER_MAX_DEPTH)
		return -EXDEV; /* a mount or a tree deeper than any layer: not ours to measure */
	int fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	return fd < 0 ? -errno : walk_dir(w, fd, depth + 1);
}

/* Takes fd. */
static int
walk_dir(struct walk *w, int fd, unsigned depth)
{
	DIR *d = fdopendir(fd);
	if (!d) {
		(void)close(fd);
		return -errno;
	}
	struct dirent *de;
	int r = 0;
	while (r == 0 && (de = readdir(d)))
		if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)
			r = walk_entry(w, dirfd(d), de->d_name, depth);
	(void)closedir(d);
	return r;
}

/* Measure layers/<hex>/diff (diff itself included) and write its record. */
static int
measure(struct layer_store *ls, const char *hex)
{
	char dir[CRISP_PATH_MAX];
	if (path_fmt(dir, sizeof(dir), "%s/%s", ls->dir, hex) < 0)
		return -ENAMETOOLONG;
	cleanup_close int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	struct stat top;
	if (dfd < 0 || fstat(dfd, &top) < 0)
		return -errno;
	struct walk w = {.ls = ls, .dev = top.st_dev};
	int r = walk_entry(&w, dfd, "diff", 0);
	free(w.links.v);
	if (r < 0)
		return r;
	/* Still the same directory (not removed and pulled again meanwhile)? */
	struct stat now;
	if (stat(dir, &now) < 0 || now.st_ino != top.st_ino)
		return -ESTALE;
	char chain_id[7 + HEX_LEN + 1];
	snprintf(chain_id, sizeof(chain_id), "sha256:%s", hex);
	return layer_store_write(dir, chain_id, w.u.bytes, w.u.inodes, 0);
}

/* The next layer still unknown and not tried yet (tried: this run's failures). */
static bool
next_unknown(struct layer_store *ls, char **tried, size_t n_tried, char hex[HEX_LEN + 1])
{
	bool found = false;
	pthread_mutex_lock(&ls->mu);
	for (size_t i = 0; i < ls->n && !found; i++) {
		if (ls->v[i].known)
			continue;
		found = true;
		for (size_t t = 0; t < n_tried && found; t++)
			found = strcmp(tried[t], ls->v[i].hex) != 0;
		if (found)
			memcpy(hex, ls->v[i].hex, HEX_LEN + 1);
	}
	pthread_mutex_unlock(&ls->mu);
	return found;
}

static void *
measure_thread(void *arg)
{
	struct layer_store *ls = arg;
	char hex[HEX_LEN + 1], **tried = NULL;
	size_t n_tried = 0, done = 0;
	while (!atomic_load(&ls->stop) && next_unknown(ls, tried, n_tried, hex)) {
		int r = measure(ls, hex);
		char chain_id[7 + HEX_LEN + 1];
		snprintf(chain_id, sizeof(chain_id), "sha256:%s", hex);
		if (r == 0)
			r = layer_store_add(ls, chain_id);
		done += r == 0;
		if (r < 0 && r != -ECANCELED)
			log_warn(0, "layer %s: cannot measure its size: %s", chain_id,
				 strerror(-r));
		char **t = realloc(tried, (n_tried + 1) * sizeof(*t));
		if (!t || !(t[n_tried] = strdup(hex))) {
			tried = t ? t : tried;
			break;
		}
		tried = t;
		n_tried++;
	}
	for (size_t i = 0; i < n_tried; i++)
		free(tried[i]);
	free(tried);
	if (done)
		log_info(0, "measured %zu layers that had no size record", done);
	return NULL;
}

int
layer_store_start(struct layer_store *ls)
{
	size_t unknown = 0;
	struct layer_usage t;
	layer_store_total(ls, &t, &unknown);
	if (unknown == 0 || ls->started)
		return 0;
	int r = pthread_create(&ls->thread, NULL, measure_thread, ls);
	if (r != 0)
		return -r;
	ls->started = true;
	return 0;
}

struct layer_store *
layer_store_free(struct layer_store *ls)
{
	if (!ls)
		return NULL;
	if (ls->started) {
		atomic_store(&ls->stop, true);
		pthread_join(ls->thread, NULL);
	}
	free(ls->v);
	free(ls->dir);
	pthread_mutex_destroy(&ls->mu);
	free(ls);
	return NULL;
}
