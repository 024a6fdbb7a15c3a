#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Bad input, end to end: every subcommand of the CLI over malformed files
and arguments.  Each row must give exit status 2, nothing on stdout and
exactly one line on stderr, "FILE[:LINE[:COL]]: what is wrong" or
"ioda: what is wrong"; never a crash (the tests run the ASan build) nor a
hang (a timeout)."""
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import unittest

IODA = sys.argv[1]
SRC = sys.argv[2]

DTB = open(os.path.join(SRC, 'tests/load/data/p8-switch.dtb'), 'rb').read()
LOG = open(os.path.join(SRC, 'tests/fuzz/log/seeds/qemu-p8-two-eps.log'), 'rb').read()
GARBAGE = random.Random(9).randbytes(4096)
LONG = b'x' * (1 << 20)


def log_with(old, new):
    assert old in LOG
    return LOG.replace(old, new, 1)


def dup_first(prefix):
    """The log with the first line holding @prefix given twice."""
    lines = LOG.splitlines(keepends=True)
    i = next(i for i, l in enumerate(lines) if prefix in l)
    return b''.join(lines[:i + 1] + lines[i:])


# name -> content; None makes a folder.
FILES = {
    'empty.topo': b'', 'empty.dtb': b'', 'empty.dts': b'', 'empty.log': b'', 'empty.scn': b'',
    'garbage.topo': GARBAGE, 'garbage.dtb': GARBAGE, 'garbage.dts': GARBAGE,
    'garbage.log': GARBAGE, 'garbage.scn': GARBAGE,
    'head.dtb': DTB[:40], 'half.dtb': DTB[:len(DTB) // 2],
    'version16.dtb': DTB[:20] + b'\0\0\0\x10' + DTB[24:],
    'bad.dts': b'/dts-v1/;\n/ {\n\tfoo = <1;\n};\n',
    'nolabel.dts': b'/dts-v1/;\n/ {\n\tfoo = &nolabel;\n};\n',
    'nul.topo': b'phb 0 gen=phb4 {\n\tdevice 00.0 12\x0034:5678 class=0x020000\n}\n',
    'long.topo': b'phb 0 gen=phb4 {\n\tdevice 00.0 1234:5678 class=0x020000 label=' + LONG
                 + b'\n}\n',
    'longword.topo': LONG + b'\n',
    'hugemem.topo': b'machine memory=4096T\nphb 0 gen=phb4 {\n}\n',
    'hugesize.topo': b'machine memory=99999999999999T\nphb 0 gen=phb4 {\n}\n',
    'hugepes.topo': b'phb 0 gen=phb4 pes=99999999999999999999999 {\n}\n',
    'manypes.topo': b'phb 0 gen=phb4 pes=65537 {\n}\n',
    'hugebar.topo': b'phb 0 gen=phb4 {\n\tdevice 00.0 1234:5678 class=0x010802 {\n'
                    b'\t\tbar 0 9999999999T\n\t}\n}\n',
    'hugewin.topo': b'phb 0 gen=phb4 m64=0xffffffffffffffff+0x100000000 {\n}\n',
    'overlap.topo': b'phb 0 gen=phb4 m32=0x6000000000000+0x7fff0000 '
                    b'm64=0x6000000000000+0x4000000000 {\n}\n',
    'tinymem.topo': b'machine memory=25\nphb 0 gen=phb4 {\n\tbridge 00.0 1014:04c1\n}\n',
    # Refused at its second PHB: the first one's log must not reach stdout.
    'second-phb.topo': (b'phb 0 gen=phb3 {\n\tbridge 00.0 1014:03dc\n}\n'
                        b'phb 1 gen=phb3 index=1 pes=128 {\n\tbridge 00.0 1014:03dc\n}\n'),
    'second-phb.scn': b'machine second-phb.topo\nboot\n',
    # An x86 dmesg has host bridges and devices too, but no PowerNV PHB.
    'x86.log': (b'[    0.000000] Linux version 6.1.0-13-amd64 (gcc-12) #1 SMP Debian 6.1.55-1\n'
                b'[    0.000000] Command line: BOOT_IMAGE=/boot/vmlinuz root=/dev/sda1\n'
                b'[    0.000000] x86/fpu: Supporting XSAVE feature 0x001\n'
                b'[    0.401000] PCI host bridge to bus 0000:00\n'
                b'[    0.402000] pci_bus 0000:00: root bus resource [bus 00-ff]\n'
                b'[    0.410000] pci 0000:00:00.0: [8086:1237] type 00 class 0x060000\n'),
    'unclosed.topo': b'phb 0 gen=phb4 {\n\tbridge 00.0 1014:04c1 {\n',
    'nopci.log': b'[    0.000000] Linux version 6.1.0 (gcc)\n'
                 b'[    0.000000] Memory: 1024K/2048K available\n',
    'nul.log': LOG.replace(b'\n', b'\0'),  # NUL is no line end
    'long.log': LONG + b'\n',
    'hugeram.log': log_with(b'Top of RAM: 0x100000000', b'Top of RAM: 0xffffffffffffffff'),
    'dupdev.log': dup_first(b'pci 0000:01:00.0: [8086'),
    'oldkernel.log': log_with(b'Linux version 6.1.0', b'Linux version 4.19.0'),
    # No banner, no trace, no PE line: nothing tells the kernel's rules.
    'noversion.log': b'\n'.join(
        l for l in log_with(b'Linux version 6.1.0', b'Linux versiom 6.1.0').split(b'\n')
        if not re.search(rb'ainted|PE#|PE for bus|iommu group', l)),
    'dir.topo': None, 'dir.log': None, 'dir.scn': None, 'dir.dtb': None,
    'nomachine.scn': b'machine nope.topo\nboot\n',
    'garbagemachine.scn': b'machine garbage.topo\nboot\n',
    'dirmachine.scn': b'machine dir.topo\nboot\n',
    'emptymachine.scn': b'machine empty.log\nboot\n',
    'unknown.scn': b'machine ok.topo\nboot\nfrobnicate\n',
    'beforeboot.scn': b'machine ok.topo\nhot remove 0000:01:00.0\nboot\n',
    'noboot.scn': b'machine ok.topo\n',
    'nomachineline.scn': b'boot\n',
    'oldkernel.scn': b'machine ok.topo\nkernel 1.0\nboot\n',
    'unterminated.scn': b'machine ok.topo\nboot\nexpect line "no end\n',
    'badnumber.scn': b'machine ok.topo\nboot\nsriov enable 0000:01:00.0 99999999999999999999\n',
    'badhotadd.scn': b'machine ok.topo\nboot\nhot add 0000:01 {\n\tdevice 00.0 zz\n}\n',
    'nul.scn': b'machine ok.topo\nboot\nshow \0\n',
    'long.scn': b'machine ok.topo\nboot\nshow ' + LONG + b'\n',
    'manywords.scn': b'machine ok.topo\nboot\n' + b'show ' * 40 + b'\n',
    'ok.topo': b'phb 0 gen=phb4 {\n\tbridge 00.0 1014:04c1\n}\n',
}

# Machine files: (file, what the message says).
MACHINES = [
    ('empty.topo', 'describes no PHB'),
    ('empty.dtb', r'truncated device tree blob \(0 bytes\)'),
    ('empty.dts', 'syntax error'),
    ('empty.log', 'no PCI host bridge found'),
    ('garbage.topo', 'unexpected control character 0x'),
    ('garbage.dtb', 'not a device tree blob'),
    ('garbage.dts', 'syntax error'),
    ('garbage.log', 'no PCI host bridge found'),
    ('head.dtb', 'truncated device tree blob'),
    ('half.dtb', r'truncated device tree blob \(\d+ bytes, the header says \d+\)'),
    ('version16.dtb', 'device tree blob version 16 is too old'),
    ('bad.dts', 'syntax error'),
    ('nolabel.dts', 'Reference to non-existent node or label'),
    ('nul.topo', 'unexpected control character 0x00'),
    ('long.topo', "label 'x{64}' is longer than 31 characters"),
    ('longword.topo', "unknown statement 'x{64}'"),
    ('hugemem.topo', 'memory 4096T is more than 2048T'),
    ('hugesize.topo', 'does not fit in 64 bits'),
    ('hugepes.topo', 'does not fit in 64 bits'),
    ('manypes.topo', r'pes 65537 out of range \(1\.\.65536\)'),
    ('hugebar.topo', 'does not fit in 64 bits'),
    ('hugewin.topo', 'runs past the end of the address space'),
    ('overlap.topo', r'the M32 window \[0x6000000000000-0x600007ffeffff\] overlaps the M64'),
    ('unclosed.topo', "missing '}' for bridge opened at 2:2"),
    ('nopci.log', 'no PCI host bridge found'),
    ('nul.log', 'no PCI host bridge found'),
    ('long.log', 'no PCI host bridge found'),
    ('hugeram.log', 'RAM ends at 0xffffffffffffffff, beyond 2048T'),
    ('dupdev.log', r'duplicate device 0000:01:00\.0 \(first at line \d+\)'),
    ('dir.topo', 'is a directory'),
    ('dir.dtb', 'is a directory'),
    ('missing.topo', 'No such file or directory'),
    ('missing.log', 'No such file or directory'),
]

# Where a message's line and column may be: FILE, FILE:LINE or FILE:LINE:COL.
POS = r'(:\d+){0,2}: '


def machine_rows():
    for cmd in (['tree'], ['boot'], ['show'], ['hw', '--phb=0'], ['draw']):
        for f, what in MACHINES:
            yield cmd + ['{d}/' + f], '{d}/' + f + POS + '.*' + what
        yield cmd + [''], 'ioda: empty file name'
        yield cmd + ['--bogus'], r"ioda: unknown option '--bogus' \(see 'ioda %s --help'\)" % cmd[0]
        yield cmd + ['--as=xml'], "ioda: unknown input kind 'xml'"
        yield cmd + ['--as'], "ioda: missing value for '--as'"
        yield cmd + ['a.topo', 'b.topo'], "ioda: unexpected argument 'b.topo'"
        if cmd[0] == 'tree':
            # Reading 64 MiB is slow under ASan: once, the loader is the same.
            yield cmd + ['--as=topo', '/dev/zero'], '/dev/zero: larger than 64 MiB'
        else:
            yield cmd + ['--kernel=six'], r"ioda: kernel version 'six' is not MAJOR\.MINOR"
            yield cmd + ['--kernel=4.19'], "ioda: kernel version '4.19' is outside"
            yield cmd + ['--cmdline'], "ioda: missing value for '--cmdline'"
            dts = os.path.join(SRC, 'examples/power9.dts')
            yield (cmd + ['--kernel=5.15', dts],
                   re.escape(dts) + ': PHB 0006: NVLink PHB, and kernel 5.15 has no NVLink')


ROWS = list(machine_rows()) + [
    ([], "ioda: missing COMMAND"),
    (['frobnicate'], "ioda: unknown command 'frobnicate'"),
    (['--bogus'], "ioda: unknown command '--bogus'"),
    (['tree', '--phb=0'], "ioda: unknown option '--phb=0'"),
    (['tree', '--json', '--topo'], "ioda: --json and --topo exclude each other, given '--json'"),
    (['tree', '--subtree=0000:00:00.0'], "ioda: --subtree needs --topo, not '0000:00:00.0'"),
    (['tree', '--topo', '--subtree=0:0'], r"ioda: bad device \(expected DDDD:BB:DD.F\) '0:0'"),
    (['tree', '--topo', '--subtree=0000:09:00.0'], 'power9.dtb: no device 0000:09:00.0'),
    (['groups', '--device=0000:09:00.0'], 'power9.dtb: no device 0000:09:00.0'),
    (['groups', '--phb=1'], "ioda: unknown option '--phb=1'"),
    (['torture', '--ops=-1'], "ioda: bad number '-1'"),
    (['torture', '--threads=0'], "ioda: bad number '0'"),
    (['torture', '--seed'], "ioda: missing value for '--seed'"),
    (['torture', 'extra'], "ioda: unexpected argument 'extra'"),
    (['tree', '-x'], "ioda: unknown option '-x'"),
    (['boot', '--dump'], "ioda: unknown option '--dump'"),
    (['boot', '--kernel=5.15'], 'power9.dtb: PHB 0006: NVLink PHB, and kernel 5.15 has no NVLink'),
    (['boot', '{d}/tinymem.topo'], r'{d}/tinymem\.topo: RAM ends at 0x19, outside 16M\.\.2048T'),
    (['boot', '{d}/second-phb.topo'], r'{d}/second-phb\.topo: PHB 0001: firmware refused the PHB'),
    (['boot', '--json', '{d}/second-phb.topo'], r'{d}/second-phb\.topo: PHB 0001: firmware'),
    (['show', '{d}/second-phb.topo'], r'{d}/second-phb\.topo: PHB 0001: firmware refused the PHB'),
    (['run', '{d}/second-phb.scn'], r'{d}/second-phb\.scn:2: PHB 0001: firmware refused the PHB'),
    (['tree', '{d}/x86.log'], r'{d}/x86\.log:3: a boot log of an x86 machine, not of a PowerNV host'),
    (['replay', '{d}/x86.log'], r'{d}/x86\.log:3: a boot log of an x86 machine'),
    (['show', '--json', '--dump'], "ioda: choose one of '--json --dump'"),
    (['hw'], "ioda: missing '--phb'"),
    (['hw', '--phb=xyz'], "ioda: bad PHB number 'xyz'"),
    (['hw', '--phb=-1'], "ioda: bad PHB number '-1'"),
    (['hw', '--phb=10000'], "ioda: bad PHB number '10000'"),
    (['hw', '--phb=99999999999999999999'], "ioda: bad PHB number '99999999999999999999'"),
    # A domain is hex, as printed: 0010 is the sixteenth, not octal 8.
    (['hw', '--phb=0010'], 'ioda: the machine has no PHB 0010'),
    (['hw', '--phb=abc'], 'ioda: the machine has no PHB 0abc'),
    (['host', '--root=/nonexistent/host'], '/nonexistent/host'),
    (['host', 'extra'], "ioda: unexpected argument 'extra'"),
    (['host', '--kernel=4.19'], "ioda: kernel version '4\\.19' is outside what ioda models"),
    (['host', '--colour'], "ioda: unknown option '--colour'"),
    # The models end at 6.12: a newer kernel's rules are not known.
    (['boot', '--kernel=6.13'], r"ioda: kernel version '6\.13' is outside what ioda models \(5\.0 \.\. 6\.12\)"),
    (['replay'], "ioda: missing 'LOG'"),
    (['replay', 'a.log', 'b.log'], "ioda: unexpected argument 'b.log'"),
    (['replay', '--bogus', 'a.log'], "ioda: unknown option '--bogus'"),
    (['replay', '--kernel'], "ioda: missing value for '--kernel'"),
    (['replay', '--kernel=0.1', 'a.log'], "ioda: kernel version '0.1' is outside"),
    (['replay', ''], 'ioda: empty file name'),
    (['replay', '/dev/zero'], '/dev/zero: larger than 64 MiB'),
    (['run'], "ioda: missing 'FILE.scn'"),
    (['run', 'a.scn', 'b.scn'], "ioda: unexpected argument 'b.scn'"),
    (['run', '--bogus', 'a.scn'], "ioda: unknown option '--bogus'"),
    (['run', '--refcount=v9', 'a.scn'], r"ioda: unknown --refcount rule \(counted, v5\.5, v5\.6\) 'v9'"),
    (['run', '--refcount'], "ioda: missing value for '--refcount'"),
    (['run', '--kernel=x.y', 'a.scn'], "ioda: kernel version 'x.y' is not MAJOR"),
    (['run', ''], 'ioda: empty file name'),
    (['run', '/dev/zero'], '/dev/zero: larger than 64 MiB'),
    (['draw', '-o', 'm.jpg'], r"ioda: -o wants a \.svg, \.png or \.dot file, not 'm\.jpg'"),
    (['draw', '-o'], "ioda: missing value for '-o'"),
    (['draw', '--eeh-freeze=0000:09:00.0'], 'power9.dtb: no device 0000:09:00.0'),
    (['draw', '-o', '{d}/empty.topo/m.dot'], r'{d}/empty\.topo/m\.dot: Not a directory'),
    (['import'], "ioda: missing 'COPY'"),
    (['import', 'a', 'b'], "ioda: unexpected argument 'b'"),
    (['import', '--bogus', 'a'], "ioda: unknown option '--bogus'"),
    (['import', '-o'], "ioda: missing value for '-o'"),
    (['import', '{d}/dir.topo'], r'{d}/dir\.topo: no PCI functions'),
    (['import', '{d}/empty.topo'], r'{d}/empty\.topo: Not a directory'),
    (['import', '{d}/missing'], '{d}/missing: No such file or directory'),
    (['import', '--device-tree={d}/empty.topo', os.path.join(SRC, 'tests/load/data/sysfs-p9')],
     '{d}/empty.topo: Not a directory'),
]

for f, what in [('empty.log', 'no PCI host bridge found'),
                ('garbage.log', 'no PCI host bridge found'),
                ('nopci.log', 'no PCI host bridge found'),
                ('nul.log', 'no PCI host bridge found'),
                ('long.log', 'no PCI host bridge found'),
                ('garbage.dtb', 'no PCI host bridge found'),
                ('hugeram.log', 'RAM ends at 0xffffffffffffffff, beyond 2048T'),
                ('dupdev.log', r'duplicate device 0000:01:00\.0'),
                ('oldkernel.log', r"kernel version '4\.19' is outside what ioda models"),
                ('noversion.log', 'no "Linux version" line, and nothing in it decides the '
                                  r'default DMA window .*: give --kernel=VERSION'),
                ('dir.log', 'is a directory'),
                ('missing.log', 'No such file or directory')]:
    for opts in ([], ['--resources'], ['--derived']):
        ROWS.append((['replay'] + opts + ['{d}/' + f], '{d}/' + f + POS + '.*' + what))

for f, what in [('empty.scn', 'no boot step'),
                ('garbage.scn', 'unexpected control character 0x'),
                ('nomachine.scn', r'{d}/nope\.topo: No such file or directory'),
                ('garbagemachine.scn', r'{d}/garbage\.topo:1:\d+: unexpected control'),
                ('dirmachine.scn', r'{d}/dir\.topo: is a directory'),
                ('emptymachine.scn', r'{d}/empty\.log: no PCI host bridge found'),
                ('unknown.scn', "unknown statement 'frobnicate'"),
                ('beforeboot.scn', 'hot must come after boot'),
                ('noboot.scn', 'no boot step'),
                ('nomachineline.scn', 'boot needs a machine line before it'),
                ('oldkernel.scn', r"kernel version '1\.0' is outside"),
                ('unterminated.scn', 'unterminated string'),
                ('badnumber.scn', "bad number '99999999999999999999'"),
                ('badhotadd.scn', r"bad id 'zz' \(expected vvvv:dddd, hex\)"),
                ('nul.scn', 'unexpected control character 0x00'),
                ('long.scn', r'line too long \(max 4096 characters\)'),
                ('manywords.scn', 'too many words'),
                ('dir.scn', 'is a directory'),
                ('missing.scn', 'No such file or directory')]:
    ROWS.append((['run', '{d}/' + f], '{d}/' + f + POS + '.*' + what))
    ROWS.append((['run', '--audit', '--kernel=5.3', '{d}/' + f], '{d}/' + f + POS + '.*' + what))

# Any message: the file with its position, or the tool's name.
ONE_LINE = re.compile(r'^(ioda: |[^\s:]*(:\d+){0,2}: )\S[^\n]*\n$')


class BadInput(unittest.TestCase):
    """ROWS: (arguments, the message's start as a regex); {d} is the files' folder."""
    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp()
        for name, data in FILES.items():
            path = os.path.join(cls.dir, name)
            if data is None:
                os.mkdir(path)
            else:
                with open(path, 'wb') as f:
                    f.write(data)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.dir)

    def test_each_row_is_one_line_and_exit_2(self):
        for args, want in ROWS:
            args = [a.replace('{d}', self.dir) for a in args]
            want = want.replace('{d}', re.escape(self.dir))
            with self.subTest(args=args):
                p = subprocess.run([IODA, *args], capture_output=True, timeout=60)
                err = p.stderr.decode(errors='replace')
                self.assertEqual(p.returncode, 2, err)
                self.assertEqual(p.stdout, b'')
                self.assertRegex(err, ONE_LINE)
                self.assertRegex(err, '^' + want)


if __name__ == '__main__':
    unittest.main(argv=[sys.argv[0], '-v'])
