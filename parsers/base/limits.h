/* SPDX-License-Identifier: Apache-2.0 */
/* Every size, count and time limit of crisp, in one place.
 * runs in: daemon/privileged and helper/untrusted. */
#ifndef CRISP_BASE_LIMITS_H
#define CRISP_BASE_LIMITS_H

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
#define GRPC_MIN_WORKERS      2u
#define GRPC_WORKER_IDLE_MS   30000u

/* Config file: largest file, and longest value. */
#define CONFIG_MAX_FILE_SIZE (1u * 1024u * 1024u)
#define CONFIG_MAX_VALUE_LEN 4096u
#define CONFIG_MAX_RUNTIMES 32u
#define CONFIG_MAX_LIST_ITEMS 64u

/* Logging: longest untrusted string quoted into a log line. */
#define LOG_MAX_UNTRUSTED 256u

#endif
