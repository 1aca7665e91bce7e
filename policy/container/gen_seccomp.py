#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
# Generates the RuntimeDefault seccomp profile from policy/container/seccomp.groups: OCI JSON
# (LinuxSeccomp) per architecture family for a given capability set, and a C table the daemon
# embeds to select rules by the container's capabilities. Refuses data that would load wrongly.
# runs in: build time only (make), never on a node.
"""Usage:
  gen_seccomp.py GROUPS --c OUT.c
  gen_seccomp.py GROUPS --json OUT.json --arch x86|arm [--caps CAP_A,CAP_B,...]
  gen_seccomp.py GROUPS --markdown OUT.md
"""

import argparse
import errno
import json
import re
import sys

DEFAULT_ERRNO = errno.ENOSYS
ARCH_FAMILIES = {
    "x86": ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"],
    "arm": ["SCMP_ARCH_AARCH64", "SCMP_ARCH_ARM"],
}
# CRI-O's default capability set, the one seccomp.json is generated for.
DEFAULT_CAPS = [
    "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FSETID", "CAP_FOWNER", "CAP_SETGID", "CAP_SETUID",
    "CAP_SETPCAP", "CAP_NET_BIND_SERVICE", "CAP_KILL",
]
# Syscalls whose rules libseccomp rewrites into socketcall() on the i386 persona.
MUXED_SOCKET_CALLS = {"socket", "socketpair"}
NAME_RE = re.compile(r"^[a-z_][a-z0-9_]*$")
CAP_RE = re.compile(r"^CAP_[A-Z_]+$")
U32 = 0xFFFFFFFF
U64 = 0xFFFFFFFFFFFFFFFF


class DataError(Exception):
    pass


def parse_int(text, where):
    try:
        v = int(text, 0)
    except ValueError:
        raise DataError(f"{where}: not a number: {text!r}") from None
    if v < 0 or v > U64:
        raise DataError(f"{where}: out of range: {text!r}")
    return v


def parse_set(text, where):
    """'1,3,5-9' -> sorted, merged list of inclusive ranges within 32 bits."""
    ranges = []
    for part in text.split(","):
        lo_s, _, hi_s = part.partition("-")
        lo = parse_int(lo_s, where)
        hi = parse_int(hi_s, where) if hi_s else lo
        if lo > hi or hi > U32:
            raise DataError(f"{where}: bad range {part!r}")
        ranges.append((lo, hi))
    ranges.sort()
    merged = []
    for lo, hi in ranges:
        if merged and lo <= merged[-1][1] + 1:
            merged[-1] = (merged[-1][0], max(hi, merged[-1][1]))
        else:
            merged.append((lo, hi))
    return merged


def aligned_blocks(lo, hi):
    """Cover [lo, hi] (32-bit) with power-of-two aligned blocks -> [(mask, value)]."""
    out = []
    while lo <= hi:
        size = lo & -lo if lo else 1 << 32
        while size > hi - lo + 1:
            size >>= 1
        out.append(((~(size - 1)) & U32, lo))
        lo += size
    return out


def parse_cond(text, where):
    """One condition -> list of alternatives, each a list of (index, op, value, value_two)."""
    m = re.match(r"^a([0-5]):u32 in (\S+)$", text)
    if m:
        idx = int(m.group(1))
        alts = []
        for lo, hi in parse_set(m.group(2), where):
            alts += [[(idx, "SCMP_CMP_MASKED_EQ", mask, value)]
                     for mask, value in aligned_blocks(lo, hi)]
        return alts
    m = re.match(r"^a([0-5])&(\S+)==(\S+)$", text)
    if m:
        mask, value = parse_int(m.group(2), where), parse_int(m.group(3), where)
        if value & ~mask:
            raise DataError(f"{where}: value has bits outside the mask: {text!r}")
        return [[(int(m.group(1)), "SCMP_CMP_MASKED_EQ", mask, value)]]
    m = re.match(r"^a([0-5]) anybit (\S+)$", text)
    if m:
        mask = parse_int(m.group(2), where)
        bits = [1 << b for b in range(64) if mask >> b & 1]
        if not bits:
            raise DataError(f"{where}: empty mask: {text!r}")
        return [[(int(m.group(1)), "SCMP_CMP_MASKED_EQ", b, b)] for b in bits]
    raise DataError(f"{where}: unknown condition {text!r}")


def tokenize_rule(tokens):
    """Split 'a0:u32 in 1,2 a1&3==0' tokens into condition strings."""
    conds, i = [], 0
    while i < len(tokens):
        if i + 2 < len(tokens) and tokens[i + 1] in ("in", "anybit"):
            conds.append(" ".join(tokens[i:i + 3]))
            i += 3
        else:
            conds.append(tokens[i])
            i += 1
    return conds


def parse_action(tokens, where):
    if tokens == ["allow"]:
        return ("SCMP_ACT_ALLOW", None, None)
    if len(tokens) == 2 and tokens[0] == "errno" and hasattr(errno, tokens[1]):
        num = getattr(errno, tokens[1])
        if num == DEFAULT_ERRNO:
            raise DataError(f"{where}: ENOSYS is the default action; runc would skip the rule")
        return ("SCMP_ACT_ERRNO", tokens[1], num)
    raise DataError(f"{where}: bad action {' '.join(tokens)!r}")


def new_group(name, where):
    if not re.match(r"^[a-z0-9-]+$", name):
        raise DataError(f"{where}: bad group name {name!r}")
    return {"name": name, "reason": [], "action": None, "when": [], "otherwise": None,
            "unless": [], "arch": None, "items": [], "line": where}


def parse_groups(path):
    groups, cur = [], None
    with open(path, encoding="ascii") as f:
        for lineno, raw in enumerate(f, 1):
            where = f"{path}:{lineno}"
            line = raw.split("#", 1)[0].strip()
            if not line:
                continue
            tok = line.split()
            key, rest = tok[0], tok[1:]
            if key == "group":
                if cur is not None or len(rest) != 1:
                    raise DataError(f"{where}: nested or malformed group")
                cur = new_group(rest[0], where)
                continue
            if cur is None:
                raise DataError(f"{where}: {key!r} outside a group")
            if key == "end":
                finish_group(cur)
                groups.append(cur)
                cur = None
            elif key == "reason":
                cur["reason"].append(" ".join(rest))
            elif key == "action":
                cur["action"] = parse_action(rest, where)
            elif key == "otherwise":
                cur["otherwise"] = parse_action(rest, where)
            elif key in ("when", "unless"):
                if len(rest) != 2 or rest[0] != "cap":
                    raise DataError(f"{where}: expected '{key} cap CAP[,CAP]'")
                caps = rest[1].split(",")
                if not all(CAP_RE.match(c) for c in caps):
                    raise DataError(f"{where}: bad capability in {rest[1]!r}")
                cur[key] = caps
            elif key == "arch":
                if len(rest) != 1 or rest[0] not in ARCH_FAMILIES:
                    raise DataError(f"{where}: arch must be one of {sorted(ARCH_FAMILIES)}")
                cur["arch"] = rest[0]
            elif key == "syscalls":
                cur["items"].append(("names", rest, where))
            elif key == "rule":
                if len(rest) < 2:
                    raise DataError(f"{where}: rule needs a name and a condition")
                cur["items"].append(("rule", rest, where))
            else:
                raise DataError(f"{where}: unknown directive {key!r}")
    if cur is not None:
        raise DataError(f"{path}: group {cur['name']!r} has no 'end'")
    names = [g["name"] for g in groups]
    dups = {n for n in names if names.count(n) > 1}
    if dups:
        raise DataError(f"{path}: duplicate groups {sorted(dups)}")
    return groups


def finish_group(g):
    where = g["line"]
    if not g["reason"]:
        raise DataError(f"{where}: group {g['name']!r} has no reason")
    if g["action"] is None:
        raise DataError(f"{where}: group {g['name']!r} has no action")
    if not g["items"]:
        raise DataError(f"{where}: group {g['name']!r} names no syscalls")
    if g["otherwise"] and not g["when"]:
        raise DataError(f"{where}: 'otherwise' needs 'when'")
    if g["when"] and g["unless"]:
        raise DataError(f"{where}: 'when' and 'unless' together are not supported")
    for _, toks, w in g["items"]:
        for n in toks[:1] if _ == "rule" else toks:
            if not NAME_RE.match(n):
                raise DataError(f"{w}: bad syscall name {n!r}")


def expand(groups):
    """Groups -> ordered list of rule entries (dicts), the order the profile keeps."""
    entries = []
    for gi, g in enumerate(groups):
        variants = [(g["action"], g["when"], [])] if g["when"] else [(g["action"], [], g["unless"])]
        if g["otherwise"]:
            variants.append((g["otherwise"], [], g["when"]))
        for action, caps_any, caps_none in variants:
            names = [n for kind, toks, _ in g["items"] if kind == "names" for n in toks]
            first_names = True
            for kind, toks, where in g["items"]:
                base = {"group": gi, "action": action, "caps_any": caps_any,
                        "caps_none": caps_none, "arch": g["arch"], "where": where}
                if kind == "names":
                    if first_names:
                        entries.append(dict(base, names=names, args=[]))
                        first_names = False
                    continue
                alts = [[]]
                for cond in tokenize_rule(toks[1:]):
                    alts = [a + c for a in alts for c in parse_cond(cond, where)]
                for args in alts:
                    idx = [a[0] for a in args]
                    if len(idx) != len(set(idx)):
                        raise DataError(f"{where}: an argument is compared twice in one rule")
                    entries.append(dict(base, names=[toks[0]], args=args))
    return entries


def disjoint(a, b):
    """True if entries a and b can never apply to the same container."""
    if a["arch"] and b["arch"] and a["arch"] != b["arch"]:
        return True
    for x, y in ((a, b), (b, a)):
        if x["caps_any"] and set(x["caps_any"]) <= set(y["caps_none"]):
            return True
    return False


def check(entries):
    seen = {}
    for e in entries:
        if e["args"]:
            continue
        for n in e["names"]:
            for other in seen.get(n, []):
                if not disjoint(e, other):
                    raise DataError(f"{e['where']}: {n!r} already listed at {other['where']}")
            seen.setdefault(n, []).append(e)
    for name in MUXED_SOCKET_CALLS:
        mine = [e for e in entries if name in e["names"]]
        if not mine:
            continue
        first = mine[0]
        if (first["action"][0] != "SCMP_ACT_ERRNO" or first["caps_any"] or first["caps_none"]
                or [a[0] for a in first["args"]] != [0]):
            raise DataError(f"{first['where']}: the first {name} rule must be an unconditional"
                            " errno rule testing only argument 0 (the i386 socketcall guard)")
        for e in mine[1:]:
            if e["names"] != [name]:
                raise DataError(f"{e['where']}: {name} must sit in a rule of its own")
            if first["action"] == e["action"] and [a[0] for a in e["args"]] == [0]:
                continue
            if not any(a[0] != 0 for a in e["args"]):
                raise DataError(f"{e['where']}: every {name} rule after the guard must test an"
                                " argument other than 0, or libseccomp refuses it on i386")


def applies(e, caps, arch):
    if e["arch"] and e["arch"] != arch:
        return False
    if e["caps_any"] and not set(e["caps_any"]) & caps:
        return False
    return not set(e["caps_none"]) & caps


def to_json(entries, caps, arch):
    syscalls = []
    for e in entries:
        if not applies(e, caps, arch):
            continue
        item = {"names": e["names"], "action": e["action"][0]}
        if e["action"][2] is not None:
            item["errnoRet"] = e["action"][2]
        if e["args"]:
            item["args"] = [{"index": i, "value": v, "valueTwo": v2, "op": op}
                            for i, op, v, v2 in e["args"]]
        syscalls.append(item)
    return {
        "defaultAction": "SCMP_ACT_ERRNO",
        "defaultErrnoRet": DEFAULT_ERRNO,
        "architectures": ARCH_FAMILIES[arch],
        "syscalls": syscalls,
    }


def c_string(s):
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def c_caps(caps):
    if not caps:
        return "0"
    return " | ".join(f"CAP_BIT({c})" for c in caps)


def to_c(groups, entries):
    out = ["/* Generated by policy/container/gen_seccomp.py from policy/container/seccomp.groups.",
           " * Do not edit; not committed.",
           " * runs in: daemon/privileged (rule data only). */",
           "#include <errno.h>", "#include <linux/capability.h>", "#include <stddef.h>", "",
           '#include "policy/seccomp_profile.h"', "",
           "#define CAP_BIT(c) (UINT64_C(1) << (c))", ""]
    for i, e in enumerate(entries):
        out.append(f"static const char *const names_{i}[] = {{"
                   + ", ".join(c_string(n) for n in e["names"]) + "};")
        if e["args"]:
            out.append(f"static const struct seccomp_profile_arg args_{i}[] = {{")
            for idx, op, v, v2 in e["args"]:
                op_c = {"SCMP_CMP_MASKED_EQ": "SECCOMP_PROFILE_OP_MASKED_EQ"}[op]
                out.append(f"\t{{{idx}, {op_c}, UINT64_C({v:#x}), UINT64_C({v2:#x})}},")
            out.append("};")
    out += ["", "const struct seccomp_profile_group seccomp_table_groups[] = {"]
    for g in groups:
        out.append(f"\t{{{c_string(g['name'])}, {c_string(' '.join(g['reason']))}}},")
    out += ["};", f"const size_t seccomp_table_groups_count = {len(groups)};", "",
            "const struct seccomp_profile_rule seccomp_table_rules[] = {"]
    for i, e in enumerate(entries):
        act, ename, _ = e["action"]
        action = "SECCOMP_PROFILE_ACT_ALLOW" if act == "SCMP_ACT_ALLOW" else \
            "SECCOMP_PROFILE_ACT_ERRNO"
        arch = {None: "SECCOMP_PROFILE_ARCH_ANY", "x86": "SECCOMP_PROFILE_ARCH_X86",
                "arm": "SECCOMP_PROFILE_ARCH_ARM"}[e["arch"]]
        args = f"args_{i}" if e["args"] else "NULL"
        out += [f"\t{{ /* {e['where']} */",
                f"\t\t.group = {e['group']},",
                f"\t\t.names = names_{i},",
                f"\t\t.n_names = {len(e['names'])},",
                f"\t\t.action = {action},",
                f"\t\t.errno_ret = {ename or 0},",
                f"\t\t.args = {args},",
                f"\t\t.n_args = {len(e['args'])},",
                f"\t\t.caps_any = {c_caps(e['caps_any'])},",
                f"\t\t.caps_none = {c_caps(e['caps_none'])},",
                f"\t\t.arch = {arch},",
                "\t},"]
    out += ["};", f"const size_t seccomp_table_rules_count = {len(entries)};", ""]
    return "\n".join(out)


def to_markdown(groups):
    rows = ["| group | applies | action | syscalls | reason |", "|---|---|---|---|---|"]
    for g in groups:
        names = []
        for kind, toks, _ in g["items"]:
            names += [toks[0] + " (filtered)"] if kind == "rule" else toks
        cond = ""
        if g["when"]:
            cond = "with " + " or ".join(g["when"])
        elif g["unless"]:
            cond = "without " + " or ".join(g["unless"])
        if g["arch"]:
            cond = (cond + ", " if cond else "") + g["arch"] + " only"
        action = "allow" if g["action"][0] == "SCMP_ACT_ALLOW" else g["action"][1]
        if g["otherwise"]:
            action += f", else {g['otherwise'][1]}"
        rows.append(f"| {g['name']} | {cond or 'always'} | {action} | "
                    f"{', '.join(dict.fromkeys(names))} | {' '.join(g['reason'])} |")
    return "\n".join(rows) + "\n"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("groups")
    ap.add_argument("--c")
    ap.add_argument("--json")
    ap.add_argument("--markdown")
    ap.add_argument("--arch", choices=sorted(ARCH_FAMILIES))
    ap.add_argument("--caps", default=",".join(DEFAULT_CAPS))
    opts = ap.parse_args()
    try:
        groups = parse_groups(opts.groups)
        entries = expand(groups)
        check(entries)
    except (DataError, OSError) as e:
        print(f"gen_seccomp: {e}", file=sys.stderr)
        return 1
    if opts.c:
        with open(opts.c, "w", encoding="ascii") as f:
            f.write(to_c(groups, entries))
    if opts.json:
        if not opts.arch:
            print("gen_seccomp: --json needs --arch", file=sys.stderr)
            return 2
        caps = {c for c in opts.caps.split(",") if c}
        with open(opts.json, "w", encoding="ascii") as f:
            json.dump(to_json(entries, caps, opts.arch), f, indent=1)
            f.write("\n")
    if opts.markdown:
        with open(opts.markdown, "w", encoding="ascii") as f:
            f.write(to_markdown(groups))
    return 0


if __name__ == "__main__":
    sys.exit(main())
