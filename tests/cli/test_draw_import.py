#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""ioda draw (DOT text, images through Graphviz's dot) and ioda import (a copy
of a Linux system's /sys/bus/pci/devices made into topology text)."""
import json
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

    def test_devices_are_boxed_by_iommu_group_across_phbs(self):
        # One box per group, each once: the GPU 0003:01:00.0, its PE and its
        # three NVLinks on the NPU PHB 0006 are group 4's box, whatever PHB.
        rc, out, _ = run('draw')
        self.assertEqual(rc, 0)
        boxes = re.findall(r'subgraph "cluster_group(\d+)"', out)
        self.assertEqual(sorted(boxes, key=int), [str(g) for g in range(7)])
        box4 = out.split('subgraph "cluster_group4"')[1].split('\t}')[0]
        for node in ('"pe0003_0"', '"0003:01:00.0"', '"0006:00:00.0"', '"0006:00:00.2"'):
            self.assertIn(node + ' [label', box4)
        self.assertNotIn('"phb0003" [', box4)  # PHBs stay out of the boxes
        self.assertNotIn('iommu group 4\\n', out.replace('label="iommu group 4"', ''))
        # Each of a GPU's NVLinks carries its own number.
        self.assertEqual(sorted(re.findall(r'label="NVLink (\d)"', out)), ['0', '0', '1', '1', '2', '2'])

    @unittest.skipUnless(shutil.which('dot'), 'Graphviz dot is not installed')
    def test_fifty_devices_fit_a4_at_a_readable_size(self):
        # The AC922 log: 52 functions on 12 PHBs.  In one column the picture
        # was 4 times taller than wide (its 10 pt type 2.8 pt on A4); two
        # columns of PHBs side by side keep A4's shape.  What dot lays out,
        # fitted to A4 (either way round), must print its type at 5 pt or more.
        log = os.path.join(SRC, 'tests/conformance/corpus/ac922-witherspoon-5.2-npu-sriov.log')
        rc, out, err = run('draw', log)
        self.assertEqual((rc, err), (0, ''))
        self.assertIn('"col1" -> "phb', out)
        self.assertNotIn('"col2"', out)
        plain = subprocess.run(['dot', '-Tplain'], input=out, capture_output=True, text=True,
                               check=True).stdout
        _, scale, w, h = plain.split('\n')[0].split()[:4]
        w, h = float(w) * float(scale), float(h) * float(scale)
        fit = max(min(8.27 / w, 11.69 / h), min(11.69 / w, 8.27 / h))
        self.assertGreaterEqual(10 * fit, 5.0, f'{w:.1f}x{h:.1f} in: {10 * fit:.1f} pt on A4')
        self.assertLess(max(w, h) / min(w, h), 1.6)
        # The example machine (24 functions) stays one column.
        self.assertNotIn('"col1"', run('draw')[1])

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


DATA = os.path.join(SRC, 'tests', 'load', 'data')
FIXTURE = os.path.join(DATA, 'sysfs-p9')
DEVICES = os.path.join('sys', 'bus', 'pci', 'devices')


class Import(unittest.TestCase):
    def copy(self, d):
        dst = os.path.join(d, 'copy')
        shutil.copytree(FIXTURE, dst)
        return dst

    def test_fixture_is_what_the_script_makes(self):
        with tempfile.TemporaryDirectory() as d:
            subprocess.run([sys.executable, os.path.join(DATA, 'make-sysfs-fixture.py'),
                            os.path.join(d, 'p9')], check=True)
            for root, dirs, files in os.walk(os.path.join(d, 'p9')):
                rel = os.path.relpath(root, os.path.join(d, 'p9'))
                want = os.path.join(FIXTURE, rel)
                self.assertEqual(sorted(dirs + files), sorted(os.listdir(want)), rel)
                for f in files:
                    with open(os.path.join(root, f), 'rb') as a, \
                            open(os.path.join(want, f), 'rb') as b:
                        self.assertEqual(a.read(), b.read(), os.path.join(rel, f))

    def test_p9_copy_gives_the_expected_topology(self):
        rc, out, err = run('import', FIXTURE)
        self.assertEqual((rc, err), (0, ''))
        with open(os.path.join(DATA, 'sysfs-p9.topo')) as f:
            self.assertEqual(out, f.read())
        # The device tree's PHBs; the VFs left out, made again by SR-IOV.
        self.assertIn('phb 0030 gen=phb4 chip=8 index=0 pes=512', out)
        self.assertIn('# phb 0007: an NVLink NPU PHB', out)
        self.assertIn('sriov vfs=4 offset=2 stride=1 vf-device=1018', out)
        self.assertIn('vf-bar 0 1M mem64 pref', out)

    def test_imported_machine_boots_with_the_expected_pes(self):
        with tempfile.TemporaryDirectory() as d:
            topo = os.path.join(d, 'p9.topo')
            self.assertEqual(run('import', FIXTURE, '-o', topo), (0, '', ''))
            rc, out, err = run('show', '--json', topo)
            self.assertEqual((rc, err), (0, ''))
        phbs = {p['domain']: p for p in json.loads(out)['phbs']}
        self.assertEqual(sorted(phbs), [0, 1, 0x30])
        self.assertEqual([phbs[n]['total_pes'] for n in (0, 1, 0x30)], [512, 256, 512])
        groups = {}
        for n, p in phbs.items():
            for pe in p['pes']:
                if pe['iommu_group'] is not None:
                    groups[tuple(pe['devices'])] = (n, pe['pe'], pe['flags'])
        self.assertEqual(groups, {
            ('0000:03:00.0',): (0, 0x1fb, ['bus']),
            ('0001:01:00.0', '0001:01:00.1'): (1, 0, ['bus', 'master']),
            ('0030:01:00.0',): (0x30, 0, ['bus', 'master']),
        })

    def test_without_device_tree_the_root_port_names_the_generation(self):
        with tempfile.TemporaryDirectory() as d:
            rc, out, err = run('import', os.path.join(FIXTURE, DEVICES))
        self.assertEqual((rc, err), (0, ''))
        self.assertIn('phb 0000 gen=phb4 chip=0 index=0 {', out)
        self.assertIn('phb 0030 gen=phb4 chip=0 index=3 {', out)
        self.assertIn('# phb 0007: an NVLink NPU PHB', out)

    def test_tar_padded_text_files_are_read(self):
        with tempfile.TemporaryDirectory() as d:
            copy = self.copy(d)
            for dev in os.listdir(os.path.join(copy, DEVICES)):
                for f in ('vendor', 'device', 'class', 'resource'):
                    with open(os.path.join(copy, DEVICES, dev, f), 'ab') as fh:
                        fh.write(b'\0' * 4000)
            self.assertEqual(run('import', copy), run('import', FIXTURE))

    def test_what_is_written_loads_back(self):
        """The text import writes is what `ioda` reads: tree --topo of it is it."""
        with tempfile.TemporaryDirectory() as d:
            topo = os.path.join(d, 'box.topo')
            self.assertEqual(run('import', '-o', topo, FIXTURE), (0, '', ''))
            with open(topo) as f:
                text = f.read()
            rc, again, err = run('tree', '--topo', topo)
            self.assertEqual((rc, err), (0, ''))
            # Comments (the PHBs topology text cannot hold) are not data.
            def data(t):
                return [ln for ln in t.splitlines() if not ln.lstrip().startswith('#')]
            self.assertEqual(data(again), data(text))

    def test_a_copy_ioda_cannot_load_writes_nothing(self):
        # Function 1 without function 0: the topology text could not hold it.
        with tempfile.TemporaryDirectory() as d:
            copy = self.copy(d)
            shutil.rmtree(os.path.join(copy, DEVICES, '0001:01:00.0'))
            topo = os.path.join(d, 'box.topo')
            rc, out, err = run('import', '-o', topo, copy)
            self.assertEqual((rc, out), (2, ''))
            self.assertEqual(err, copy + ': not a machine ioda can load: ' + topo +
                             ':17:3: device 00.1 has no function 0 (00.0) on this bus\n')
            self.assertFalse(os.path.exists(topo))
            rc, out, err = run('import', copy)
            self.assertEqual((rc, out, len(err.splitlines())), (2, '', 1))

    def test_json_is_one_document(self):
        rc, out, err = run('import', '--json', FIXTURE)
        self.assertEqual((rc, err), (0, ''))
        doc = json.loads(out)
        self.assertEqual([p['domain'] for p in doc['phbs']], [0, 1, 7, 0x30])
        nic = doc['phbs'][1]['devices'][0]['children'][0]
        self.assertEqual((nic['device'], nic['sriov_vfs']), ('0001:01:00.0', 4))
        # The NVLink wiring, from the device tree's ibm,npu and ibm,gpu.
        links = doc['phbs'][2]['devices']
        gpu = doc['phbs'][3]['devices'][0]['children'][0]
        self.assertEqual(gpu['npu_phandles'], [l['phandle'] for l in links])
        self.assertEqual([l['gpu_phandle'] for l in links], [gpu['phandle']] * 2)

    def bad(self, edit, want):
        with tempfile.TemporaryDirectory() as d:
            copy = self.copy(d)
            edit(copy)
            rc, out, err = run('import', copy)
        self.assertEqual((rc, out), (2, ''), err)
        self.assertEqual(len(err.splitlines()), 1, err)
        self.assertRegex(err, want)

    def test_bad_input_is_one_line_and_exit_2(self):
        def write(rel, data):
            def edit(copy):
                with open(os.path.join(copy, DEVICES, rel), 'wb') as f:
                    f.write(data)
            return edit

        def empty(copy):
            shutil.rmtree(os.path.join(copy, DEVICES))
            os.mkdir(os.path.join(copy, DEVICES))

        def unreadable(copy):
            path = os.path.join(copy, DEVICES, '0000:03:00.0', 'class')
            os.remove(path)
            os.mkdir(path)

        def no_root_port(copy):
            shutil.rmtree(os.path.join(copy, 'proc'))
            write('0030:00:00.0/device', b'0x1234\n')(copy)

        def orphan(copy):
            shutil.rmtree(os.path.join(copy, DEVICES, '0000:02:01.0'))

        self.bad(empty, r'devices: no PCI functions \(want folders named DDDD:BB:DD\.F')
        self.bad(unreadable, r'0000:03:00\.0/class: Is a directory$')
        self.bad(write('0000:03:00.0/vendor', b'\x7fELF\x01'),
                 r'0000:03:00\.0/vendor: want a hex number up to 0xffff, got .\(not text\)')
        self.bad(write('0000:03:00.0/class', b'0x1000000\n'), r'/class: want a hex number up to 0xffffff')
        self.bad(write('0000:03:00.0/config', b'\x4d\x14' * 16),
                 r'0000:03:00\.0/config: 32 bytes, want at least the 64-byte header')
        self.bad(write('0000:03:00.0/resource', b'0x0 0xfff 0x200\ngarbage\n'),
                 r'0000:03:00\.0/resource:2: want .START END FLAGS. in hex')
        self.bad(write('0000:03:00.0/resource', b'0x0 0xbff 0x200\n'),
                 r'resource:1: BAR size 0xc00 is not a power of two')
        self.bad(no_root_port, r'domain 0030: no device tree node for its PHB, and no IBM root port')
        self.bad(orphan, r'0000:03:00\.0: no bridge leads to bus 03')
        self.bad(lambda copy: write('../../../../proc/device-tree/pciex@600c3c0000000/'
                                    'ibm,opal-phbid', b'\0')(copy),
                 r'device-tree: .*ibm,opal-phbid')

    def test_usage(self):
        rc, out, _ = run('import', '--help')
        self.assertEqual(rc, 0)
        self.assertIn('ioda-host-copy', out)
        for args in ([], ['a', 'b'], ['--bogus', FIXTURE], ['/nonexistent']):
            rc, out, err = run('import', *args)
            self.assertEqual((rc, out), (2, ''), args)
            self.assertTrue(err, args)


if __name__ == '__main__':
    unittest.main(argv=[sys.argv[0], '-v'])
