#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""The ioda command line: data on stdout, one clear line on stderr for bad
input, exit 0 ok / 1 finding / 2 bad input or usage."""
import json
import os
import re
import subprocess
import sys
import tempfile
import unittest

IODA = sys.argv[1]
SRC = sys.argv[2]
BDF = re.compile(r'^ *[0-9a-f]{4}:[0-9a-f]{2}:[0-9a-f]{2}\.[0-7] \[[0-9a-f]{4}:[0-9a-f]{4}\] ')


def run(*args):
    p = subprocess.run([IODA, *args], capture_output=True, text=True, timeout=60)
    return p.returncode, p.stdout, p.stderr


class Tree(unittest.TestCase):
    def test_builtin_machine_one_device_per_line(self):
        rc, out, err = run('tree')
        self.assertEqual((rc, err), (0, ''))
        lines = out.splitlines()
        self.assertGreater(len(lines), 10)
        for line in lines:
            self.assertRegex(line, BDF)
        # A switch, a multifunction NIC, an NVMe and a GPU.
        self.assertTrue(any('(upstream port)' in l for l in lines))
        self.assertTrue(any('Non-Volatile memory controller' in l for l in lines))
        self.assertTrue(any('[10de:' in l and '3D controller' in l for l in lines))
        self.assertTrue(any(l.strip().startswith('0001:01:00.1') for l in lines))

    def test_builtin_machine_is_examples_power9_dts(self):
        builtin = run('tree')
        dts = run('tree', os.path.join(SRC, 'examples/power9.dts'))
        self.assertEqual(builtin, dts)

    def test_indentation_follows_depth(self):
        rc, out, _ = run('tree', os.path.join(SRC, 'examples/power9.topo'))
        self.assertEqual(rc, 0)
        depth = {l.strip().split()[0]: (len(l) - len(l.lstrip())) // 2 for l in out.splitlines()}
        self.assertEqual(depth['0000:00:00.0'], 0)
        self.assertEqual(depth['0000:01:00.0'], 1)
        self.assertEqual(depth['0000:03:00.0'], 3)

    def test_power8_example(self):
        rc, out, _ = run('tree', os.path.join(SRC, 'examples/power8.topo'))
        self.assertEqual(rc, 0)
        self.assertIn('0000:00:00.0', out)


    def test_topo_turns_a_boot_log_into_topology_text(self):
        log = os.path.join(SRC, 'tests/conformance/corpus/guest-p9-switch.log')
        rc, text, err = run('tree', '--topo', log)
        self.assertEqual((rc, err), (0, ''))
        self.assertIn('phb 0000 gen=phb4 chip=0 index=0 pes=512', text)
        with tempfile.NamedTemporaryFile('w', suffix='.topo') as f:
            f.write(text)
            f.flush()
            # Same PCI tree, and the text is a fixed point of the writer.
            self.assertEqual(run('tree', f.name), run('tree', log))
            self.assertEqual(run('tree', '--topo', f.name), (0, text, ''))

    def test_subtree_is_a_hot_add_block_body(self):
        log = os.path.join(SRC, 'tests/conformance/corpus/guest-p9-switch.log')
        rc, out, err = run('tree', '--topo', '--subtree=0000:05:00.1', log)
        self.assertEqual((rc, err), (0, ''))
        self.assertEqual(out, 'device 00.1 8086:10d3 type=endpoint class=0x020000 mf {\n'
                              '\tbar 0 128K @0x600c000800000\n'
                              '\tbar 1 128K @0x600c000820000\n'
                              '\tbar 2 32 io\n'
                              '\tbar 3 16K @0x600c000850000\n'
                              '}\n')
        self.assertEqual(run('tree', '--topo', '--subtree=0000:09:00.0', log)[0], 2)
        self.assertEqual(run('tree', '--subtree=0000:05:00.1', log)[0], 2)
        self.assertEqual(run('tree', '--topo', '--subtree=0:5:0', log)[0], 2)


class BadInput(unittest.TestCase):
    def check_one_line(self, args, want):
        rc, out, err = run(*args)
        self.assertEqual(rc, 2, err)
        self.assertEqual(out, '')
        self.assertEqual(err.splitlines()[0], want)

    def test_missing_file(self):
        self.check_one_line(['tree', '/nonexistent.topo'],
                            '/nonexistent.topo: No such file or directory')

    def test_folder_given_as_file(self):
        with tempfile.TemporaryDirectory(suffix='.topo') as d:
            self.check_one_line(['tree', d], d + ': is a directory')

    def test_malformed_topology_names_line_and_column(self):
        with tempfile.NamedTemporaryFile('w', suffix='.topo', delete=False) as f:
            f.write('phb 0 gen=phb4 {\n\tdevice 00.0 1234:5678 bogus=1\n}\n')
        try:
            rc, out, err = run('tree', f.name)
            self.assertEqual(rc, 2)
            self.assertEqual(len(err.splitlines()), 1)
            self.assertRegex(err, '^' + re.escape(f.name) + r':2:\d+: ')
        finally:
            os.unlink(f.name)

    def test_empty_topology(self):
        with tempfile.NamedTemporaryFile('w', suffix='.topo', delete=False) as f:
            pass
        try:
            self.check_one_line(['tree', f.name], f.name + ': describes no PHB')
        finally:
            os.unlink(f.name)

    def test_as_overrides_extension(self):
        with tempfile.NamedTemporaryFile('w', suffix='.txt', delete=False) as f:
            f.write('phb 0 gen=phb3 {\n\tbridge 00.0 1014:03dc\n}\n')
        try:
            rc, out, _ = run('tree', '--as=topo', f.name)
            self.assertEqual(rc, 0)
            self.assertTrue(out.startswith('0000:00:00.0 [1014:03dc] PCI bridge'))
        finally:
            os.unlink(f.name)


class Hw(unittest.TestCase):
    def test_hw_dumps_the_tables_the_boot_programmed(self):
        # Options may come after MACHINE, as in the README.
        rc, out, err = run('hw', os.path.join(SRC, 'examples/power9.dts'), '--phb', '0')
        self.assertEqual((rc, err), (0, ''))
        self.assertIn('RTT:', out)
        # The root bus, the switch's buses and both NVMe buses have PEs.
        self.assertIn('0000-00ff -> PE#1fe', out)
        self.assertIn('0400-04ff -> PE#1fa', out)

    def test_hw_needs_an_existing_phb(self):
        rc, out, err = run('hw', '--phb', '9')
        self.assertEqual(rc, 2)
        self.assertEqual(err.strip(), 'ioda: the machine has no PHB 0009')

    def test_garbage_dtb_is_one_line_exit_2(self):
        with tempfile.NamedTemporaryFile('wb', suffix='.dtb', delete=False) as f:
            f.write(os.urandom(512))
        try:
            rc, out, err = run('tree', f.name)
            self.assertEqual(rc, 2)
            self.assertEqual(out, '')
            self.assertEqual(len(err.splitlines()), 1)
            self.assertTrue(err.startswith(f.name + ': '))
        finally:
            os.unlink(f.name)


class Show(unittest.TestCase):
    def test_table_lists_each_allocated_pe(self):
        rc, out, err = run('show', os.path.join(SRC, 'examples/power9.dts'))
        self.assertEqual((rc, err), (0, ''))
        self.assertIn('PHB 0000  PHB4  512 PEs  reserved PE#1ff  root PE#1fe', out)
        self.assertRegex(out, r'\n  fc +all .* 0002:02:00.0\n')

    def test_dump_is_debugfs_dump_ioda_pe_state(self):
        # The 6.1 kernel's own lines for this machine (corpus guest/p9-switch).
        rc, out, _ = run('show', '--dump', '--kernel=6.1', os.path.join(
            SRC, 'tests/conformance/corpus/guest-p9-switch.log'))
        self.assertEqual(rc, 0)
        lines = out.splitlines()
        self.assertEqual(lines[:7], [
            'pci 0000:05     : [PE# 02] rid: 0500 dev count:  2 flags: bus master ',
            'pci 0000:04     : [PE# 1fa] rid: 0400 dev count:  1 flags: bus ',
            'pci 0000:03     : [PE# 1fb] rid: 0300 dev count:  1 flags: bus ',
            'pci 0000:02     : [PE# 1fc] rid: 0200 dev count:  3 flags: bus ',
            'pci 0000:01     : [PE# 1fd] rid: 0100 dev count:  1 flags: bus ',
            'pci 0000:00     : [PE# 1fe] rid: 0000 dev count:  1 flags: bus ',
            'pci : [PE# 1ff] rid: 0000 dev count:  0 flags: '])

    def test_json_is_one_document(self):
        import json
        rc, out, _ = run('show', '--json')
        self.assertEqual(rc, 0)
        doc = json.loads(out)
        phb0 = doc['phbs'][0]
        self.assertEqual((phb0['domain'], phb0['total_pes'], phb0['root_pe']), (0, 512, 510))
        nvme = [pe for pe in phb0['pes'] if pe['devices'] == ['0000:03:00.0']][0]
        self.assertEqual(nvme['flags'], ['bus'])
        self.assertTrue(nvme['dma']['bypass'])
        rc, out, _ = run('boot', '--json')
        self.assertEqual(rc, 0)
        events = json.loads(out)['events']
        self.assertIn('pci 0000:03     : [PE# 1fb] Enabling 64-bit DMA bypass',
                      [e['line'] for e in events])


class Seed(unittest.TestCase):
    """The seed thread's bug, reproduced under the old rules, fixed under counted."""
    SCN = os.path.join(SRC, 'examples/scenarios/seed-gpu-unplug.scn')

    def test_old_rules_leak_pins_and_use_a_released_gpu(self):
        for rule, pin in (('v5.5', 'npu pe (v5.5, never put)'),
                          ('v5.6', 'nvlink pin (v5.6, never put)')):
            rc, _, err = run('run', '--refcount=' + rule, self.SCN)
            self.assertEqual(rc, 1, rule)
            self.assertRegex(err, r'ref-tracker: use after release: pci_dev 0003:01:00.0 '
                                  r'by scenario gpu at [^ ]*seed-gpu-unplug.scn:\d+;')
            self.assertIn('ref-tracker: leak: pci_dev 0006:00:00.0 held by ' + pin, err)
            # v5.6 stopped pinning OpenCAPI functions: only v5.5 leaks the card.
            card = 'ref-tracker: leak: pci_dev 0007:00:00.0 held by ocapi pe (v5.5, never put)'
            if rule == 'v5.5':
                self.assertIn(card, err)
            else:
                self.assertNotIn('leak: pci_dev 0007:00:00.0', err)

    def test_counted_rule_leaves_nothing(self):
        rc, _, err = run('run', '--audit', self.SCN)
        self.assertEqual((rc, err), (0, ''))


class SlotSeed(unittest.TestCase):
    """The seed's story through a PowerNV slot: the GPU's slot powered off."""
    SCN = os.path.join(SRC, 'examples/scenarios/slot-gpu.scn')

    def test_old_rules_use_a_released_gpu_and_leak_the_pins(self):
        for rule, pin in (('v5.5', 'npu pe (v5.5, never put)'),
                          ('v5.6', 'nvlink pin (v5.6, never put)')):
            rc, _, err = run('run', '--refcount=' + rule, self.SCN)
            self.assertEqual(rc, 1, rule)
            self.assertRegex(err, r'ref-tracker: use after release: pci_dev 0003:01:00.0 '
                                  r'by scenario gpu at [^ ]*slot-gpu.scn:\d+; released by '
                                  r'pnv_php slot')
            self.assertIn('ref-tracker: leak: pci_dev 0006:00:00.0 held by ' + pin, err)

    def test_counted_rule_leaves_nothing(self):
        rc, _, err = run('run', '--audit', self.SCN)
        self.assertEqual((rc, err), (0, ''))


class SlotOpenCAPI(unittest.TestCase):
    """An OpenCAPI PHB's own slot (5.6+) powered off and on with the card enabled."""
    SCN = os.path.join(SRC, 'examples/scenarios/slot-opencapi.scn')

    def test_v5_5_pins_the_old_card_and_its_pe(self):
        rc, _, err = run('run', '--audit', '--refcount=v5.5', self.SCN)
        self.assertEqual(rc, 1)
        self.assertIn('ref-tracker: leak: pci_dev 0007:00:00.0 held by ocapi pe (v5.5, never put)',
                      err)
        # The old card's PE#5 never goes: the new card gets PE#4 for the same RID.
        self.assertIn('audit: PHB 0007 RID 0000 (0007:00:00.0) maps to PE#4 in the RTT, its PE is 5',
                      err)

    def test_counted_rule_leaves_nothing(self):
        rc, _, err = run('run', '--audit', self.SCN)
        self.assertEqual((rc, err), (0, ''))


class Exact(unittest.TestCase):
    """run --exact: a PE line no expect line names is a finding."""

    def scenario(self, expects):
        topo = os.path.join(SRC, 'examples/power9.topo')
        text = 'machine %s\nkernel 6.1\nboot\nhot remove nvme1\n%s' % (topo, expects)
        f = tempfile.NamedTemporaryFile('w', suffix='.scn', delete=False)
        f.write(text)
        f.close()
        self.addCleanup(os.unlink, f.name)
        return f.name

    def test_every_pe_line_expected_passes(self):
        lines = ['pci 0000:04:00.0: Removing from iommu group 1',
                 'pci 0000:04     : [PE# 1fa] Releasing PE',
                 'pci 0000:04     : [PE# 1fa] Removing DMA window #0',
                 'pci 0000:04     : [PE# 1fa] Disabling 64-bit DMA bypass']
        scn = self.scenario(''.join('expect line "%s"\n' % l for l in lines))
        self.assertEqual(run('run', '--exact', scn)[0], 0)
        # Without the last expect: only --exact notices the line.
        scn = self.scenario(''.join('expect line "%s"\n' % l for l in lines[:3]))
        self.assertEqual(run('run', scn)[0], 0)
        rc, _, err = run('run', '--exact', scn)
        self.assertEqual(rc, 1)
        self.assertEqual(err, '%s:4: unexpected line: "%s"\n' % (scn, lines[3]))


class Groups(unittest.TestCase):
    """The passthrough advisor: what VFIO on PowerNV makes go together."""

    def test_groups_list_each_group_with_its_pes(self):
        rc, out, err = run('groups')
        self.assertEqual((rc, err), (0, ''))
        self.assertIn('iommu group 4\n  PE 0003:0  0003:01:00.0 [10de:1db1] 3D controller\n'
                      '  PE 0006:d  0006:00:00.0 [1014:04ea] Bridge\n', out)

    def test_gpu_goes_with_its_nvlinks(self):
        rc, out, err = run('groups', '--device=0003:01:00.0')
        self.assertEqual((rc, err), (0, ''))
        lines = out.splitlines()
        # The name is pci.ids' (libpci), where it has one.
        self.assertRegex(lines[0], r'^0003:01:00\.0 \[10de:1db1\] 3D controller( \(NVIDIA .*V100.*\))?: '
                                   r'PE 0003:0, iommu group 4$')
        for fn in range(3):
            self.assertIn('  0006:00:00.%d [1014:04ea] Bridge: same iommu group; NVLink peer'
                          % fn, lines)
        self.assertNotIn('0005:01:00.0', out)  # the other GPU stays
        # Before 5.8 the NPU's one group took both GPUs with it.
        self.assertRegex(run('groups', '--kernel=5.3', '--device=0003:01:00.0')[1],
                         r'0005:01:00\.0 \[10de:1db1\] 3D controller.*: same iommu group')
        # The host's steps: vfio-pci takes the GPU and its links; the guest opens group 4.
        self.assertIn('  echo vfio-pci > /sys/bus/pci/devices/0006:00:00.2/driver_override', lines)
        self.assertEqual(lines[-1], "The guest's VFIO container takes /dev/vfio/4")

    def test_vfs_of_a_pf_get_their_own_pes_and_groups(self):
        topo = os.path.join(SRC, 'examples/power9.topo')
        rc, out, err = run('groups', '--device=0004:01:00.0', '--vfs=2', '--json', topo)
        self.assertEqual((rc, err), (0, ''))
        d = json.loads(out)['advice']
        self.assertEqual([(v['device'], v['id']) for v in d['vfs']],
                         [('0004:01:00.1', '15b3:1018'), ('0004:01:00.2', '15b3:1018')])
        pes = {v['pe'] for v in d['vfs']} | {d['devices'][0]['pe']}
        groups = {v['iommu_group'] for v in d['vfs']} | {d['devices'][0]['iommu_group']}
        self.assertEqual((len(pes), len(groups)), (3, 3))  # each VF alone
        self.assertEqual(d['steps'][0], 'echo 2 > /sys/bus/pci/devices/0004:01:00.0/sriov_numvfs')
        self.assertEqual(run('groups', '--vfs=2', topo)[0], 2)  # --vfs needs --device

    def test_several_devices_are_advised_together(self):
        for args in (['--device=0003:01:00.0', '--device=0001:01:00.1'],
                     ['--device=0003:01:00.0,0001:01:00.1']):
            rc, out, err = run('groups', '--json', *args)
            self.assertEqual((rc, err), (0, ''))
            d = json.loads(out)['advice']
            self.assertEqual([x['device'] for x in d['devices']], ['0003:01:00.0', '0001:01:00.1'])
            self.assertIn(('0001:01:00.0', ['same PE', 'same iommu group']),
                          [(w['device'], w['why']) for w in d['with']])
            self.assertEqual(sorted(d['vfio']), ['/dev/vfio/2', '/dev/vfio/4'])

    def test_functions_of_one_pe_go_together(self):
        rc, out, _ = run('groups', '--device=0001:01:00.1', '--json')
        self.assertEqual(rc, 0)
        d = json.loads(out)['advice']
        self.assertEqual([(w['device'], w['why']) for w in d['with']],
                         [('0001:01:00.0', ['same PE', 'same iommu group'])])

    def test_alone_and_no_group(self):
        rc, out, _ = run('groups', '--device=0000:03:00.0')
        self.assertEqual(rc, 0)
        self.assertIn('nothing else: it is alone in its PE and its iommu group', out)
        rc, out, err = run('groups', '--device=0000:00:00.0')
        self.assertEqual((rc, out), (1, ''))
        self.assertIn('0000:00:00.0 has no iommu group, so it cannot be passed through: it is '
                      'a bridge', err)
        self.assertEqual(run('groups', '--device=0000:09:00.0')[0], 2)


class Json(unittest.TestCase):
    def test_tree_and_replay_print_one_document(self):
        tree = json.loads(run('tree', '--json')[1])
        self.assertEqual(tree['phbs'][3]['devices'][0]['children'][0]['id'], '10de:1db1')
        log = os.path.join(SRC, 'tests/conformance/corpus/qemu-p9-switch.log')
        rc, out, _ = run('replay', '--json', log)
        d = json.loads(out)
        self.assertEqual((rc, d['matched'], d['total'], d['extra']), (0, 49, 49, 0))
        self.assertEqual(d['schema'], 'ioda-replay/1')
        self.assertEqual(d['phbs'][0], {'domain': 0, 'matched': 34, 'total': 34, 'extra': 0})

    def test_run_prints_log_and_findings(self):
        scn = os.path.join(SRC, 'examples/scenarios/seed-gpu-unplug.scn')
        rc, out, err = run('run', '--json', '--refcount=v5.6', scn)
        d = json.loads(out)
        self.assertEqual((rc, err, d['status']), (1, '', 1))
        self.assertTrue(any(f['source'] == 'ref-tracker' and
                            f['message'].startswith('use after release: pci_dev 0003:01:00.0')
                            for f in d['findings']))
        self.assertIn('pci 0003:01     : [PE# 00] Releasing PE', d['log'])
        rc, out, _ = run('run', '--json', '--audit', scn)
        self.assertEqual((rc, json.loads(out)['findings']), (0, []))

    def test_hw_tables(self):
        rc, out, _ = run('hw', '--phb=0', '--json')
        d = json.loads(out)
        self.assertEqual((rc, d['gen'], d['pes'], d['reserved_pe']), (0, 'phb4', 512, 0x1ff))
        self.assertIn({'first': 0x400, 'last': 0x4ff, 'pe': 0x1fa}, d['rtt'])
        self.assertEqual(d['peltv']['510'], [0x1fa, 0x1fb, 0x1fc, 0x1fd, 0x1fe])

    def test_phb_domains_are_read_as_printed(self):
        # The Talos' PHBs are 0030..0035: --phb takes the domain in hex, as
        # every line prints it, with or without 0x.
        log = os.path.join(SRC, 'tests/conformance/corpus/talos2-t1000-6.2.log')
        for arg in ('0030', '30', '0x30'):
            rc, out, err = run('hw', '--phb=' + arg, log)
            self.assertEqual((rc, err), (0, ''), arg)
            self.assertTrue(out.startswith('PHB4 512 PEs'), out[:80])

    def test_a_log_of_a_newer_kernel_replays_as_the_newest_model(self):
        # --kernel=6.13 is refused, but a 6.14 log is what it is: replayed as
        # 6.12, and said so.
        log = os.path.join(SRC, 'tests/conformance/corpus/qemu-p9-switch.log')
        with open(log) as f:
            text = f.read().replace('Linux version 6.1.0-', 'Linux version 6.14.0-')
        with tempfile.NamedTemporaryFile('w', suffix='.log', delete=False) as t:
            t.write(text)
        try:
            rc, out, err = run('replay', t.name)
        finally:
            os.unlink(t.name)
        self.assertEqual(rc, 0, out)
        self.assertIn("kernel 6.14 is newer than ioda's models: replayed as 6.12", err)

    def test_man_page_is_the_help(self):
        # One source: docs/man/ioda.1 is docs/man/ioda.1.in with each command's
        # --help (tools/gen_man.py, make man), so the two cannot drift.
        with tempfile.TemporaryDirectory() as d:
            out = os.path.join(d, 'ioda.1')
            subprocess.run([sys.executable, os.path.join(SRC, 'tools/gen_man.py'), IODA,
                            os.path.join(SRC, 'docs/man/ioda.1.in'), out], check=True)
            with open(out) as f, open(os.path.join(SRC, 'docs/man/ioda.1')) as g:
                self.assertEqual(g.read(), f.read(), 'docs/man/ioda.1 is stale: make man')
        usage = run('--help')[1]
        with open(os.path.join(SRC, 'docs/man/ioda.1')) as f:
            man = f.read()
        for cmd in re.findall(r'^  ([a-z]+) ', usage, re.M):
            self.assertIn('.B "%s ' % cmd, man)


class Torture(unittest.TestCase):
    def test_one_thread_replays_from_its_seed(self):
        first = run('torture', '--seed=5', '--ops=400', '--audit-every=50', '--verbose')
        self.assertEqual(first[0], 0)
        self.assertEqual(first[1].splitlines()[-1], 'torture: 400 ops, 0 failures')
        self.assertRegex(first[1], r'torture: seed 5 step 1: \w')
        self.assertEqual(run('torture', '--seed=5', '--ops=400', '--audit-every=50',
                             '--verbose'), first)

    def test_threads_print_their_seeds(self):
        rc, out, err = run('torture', '--seed=4', '--ops=200', '--threads=2')
        self.assertEqual((rc, err), (0, ''))
        self.assertIn('torture: thread 0: seed 4000, 100 ops', out)
        self.assertIn('torture: thread 1: seed 4001, 100 ops', out)

    def test_machine_is_topology_text(self):
        rc, out, _ = run('torture', '--seed=1', '--machine')
        self.assertEqual(rc, 0)
        with tempfile.NamedTemporaryFile('w', suffix='.topo') as f:
            f.write(out)
            f.flush()
            self.assertEqual(run('tree', f.name)[0], 0)

    def test_bad_numbers_are_usage_errors(self):
        for args in (['--ops=-1'], ['--threads=0'], ['--threads=65'], ['--seed=x'],
                     ['--frob'], ['extra']):
            rc, out, err = run('torture', *args)
            self.assertEqual(rc, 2, args)
            self.assertTrue(err.startswith('ioda: '), args)


class Usage(unittest.TestCase):
    def test_help_and_version(self):
        rc, out, _ = run('--help')
        self.assertEqual(rc, 0)
        self.assertIn('tree', out)
        rc, out, _ = run('--version')
        self.assertEqual(rc, 0)
        self.assertRegex(out, r'^ioda \d+\.\d+\.\d+\n$')
        # Every command the usage names has its own --help.
        for cmd in re.findall(r'^  ([a-z]+) ', run('--help')[1], re.M):
            rc, out, err = run(cmd, '--help')
            self.assertEqual((rc, err), (0, ''), cmd)
            self.assertIn('Usage: ioda ' + cmd, out)

    def test_usage_errors_exit_2(self):
        for args in (['frobnicate'], [], ['tree', '--bogus'], ['tree', '--as=xml'],
                     ['tree', 'a.topo', 'b.topo']):
            rc, out, err = run(*args)
            self.assertEqual(rc, 2, args)
            self.assertEqual(out, '', args)
            self.assertTrue(err, args)


class FullOutput(unittest.TestCase):
    """Output that cannot be written is an error, not a quiet success."""

    def test_a_full_device_is_one_line_and_exit_2(self):
        log = os.path.join(SRC, 'tests/conformance/corpus/p8-suse-5.3.8-sriov.log')
        for args in (['tree'], ['tree', '--json'], ['boot'], ['show', '--json'], ['--help'],
                     ['replay', log], ['groups', '--json']):
            with open('/dev/full', 'w') as full:
                p = subprocess.run([IODA, *args], stdout=full, stderr=subprocess.PIPE, text=True,
                                   timeout=60)
            self.assertEqual(p.returncode, 2, args)
            self.assertEqual(len(p.stderr.splitlines()), 1, (args, p.stderr))
            self.assertTrue(p.stderr.startswith('ioda: writing the output: '), (args, p.stderr))


if __name__ == '__main__':
    unittest.main(argv=[sys.argv[0], '-v'])
