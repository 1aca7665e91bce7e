/* SPDX-License-Identifier: Apache-2.0 */
/* Seed corpus generator for the image reply fuzz targets: writes packed ManifestReply,
 * ConfigReply and PasswdReply messages, valid ones shaped like the helpers' replies to the
 * documents in tests/data/ and hostile ones (what a compromised helper might send), into
 * <dir>/{manifest,config,passwd}_reply/. Run by `make image-reply-seeds`.
 * runs in: build tool (writes files; never part of crispd or a helper). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "helper.pb-c.h"
#include "parsers/base/macro.h"

typedef Crisp__Helper__ManifestReply MReply;
typedef Crisp__Helper__ManifestReply__Descriptor Desc;
typedef Crisp__Helper__ManifestReply__Platform Plat;
typedef Crisp__Helper__ConfigReply CReply;
typedef Crisp__Helper__ConfigReply__Label Label;
typedef Crisp__Helper__PasswdReply PReply;

#define D1 "sha256:592a2766096e42ae81cd8d60f11964c9999e9eaa5169e1fcc5a06739c1f734b9"
#define D2 "sha256:7847f96e41f45d4839f71a36c817d38e01f1d37992663f681d009bc54e9cb8dc"
#define D3 "sha256:2e28d84614042e72bc8662a8e1e7ba4f36465f36218fe2fa4f14c3471f25a388"
#define D512                                                                                       \
	"sha512:"                                                                                  \
	"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"                         \
	"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
#define MT_INDEX    "application/vnd.oci.image.index.v1+json"
#define MT_MANIFEST "application/vnd.oci.image.manifest.v1+json"
#define MT_DLIST    "application/vnd.docker.distribution.manifest.list.v2+json"
#define MT_D2       "application/vnd.docker.distribution.manifest.v2+json"
#define MT_CONFIG   "application/vnd.oci.image.config.v1+json"
#define MT_GZ       "application/vnd.oci.image.layer.v1.tar+gzip"
#define MT_ZSTD     "application/vnd.oci.image.layer.v1.tar+zstd"
#define MT_DGZ      "application/vnd.docker.image.rootfs.diff.tar.gzip"

static const char *outdir;

static void
write_seed(const char *sub, const char *name, const uint8_t *buf, size_t len)
{
	char path[4096];
	(void)snprintf(path, sizeof(path), "%s/%s", outdir, sub);
	if (mkdir(path, 0755) < 0 && errno != EEXIST) {
		perror(path);
		exit(1);
	}
	(void)snprintf(path, sizeof(path), "%s/%s/%s", outdir, sub, name);
	cleanup_close int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0 || write(fd, buf, len) != (ssize_t)len) {
		perror(path);
		exit(1);
	}
}

#define SEED(sub, name, type, msg)                                                                 \
	do {                                                                                       \
		size_t n_ = crisp__helper__##type##__get_packed_size(msg);                         \
		uint8_t *b_ = malloc(n_ ? n_ : 1);                                                 \
		if (!b_)                                                                           \
			exit(1);                                                                   \
		(void)crisp__helper__##type##__pack((msg), b_);                                    \
		write_seed((sub), (name), b_, n_);                                                 \
		free(b_);                                                                          \
	} while (0)

static Desc
desc(const char *mt, const char *digest, uint64_t size, int comp, Plat *p)
{
	Desc d;
	crisp__helper__manifest_reply__descriptor__init(&d);
	d.media_type = UNCONST(mt);
	d.digest = UNCONST(digest);
	d.size = size;
	d.compression = (Crisp__Helper__ManifestReply__Compression)comp;
	d.platform = p;
	return d;
}

static Plat
plat(const char *os, const char *arch, const char *variant)
{
	Plat p;
	crisp__helper__manifest_reply__platform__init(&p);
	p.os = UNCONST(os);
	p.architecture = UNCONST(arch);
	p.variant = UNCONST(variant);
	return p;
}

static void
manifest_seeds(void)
{
	Plat p[4] = {plat("linux", "amd64", ""), plat("linux", "arm", "v6"),
		     plat("linux", "arm64", ""), plat("unknown", "unknown", "")};
	Desc e[4] = {desc(MT_MANIFEST, D1, 615, 0, &p[0]), desc(MT_MANIFEST, D2, 613, 0, &p[1]),
		     desc(MT_MANIFEST, D3, 615, 0, &p[2]), desc(MT_MANIFEST, D512, 839, 0, &p[3])};
	Desc *ep[4] = {&e[0], &e[1], &e[2], &e[3]};
	MReply m;
	crisp__helper__manifest_reply__init(&m);
	m.kind = CRISP__HELPER__MANIFEST_REPLY__KIND__KIND_INDEX;
	m.media_type = UNCONST(MT_INDEX);
	m.manifests = ep;
	m.n_manifests = 4;
	SEED("manifest_reply", "oci_index_multiarch", manifest_reply, &m);
	m.media_type = UNCONST(MT_DLIST);
	SEED("manifest_reply", "docker_list", manifest_reply, &m);
	e[1].compression = (Crisp__Helper__ManifestReply__Compression)7;
	SEED("manifest_reply", "hostile_entry_enum_7", manifest_reply, &m);
	e[1].compression = 0;
	p[2].architecture = UNCONST("ARM64\n");
	SEED("manifest_reply", "hostile_platform_newline", manifest_reply, &m);
	p[2].architecture = UNCONST("arm64");
	e[0].digest = UNCONST("sha256:../../etc/passwd");
	SEED("manifest_reply", "hostile_digest_traversal", manifest_reply, &m);
	e[0].digest = UNCONST(D1);

	Desc cfg = desc(MT_CONFIG, D1, 1470, 0, NULL);
	Desc l[3] = {desc(MT_GZ, D2, 3623807, 1, NULL), desc(MT_ZSTD, D3, 100, 2, NULL),
		     desc(MT_DGZ, D512, 0, 1, NULL)};
	Desc *lp[3] = {&l[0], &l[1], &l[2]};
	crisp__helper__manifest_reply__init(&m);
	m.kind = CRISP__HELPER__MANIFEST_REPLY__KIND__KIND_MANIFEST;
	m.media_type = UNCONST(MT_MANIFEST);
	m.config = &cfg;
	m.layers = lp;
	m.n_layers = 3;
	SEED("manifest_reply", "oci_manifest", manifest_reply, &m);
	m.media_type = UNCONST(MT_D2);
	SEED("manifest_reply", "docker_schema2", manifest_reply, &m);
	l[0].size = (1ull << 53) + 1;
	SEED("manifest_reply", "hostile_size_2_53_plus_1", manifest_reply, &m);
	l[0].size = 1;
	l[1].compression = 1; /* zstd type said to be gzip */
	SEED("manifest_reply", "hostile_compression_mismatch", manifest_reply, &m);
	l[1].compression = 2;
	m.kind = (Crisp__Helper__ManifestReply__Kind)3;
	SEED("manifest_reply", "hostile_kind_3", manifest_reply, &m);
	m.kind = CRISP__HELPER__MANIFEST_REPLY__KIND__KIND_INDEX;
	SEED("manifest_reply", "hostile_kind_type_mismatch", manifest_reply, &m);
}

static void
config_seeds(void)
{
	const char *env[] = {"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
			     "LANG=C.UTF-8", "MULTI=line1\nline2"};
	const char *cmd[] = {"/bin/sh", "-c", "echo hi"};
	const char *ports[] = {"80/tcp", "53/udp", "9/sctp"};
	const char *vols[] = {"/data", "/var/lib/x"};
	const char *diff[] = {D1, D2, D512};
	Label lab[2], *labp[2] = {&lab[0], &lab[1]};
	crisp__helper__config_reply__label__init(&lab[0]);
	crisp__helper__config_reply__label__init(&lab[1]);
	lab[0].key = UNCONST("org.opencontainers.image.title");
	lab[0].value = UNCONST("busybox");
	lab[1].key = UNCONST("maintainer");
	lab[1].value = UNCONST("someone <a@b>");
	CReply c;
	crisp__helper__config_reply__init(&c);
	c.os = UNCONST("linux");
	c.architecture = UNCONST("arm");
	c.variant = UNCONST("v7");
	c.created = UNCONST("2024-05-20T10:00:00Z");
	c.user = UNCONST("nobody:nogroup");
	c.env = UNCONST(env);
	c.n_env = 3;
	c.entrypoint = UNCONST(cmd);
	c.n_entrypoint = 2;
	c.cmd = UNCONST(cmd + 2);
	c.n_cmd = 1;
	c.working_dir = UNCONST("/srv");
	c.exposed_ports = UNCONST(ports);
	c.n_exposed_ports = 3;
	c.volumes = UNCONST(vols);
	c.n_volumes = 2;
	c.labels = labp;
	c.n_labels = 2;
	c.stop_signal = UNCONST("SIGRTMIN+3");
	c.stop_signal_num = 37;
	c.diff_ids = UNCONST(diff);
	c.n_diff_ids = 3;
	SEED("image_config_reply", "full", config_reply, &c);
	CReply min;
	crisp__helper__config_reply__init(&min);
	min.os = UNCONST("linux");
	min.architecture = UNCONST("amd64");
	SEED("image_config_reply", "minimal", config_reply, &min);
	env[1] = "BAD\nNAME=x";
	SEED("image_config_reply", "hostile_env_name_newline", config_reply, &c);
	env[1] = "=novalue";
	SEED("image_config_reply", "hostile_env_empty_name", config_reply, &c);
	env[1] = "LANG=C.UTF-8";
	vols[1] = "relative/path";
	SEED("image_config_reply", "hostile_volume_relative", config_reply, &c);
	vols[1] = "/a/../../etc";
	SEED("image_config_reply", "hostile_volume_dotdot", config_reply, &c);
	vols[1] = "/var/lib/x";
	ports[0] = "0/tcp";
	SEED("image_config_reply", "hostile_port_0", config_reply, &c);
	ports[0] = "80/tcp";
	lab[1].key = lab[0].key;
	SEED("image_config_reply", "hostile_label_duplicate", config_reply, &c);
	lab[1].key = UNCONST("maintainer");
	c.stop_signal_num = 65;
	SEED("image_config_reply", "hostile_signal_65", config_reply, &c);
	c.stop_signal_num = 37;
	diff[0] = "sha256:ABCDEF";
	SEED("image_config_reply", "hostile_diff_id", config_reply, &c);
}

static void
passwd_seeds(void)
{
	uint32_t sg[3] = {10, 20, 1000};
	PReply p;
	crisp__helper__passwd_reply__init(&p);
	p.uid = 1000;
	p.gid = 1000;
	p.sgids = sg;
	p.n_sgids = 3;
	p.name = UNCONST("nobody");
	p.home = UNCONST("/home/nobody");
	SEED("passwd_reply", "named_with_groups", passwd_reply, &p);
	PReply root;
	crisp__helper__passwd_reply__init(&root);
	root.name = UNCONST("root");
	root.home = UNCONST("/root");
	SEED("passwd_reply", "root", passwd_reply, &root);
	root.name = UNCONST("");
	root.home = UNCONST("/");
	SEED("passwd_reply", "uid0_no_entry", passwd_reply, &root);
	p.uid = 4294967295u;
	SEED("passwd_reply", "hostile_uid_4294967295", passwd_reply, &p);
	p.uid = 1000;
	sg[1] = 5;
	SEED("passwd_reply", "hostile_sgids_unsorted", passwd_reply, &p);
	sg[1] = 20;
	p.name = UNCONST("no body");
	SEED("passwd_reply", "hostile_name_blank", passwd_reply, &p);
	p.name = UNCONST("nobody");
	p.home = UNCONST("/home\nx");
	SEED("passwd_reply", "hostile_home_newline", passwd_reply, &p);
}

int
main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: %s <fuzz/corpus>\n", argv[0]);
		return 2;
	}
	outdir = argv[1];
	manifest_seeds();
	config_seeds();
	passwd_seeds();
	return 0;
}
