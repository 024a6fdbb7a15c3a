#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Turns the console of a guest run (guest/init: hp=BDF,...) into a scenario.

The console's part before the guest's first section is the kernel's boot
log: it becomes OUT.log, the scenario's machine.  Each step the guest ran
becomes the scenario's step, followed by an `expect line` for every PE line
the real kernel printed for it (the lines `ioda replay` compares: those
naming a PE, its set-up or an iommu group; the resource assignment of a
rescan is left out):

  remove BDF    hot remove BDF
  dump DDDD     dump DDDD (debugfs dump_ioda_pe_state)
  rescan BDF    hot add DDDD:BB { what the boot log says was below BDF }

usage: guest2scn.py [--ioda IODA] --machine PATH CONSOLE OUT
  writes OUT.log and OUT.scn; PATH is OUT.log as the scenario names it
  (relative to the scenario's folder).
"""
import argparse
import os
import re
import subprocess
import sys

STAMP = re.compile(r'^\[\s*\d+\.\d+\] ')
# skiboot shares the console and may cut into a kernel line: "[  23.31,3] SBE: ...\n".
SKIBOOT = re.compile(r'\[\s*\d+\.\d+,\d\] [^\n]*\n')
PE_LINE = re.compile(r'PE#|Configuring PE|iommu group')
BEGIN = '=====BEGIN hotplug====='
END = '=====END hotplug====='


class ConsoleError(Exception):
    pass


def split_console(text):
    """(boot log, [(step, [kernel lines])])."""
    if BEGIN not in text:
        raise ConsoleError('no "%s" section: the guest did not run' % BEGIN)
    boot, _, rest = text.partition(BEGIN)
    if END not in rest:
        raise ConsoleError('the hotplug section never ended (the guest died?)')
    rest = SKIBOOT.sub('', rest.partition(END)[0])
    steps = []
    kernel = False
    for line in rest.splitlines():
        if line.startswith('----- STEP: '):
            steps.append((line[len('----- STEP: '):], []))
            kernel = False
        elif line == '[kernel]':
            kernel = True
        elif steps and kernel:
            steps[-1][1].append(STAMP.sub('', line))
    return boot, steps


def quote(line):
    return '"' + line.replace('\\', '\\\\').replace('"', '\\"') + '"'


def subtree(ioda, log, bdf):
    p = subprocess.run([ioda, 'tree', '--as=log', '--topo', '--subtree=' + bdf, log],
                       capture_output=True, text=True)
    if p.returncode:
        raise ConsoleError('ioda tree --subtree=%s: %s' % (bdf, p.stderr.strip()))
    return p.stdout


def kernel_version(boot):
    m = re.search(r'Linux version (\d+\.\d+)', boot)
    if not m:
        raise ConsoleError('no "Linux version" line in the boot log')
    return m.group(1), re.search(r'Linux version (\S+)', boot).group(1)


def scenario(ioda, log, machine, boot, steps):
    version, full = kernel_version(boot)
    model = re.search(r'Hardware name: (.*?) 0x', boot)
    out = ['# SPDX-License-Identifier: GPL-2.0-or-later',
           '#',
           '# Made by tests/oracle/guest2scn.py from what Linux %s printed on' % full,
           '# %s when its guest removed each device' % (model.group(1) if model else 'QEMU'),
           '# through sysfs and rescanned: every PE line of each step is expected',
           '# (resource assignment aside).',
           'machine %s as log' % machine,
           'kernel %s' % version,
           'boot']
    for name, lines in steps:
        what, _, arg = name.partition(' ')
        out.append('')
        if what == 'remove':
            out += ['# echo 1 > /sys/bus/pci/devices/%s/remove' % arg, 'hot remove ' + arg]
        elif what == 'dump':
            out.append('dump ' + arg)
        elif what == 'rescan':
            body = subtree(ioda, log, arg)
            out += ['# echo 1 > /sys/bus/pci/rescan', 'hot add %s {' % arg.rpartition(':')[0]]
            out += ['\t' + l for l in body.splitlines()]
            out.append('}')
        else:
            raise ConsoleError('unknown guest step %r' % name)
        out += ['expect line ' + quote(l) for l in lines if PE_LINE.search(l)]
        if what == 'remove':
            out.append('expect exists %s no' % arg)
        elif what == 'rescan':
            out.append('expect exists %s yes' % arg)
    return '\n'.join(out) + '\n'


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    ap.add_argument('--ioda', default=os.path.join(os.path.dirname(__file__), '../../build/ioda'))
    ap.add_argument('--machine', required=True)
    ap.add_argument('console')
    ap.add_argument('out')
    opts = ap.parse_args()
    try:
        with open(opts.console, errors='replace') as f:
            boot, steps = split_console(f.read())
        if not steps:
            raise ConsoleError('the guest ran no step')
        with open(opts.out + '.log', 'w') as f:
            f.write(boot)
        text = scenario(opts.ioda, opts.out + '.log', opts.machine, boot, steps)
    except (OSError, ConsoleError) as e:
        sys.exit('%s: %s' % (opts.console, e))
    with open(opts.out + '.scn', 'w') as f:
        f.write(text)


if __name__ == '__main__':
    main()
