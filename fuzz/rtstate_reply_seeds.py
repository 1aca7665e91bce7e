#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
# Writes the seed corpora of the rtstate_reply and rtstate_conmon_reply fuzz targets: packed
# RtStateReply / ConmonSyncReply messages (proto/helper.proto) as crisp-helper-rtstate sends them,
# and hostile ones a compromised helper could send. Usage: fuzz/rtstate_reply_seeds.py fuzz/corpus
# runs in: by hand, at build time only (review the diff after rerunning).
import os
import sys


def varint(n):
    if n < 0:
        n += 1 << 64  # int32/int64 negatives are 10-byte varints
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def vfield(num, n):
    return varint(num << 3) + varint(n)


def lfield(num, data):
    if isinstance(data, str):
        data = data.encode('latin-1')
    return varint((num << 3) | 2) + varint(len(data)) + data


def state(status, pid, id_, bundle, created):
    return (vfield(1, status) + vfield(2, pid) + lfield(3, id_) + lfield(4, bundle) +
            vfield(5, created))


def msg(has_pid=0, pid=0, has_data=0, data=0, message=''):
    out = b''
    if has_pid:
        out += vfield(1, 1)
    if pid:
        out += vfield(2, pid)
    if has_data:
        out += vfield(3, 1)
    if data:
        out += vfield(4, data)
    if message:
        out += lfield(5, message)
    return out


def conmon(*msgs):
    return b''.join(lfield(1, m) for m in msgs)


STATE = {
    'runc-created': state(2, 2040, 'ctr1', '/tmp/rtstate-demo/bundle', 1795827099538080553),
    'crun-running': state(3, 31337, '0123456789abcdef' * 4, '/run/crisp/containers/0123/bundle',
                          1709251199000000001),
    'creating-no-pid': state(1, 0, 'c', '/b', 0),
    'paused': state(4, 4194304, 'c', '/b', 0),
    'stopped': state(5, 0, 'c', '/b', 0),
    'stopped-with-pid': state(5, 1234, 'c', '/b', 0),
    'running-no-pid': state(3, 0, 'c', '/b', 0),
    'negative-pid': state(3, -1, 'c', '/b', 0),
    'status-unspecified': state(0, 1, 'c', '/b', 0),
    'status-99': state(99, 1, 'c', '/b', 0),
    'id-dotdot': state(3, 1, '..', '/b', 0),
    'id-slash': state(3, 1, '../../etc', '/b', 0),
    'bundle-relative': state(3, 1, 'c', 'b', 0),
    'bundle-ctl': state(3, 1, 'c', '/b\x1b[31m', 0),
    'bundle-long': state(3, 1, 'c', '/' + 'a' * 4200, 0),
    'created-negative': state(3, 1, 'c', '/b', -5),
}
CONMON = {
    'create': conmon(msg(has_data=1, data=15371)),
    'exec': conmon(msg(has_data=1, data=15963), msg(has_data=1, data=3)),
    'exec-timeout': conmon(msg(has_data=1, data=16035),
                           msg(has_data=1, data=-1, message='command timed out')),
    'create-failed': conmon(msg(has_data=1, data=-1, message='time="2026-11-28T01:00:37Z" '
                                'level=error msg="runc create failed"')),
    'api0-pid': conmon(msg(has_pid=1, pid=4242)),
    'empty': b'',
    'no-number': conmon(msg(message='x')),
    'pid-zero': conmon(msg(has_pid=1, pid=0)),
    'data-without-flag': conmon(msg(has_pid=1, pid=1, data=7)),
    'data-too-small': conmon(msg(has_data=1, data=-65536)),
    'message-ctl': conmon(msg(has_data=1, data=-1, message='a\nb\x1b[0m')),
    'message-long': conmon(msg(has_data=1, data=-1, message='m' * 1100)),
    'seventeen': conmon(*[msg(has_data=1, data=1)] * 17),
    'three': conmon(*[msg(has_data=1, data=1)] * 3),
}


def main():
    root = sys.argv[1]
    for sub, seeds in (('rtstate_reply', STATE), ('rtstate_conmon_reply', CONMON)):
        os.makedirs(os.path.join(root, sub), exist_ok=True)
        for name, data in sorted(seeds.items()):
            with open(os.path.join(root, sub, name + '.pb'), 'wb') as f:
                f.write(data)


if __name__ == '__main__':
    main()
