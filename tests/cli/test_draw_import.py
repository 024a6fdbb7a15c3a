#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""ioda draw (DOT text, images through Graphviz's dot) and ioda import (a copy
of a Linux system's /sys/bus/pci/devices made into topology text)."""
import os
import re
import shutil
import subprocess
import sys
import tempfile
import unittest

IODA = sys.argv[1]
SRC = sys.argv[2]


def run(*args, env=None):
    p = subprocess.run([IODA, *args], capture_output=True, text=True, timeout=60, env=env)
    return p.returncode, p.stdout, p.stderr


class Draw(unittest.TestCase):
    def test_dot_on_stdout_has_chips_phbs_pes_devices_nvlinks(self):
        rc, out, err = run('draw')
        self.assertEqual((rc, err), (0, ''))
        self.assertTrue(out.startswith('digraph ioda {'))
        self.assertTrue(out.endswith('}\n'))
        self.assertIn('subgraph "cluster_chip0"', out)
        self.assertIn('"phb0000" -> "pe0000_1fb";', out)
        self.assertIn('"pe0000_1fb" -> "0000:03:00.0";', out)
        # 2 GPUs x 3 NVLinks, each link joined to its GPU once.
        links = re.findall(r'"(\w{4}:\w\w:\w\w\.\d)" -> "(\w{4}:\w\w:\w\w\.\d)" \[dir=none', out)
        self.assertEqual(len(links), 6)
        self.assertEqual(sorted({g for g, _ in links}), ['0003:01:00.0', '0005:01:00.0'])
        self.assertNotIn('FROZEN', out)

    def test_eeh_freeze_marks_the_pe(self):
        rc, out, err = run('draw', '--eeh-freeze=0003:01:00.0')
        self.assertEqual((rc, err), (0, ''))
        frozen = [l for l in out.splitlines() if 'FROZEN' in l]
        self.assertEqual(len(frozen), 1)
        self.assertIn('"pe0003_0"', frozen[0])

    def test_dot_file(self):
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, 'm.dot')
            rc, out, err = run('draw', '-o', path)
            self.assertEqual((rc, out, err), (0, '', ''))
            with open(path) as f:
                self.assertEqual(f.read(), run('draw')[1])

    @unittest.skipUnless(shutil.which('dot'), 'Graphviz is not installed')
    def test_svg_and_png_through_dot(self):
        with tempfile.TemporaryDirectory() as d:
            svg, png = os.path.join(d, 'm.svg'), os.path.join(d, 'm.png')
            self.assertEqual(run('draw', '-o', svg), (0, '', ''))
            with open(svg) as f:
                text = f.read()
            self.assertIn('<svg', text)
            self.assertIn('PE#1fb', text)
            self.assertEqual(run('draw', '--output', png, '--kernel=5.4'), (0, '', ''))
            with open(png, 'rb') as f:
                self.assertEqual(f.read(8), b'\x89PNG\r\n\x1a\n')

    def test_missing_dot_is_one_clear_line(self):
        with tempfile.TemporaryDirectory() as d:
            rc, out, err = run('draw', '-o', os.path.join(d, 'm.svg'), env={'PATH': d})
            self.assertEqual((rc, out), (2, ''))
            self.assertEqual(len(err.splitlines()), 1)
            self.assertIn('graphviz', err)
            self.assertFalse(os.path.exists(os.path.join(d, 'm.svg')))

    def test_bad_input_exits_2(self):
        for args in (['-o', 'm.jpg'], ['--eeh-freeze=0000:99:00.0'], ['--bogus'],
                     ['--kernel=1.0'], ['/nonexistent.topo'], ['a.topo', 'b.topo']):
            rc, out, err = run('draw', *args)
            self.assertEqual((rc, out), (2, ''), args)
            self.assertTrue(err, args)
        rc, out, _ = run('draw', '--help')
        self.assertEqual(rc, 0)
        self.assertIn('Usage: ioda draw', out)


if __name__ == '__main__':
    unittest.main(argv=[sys.argv[0], '-v'])
