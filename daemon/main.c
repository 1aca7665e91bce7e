/* SPDX-License-Identifier: Apache-2.0 */
/* crispd: command line, configuration, signals, and wiring of the gRPC server.
 * runs in: daemon/privileged. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <unistd.h>

#include "crisp_version.h"
#include "daemon/containers/containers.h"
#include "daemon/core/config.h"
#include "daemon/core/log.h"
#include "daemon/crisp.h"
#include "daemon/grpc/grpc_server.h"
#include "daemon/images/images.h"
#include "daemon/pods/pods.h"
#include "parsers/base/limits.h"
#include "parsers/base/macro.h"
#include "parsers/base/path.h"

static const char *arg_listen;
static const char *arg_root;
static const char *arg_runroot;
static const char *arg_config;
static const char *arg_log_level;

static void
usage(FILE *f)
{
	fprintf(f, "Usage: crispd [OPTIONS]          run the CRI runtime daemon\n"
		   "       crispd config [OPTIONS]   print the effective configuration\n\n"
		   "Options:\n"
		   "  --listen PATH      unix socket to serve (default /run/crisp/crisp.sock)\n"
		   "  --root DIR         persistent state (default /var/lib/crisp)\n"
		   "  --runroot DIR      runtime state (default /run/crisp)\n"
		   "  --config FILE      config file (default " CONFIG_DEFAULT_PATH ", optional)\n"
		   "  --log-level LEVEL  error, warn, info or debug (default info)\n"
		   "  --help             show this help\n"
		   "  --version          show the version\n");
}

/* Returns 0 to go on, 1 to exit successfully, -1 on a usage error. */
static int
parse_args(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"listen", required_argument, NULL, 'l'},    {"root", required_argument, NULL, 'r'},
	    {"runroot", required_argument, NULL, 'R'},   {"config", required_argument, NULL, 'c'},
	    {"log-level", required_argument, NULL, 'L'}, {"help", no_argument, NULL, 'h'},
	    {"version", no_argument, NULL, 'V'},         {NULL, 0, NULL, 0},
	};
	int c;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'l':
			arg_listen = optarg;
			break;
		case 'r':
			arg_root = optarg;
			break;
		case 'R':
			arg_runroot = optarg;
			break;
		case 'c':
			arg_config = optarg;
			break;
		case 'L':
			arg_log_level = optarg;
			break;
		case 'h':
			usage(stdout);
			return 1;
		case 'V':
			printf("crispd %s (git %s)\n", CRISP_VERSION, CRISP_GIT_REV);
			return 1;
		default:
			usage(stderr);
			return -1;
		}
	}
	return 0;
}

static int
override_path(char **dst, const char *flag, const char *v, char *err, size_t errsz)
{
	if (!v)
		return 0;
	if (v[0] != '/') {
		snprintf(err, errsz, "--%s %s: need an absolute path", flag, v);
		return -EINVAL;
	}
	char *n = strdup(v);
	if (!n)
		return -ENOMEM;
	free(*dst);
	*dst = n;
	return 0;
}

/* Defaults, then the config file, then flags. The default file is optional; a file named
 * with --config must exist. */
static struct config *
load_config(char *err, size_t errsz)
{
	struct config *c = config_new_defaults();
	if (!c) {
		snprintf(err, errsz, "out of memory");
		return NULL;
	}
	const char *path = arg_config ? arg_config : CONFIG_DEFAULT_PATH;
	if (arg_config || access(path, F_OK) == 0) {
		if (config_load_file(c, path, err, errsz) < 0)
			return config_free(c);
	}
	if (override_path(&c->listen, "listen", arg_listen, err, errsz) < 0 ||
	    override_path(&c->root, "root", arg_root, err, errsz) < 0 ||
	    override_path(&c->runroot, "runroot", arg_runroot, err, errsz) < 0)
		return config_free(c);
	if (arg_log_level && log_level_from_string(arg_log_level, &c->log_level) < 0) {
		snprintf(err, errsz, "--log-level %s: want error, warn, info or debug",
			 arg_log_level);
		return config_free(c);
	}
	if (config_fill_runtime_roots(c) < 0) {
		snprintf(err, errsz, "out of memory");
		return config_free(c);
	}
	if (config_validate(c, err, errsz) < 0)
		return config_free(c);
	return c;
}

/* SIGHUP: load the file again and swap it in. Paths the running daemon already uses
 * (listen, root, runroot) keep their values until restart. Runs on the loop thread: it never
 * waits for a handler (crisp_config_swap_take takes a short lock only). */
static void
reload(struct crisp *cr)
{
	char err[512];
	struct config *n = load_config(err, sizeof(err));
	if (!n) {
		log_error(0, "SIGHUP: configuration not reloaded: %s", err);
		return;
	}
	/* The old snapshot may still be in use: copy its paths, never move them out of it. */
	const struct config *old = crisp_config_lock(cr);
	if (strcmp(n->listen, old->listen) != 0 || strcmp(n->root, old->root) != 0 ||
	    strcmp(n->runroot, old->runroot) != 0)
		log_warn(0, "SIGHUP: listen, root and runroot change only on restart");
	char *keep[3] = {strdup(old->listen), strdup(old->root), strdup(old->runroot)};
	crisp_config_unlock(cr, old);
	if (!keep[0] || !keep[1] || !keep[2]) {
		for (size_t i = 0; i < ELEMENTSOF(keep); i++)
			free(keep[i]);
		config_free(n);
		log_error(0, "SIGHUP: configuration not reloaded: out of memory");
		return;
	}
	free(n->listen), n->listen = keep[0];
	free(n->root), n->root = keep[1];
	free(n->runroot), n->runroot = keep[2];
	log_set_level(n->log_level);
	crisp_config_swap_take(cr, n);
	log_info(0, "configuration reloaded");
}

static int
on_signal(int fd, void *arg)
{
	struct signalfd_siginfo si;
	if (read(fd, &si, sizeof(si)) != (ssize_t)sizeof(si))
		return 0;
	if (si.ssi_signo == SIGHUP) {
		reload(arg);
		return 0;
	}
	log_info(0, "received %s", strsignal((int)si.ssi_signo));
	return 1;
}

static int
make_dirs(const struct config *c)
{
	const char *dirs[] = {c->root, c->runroot};
	for (size_t i = 0; i < ELEMENTSOF(dirs); i++) {
		char buf[CRISP_PATH_MAX];
		if (path_fmt(buf, sizeof(buf), "%s", dirs[i]) < 0)
			return -ENAMETOOLONG;
		for (char *p = buf + 1;; p++) {
			if (*p != '/' && *p != '\0')
				continue;
			char saved = *p;
			*p = '\0';
			if (mkdir(buf, 0700) < 0 && errno != EEXIST) {
				log_error(0, "cannot create %s: %s", buf, strerror(errno));
				return -errno;
			}
			*p = saved;
			if (!saved)
				break;
		}
	}
	return 0;
}

/* Helpers live in [crisp] helper_dir, else next to crispd (the build tree), else in
 * ../libexec/crisp relative to it (make install). */
static char *
find_helper_dir(const struct config *cfg)
{
	if (cfg->helper_dir[0])
		return strdup(cfg->helper_dir);
	char exe[CRISP_PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n <= 0)
		return NULL;
	exe[n] = '\0';
	char *slash = strrchr(exe, '/');
	if (!slash)
		return NULL;
	*slash = '\0';
	char probe[CRISP_PATH_MAX];
	if (path_fmt(probe, sizeof(probe), "%s/crisp-helper-cni", exe) == 0 &&
	    access(probe, X_OK) == 0)
		return strdup(exe);
	char *alt = NULL;
	if (asprintf(&alt, "%s/../libexec/crisp", exe) < 0)
		return NULL;
	return alt;
}

/* One crispd per root, whatever socket it serves. */
static int
lock_root(const struct config *cfg, int *ret_fd, char *err, size_t errsz)
{
	char path[CRISP_PATH_MAX];
	if (path_fmt(path, sizeof(path), "%s/crispd.lock", cfg->root) < 0) {
		snprintf(err, errsz, "root %.300s...: path too long", cfg->root);
		return -ENAMETOOLONG;
	}
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0) {
		snprintf(err, errsz, "cannot open %.300s: %s", path, strerror(errno));
		return -errno;
	}
	if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		snprintf(err, errsz, "another crispd is already using root %.300s", cfg->root);
		(void)close(fd);
		return -EBUSY;
	}
	*ret_fd = fd;
	return 0;
}

static int
serve(struct crisp *cr)
{
	sigset_t mask;
	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGHUP);
	/* Blocked before any thread starts, so every worker inherits the mask and the
	 * signals arrive only through the signalfd on the loop thread. */
	if (pthread_sigmask(SIG_BLOCK, &mask, NULL) != 0)
		return 1;
	(void)signal(SIGPIPE, SIG_IGN);
	cleanup_close int sfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
	if (sfd < 0 || make_dirs(cr->cfg) < 0)
		return 1;
	struct grpc_server *srv = grpc_server_new(cr);
	if (!srv || services_register(srv) < 0) {
		log_error(0, "cannot set up the gRPC server");
		return 1;
	}
	/* The socket lock comes first: a second crispd must fail before it touches any state
	 * (recovery would otherwise undo the first one's work in progress). */
	char err[512];
	cleanup_close int root_lock = -EBADF;
	if (grpc_server_listen(srv, cr->cfg->listen, err, sizeof(err)) < 0 ||
	    lock_root(cr->cfg, &root_lock, err, sizeof(err)) < 0) {
		log_error(0, "%s", err);
		(void)grpc_server_free(srv);
		return 1;
	}
	cr->helper_dir = find_helper_dir(cr->cfg);
	if (!cr->helper_dir || images_init(cr, &cr->images) < 0 || pods_init(cr, &cr->pods) < 0 ||
	    ctrs_init(cr, &cr->ctrs) < 0) {
		log_error(0, "cannot initialise pod state");
		(void)grpc_server_free(srv);
		return 1;
	}
	log_info(0, "helpers from %s", cr->helper_dir);
	log_info(0, "crispd %s (git %s) serving %s", CRISP_VERSION, CRISP_GIT_REV, cr->cfg->listen);
	int r = grpc_server_run(srv, sfd, on_signal, cr);
	(void)grpc_server_free(srv);
	cr->ctrs = ctrs_free(cr->ctrs);
	cr->pods = pods_free(cr->pods);
	cr->images = images_free(cr->images);
	free(cr->helper_dir);
	log_info(0, "crispd stopped");
	return r < 0 ? 1 : 0;
}

int
main(int argc, char **argv)
{
	int print_config = 0;
	if (argc > 1 && strcmp(argv[1], "config") == 0) {
		print_config = 1;
		argv[1] = argv[0];
		argc--;
		argv++;
	}
	int r = parse_args(argc, argv);
	if (r != 0)
		return r > 0 ? 0 : 2;
	if (optind < argc) {
		fprintf(stderr, "crispd: unexpected argument '%s'\n", argv[optind]);
		return 2;
	}
	char err[512];
	struct crisp cr = {.config_path = arg_config};
	cr.cfg = load_config(err, sizeof(err));
	if (!cr.cfg) {
		fprintf(stderr, "crispd: %s\n", err);
		return 2;
	}
	if (print_config) {
		r = config_print(cr.cfg, stdout);
		config_free(cr.cfg);
		return r < 0 ? 1 : 0;
	}
	log_set_level(cr.cfg->log_level);
	pthread_mutex_init(&cr.cfg_mu, NULL);
	pthread_mutex_init(&cr.net_mu, NULL);
	cr.events = events_new();
	if (!cr.events) {
		fprintf(stderr, "crispd: out of memory\n");
		return 1;
	}
	r = serve(&cr);
	events_free(cr.events);
	config_free(cr.cfg);
	free(cr.pod_cidr);
	return r;
}
