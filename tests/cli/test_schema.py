#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Every --json document validates against its schema (docs/schema/), on the
example machines, the corpus logs, replays that match and that differ, and
scenarios that pass and that fail: the schema is the contract a program
reading ioda's JSON can hold it to."""
import glob
import json
import os
import subprocess
import sys
import tempfile
import unittest

try:
    import jsonschema
except ImportError:  # Debian's python3-jsonschema is for /usr/bin/python3
    if sys.executable != '/usr/bin/python3' and os.path.exists('/usr/bin/python3'):
        os.execv('/usr/bin/python3', ['/usr/bin/python3', *sys.argv])
    raise

IODA, SRC = sys.argv[1], sys.argv[2]
CORPUS = os.path.join(SRC, 'tests/conformance/corpus')


def schema(name):
    with open(os.path.join(SRC, 'docs/schema/ioda-%s.schema.json' % name)) as f:
        return json.load(f)


class Schemas(unittest.TestCase):
    def check(self, name, *args, rc=(0,)):
        p = subprocess.run([IODA, *args], capture_output=True, text=True, timeout=120)
        self.assertIn(p.returncode, rc, (args, p.stderr[-300:]))
        doc = json.loads(p.stdout)
        self.assertEqual(doc['schema'], '%s/1' % ('ioda-' + name))
        jsonschema.validate(doc, schema(name), cls=jsonschema.Draft202012Validator)
        return doc

    def test_the_schemas_are_schemas(self):
        for f in glob.glob(os.path.join(SRC, 'docs/schema/*.schema.json')):
            with open(f) as fh:
                jsonschema.Draft202012Validator.check_schema(json.load(fh))

    def test_machine_show_boot_groups_hw(self):
        machines = ['', 'examples/power8.topo', 'examples/power9.topo',
                    os.path.join(CORPUS, 'ac922-witherspoon-5.2-npu-sriov.log'),
                    os.path.join(CORPUS, 'p8-suse-5.3.8-sriov.log')]
        for m in machines:
            arg = [os.path.join(SRC, m)] if m and not m.startswith('/') else ([m] if m else [])
            with self.subTest(machine=m or 'example'):
                self.check('machine', 'tree', '--json', *arg)
                self.check('show', 'show', '--json', *arg)
                self.check('boot', 'boot', '--json', *arg)
                self.check('groups', 'groups', '--json', *arg)
                for phb in self.check('machine', 'tree', '--json', *arg)['phbs'][:3]:
                    self.check('hw', 'hw', '--json', '--phb=%x' % phb['domain'], *arg)

    def test_advice(self):
        doc = self.check('groups', 'groups', '--json', '--device=0003:01:00.0')
        self.assertIn('advice', doc)
        self.check('groups', 'groups', '--json', '--device=0004:01:00.0,0001:01:00.1', '--vfs=3',
                   os.path.join(SRC, 'examples/power9.topo'))

    def test_host(self):
        with tempfile.TemporaryDirectory() as tmp:
            for name, extra in (('p9-switch', []), ('p9-switch', ['--disagree', '3:0000:05:00.1'])):
                root = os.path.join(tmp, name + str(len(extra)))
                subprocess.run([sys.executable, os.path.join(SRC, 'tests/host/make-host-fixture.py'),
                                os.path.join(SRC, 'tests/host/data', name), root, '--log',
                                os.path.join(CORPUS, 'guest-%s.log' % name), *extra], check=True)
                self.check('host', 'host', '--json', '--root=' + root, rc=(0, 1) if extra else (0,))

    def test_import(self):
        self.check('machine', 'import', '--json', os.path.join(SRC, 'tests/load/data/sysfs-p9'))

    def test_replays_that_match_and_that_differ(self):
        for log in sorted(glob.glob(os.path.join(CORPUS, '*.log'))):
            with self.subTest(log=os.path.basename(log)):
                self.check('replay', 'replay', '--json', log)
                self.check('replay', 'replay', '--json', '--resources', log)
                self.check('replay', 'replay', '--json', '--derived', log)
        # Without its add_size lines the P8's slots are unknown: a difference.
        with open(os.path.join(CORPUS, 'p8-ltc-ci3-5.19-next.log')) as f:
            text = ''.join(l for l in f if 'add_size' not in l and 'Linux version' not in l)
        with tempfile.NamedTemporaryFile('w', suffix='.log', delete=False) as t:
            t.write(text)
        try:
            doc = self.check('replay', 'replay', '--json', '--resources', t.name, rc=(1,))
        finally:
            os.unlink(t.name)
        self.assertTrue(any(p.get('missing') for p in doc['phbs']))
        self.assertIsNotNone(doc['kernel_inferred'])

    def test_runs_that_pass_and_that_fail(self):
        for scn in sorted(glob.glob(os.path.join(SRC, 'tests/adversary/*.scn')))[:6]:
            with self.subTest(scenario=os.path.basename(scn)):
                self.check('run', 'run', '--json', '--audit', scn, rc=(0, 1))
        with tempfile.NamedTemporaryFile('w', suffix='.scn', delete=False) as t:
            t.write('machine %s\nboot\nexpect pe 0000:00:00.0 == 7\n'
                    % os.path.join(SRC, 'examples/power9.topo'))
        try:
            doc = self.check('run', 'run', '--json', t.name, rc=(1,))
        finally:
            os.unlink(t.name)
        self.assertEqual(doc['findings'][0]['line'], 3)


if __name__ == '__main__':
    unittest.main(argv=[sys.argv[0], '-v'])
