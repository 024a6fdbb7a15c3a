#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Every corpus boot log replays line for line: ioda rebuilds each machine
from what the log says before the PE set-up, boots it under the log's kernel
and derives exactly the PE lines the real kernel printed, the AC922's NVLink
PHBs (their device PEs and shared iommu groups) included."""
import os
import re
import subprocess
import sys
import tempfile
import unittest

IODA, CORPUS = sys.argv[1], sys.argv[2]
# The oracle's logs (tests/conformance/qemu): the real 6.1 kernel on QEMU, every
# resource line derived exactly too.
ALL_EXACT = len(sys.argv) > 3 and sys.argv[3] == '--all-exact'
# The PE-line pattern of ../shared/tools/replay_score.py, restated.
STAMP = re.compile(r'^(\[\s*\d+\.\d+\]\s*|\w{3} +\d+ \d\d:\d\d:\d\d \S+ kernel: )')
PE = re.compile(
    r'(pci_bus [0-9a-f]{4}:[0-9a-f]{2}: Configuring PE for bus'
    r'|pci [0-9a-f]{4}:[0-9a-f]{2}(:[0-9a-f ]{2}\.\d|     ): \[PE# [0-9a-f]+\] .*'
    r'|pci [0-9a-f]{4}:[0-9a-f]{2}:[0-9a-f]{2}\.\d: (Configured PE#|Added to existing PE#'
    r'|Adding to iommu group|Associating to existing PE).*)$')
# The resource-line pattern (RES) of replay_score.py, restated.
RES = re.compile(
    r'(pci [0-9a-f]{4}:[0-9a-f]{2}:[0-9a-f]{2}\.\d: '
    r'((BAR \d+|bridge window)( \[[^]]*\])?: (assigned|no space for|failed to assign|can\'t assign).*'
    r'|  bridge window \[.*\]))$')
# Every log's resource lines are derived exactly, the real machines' hotplug
# reserves included: their ports' slots come from pciehp's "Slot #N ... HotPlug+"
# lines, else from the sizing's add_size lines (docs/resources.md). The P8 SUSE
# log has both; each alone tells the same slots.
BOTH_SLOT_SOURCES = 'p8-suse-5.3.8-sriov.log'

def replay(path, *args):
    p = subprocess.run([IODA, 'replay', path, *args], capture_output=True, text=True,
                       timeout=120)
    return p.returncode, p.stdout, p.stderr


def strip_pe_lines(text):
    return '\n'.join(l for l in text.splitlines()
                     if not PE.search(STAMP.sub('', l.rstrip()))) + '\n'


class Corpus(unittest.TestCase):
    def logs(self):
        return sorted(f for f in os.listdir(CORPUS) if f.endswith('.log'))

    def test_every_log_matches_line_for_line(self):
        for name in self.logs():
            with self.subTest(log=name):
                rc, out, err = replay(os.path.join(CORPUS, name))
                last = out.splitlines()[-1]
                m = re.fullmatch(r'replay: (\d+)/(\d+) PE lines match, (\d+) extra', last)
                self.assertTrue(m, last)
                self.assertEqual(m.group(1), m.group(2), out)
                self.assertEqual(m.group(3), '0', out)
                self.assertNotEqual(m.group(2), '0')
                self.assertEqual((rc, err), (0, ''))

    def test_pe_lines_are_never_input(self):
        for name in self.logs():
            with self.subTest(log=name):
                path = os.path.join(CORPUS, name)
                full = replay(path, '--derived')
                with tempfile.NamedTemporaryFile('w', suffix='.log', delete=False) as t:
                    t.write(strip_pe_lines(open(path, errors='replace').read()))
                try:
                    stripped = replay(t.name, '--derived')
                finally:
                    os.unlink(t.name)
                self.assertEqual(full[0], 0)
                self.assertEqual(stripped, full)

    def test_resource_lines_are_derived_from_sizes(self):
        for name in self.logs():
            with self.subTest(log=name):
                path = os.path.join(CORPUS, name)
                text = open(path, errors='replace').read()
                # Deleting the log's resource lines changes nothing: they are never input.
                with tempfile.NamedTemporaryFile('w', suffix='.log', delete=False) as t:
                    t.write('\n'.join(l for l in text.splitlines()
                                      if not RES.search(STAMP.sub('', l.rstrip()))) + '\n')
                try:
                    stripped = replay(t.name, '--resources', '--derived')
                finally:
                    os.unlink(t.name)
                # (stderr may say which ports' slots the log no longer tells)
                self.assertEqual(stripped[:2], replay(path, '--resources', '--derived')[:2])
                rc, out, err = replay(path, '--resources')
                m = re.fullmatch(r'resources: (\d+)/(\d+) assignments match',
                                 out.splitlines()[-1])
                self.assertTrue(m, out[-300:])
                self.assertEqual(m.group(1), m.group(2), out)
                self.assertEqual((rc, err), (0, ''), out)

    def without(self, path, drop):
        """The log at @path without the lines @drop matches, replayed: (plain, resources)."""
        text = open(path, errors='replace').read()
        with tempfile.NamedTemporaryFile('w', suffix='.log', delete=False) as t:
            t.write('\n'.join(l for l in text.splitlines() if not drop(l)) + '\n')
        try:
            return replay(t.name), replay(t.name, '--resources')
        finally:
            os.unlink(t.name)

    def test_every_log_replays_alike_without_its_version_line(self):
        # A journalctl excerpt, a dmesg cut after the banner: the log's other
        # lines tell its kernel (a trace's "Not tainted 6.1.0-...", the flow and
        # window of its PE lines), and stderr says which.
        for name in self.logs():
            with self.subTest(log=name):
                path = os.path.join(CORPUS, name)
                (rc, out, err), (rrc, rout, _) = self.without(
                    path, lambda l: 'Linux version' in l)
                self.assertEqual((rc, out.splitlines()[-1]),
                                 (replay(path)[0], replay(path)[1].splitlines()[-1]))
                self.assertEqual(rout.splitlines()[-1],
                                 replay(path, '--resources')[1].splitlines()[-1])
                self.assertRegex(err, r'no "Linux version" line: kernel \d+\.\d+.*, from line \d+')

    @unittest.skipIf(ALL_EXACT, 'the SUSE log is in the corpus')
    def test_a_slot_is_told_by_pciehp_or_by_its_hotplug_reserve(self):
        # The PLX downstream ports' slots are hot-plug capable (is_hotplug_bridge):
        # their empty windows get the 2M/256 reserves, aligned to the M32/M64
        # segments. pciehp's Slot lines and the add_size lines each say so alone;
        # with neither the ports are taken as slot-less and the windows differ.
        path = os.path.join(CORPUS, BOTH_SLOT_SOURCES)
        full = replay(path, '--resources')[1].splitlines()[-1]
        self.assertRegex(full, r'resources: (\d+)/\1 assignments')
        for drop in ('pciehp: Slot', 'add_size'):
            with self.subTest(without=drop):
                _, (_, out, _) = self.without(path, lambda l, d=drop: d in l)
                self.assertEqual(out.splitlines()[-1], full)
        _, (_, out, _) = self.without(path, lambda l: 'pciehp: Slot' in l or 'add_size' in l)
        self.assertNotEqual(out.splitlines()[-1], full)

    @unittest.skipIf(ALL_EXACT, 'the Talos log is in the corpus')
    def test_replay_names_a_bar_the_log_assigns_but_never_sized(self):
        # A journal excerpt that lost the scan's "BAR 0 [mem ...]" line of the
        # NVMe drive: its assignment cannot be derived, and replay says why.
        path = os.path.join(CORPUS, 'talos2-t1000-6.2.log')
        _, (rc, out, err) = self.without(
            path, lambda l: l.rstrip().endswith('0001:01:00.0: reg 0x10: [mem 0x600c080000000-0x600c080003fff 64bit]'))
        self.assertEqual(rc, 1)
        self.assertRegex(err, r'line \d+ assigns BAR 0 of 0001:01:00\.0, but no line sizes it '
                              r'\(the scan\'s "reg 0x10" or "BAR 0 \[\.\.\.\]"\)')
        self.assertNotRegex(out.splitlines()[-1], r'resources: (\d+)/\1 ')

    @unittest.skipIf(ALL_EXACT, 'the P8 log is in the corpus')
    def test_replay_names_the_ports_whose_slot_no_line_describes(self):
        # With no resource line at all (a log cut to its scan), the P8's PLX
        # ports might have hot-plug slots or not: each is named, taken as not.
        path = os.path.join(CORPUS, 'p8-ltc-ci3-5.19-next.log')
        _, (rc, out, err) = self.without(path, lambda l: 'BAR ' in l or 'bridge window' in l)
        self.assertEqual(rc, 1)
        self.assertRegex(err, r"no line says whether these ports' slots are hot-plug capable .*: "
                              r'0000:00:00\.0, 0001:00:00\.0, 0001:02:01\.0, 0001:02:08\.0, '
                              r'0001:02:09\.0, ')
        self.assertEqual(replay(path, '--resources')[2], '')

    @unittest.skipIf(ALL_EXACT, 'the SUSE log is in the corpus')
    def test_the_kernel_image_in_the_command_line_tells_the_kernel(self):
        # The SUSE 5.3 log (old flow, 4K TCEs) with no banner and no trace, its
        # boot loader's BOOT_IMAGE naming the image: replayed as 5.3.
        path = os.path.join(CORPUS, 'p8-suse-5.3.8-sriov.log')
        text = open(path, errors='replace').read().replace(
            'Kernel command line: ', 'Kernel command line: BOOT_IMAGE=/boot/vmlinux-5.3.8-11-default ')
        with tempfile.NamedTemporaryFile('w', suffix='.log', delete=False) as t:
            t.write('\n'.join(l for l in text.splitlines()
                              if not re.search(r'Linux version|[Tt]ainted', l)) + '\n')
        try:
            rc, out, err = replay(t.name)
        finally:
            os.unlink(t.name)
        self.assertEqual((rc, out.splitlines()[-1]),
                         (0, replay(path)[1].splitlines()[-1]))
        self.assertRegex(err, r'kernel 5\.3, from line \d+ "vmlinux-5\.3\.8-11-default"')

    def test_a_log_that_cannot_tell_its_kernel_is_refused(self):
        # No banner, no trace, no PE line: the PE set-up flow cannot be decided.
        name = self.logs()[0]
        tell = re.compile(r'Linux version|[Tt]ainted|Kernel command line')
        (rc, out, err), _ = self.without(
            os.path.join(CORPUS, name),
            lambda l: tell.search(l) or PE.search(STAMP.sub('', l.rstrip())))
        self.assertEqual(rc, 2, out)
        self.assertIn('no "Linux version" line, and nothing in it decides', err)
        self.assertIn('give --kernel=VERSION', err)

    @unittest.skipIf(ALL_EXACT, 'the AC922 log is in the corpus')
    def test_ac922_nvlink_links_share_their_gpus_device_pe(self):
        _, out, _ = replay(os.path.join(CORPUS, 'ac922-witherspoon-5.2-npu-sriov.log'),
                           '--derived')
        self.assertIn('pci 0006:00:00.0: [PE# 0d] Associated device to PE', out)
        self.assertIn('pci 0006:00:00.1: Associating to existing PE d', out)
        self.assertIn('pci 0006:00:01.2: Adding to iommu group 5', out)


if __name__ == '__main__':
    unittest.main(argv=[sys.argv[0], '-v'])
