/* SPDX-License-Identifier: Apache-2.0 */
/* Every size, count and time limit of crisp, in one place.
 * runs in: daemon/privileged and helper/untrusted. */
#ifndef CRISP_BASE_LIMITS_H
#define CRISP_BASE_LIMITS_H

/* A path crisp builds (store files, bundles, pid and log files, layer dirs, CNI and helper
 * binaries) is held in char[CRISP_PATH_MAX]: the kernel's PATH_MAX, which counts the NUL. A
 * longer path fails in every syscall with ENAMETOOLONG anyway, so a composition that does not
 * fit fails the same way, before anything was done (snprintf checked, never silently cut).
 * Strings that embed a path with a prefix (a "--root=" argument, a "k8s-file:" log spec) are
 * sized CRISP_PATH_MAX plus that prefix. */
#define CRISP_PATH_MAX 4096u

/* gRPC: largest request or response message (protobuf bytes), as kubelet,
 * crictl, CRI-O and containerd use. Over it: RESOURCE_EXHAUSTED. */
#define GRPC_MAX_MESSAGE (16u * 1024u * 1024u)
/* gRPC: largest header block a client may send (HPACK-decoded bytes). */
#define GRPC_MAX_HEADER_LIST (1u * 1024u * 1024u)
/* gRPC: concurrent streams per connection we advertise. */
#define GRPC_MAX_CONCURRENT_STREAMS 1000u
/* gRPC: connections served at once; more are accepted and closed at once. */
#define GRPC_MAX_CONNECTIONS 1024u
/* gRPC: largest grpc-timeout we honour (8 digits of hours is silly; cap at 1 day). */
#define GRPC_MAX_TIMEOUT_MS (24ull * 3600ull * 1000ull)
/* gRPC: worker threads that run handlers; grows on demand up to this. */
#define GRPC_MAX_WORKERS 64u
/* gRPC: calls queued for a worker before new calls get RESOURCE_EXHAUSTED. */
#define GRPC_MAX_QUEUED_CALLS 4096u
/* gRPC: graceful stop waits this long for in-flight calls (ms). */
#define GRPC_SHUTDOWN_GRACE_MS 5000u
/* gRPC: bytes a server stream may have queued for a slow reader before it is cancelled. */
#define GRPC_MAX_STREAM_BACKLOG (64u * 1024u * 1024u)

/* gRPC: heap a decoded request may take (protobuf-c expands tiny wire fields into larger
 * structs; this stops a 16 MiB message of empty submessages from taking gigabytes). */
#define GRPC_MAX_UNPACK_BYTES (256u * 1024u * 1024u)
/* gRPC: idle worker threads above GRPC_MIN_WORKERS exit after this long (ms). */
#define GRPC_MIN_WORKERS    2u
#define GRPC_WORKER_IDLE_MS 30000u

/* ---- daemon records (written by crispd itself, read back at start-up) --------------------- */
/* Largest persisted image, container and pod record (protobuf): a record restates a config
 * (IMAGE_CONFIG_MAX_SIZE) or a CRI request (annotations and labels up to 256 KiB each) with
 * room to spare; a larger file is not one crispd wrote and is skipped. */
#define IMAGE_RECORD_MAX (8u * 1024u * 1024u)
#define CTR_RECORD_MAX   (8u * 1024u * 1024u)
#define POD_RECORD_MAX   (4u * 1024u * 1024u)

/* GetContainerEvents: events queued per stream before a slow reader is dropped, and the
 * longest a stream handler sleeps before it looks for cancellation again (ms). */
#define EVENTS_MAX_QUEUED 1024u
#define EVENTS_POLL_MS    200u

/* CNI: largest network config file and plugin result read, and the time one plugin may run
 * (ADD of a bridge with iptables work takes well under a second; 2 minutes is generous). */
#define CNI_MAX_CONF_BYTES    (1u * 1024u * 1024u)
#define CNI_MAX_RESULT_BYTES  (1u * 1024u * 1024u)
#define CNI_PLUGIN_TIMEOUT_MS 120000u
/* CNI: one definition for crisp-helper-cni (parsers/cni.c) and its reply validator
 * (daemon/replies/cni_reply.c): plugins in one list (bridge, portmap, firewall, tuning, ... a
 * real list has 2-4), addresses in one result (a dual-stack pod has 2), network and plugin
 * type names (a type becomes a file name under cni_bin_dir), cniVersion ("1.0.0"), an error
 * object's msg, and a plugin's compact JSON spliced into the next call (a piece of the conf
 * file or the result, so never longer than either). */
#define CNI_MAX_PLUGINS    16u
#define CNI_MAX_IPS        32u
#define CNI_MAX_NAME       128u
#define CNI_MAX_TYPE       64u
#define CNI_MAX_VERSION    16u
#define CNI_MAX_ERROR_MSG  512u
#define CNI_MAX_JSON_BYTES CNI_MAX_RESULT_BYTES
/* CNI: bytes of a plugin's stderr kept for the error message. */
#define CNI_MAX_STDERR 4096u

/* ExecSync: stdout and stderr are each kept up to this many bytes; the rest is read and
 * dropped, and the response says so (CVE-2022-1708: never buffer a container's output
 * without bound). */
#define EXECSYNC_MAX_OUTPUT (16u * 1024u * 1024u)
/* ExecSync: the longest timeout honoured (s); 0 or more means this (one day, as
 * GRPC_MAX_TIMEOUT_MS). */
#define EXECSYNC_MAX_TIMEOUT_S 86400u
/* ReopenContainerLog answers once conmon has made the new log file (kubelet reads it next):
 * polled every LOG_REOPEN_POLL_MS for at most LOG_REOPEN_WAIT_MS (conmon reopens within a
 * millisecond or so; seconds mean it is stuck). */
#define LOG_REOPEN_WAIT_MS 5000u
#define LOG_REOPEN_POLL_MS 5u
/* ExecSync's timeout kills the command's whole process tree (daemon/core/proctree.c): at most
 * PROCTREE_MAX_PROCS processes (a container's pids cgroup is the real bound; this one keeps
 * the walk finite), each /proc/<pid>/task/<pid>/children read into PROCTREE_CHILDREN_READ_MAX
 * bytes (one page: ~580 pids; more children than that are not found), pids up to the
 * kernel's PID_MAX_LIMIT, and up to PROCTREE_EXIT_WAIT_MS for the killed root to exit. */
#define PROCTREE_MAX_PROCS         4096u
#define PROCTREE_CHILDREN_READ_MAX 4096u
#define PROCTREE_PID_MAX           4194304L
#define PROCTREE_EXIT_WAIT_MS      2000u
/* How often prog_run looks for a `runc exec --pid-file` until it appears (usually within a
 * few ms of the start). */
#define PROG_PID_FILE_POLL_MS 10u
/* StopContainer: the longest grace period honoured before SIGKILL (s). */
#define STOP_MAX_TIMEOUT_S 86400

/* Config file: largest file, and longest value. */
#define CONFIG_MAX_FILE_SIZE  (1u * 1024u * 1024u)
#define CONFIG_MAX_VALUE_LEN  4096u
#define CONFIG_MAX_RUNTIMES   32u
#define CONFIG_MAX_LIST_ITEMS 64u

/* Logging: longest untrusted string quoted into a log line. */
#define LOG_MAX_UNTRUSTED 256u
/* A CRI call's error message (daemon/core/error.h), NUL included: longer ones are cut and end
 * in "..." (the grpc-message header that carries it is percent-encoded into 1 KiB too). */
#define ERROR_MSG_MAX 1024u

/* ---- pods (daemon/pods/) ------------------------------------------------------------------ */
/* RunPodSandbox: port mappings, labels plus annotations, their bytes together (the Kubernetes
 * API's 256 KiB cap on an object's annotations), and the log_directory path (leaves room in
 * CRISP_PATH_MAX for "<container>/<n>.log" below it). */
#define POD_MAX_PORTS      128
#define POD_MAX_LABELS     512
#define POD_MAX_META_BYTES (256 * 1024)
#define POD_MAX_LOG_DIR    4000
/* Namespaced sysctls of one pod (Kubernetes' safe set is 8 names; unsafe ones are allowed by
 * the node admin one by one). */
#define POD_NS_MAX_SYSCTLS 64
/* resolv.conf: glibc reads at most 3 nameservers and 6 search domains (musl similar); more are
 * kept for resolvers that read further, up to these counts, a search domain being a DNS name
 * (253) and an option a short word; the host's resolv.conf is read up to HOST_RESOLV_MAX. */
#define DNS_MAX_SERVERS    16
#define DNS_MAX_SEARCHES   32
#define DNS_MAX_OPTIONS    32
#define DNS_MAX_SEARCH_LEN 253
#define DNS_MAX_OPTION_LEN 128
#define HOST_RESOLV_MAX    (64 * 1024)
/* crisp-pause: the time `runc run` of the infra container may take to report. */
#define INFRA_TIMEOUT_MS 60000u

/* ---- parsers (helper/untrusted): JSON documents ---------------------------------------- */
/* Parse errors: longest JSON path and message kept (truncated beyond). */
#define PARSE_ERROR_PATH_MAX 128u
#define PARSE_ERROR_MSG_MAX  128u
/* Bytes of an untrusted name (layer entry path, user name) quoted in a parse error message
 * before "..."; the message itself is PARSE_ERROR_MSG_MAX. */
#define PARSE_ERROR_QUOTE_MAX 64
/* JSON: nesting depth of arrays/objects, checked on the raw bytes before jansson builds a
 * tree (real manifests and configs nest 5 deep; jansson's own cap is 2048 frames). */
#define JSON_MAX_DEPTH 32u
/* JSON: values in one document and items in one array or object, also checked before
 * jansson allocates (bounds its memory to a few tens of MiB and hash-collision work). */
#define JSON_MAX_VALUES          262144u
#define JSON_MAX_CONTAINER_ITEMS 16384u
/* JSON: longest object key of a map (annotations, labels). */
#define JSON_MAX_KEY_LEN 1024u

/* Manifests and indexes: document size (as containerd and distribution), descriptors. */
#define MANIFEST_MAX_SIZE        4194304u /* 4 MiB */
#define MANIFEST_MAX_LAYERS      1024u
#define MANIFEST_MAX_MANIFESTS   1024u
#define MANIFEST_MAX_ANNOTATIONS 512u
#define MANIFEST_MAX_URLS        16u
#define MANIFEST_MAX_URL_LEN     2048u
#define ANNOTATION_MAX_VALUE_LEN 65536u /* 64 KiB */
/* Media types: RFC 6838 allows 127 + "/" + 127. */
#define MEDIA_TYPE_MAX_LEN 255u
/* Descriptor sizes: JSON integers are exact only up to 2^53 (OCI image-spec). */
#define DESCRIPTOR_MAX_SIZE (1ull << 53)
/* Platform: os, architecture, variant, os.version; os.features / features entries. */
#define PLATFORM_MAX_FIELD_LEN 128u
#define PLATFORM_MAX_FEATURES  64u

/* Image config: document size, list lengths, string lengths. */
#define IMAGE_CONFIG_MAX_SIZE 4194304u /* 4 MiB */
#define IMAGE_CONFIG_MAX_ENV  4096u
#define IMAGE_CONFIG_MAX_ARGS 4096u
/* One env entry or argument: the kernel's MAX_ARG_STRLEN (execve refuses longer). */
#define IMAGE_CONFIG_MAX_ARG_LEN  131072u /* 128 KiB */
#define IMAGE_CONFIG_MAX_LABELS   1024u
#define IMAGE_CONFIG_MAX_PORTS    1024u
#define IMAGE_CONFIG_MAX_VOLUMES  256u
#define IMAGE_CONFIG_MAX_HISTORY  4096u
#define IMAGE_CONFIG_MAX_TEXT_LEN 262144u /* 256 KiB */
#define IMAGE_CONFIG_MAX_USER_LEN 256u
#define IMAGE_CONFIG_MAX_DIFF_IDS MANIFEST_MAX_LAYERS
/* A path inside the image (WorkingDir, Volumes): Linux PATH_MAX. */
#define IMAGE_PATH_MAX 4096u
/* Image config: "created" (an RFC 3339 timestamp is ~35 bytes), StopSignal as a name
 * ("SIGRTMIN+15") and its number (Linux: 1..64, SIGRTMAX). One name for the parser and the
 * daemon's reply validator. */
#define IMAGE_CONFIG_MAX_CREATED_LEN 64u
#define IMAGE_CONFIG_MAX_SIGNAL_LEN  32u
#define IMAGE_CONFIG_MAX_SIGNAL_NUM  64u

/* /etc/passwd and /etc/group of an image (read with this cap by the caller as well). */
#define PASSWD_MAX_FILE_SIZE    4194304u /* 4 MiB */
#define PASSWD_MAX_LINE_LEN     262144u  /* 256 KiB */
#define PASSWD_MAX_ENTRIES      65536u
#define PASSWD_MAX_NAME_LEN     256u
#define GROUP_MAX_MEMBERS       8192u
#define GROUP_MAX_MEMBERS_TOTAL 65536u
/* Supplementary groups of one user: the kernel's NGROUPS_MAX. */
#define PASSWD_MAX_SUPP_GROUPS 65536u
/* Numeric uids and gids: 0..2^32-2 ((uid_t)-1 means "unchanged" to setresuid). */
#define PASSWD_MAX_ID 4294967294u
/* Image pull (daemon/images/image_pull.c): layers of one pulled image, kept below the
 * manifest parser's MANIFEST_MAX_LAYERS and overlayfs's own stack depth (OVL_MAX_STACK, 500);
 * one page of overlay mount options holds ~55 anyway, see OVERLAY_MAX_OPTS. Registries tried
 * for one pull (mirrors, then the origin). */
#define PULL_MAX_LAYERS  256u
#define PULL_MAX_SOURCES 8u
/* CreateContainer: one page of mount(2) options ("lowerdir=a:b:...,upperdir=,workdir="),
 * which the kernel copies up to PAGE_SIZE (4096 with the NUL) and no further. */
#define OVERLAY_MAX_OPTS 4095u

/* Image references: whole string, repository name (distribution's NameTotalLengthMax),
 * tag (distribution's tag grammar). */
#define IMAGE_REF_MAX_LEN      1024u
#define IMAGE_REF_MAX_NAME_LEN 255u
#define IMAGE_REF_MAX_TAG_LEN  128u

/* Container policy validators (policy/validate.c): sysctl name and value lengths. */
#define POLICY_SYSCTL_NAME_MAX  256u
#define POLICY_SYSCTL_VALUE_MAX 1024u
/* Annotation key (a Kubernetes qualified name: 253-byte DNS prefix, '/', 63-byte name) and
 * value; the total matches the Kubernetes API's limit on all annotations of an object. */
#define POLICY_ANNOTATION_KEY_MAX   317u
#define POLICY_ANNOTATION_VALUE_MAX 262144u /* 256 KiB */
/* Paths from requests (mount destinations, seccomp Localhost files): PATH_MAX. */
#define POLICY_PATH_MAX 4096u
/* One environment entry "NAME=value" plus its NUL must fit the kernel's MAX_ARG_STRLEN
 * (32 pages), or execve fails with E2BIG inside the container. */
#define POLICY_ENV_ENTRY_MAX 131072u /* 128 KiB */
/* CRI metadata names (pod name, namespace, uid; container name): CRI sets no limit; 1 KiB is
 * four times Kubernetes' longest object name (253) and keeps records and lists small. */
#define POLICY_META_NAME_MAX 1024u
/* cgroup parents. */
#define POLICY_CGROUP_PARENT_MAX 4096u
/* Container and pod IDs: 64 lowercase hex digits. */
#define POLICY_ID_LEN 64u
/* SELinux: MCS categories c0..c1023 (the kernel's default mcs range), longest label. */
#define POLICY_MCS_CATEGORIES    1024u
#define POLICY_SELINUX_LABEL_MAX 256u
/* SELinux: serialised MCS allocator state (one "cNNNN,cNNNN\n" line per pod). */
#define POLICY_MCS_STATE_MAX 8388608u /* 8 MiB */
/* SELinux: longest MCS state line, "c1023,c1023\n". */
#define POLICY_MCS_LINE_MAX 12u
/* Policy error messages: bytes of the offending value quoted before "...", whole message. */
#define POLICY_ERROR_QUOTE_MAX 80u
#define POLICY_ERROR_MSG_MAX   256u
/* Upper bound on the rules one RuntimeDefault seccomp selection returns (the profile has ~90
 * rule shapes; the unit tests check every selection stays under it). */
#define SECCOMP_PROFILE_MAX_RULES 256u
/* Localhost seccomp profiles (a file named by the request, read by the daemon, parsed in
 * crisp-helper-seccomp, re-checked by daemon/replies/seccomp_reply.c): file size (Docker's
 * default profile is 20 KiB), "syscalls" entries, names per entry, "args" per entry (one
 * per syscall argument), "architectures" and "flags" entries, and a syscall name's length
 * (the longest Linux name is 22 bytes). */
#define SECCOMP_LOCAL_MAX_SIZE     1048576u /* 1 MiB */
#define SECCOMP_LOCAL_MAX_RULES    4096u
#define SECCOMP_LOCAL_MAX_NAMES    1024u
#define SECCOMP_LOCAL_MAX_ARGS     6u
#define SECCOMP_LOCAL_MAX_ARCHES   16u
#define SECCOMP_LOCAL_MAX_FLAGS    8u
#define SECCOMP_LOCAL_MAX_NAME_LEN 64u
/* Syscall names over all entries (each is resolved per architecture in the daemon; Docker's
 * default profile has about 400). */
#define SECCOMP_LOCAL_MAX_TOTAL_NAMES 8192u
/* The highest errno a filter may return (the kernel's MAX_ERRNO). */
#define SECCOMP_LOCAL_MAX_ERRNO 4095u
/* Requested devices per container (CRI Device entries). */
#define POLICY_MAX_DEVICES 256u
/* /dev/shm size annotation: at most 64 GiB. */
#define POLICY_SHM_SIZE_MAX (64ull * 1024ull * 1024ull * 1024ull)

/* systemd unit names (cgroup parents with the systemd driver): systemd's UNIT_NAME_MAX - 1. */
#define POLICY_SYSTEMD_UNIT_MAX 255u

/* ---- layers (crisp-helper-unpack, daemon/images/layer.c) ----------------------------------------
 */
/* Uncompressed size of one layer when the config does not say (layer_max_bytes). */
#define LAYER_MAX_BYTES_DEFAULT 17179869184ull /* 16 GiB */
/* Entries (files, dirs, links, whiteouts) in one layer: 100,000 tiny files must pass. */
#define LAYER_MAX_ENTRIES 1000000u
/* Bytes the uncompressed stream may continue after the tar end-of-archive marker (tar
 * writers pad to their record size, 10 KiB for GNU tar; a zero-padded bomb goes on and on). */
#define LAYER_MAX_TRAILING_BYTES 1048576u /* 1 MiB */
/* One entry's path (and hardlink or symlink target): PATH_MAX, NAME_MAX, nesting depth. */
#define LAYER_PATH_MAX  4096u
#define LAYER_NAME_MAX  255u
#define LAYER_MAX_DEPTH 256u
/* Extended attributes of one entry, and one value (the kernel's XATTR_SIZE_MAX). */
#define LAYER_MAX_XATTRS      64u
#define LAYER_XATTR_VALUE_MAX 65536u
#define LAYER_XATTR_NAME_MAX  255u
/* Opaque directories reported by the helper (count, and all their path bytes together). */
#define LAYER_MAX_OPAQUE_DIRS  65536u
#define LAYER_MAX_OPAQUE_BYTES 8388608u /* 8 MiB */
/* Directory mtimes are restored after the walk (creating children changes them); past this
 * many path bytes the rest keep their unpack-time mtime rather than grow memory further. */
#define UNPACK_DIR_TIMES_MAX_BYTES 67108864u /* 64 MiB */
/* Disk use the unpack helper may report beyond the uncompressed stream, per inode: the data
 * rounded up to a 64 KiB filesystem block plus one 64 KiB xattr block. */
#define LAYER_INODE_DISK_SLACK 131072u
/* Layer records (layers/<hex>/layer.pb) and the start-up measurement of layers that have
 * none: a walk visits at most this many entries, this deep, before it gives up. */
#define LAYER_RECORD_MAX       4096u
#define LAYER_WALK_MAX_ENTRIES 4000000u
/* Device nodes: Linux dev_t has a 12-bit major and a 20-bit minor (what mknod can express). */
#define LAYER_DEV_MAJOR_MAX 4095u
#define LAYER_DEV_MINOR_MAX 1048575u

/* ---- registry fetcher (crisp-helper-fetch, daemon/images/registry.c)
 * ------------------------------ */
/* A manifest or index as served (the manifest parser's own cap). */
#define REGISTRY_MAX_MANIFEST MANIFEST_MAX_SIZE
/* One HTTP response header line kept by the fetcher (WWW-Authenticate, Location, ...). */
#define FETCH_MAX_HEADER_LEN 8192u
/* WWW-Authenticate headers kept from one reply (one per scheme: Bearer, Basic, ...). */
#define FETCH_MAX_WWW_AUTH 4u
/* Content-Type handed to the manifest helper; a longer one is no media type it knows. */
#define FETCH_MAX_CONTENT_TYPE 1024u
/* The system CA bundle, read by crisp-helper-fetch before it confines itself (Debian's is
 * ~200 KiB; 4 MiB is several times that). */
#define FETCH_MAX_SYSTEM_CA (4u * 1024u * 1024u)
/* WWW-Authenticate: one parameter value (realm, service, scope), and parameters per header. */
#define WWW_AUTH_MAX_VALUE  2048u
#define WWW_AUTH_MAX_PARAMS 32u
/* Token endpoint reply (JSON) and the longest token taken from it (JWTs are a few KiB). */
#define TOKEN_REPLY_MAX_SIZE 262144u /* 256 KiB */
#define TOKEN_MAX_LEN        32768u
/* Registry error bodies ({"errors":[...]}) kept, errors mapped, their code and message. */
#define REGISTRY_ERROR_MAX_SIZE   65536u
#define REGISTRY_ERROR_MAX_ERRORS 64u
#define REGISTRY_ERROR_CODE_MAX   64u
#define REGISTRY_ERROR_MSG_MAX    256u
/* Redirect hops per request (blob storage is one hop; distribution follows at most 10). */
#define FETCH_MAX_REDIRECTS 5u
/* Retries of one request (5xx, 429, resets, stalls), and the backoff (doubling, capped). */
#define FETCH_MAX_RETRIES      10u
#define FETCH_BACKOFF_FIRST_MS 250u
#define FETCH_BACKOFF_MAX_MS   8000u
/* Extra CA certificates of one registry (PEM, read by the daemon from its CA dir). */
#define FETCH_MAX_CA_PEM 1048576u /* 1 MiB */
/* One credential (username, password, base64 auth, identity or registry token). */
#define FETCH_MAX_CREDENTIAL 16384u
/* Registry host[:port] and repository path lengths accepted by the daemon. */
#define REGISTRY_MAX_HOST_LEN 261u /* 253-byte name or [IPv6] + ":65535" */
/* Failure messages in a fetch reply (printable ASCII). */
#define FETCH_MAX_MESSAGE 256u
/* Defaults: connect timeout, low-speed cut (bytes/s over seconds), whole-job deadline. */
#define FETCH_DEFAULT_CONNECT_TIMEOUT_MS 30000u
#define FETCH_DEFAULT_LOW_SPEED_BYTES    1024u
#define FETCH_DEFAULT_LOW_SPEED_SECONDS  30u
#define FETCH_DEFAULT_RETRIES            3u
/* The fetcher's own deadline is the helper's minus this, so it reports a clean timeout
 * before the daemon kills it (only when the helper's deadline is over twice as long). */
#define FETCH_DEADLINE_SLACK_MS 1000u

/* ---- OCI runtime output (crisp-helper-rtstate, daemon/helpers/rtstate_call.c) ------------------
 */
/* `runc state` / `crun state` stdout: it restates the container's annotations, which come from
 * the CRI request (Kubernetes caps them at 256 KiB in total). */
#define RT_STATE_MAX_BYTES 1048576u /* 1 MiB */
/* Container id as the runtime reports it (runc: [A-Za-z0-9_+.-]+; crisp's ids are 64 hex). */
#define RT_ID_MAX 128u
/* Bundle and rootfs paths (PATH_MAX - 1), ociVersion, owner, and the "created" timestamp. */
#define RT_PATH_MAX        4095u
#define RT_OCI_VERSION_MAX 64u
#define RT_OWNER_MAX       256u
#define RT_TIMESTAMP_MAX   64u
/* Largest pid: the kernel's PID_MAX_LIMIT (4M) on 64-bit. */
#define RT_PID_MAX 4194304
/* conmon sync pipe: conmon 2.1.6 sends at most 8191 bytes of runtime stderr per message, which
 * JSON escaping can grow 6x (~48 KiB a message); messages kept per read; message text kept
 * (longer is cut). One cap for the daemon's read of the pipe and for the parser: the read
 * buffer used to be 64 KiB, cutting a second message (and failing the parse) that the parser
 * would have taken. */
#define CONMON_SYNC_MAX_BYTES 131072u /* 128 KiB */
#define CONMON_SYNC_MAX_MSGS  16u
#define CONMON_MSG_MAX        1023u
/* "data": a pid, an exit code (0..255, 128+signal), -1, or minus an exec's raw wait status. */
#define CONMON_DATA_MIN (-65535)
/* OCI runtime commands (state, start, kill, delete, exec, update): deadline when the caller
 * gives none, the update's own deadline, and the bytes of stderr kept for the error message
 * (stdout is the state document: RT_STATE_MAX_BYTES). */
#define RT_CMD_TIMEOUT_MS    60000u
#define RT_UPDATE_TIMEOUT_MS 30000u
#define RT_MAX_STDERR        16384u
/* `runc update` prints nothing on success; what it does print is kept up to this. */
#define RT_UPDATE_MAX_STDOUT 65536u
/* The exit-file monitor wakes at least this often to notice that crispd is stopping. */
#define CTR_MONITOR_POLL_MS 500
/* conmon: time until it reports the container's pid on the sync pipe (runc create of a
 * container with many mounts and a slow storage driver can take tens of seconds). */
#define CONMON_CREATE_TIMEOUT_MS 120000u

/* Container OCI spec (daemon/ctr_spec*.c): process arguments (command + args or the image's
 * ENTRYPOINT + CMD), env entries after the merge, mounts of the sorted part (CRI mounts, pod
 * files, image volumes), cpuset list length, CPUs whose thermal_throttle dirs are masked,
 * device nodes copied from the host's /dev for a privileged container and the walk's depth. */
#define CTR_SPEC_MAX_ARGS         16384u
#define CTR_SPEC_MAX_ENV          16384u
#define CTR_SPEC_MAX_MOUNTS       1024u
#define CTR_SPEC_CPUSET_MAX       4096u
#define CTR_SPEC_MAX_CPUS         8192
#define CTR_SPEC_MAX_HOST_DEVICES 8192u
#define CTR_SPEC_DEV_DEPTH        8u
/* RLIMIT_NOFILE of containers (soft = hard), lowered to the daemon's own hard limit. */
#define CTR_SPEC_NOFILE 1048576u

/* ---- helper runs (sandbox/helper.c) ------------------------------------------------------- */
/* Per run, at most this many stderr lines (each cut at HELPER_LOG_LINE_MAX bytes) and this
 * many bytes reach the log callback; the rest is drained and counted, and reported once. */
#define HELPER_LOG_MAX_LINES 32u
#define HELPER_LOG_MAX_BYTES ((size_t)8 * 1024u)
#define HELPER_LOG_LINE_MAX  256u
/* Longest helper deadline honoured (ms); longer ones are cut to it (helper_timeout_seconds
 * is at most 3600 as well). */
#define HELPER_DEADLINE_MAX_MS (3600ull * 1000ull)
/* Longest helper directory path accepted (the binary name is appended). */
#define HELPER_DIR_MAX 512u

/* ---- stats RPCs (daemon/stats/) ----------------------------------------------------------- */
/* One cgroup file (memory.stat is ~1.5 KiB on v1 and v2) and /proc/net/dev (~130 bytes per
 * interface) are read up to these sizes; the rest is not read. */
#define STATS_CGROUP_FILE_MAX (16u * 1024u)
#define STATS_NETDEV_MAX      (64u * 1024u)
/* Interfaces reported per pod, and the longest interface name kept (the kernel's IFNAMSIZ
 * is 16 with the NUL; anything longer is not a name the kernel gave). */
#define STATS_MAX_IFACES 64u
#define STATS_IFNAME_MAX 15u
/* Writable-layer usage is a walk of the container's upper dir, cached per container: at most
 * one walk per STATS_LAYER_REFRESH_MS, of at most STATS_LAYER_MAX_ENTRIES entries and
 * STATS_LAYER_MAX_DEPTH levels (beyond, the numbers are a lower bound). */
#define STATS_LAYER_REFRESH_MS  10000u
#define STATS_LAYER_MAX_ENTRIES 100000u
#define STATS_LAYER_MAX_DEPTH   64u
/* Per-container (and per-pod) cache of the last CPU sample and the last layer walk; the least
 * recently used entry is dropped when it is full. */
#define STATS_CACHE_MAX 4096u

#endif
