#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Writes the guest's initramfs: a newc cpio holding a static busybox and
/init, with /dev/console, so no root, mknod or cpio(1) is needed.

usage: initramfs.py BUSYBOX INIT OUT.cpio
"""
import stat
import sys


class Newc:
    def __init__(self):
        self.out = bytearray()
        self.ino = 1

    def _pad(self):
        self.out += b'\0' * (-len(self.out) % 4)

    def add(self, name, mode, data=b'', rdev=(0, 0)):
        self.ino += 1
        fields = (self.ino, mode, 0, 0, 1, 0, len(data), 0, 0, rdev[0], rdev[1],
                  len(name) + 1, 0)
        self.out += b'070701' + b''.join(b'%08X' % v for v in fields)
        self.out += name.encode() + b'\0'
        self._pad()
        self.out += data
        self._pad()

    def finish(self):
        self.add('TRAILER!!!', 0)
        self.out += b'\0' * (-len(self.out) % 512)
        return bytes(self.out)


def main():
    if len(sys.argv) != 4:
        sys.exit(__doc__.strip().splitlines()[-1])
    busybox, init, out = sys.argv[1:]
    a = Newc()
    for d in ('bin', 'dev', 'proc', 'sys'):
        a.add(d, stat.S_IFDIR | 0o755)
    a.add('dev/console', stat.S_IFCHR | 0o600, rdev=(5, 1))
    a.add('dev/null', stat.S_IFCHR | 0o666, rdev=(1, 3))
    with open(busybox, 'rb') as f:
        a.add('bin/busybox', stat.S_IFREG | 0o755, f.read())
    a.add('bin/sh', stat.S_IFLNK | 0o777, b'busybox')
    with open(init, 'rb') as f:
        a.add('init', stat.S_IFREG | 0o755, f.read())
    with open(out, 'wb') as f:
        f.write(a.finish())


if __name__ == '__main__':
    main()
