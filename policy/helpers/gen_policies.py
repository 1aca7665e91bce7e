#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
# Generate C tables (struct sandbox_policy, see sandbox/filter.h) from policy/helpers/*.syscalls.
# runs in: build time only. Usage: gen_policies.py OUT.c OUT.h FILE.syscalls...
"""Each non-fragment FILE.syscalls becomes `helper_policy_<name>` and `POLICY_<NAME>`.

Line grammar (one item per line, '#' starts a comment):
  @user nobody | root | <uid>:<gid>
  @caps none | <cap>[,<cap>...]          (names as in capabilities(7), CAP_ optional)
  @namespaces none | net,ipc,uts,mnt,pid,cgroup
  @rlimit as|cpu|fsize|nofile|nproc|core <n>[K|M|G] | unlimited
  @deadline_ms <n>   @request_max <n>[K|M|G]   @reply_max <n>[K|M|G]
  @include <fragment>                    (policy/helpers/_<fragment>.syscalls)
  <syscall> [pin...]  # why it is needed  (the comment is mandatory)
  @sanitizer <syscall> [pin...]  # why    (only in SAN=1 builds)
A pin is argN<=EXPR, argN>=EXPR, argN==EXPR or argN&MASK==EXPR; EXPR is a C constant
expression without spaces (PROT_EXEC, 5, PR_GET_SECCOMP, O_RDONLY|O_CLOEXEC).
"""
import os
import re
import sys

NAME_RE = re.compile(r'^[a-z0-9_-]{1,32}$')
SYSCALL_RE = re.compile(r'^[a-z0-9_]+$')
PIN_RE = re.compile(r'^arg([0-5])(?:&([A-Za-z0-9_|]+))?(<=|>=|==)([A-Za-z0-9_|]+)$')
NAMESPACES = {'net': 'CLONE_NEWNET', 'ipc': 'CLONE_NEWIPC', 'uts': 'CLONE_NEWUTS',
              'mnt': 'CLONE_NEWNS', 'pid': 'CLONE_NEWPID', 'cgroup': 'CLONE_NEWCGROUP'}
RLIMITS = ('as', 'cpu', 'fsize', 'nofile', 'nproc', 'core')
UNITS = {'': 1, 'K': 1 << 10, 'M': 1 << 20, 'G': 1 << 30}


class PolicyError(Exception):
    pass


def size(text):
    if text == 'unlimited':
        return 'UINT64_MAX'
    m = re.match(r'^([0-9]+)([KMG]?)$', text)
    if not m:
        raise PolicyError('bad size %r' % text)
    return '%du' % (int(m.group(1)) * UNITS[m.group(2)])


def new_policy(name):
    return {'name': name, 'uid': 65534, 'gid': 65534, 'caps': [],
            'ns': ['net', 'ipc', 'uts', 'mnt', 'pid'],
            'rlimits': {'as': size('512M'), 'cpu': '5u', 'fsize': '0u', 'nofile': '8u',
                        'nproc': '0u', 'core': '0u'},
            'deadline_ms': '10000u', 'request_max': size('4M'), 'reply_max': size('4M'),
            'rules': [], 'san_rules': []}


def parse_rule(words, where):
    name = words[0]
    if not SYSCALL_RE.match(name):
        raise PolicyError('%s: bad syscall name %r' % (where, name))
    pins = []
    for w in words[1:]:
        m = PIN_RE.match(w)
        if not m:
            raise PolicyError('%s: bad pin %r' % (where, w))
        arg, mask, op, value = m.groups()
        if mask:
            if op != '==':
                raise PolicyError('%s: a masked pin must use ==' % where)
            pins.append((arg, 'SANDBOX_PIN_MASKED_EQ', mask, value))
        else:
            kind = {'<=': 'SANDBOX_PIN_LE', '>=': 'SANDBOX_PIN_GE', '==': 'SANDBOX_PIN_EQ'}[op]
            pins.append((arg, kind, '0', value))
    if len(pins) > 3:
        raise PolicyError('%s: at most 3 pins per rule' % where)
    return (name, pins)


def directive(pol, words, where, load):
    key, args = words[0], words[1:]
    if key == 'include' and len(args) == 1:
        load(pol, args[0])
    elif key == 'sanitizer' and args:
        pol['san_rules'].append(parse_rule(args, where))
    elif key == 'user' and len(args) == 1:
        ids = {'nobody': (65534, 65534), 'root': (0, 0)}.get(args[0])
        if ids is None:
            m = re.match(r'^([0-9]+):([0-9]+)$', args[0])
            if not m:
                raise PolicyError('%s: bad @user' % where)
            ids = (int(m.group(1)), int(m.group(2)))
        pol['uid'], pol['gid'] = ids
    elif key == 'caps' and len(args) == 1:
        caps = [] if args[0] == 'none' else args[0].split(',')
        pol['caps'] = ['CAP_' + c.upper().removeprefix('CAP_') for c in caps]
    elif key == 'namespaces' and len(args) == 1:
        ns = [] if args[0] == 'none' else args[0].split(',')
        if any(n not in NAMESPACES for n in ns):
            raise PolicyError('%s: bad @namespaces' % where)
        pol['ns'] = ns
    elif key == 'rlimit' and len(args) == 2 and args[0] in RLIMITS:
        pol['rlimits'][args[0]] = size(args[1])
    elif key == 'deadline_ms' and len(args) == 1 and args[0].isdigit():
        pol['deadline_ms'] = args[0] + 'u'
    elif key in ('request_max', 'reply_max') and len(args) == 1:
        pol[key] = size(args[1 - 1])
    else:
        raise PolicyError('%s: bad directive %r' % (where, ' '.join(words)))


def load_file(pol, path, load):
    with open(path, encoding='ascii') as f:
        for no, line in enumerate(f, 1):
            where = '%s:%d' % (path, no)
            body, hashmark, why = line.partition('#')
            words = body.split()
            if not words:
                continue
            if words[0].startswith('@'):
                words[0] = words[0][1:]
                if words[0] == 'sanitizer' and not why.strip():
                    raise PolicyError('%s: every syscall needs a "# why" comment' % where)
                directive(pol, words, where, load)
                continue
            if not hashmark or not why.strip():
                raise PolicyError('%s: every syscall needs a "# why" comment' % where)
            pol['rules'].append(parse_rule(words, where))


def c_rules(ident, rules):
    out = ['static const struct sandbox_rule %s[] = {' % ident]
    for name, pins in rules:
        ps = ', '.join('{%s, %s, (uint64_t)(%s), (uint64_t)(%s)}' % p for p in pins)
        out.append('\t{SCMP_SYS(%s), "%s", %d, {%s}},' % (name, name, len(pins), ps))
    out.append('};')
    return out


def c_policy(pol):
    ident = pol['name'].replace('-', '_')
    out = c_rules('rules_' + ident, pol['rules'] or [('exit_group', [])])
    out += c_rules('san_rules_' + ident, pol['san_rules'] or [('exit_group', [])])
    caps = ' | '.join('(UINT64_C(1) << %s)' % c for c in pol['caps']) or '0'
    ns = ' | '.join(NAMESPACES[n] for n in pol['ns']) or '0'
    r = pol['rlimits']
    out += ['const struct sandbox_policy helper_policy_%s = {' % ident,
            '\t.name = "%s",' % pol['name'],
            '\t.uid = %du, .gid = %du,' % (pol['uid'], pol['gid']),
            '\t.keep_caps = %s,' % caps,
            '\t.clone_flags = %s,' % ns,
            '\t.deadline_ms = %s, .request_max = %s, .reply_max = %s,' % (
                pol['deadline_ms'], pol['request_max'], pol['reply_max']),
            '\t.rlimits = {%s},' % ', '.join('.%s = %s' % (k, r[k]) for k in RLIMITS),
            '\t.rules = rules_%s, .n_rules = %d,' % (ident, len(pol['rules'])),
            '\t.san_rules = san_rules_%s, .n_san_rules = %d,' % (ident, len(pol['san_rules'])),
            '};', '']
    return out


def main():
    out_c, out_h, files = sys.argv[1], sys.argv[2], sys.argv[3:]
    base = os.path.dirname(files[0]) if files else '.'

    def load(pol, frag, depth=[0]):
        if depth[0] > 8 or not NAME_RE.match(frag):
            raise PolicyError('bad or too deep @include %r' % frag)
        depth[0] += 1
        load_file(pol, os.path.join(base, '_%s.syscalls' % frag), load)
        depth[0] -= 1

    pols = []
    for path in sorted(files):
        stem = os.path.basename(path)[:-len('.syscalls')]
        if stem.startswith('_'):
            continue
        if not NAME_RE.match(stem):
            raise PolicyError('%s: bad helper name' % path)
        pol = new_policy(stem)
        load_file(pol, path, load)
        pols.append(pol)
    c = ['/* SPDX-License-Identifier: Apache-2.0 */',
         '/* Generated by policy/helpers/gen_policies.py from policy/helpers/*.syscalls. */',
         '#include <linux/capability.h>', '#include <fcntl.h>', '#include <sched.h>',
         '#include <seccomp.h>', '#include <signal.h>', '#include <stdint.h>',
         '#include <sys/mman.h>', '#include <sys/prctl.h>', '#include <sys/socket.h>',
         '#include <time.h>', '',
         '#include "sandbox/filter.h"', '#include "helper_policies.h"', '']
    h = ['/* SPDX-License-Identifier: Apache-2.0 */',
         '/* Generated by policy/helpers/gen_policies.py: one sandbox policy per helper. */',
         '#ifndef CRISP_GEN_HELPER_POLICIES_H', '#define CRISP_GEN_HELPER_POLICIES_H', '',
         '#include <stddef.h>', '', '#include "sandbox/filter.h"', '']
    for pol in pols:
        c += c_policy(pol)
        ident = pol['name'].replace('-', '_')
        h.append('extern const struct sandbox_policy helper_policy_%s;' % ident)
        h.append('#define POLICY_%s (&helper_policy_%s)' % (ident.upper(), ident))
    c.append('const struct sandbox_policy *const helper_policies[] = {')
    c += ['\t&helper_policy_%s,' % p['name'].replace('-', '_') for p in pols]
    c += ['};', 'const size_t helper_policies_count = %d;' % len(pols), '']
    h += ['', '/* Every policy above, in name order (make policy-dump). */',
          'extern const struct sandbox_policy *const helper_policies[];',
          'extern const size_t helper_policies_count;', '', '#endif', '']
    for path, lines in ((out_c, c), (out_h, h)):
        with open(path + '.tmp', 'w', encoding='ascii') as f:
            f.write('\n'.join(lines))
        os.replace(path + '.tmp', path)


if __name__ == '__main__':
    try:
        main()
    except (PolicyError, OSError) as e:
        sys.stderr.write('gen_policies: %s\n' % e)
        sys.exit(1)
