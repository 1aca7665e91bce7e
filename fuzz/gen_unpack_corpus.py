#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
# Writes the seed corpora of the unpack fuzz targets (tar_entry, layer_stream, unpack_reply):
# real small layers in every compression and hostile ones. Re-run after changing it.
# runs in: development only. Usage: fuzz/gen_unpack_corpus.py (from the repository root).
import gzip
import io
import os
import shutil
import struct
import subprocess
import tarfile

OUT = 'fuzz/corpus'


def tar_bytes(members, fmt=tarfile.PAX_FORMAT):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode='w', format=fmt) as t:
        for info, data in members:
            t.addfile(info, io.BytesIO(data) if data is not None else None)
    return buf.getvalue()


def ti(name, type=tarfile.REGTYPE, data=b'', **kw):
    i = tarfile.TarInfo(name)
    i.type = type
    i.size = len(data) if type == tarfile.REGTYPE else 0
    for k, v in kw.items():
        setattr(i, k, v)
    return (i, data if type == tarfile.REGTYPE else None)


def zstd(data):
    if not shutil.which('zstd'):
        return None
    return subprocess.run(['zstd', '-q', '-c'], input=data, capture_output=True,
                          check=True).stdout


def layers():
    normal = tar_bytes([
        ti('./', tarfile.DIRTYPE, mode=0o755),
        ti('etc/', tarfile.DIRTYPE, mode=0o755),
        ti('etc/hosts', data=b'127.0.0.1 localhost\n', mode=0o644, uid=1000, gid=1000),
        ti('bin/su', data=b'\x7fELF', mode=0o4755,
           pax_headers={'SCHILY.xattr.security.capability':
                        '\x01\x00\x00\x02' + '\x00' * 16,
                        'SCHILY.xattr.trusted.overlay.opaque': 'y',
                        'SCHILY.xattr.security.selinux': 'system_u:object_r:bin_t:s0',
                        'SCHILY.xattr.user.note': 'hi'}),
        ti('bin/sh', tarfile.SYMTYPE, linkname='busybox'),
        ti('bin/hard', tarfile.LNKTYPE, linkname='etc/hosts'),
        ti('dev/null', tarfile.CHRTYPE, devmajor=1, devminor=3, mode=0o666),
        ti('run/fifo', tarfile.FIFOTYPE),
        ti('old/.wh.gone'),
        ti('opq/.wh..wh..opq'),
        ti('.wh..wh.plnk/1'),
    ])
    yield 'normal', normal
    yield 'gnu', tar_bytes([ti('a/b', data=b'x' * 700), ti('c' * 150, data=b'')],
                           tarfile.GNU_FORMAT)
    yield 'ustar', tar_bytes([ti('x', data=b'y')], tarfile.USTAR_FORMAT)
    yield 'empty', b'\0' * 1024
    yield 'dotdot', tar_bytes([ti('../etc/passwd', data=b'root::0:0::/:/bin/sh\n')])
    yield 'absolute', tar_bytes([ti('/etc/passwd', data=b'x')])
    yield 'symlink_escape', tar_bytes([ti('etc', tarfile.SYMTYPE, linkname='/etc'),
                                       ti('etc/passwd', data=b'x')])
    yield 'hardlink_host', tar_bytes([ti('p', tarfile.LNKTYPE, linkname='/etc/passwd')])
    yield 'whiteout_dev', tar_bytes([ti('w', tarfile.CHRTYPE, devmajor=0, devminor=0)])
    yield 'padded', tar_bytes([ti('a', data=b'a')]) + b'\0' * (200 * 1024)
    yield 'not_tar', b'this is not a tar archive at all\n' * 40
    yield 'truncated', tar_bytes([ti('big', data=b'z' * 5000)])[:3000]


def main():
    for target in ('layer_stream', 'tar_entry', 'unpack_reply'):
        os.makedirs(os.path.join(OUT, target), exist_ok=True)
    for name, tar in layers():
        seeds = {name + '.tar': b'\0' + tar, name + '.tar.gz': b'\1' + gzip.compress(tar, 9)}
        z = zstd(tar)
        if z is not None:
            seeds[name + '.tar.zst'] = b'\2' + z
        for fn, data in seeds.items():
            with open(os.path.join(OUT, 'layer_stream', fn), 'wb') as f:
                f.write(data)
    # A gzip bomb: 64 MiB of zeros inside a tar header, a few KiB compressed.
    bomb = tar_bytes([ti('z', data=b'')])[:512] + b'\0' * (64 << 20)
    with open(os.path.join(OUT, 'layer_stream', 'bomb.tar.gz'), 'wb') as f:
        f.write(b'\1' + gzip.compress(bomb, 9))
    with open(os.path.join(OUT, 'layer_stream', 'truncated_gzip.tar.gz'), 'wb') as f:
        f.write(b'\1' + gzip.compress(tar_bytes([ti('a', data=os.urandom(4000))]))[:900])
    # tar_entry: 24-byte header (type, mode, uid, gid, size, major, minor, mtime) + strings.
    entries = {
        'reg': (0, 0o644, 1000, 1000, 5, 0, 0, b'usr/bin/x', b'', b'user.a', b'v'),
        'dir_dot': (1, 0o755, 0, 0, 0, 0, 0, b'./', b'', b'', b''),
        'dotdot': (0, 0o644, 0, 0, 0, 0, 0, b'a/../../b', b'', b'', b''),
        'abs': (0, 0o644, 0, 0, 0, 0, 0, b'/etc/shadow', b'', b'', b''),
        'wh': (0, 0, 0, 0, 0, 0, 0, b'x/.wh.y', b'', b'', b''),
        'opq': (0, 0, 0, 0, 0, 0, 0, b'x/.wh..wh..opq', b'', b'', b''),
        'whdot': (0, 0, 0, 0, 0, 0, 0, b'.wh..', b'', b'', b''),
        'hardlink': (3, 0, 0, 0, 0, 0, 0, b'b', b'./a//c', b'', b''),
        'hardlink_up': (3, 0, 0, 0, 0, 0, 0, b'b', b'../x', b'', b''),
        'chr00': (4, 0o666, 0, 0, 0, 0, 0, b'dev/w', b'', b'', b''),
        'cap': (0, 0o755, 0, 0, 0, 0, 0, b'ping', b'', b'security.capability',
                b'\x00\x00\x00\x02' + b'\x00' * 16),
        'trusted': (0, 0o755, 0, 0, 0, 0, 0, b'x', b'', b'trusted.overlay.opaque', b'y'),
    }
    for name, (typ, mode, uid, gid, size, ma, mi, path, link, xn, xv) in entries.items():
        hdr = bytes([typ]) + mode.to_bytes(3, 'big') + uid.to_bytes(5, 'big') + \
            gid.to_bytes(4, 'big') + (size + 16).to_bytes(4, 'big') + ma.to_bytes(2, 'big') + \
            mi.to_bytes(3, 'big') + b'\x01\x02'
        with open(os.path.join(OUT, 'tar_entry', name), 'wb') as f:
            f.write(hdr + path + b'\0' + link + b'\0' + xn + b'\0' + xv)

    reply_seeds()


def reply_seeds():
    """unpack_reply: hand-packed protobuf (1: diff_id, 2: size, 3: entries, 4: opaque dirs,
    5: disk bytes, 6: inodes)."""
    def varint(n):
        out = b''
        while True:
            b, n = n & 0x7f, n >> 7
            out += bytes([b | (0x80 if n else 0)])
            if not n:
                return out

    def ld(field, data):
        return bytes([field << 3 | 2]) + varint(len(data)) + data

    def reply(diff, size, entries, dirs, disk=4096, inodes=1):
        out = ld(1, diff) + bytes([2 << 3]) + varint(size) + bytes([3 << 3]) + varint(entries)
        out += b''.join(ld(4, d) for d in dirs)
        return out + bytes([5 << 3]) + varint(disk) + bytes([6 << 3]) + varint(inodes)

    good = b'sha256:' + b'ab' * 32
    replies = {
        'ok': reply(good, 10240, 7, [b'opq', b'.', b'a/b'], 8 * 4096, 9),
        'bad_digest': reply(b'sha256:' + b'AB' * 32, 1, 1, []),
        'sha512': reply(b'sha512:' + b'ab' * 64, 1, 1, []),
        'too_big': reply(good, 1 << 40, 1, []),
        'dotdot': reply(good, 1, 1, [b'../etc']),
        'absolute': reply(good, 1, 1, [b'/etc']),
        'nul': reply(good, 1, 1, [b'a\0b']),
        'slashes': reply(good, 1, 1, [b'a//b']),
        'no_inodes': reply(good, 1024, 1, [], 0, 0),
        'inodes_over': reply(good, 1024, 1, [], 4096, 258),
        'disk_odd': reply(good, 1024, 1, [], 4097, 2),
        'disk_over': reply(good, 1024, 1, [], 1024 + 2 * 131072 + 512, 2),
        'disk_huge': reply(good, 1024, 1, [], (1 << 64) - 512, 2),
    }
    os.makedirs(os.path.join(OUT, 'unpack_reply'), exist_ok=True)
    for name, data in replies.items():
        with open(os.path.join(OUT, 'unpack_reply', name), 'wb') as f:
            f.write(data)

if __name__ == '__main__':
    main()
