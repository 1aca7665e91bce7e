#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
# Writes the seed corpus of the seccomp_reply fuzz target: packed SeccompReply messages
# (proto/helper.proto) as crisp-helper-seccomp sends them, and hostile ones a compromised
# helper could send. Usage: fuzz/seccomp_reply_seeds.py fuzz/corpus
# runs in: by hand, at build time only (review the diff after rerunning).
import os
import sys


def varint(n):
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


def arg(index, value, value_two, op):
    return vfield(1, index) + vfield(2, value) + vfield(3, value_two) + vfield(4, op)


def rule(names, action, errno_ret=0, args=()):
    out = b''.join(lfield(1, n) for n in names) + vfield(2, action) + vfield(3, errno_ret)
    return out + b''.join(lfield(4, a) for a in args)


def reply(default, default_errno=0, arches=(), flags=(), rules=()):
    out = vfield(1, default) + vfield(2, default_errno)
    out += b''.join(lfield(3, a) for a in arches) + b''.join(lfield(4, f) for f in flags)
    return out + b''.join(lfield(5, r) for r in rules)


ALLOW, ERRNO, TRACE, KILL_PROCESS = 7, 5, 6, 3
EQ, MASKED_EQ = 4, 7
X86 = ('SCMP_ARCH_X86_64', 'SCMP_ARCH_X86', 'SCMP_ARCH_X32')

SEEDS = {
    'minimal': reply(ALLOW),
    'block_sethostname': reply(ALLOW, 0, X86, (), [rule(['sethostname', 'setdomainname'],
                                                        ERRNO, 1)]),
    'full': reply(ERRNO, 38, X86, ['SECCOMP_FILTER_FLAG_LOG'], [
        rule(['read', 'write', 'exit_group', 'socketcall'], ALLOW),
        rule(['clone'], ALLOW, 0, [arg(0, 2114060288, 0, MASKED_EQ)]),
        rule(['ptrace'], TRACE, 7),
        rule(['kill'], KILL_PROCESS, 0, [arg(5, (1 << 63) - 1, 1, EQ)])]),
    'unknown_name': reply(ALLOW, 0, (), (), [rule(['no_such_syscall'], ERRNO, 1)]),
    'action_unspecified': reply(0),
    'action_9': reply(9),
    'errno_4096': reply(ALLOW, 0, (), (), [rule(['read'], ERRNO, 4096)]),
    'errno_on_allow': reply(ERRNO, 0, (), (), [rule(['read'], ALLOW, 1)]),
    'arg_index_6': reply(ALLOW, 0, (), (), [rule(['read'], ERRNO, 1, [arg(6, 1, 0, EQ)])]),
    'arg_value_u64': reply(ALLOW, 0, (), (), [rule(['read'], ERRNO, 1,
                                                   [arg(0, (1 << 64) - 1, 0, EQ)])]),
    'arch_repeated': reply(ALLOW, 0, ['SCMP_ARCH_X86', 'SCMP_ARCH_X86']),
    'arch_unknown': reply(ALLOW, 0, ['SCMP_ARCH_VAX']),
    'name_upper': reply(ALLOW, 0, (), (), [rule(['READ'], ERRNO, 1)]),
    'no_names': reply(ALLOW, 0, (), (), [rule([], ERRNO, 1)]),
}


def main():
    out = os.path.join(sys.argv[1], 'seccomp_reply')
    os.makedirs(out, exist_ok=True)
    for name, data in sorted(SEEDS.items()):
        with open(os.path.join(out, name + '.bin'), 'wb') as f:
            f.write(data)


if __name__ == '__main__':
    main()
