#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""ioda host against hosts made from the corpus' real-kernel captures (the
6.1 kernel under QEMU powernv: its sysfs, iommu groups, /proc and boot log,
tests/host/data/ and tests/conformance/corpus/guest-*.log): every function's
iommu group and PE agree with what that kernel did; a host whose kernel
grouped a function otherwise is named with both answers; the copy script
(tools/host-copy.sh) carries everything ioda host needs."""
import json
import os
import subprocess
import sys
import tempfile
import unittest

IODA, SRC = sys.argv[1], sys.argv[2]
HERE = os.path.join(SRC, 'tests/host')


def fixture(tmp, name, *extra):
    root = os.path.join(tmp, name + ''.join(extra).replace(':', '_'))
    subprocess.run([sys.executable, os.path.join(HERE, 'make-host-fixture.py'),
                    os.path.join(HERE, 'data', name), root, '--log',
                    os.path.join(SRC, 'tests/conformance/corpus/guest-%s.log' % name), *extra],
                   check=True)
    return root


def host(*args):
    p = subprocess.run([IODA, 'host', *args], capture_output=True, text=True, timeout=120)
    return p.returncode, p.stdout, p.stderr


class Host(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def test_each_corpus_host_agrees(self):
        for name, funcs in (('p8-switch', 10), ('p9-switch', 14)):
            with self.subTest(host=name):
                root = fixture(self.tmp.name, name)
                rc, out, err = host('--root=' + root, '--log=' + os.path.join(root, 'dmesg.txt'))
                self.assertEqual((rc, err), (0, ''), out)
                self.assertIn('host: %d functions agree, 0 differ (kernel 6.1.0-50-powerpc64le, '
                              'modelled as 6.1; groups from /sys/kernel/iommu_groups; PEs from '
                              'eeh_pe_config_addr)' % funcs, out)
                d = json.loads(host('--root=' + root, '--json')[1])
                self.assertEqual((d['agree'], d['differ']), (funcs, 0))

    def test_pes_from_the_boot_log_when_sysfs_has_none(self):
        root = fixture(self.tmp.name, 'p9-switch')
        for dirpath, _, files in os.walk(os.path.join(root, 'sys/bus/pci/devices')):
            if 'eeh_pe_config_addr' in files:
                os.unlink(os.path.join(dirpath, 'eeh_pe_config_addr'))
        rc, out, _ = host('--root=' + root, '--log=' + os.path.join(root, 'dmesg.txt'))
        self.assertEqual(rc, 0, out)
        self.assertIn('0000:03:00.0 [8086:10d3]: group 0, PE#1fb: agrees', out)
        self.assertIn('PEs from boot log)', out)

    def test_a_host_that_disagrees_is_named_with_both_answers(self):
        root = fixture(self.tmp.name, 'p9-switch', '--disagree', '3:0000:05:00.1')
        rc, out, _ = host('--root=' + root)
        self.assertEqual(rc, 1)
        self.assertIn('0000:05:00.1 [8086:10d3]: differs: host group 3, PE#2, model group 2, '
                      'PE#2', out)
        self.assertIn('host: 13 functions agree, 1 differ', out)
        d = json.loads(host('--root=' + root, '--json')[1])
        bad = [f for f in d['functions'] if not f['agrees']]
        self.assertEqual(bad, [{'device': '0000:05:00.1', 'id': '8086:10d3',
                                'host': {'group': 3, 'pe': 2}, 'model': {'group': 2, 'pe': 2},
                                'agrees': False}])

    def test_the_copy_script_carries_what_host_needs(self):
        root = fixture(self.tmp.name, 'p8-switch')
        tgz = os.path.join(self.tmp.name, 'copy.tgz')
        subprocess.run(['sh', os.path.join(SRC, 'tools/host-copy.sh'), tgz], check=True,
                       env=dict(os.environ, IODA_HOST_ROOT=root), capture_output=True)
        copy = os.path.join(self.tmp.name, 'copy')
        os.makedirs(copy)
        subprocess.run(['tar', '-xzf', tgz, '-C', copy], check=True)
        rc, out, err = host('--root=' + copy, '--log=' + os.path.join(copy, 'dmesg.txt'))
        self.assertEqual((rc, err), (0, ''), out)
        self.assertIn('host: 10 functions agree, 0 differ', out)

    def test_bad_roots_are_clear_errors(self):
        rc, out, err = host('--root=' + os.path.join(self.tmp.name, 'nothing'))
        self.assertEqual((rc, out), (2, ''))
        self.assertRegex(err, r'nothing.*: No such file or directory')
        root = fixture(self.tmp.name, 'p8-switch')
        os.unlink(os.path.join(root, 'proc/version'))
        rc, _, err = host('--root=' + root)
        self.assertEqual(rc, 2)
        self.assertIn('/proc/version: unreadable: give --kernel=VERSION', err)
        self.assertEqual(host('--root=' + root, '--kernel=6.1')[0], 0)


if __name__ == '__main__':
    unittest.main(argv=[sys.argv[0], '-v'])
