#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""gen: random ioda topologies (.topo) that QEMU 7.2's powernv machines can build.

    gen.py --seed S --out DIR [--resources] N

Writes DIR/oracle-S-I.topo for I = 0..N-1.  Each file describes a whole QEMU
machine: powernv8/9/10 (phb3/phb4/phb5), 1 or 2 chips with all their PHBs
(QEMU always creates every PHB, each with its root port), 2G or 4G of memory.
Below each root port: nothing, an endpoint, a switch with 1-3 downstream
ports, a pcie-pci-bridge or pci-bridge with 1-2 devices, a two-function
e1000e, virtio-rng (a 64-bit prefetchable BAR: M64) or ivshmem-plain (a large
64-bit prefetchable BAR).  BARs are those of the QEMU devices (see
topo2qemu.py, which turns each file into a QEMU command line).
With --resources the draw leans to what resource assignment finds hard:
switches with empty hot-plug downstream ports (QEMU's ports have slots),
empty root ports, large ivshmem BARs, and for each machine a kernel command
line (DIR/oracle-S-I.cmdline) from CMDLINES: hotplug reserves large enough
that M32 runs out (pci=hpmemsize=...), pci=realloc and pci=realloc=off.
Same seed, same files.
"""

import argparse
import os
import random
import sys

GENS = {'phb3': (3, '1014:03dc'), 'phb4': (6, '1014:04c1'), 'phb5': (6, '1014:0652')}

E1000E = ('8086:10d3', 0x020000, ['bar 0 128K', 'bar 1 128K', 'bar 2 32 io', 'bar 3 16K'])
NVME = ('1b36:0010', 0x010802, ['bar 0 16K mem64'])
RNG = ('1af4:1044', 0x00ff00, ['bar 1 4K', 'bar 4 16K mem64 pref'])
RNG_LEGACY = ('1af4:1005', 0x00ff00, ['bar 0 32 io', 'bar 1 4K', 'bar 4 16K mem64 pref'])
E1000 = ('8086:100e', 0x020000, ['bar 0 128K', 'bar 1 64 io'])
RTL8139 = ('10ec:8139', 0x020000, ['bar 0 256 io', 'bar 1 256'])
LSI = ('1000:0012', 0x010000, ['bar 0 256 io', 'bar 1 1K', 'bar 2 8K'])
IVSHMEM_SIZES = ['1M', '16M', '64M', '256M', '512M', '1G']


def ivshmem(rnd):
    return ('1af4:1110', 0x050000, ['bar 0 256', 'bar 2 %s mem64 pref' % rnd.choice(IVSHMEM_SIZES)], 'pci')


class Out:
    def __init__(self):
        self.lines = []

    def put(self, depth, text):
        self.lines.append('\t' * depth + text)

    def device(self, depth, devfn, dev, extra=''):
        ident, cls, bars = dev[:3]
        typ = ' type=%s' % dev[3] if len(dev) > 3 else ''
        self.put(depth, 'device %s %s class=0x%06x%s%s {' % (devfn, ident, cls, typ, extra))
        for b in bars:
            self.put(depth + 1, b)
        self.put(depth, '}')


def pcie_endpoint(rnd):
    k = rnd.choice(['e1000e', 'nvme', 'rng', 'ivshmem'])
    return {'e1000e': E1000E, 'nvme': NVME, 'rng': RNG}.get(k) or ivshmem(rnd)


def pci_device(rnd):
    k = rnd.choice(['e1000', 'rtl8139', 'lsi', 'rng', 'ivshmem'])
    return {'e1000': E1000, 'rtl8139': RTL8139, 'lsi': LSI, 'rng': RNG_LEGACY}.get(k) or ivshmem(rnd)


SUBS = ['endpoint', 'endpoint', 'rng', 'mf', 'empty']
RES_SUBS = ['empty', 'empty', 'endpoint', 'ivshmem']


def below_port(o, rnd, depth, kind, subs=SUBS):
    """What sits on the secondary bus of a root port or downstream port."""
    if kind == 'empty':
        return
    if kind == 'endpoint':
        o.device(depth, '00.0', pcie_endpoint(rnd))
    elif kind == 'rng':
        o.device(depth, '00.0', RNG)
    elif kind == 'ivshmem':
        o.device(depth, '00.0', ivshmem(rnd))
    elif kind == 'mf':
        o.device(depth, '00.0', E1000E)
        o.device(depth, '00.1', E1000E)
    elif kind == 'switch':
        o.put(depth, 'bridge 00.0 104c:8232 type=upstream {')
        for s in range(rnd.randint(1, 3)):
            sub = rnd.choice(subs)
            if sub == 'empty':
                o.put(depth + 1, 'bridge %02x.0 104c:8233 type=downstream' % s)
                continue
            o.put(depth + 1, 'bridge %02x.0 104c:8233 type=downstream {' % s)
            below_port(o, rnd, depth + 2, sub, subs)
            o.put(depth + 1, '}')
        o.put(depth, '}')
    elif kind in ('pcie-pci', 'pci-pci'):
        ident = '1b36:000e' if kind == 'pcie-pci' else '1b36:0001'
        o.put(depth, 'bridge 00.0 %s type=%s {' % (ident, kind))
        o.put(depth + 1, 'bar 0 256 mem64')
        n = rnd.randint(1, 2)
        for s in range(1, n + 1):
            o.device(depth + 1, '%02x.0' % s, pci_device(rnd))
        o.put(depth, '}')
    else:
        raise ValueError(kind)


KINDS = ['empty', 'empty', 'endpoint', 'endpoint', 'switch', 'switch', 'pcie-pci', 'pci-pci',
         'mf', 'rng', 'ivshmem']
RES_KINDS = ['empty', 'switch', 'switch', 'switch', 'ivshmem', 'endpoint']
# The pci= options that change assignment (drivers/pci/pci.c pci_setup()).
CMDLINES = ['', 'pci=realloc', 'pci=realloc=off', 'pci=hpmemsize=64M', 'pci=hpmemsize=512M',
            'pci=hpmemsize=1G,realloc', 'pci=hpiosize=8K,hpmmiosize=256M',
            'pci=hpmmioprefsize=4G', 'pci=hpmmiosize=768M', 'pci=realloc,hpmmiosize=768M',
            'pci=hpmmiosize=300M,hpmmioprefsize=3G']


def one(rnd, kinds, subs):
    gen = rnd.choice(sorted(GENS))
    per_chip, rp = GENS[gen]
    chips = rnd.choice([1, 1, 2])
    o = Out()
    o.put(0, '# generated by tests/oracle/gen.py; QEMU: tests/oracle/topo2qemu.py')
    o.put(0, 'machine memory=%s' % rnd.choice(['2G', '4G']))
    for chip in range(chips):
        for index in range(per_chip):
            # skiboot's OPAL PHB id (the PCI domain): chip * PHBs-per-chip + index
            # for PHB4/5; chip * 4 + index for PHB3.
            dom = chip * (4 if gen == 'phb3' else per_chip) + index
            pes = 256 if gen == 'phb3' or index not in (0, 3) else 512
            o.put(0, 'phb %04x gen=%s chip=%d index=%d pes=%d {' % (dom, gen, chip, index, pes))
            kind = rnd.choice(kinds)
            if kind == 'empty':
                o.put(1, 'bridge 00.0 %s type=root-port' % rp)
            else:
                o.put(1, 'bridge 00.0 %s type=root-port {' % rp)
                below_port(o, rnd, 2, kind, subs)
                o.put(1, '}')
            o.put(0, '}')
    return '\n'.join(o.lines) + '\n'


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    ap.add_argument('--seed', type=int, required=True)
    ap.add_argument('--out', required=True)
    ap.add_argument('--resources', action='store_true',
                    help='lean to hotplug reserves and realloc; a command line each')
    ap.add_argument('n', type=int)
    a = ap.parse_args()
    rnd = random.Random(a.seed)
    os.makedirs(a.out, exist_ok=True)
    for i in range(a.n):
        path = os.path.join(a.out, 'oracle-%d-%d.topo' % (a.seed, i))
        with open(path, 'w') as f:
            f.write(one(rnd, *((RES_KINDS, RES_SUBS) if a.resources else (KINDS, SUBS))))
        if a.resources:
            with open(path[:-len('.topo')] + '.cmdline', 'w') as f:
                f.write(rnd.choice(CMDLINES) + '\n')
        print(path)
    return 0


if __name__ == '__main__':
    sys.exit(main())
