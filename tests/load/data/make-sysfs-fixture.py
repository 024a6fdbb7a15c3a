#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Writes tests/load/data/sysfs-p9/: what the README's copy recipe takes from a
two-socket POWER9 box, as ioda import reads it.

  sys/bus/pci/devices/DDDD:BB:DD.F/  vendor device class resource config
                                     [secondary_bus_number subordinate_bus_number]
  proc/device-tree/                  the root and the PHB nodes (properties only)

The machine: on chip 0, PHB 0000 with a PCIe switch (an NVMe drive, an empty
slot) and PHB 0001 with a two-function NIC whose first function has SR-IOV
and two VFs enabled (their folders are there too, as on a live system); on
chip 8, PHB 0030 with a V100 GPU; PHB 0007 an NPU2 with two NVLink bricks.
Below the GPU's and the NPU's PHB nodes, skiboot's nodes for those functions
name each other: ibm,npu on the GPU, ibm,gpu on each link (phandles).
Usage: make-sysfs-fixture.py OUTDIR (default: sysfs-p9 next to this script)."""
import os
import shutil
import struct
import sys

def cells(*v):
    return struct.pack('>%dI' % len(v), *v)


def cells64(*v):
    return b''.join(struct.pack('>Q', x) for x in v)


MEM, IO, PREF, MEM64 = 0x200, 0x100, 0x2000, 0x100000
RES_MEM32 = MEM | 0x40000          # IORESOURCE_MEM | IORESOURCE_SIZEALIGN
RES_MEM64 = MEM | MEM64 | 0x40000
RES_PREF64 = MEM | MEM64 | PREF | 0x40000


def bar(start, size, flags):
    return (start, start + size - 1, flags)


# (bdf, vendor, device, class, pcie type or None, header, bars, extra)
# extra: bus=(sec, sub) for bridges; sriov=dict; vf=True; mf=True
DEVICES = [
    ('0000:00:00.0', 0x1014, 0x04c1, 0x060400, 4, 1, {}, dict(bus=(1, 4))),
    ('0000:01:00.0', 0x10b5, 0x8725, 0x060400, 5, 1,
     {0: bar(0x600c000000000, 256 << 10, RES_MEM32)}, dict(bus=(2, 4))),
    ('0000:02:01.0', 0x10b5, 0x8725, 0x060400, 6, 1, {}, dict(bus=(3, 3))),
    ('0000:02:02.0', 0x10b5, 0x8725, 0x060400, 6, 1, {}, dict(bus=(4, 4))),
    ('0000:03:00.0', 0x144d, 0xa808, 0x010802, 0, 0,
     {0: bar(0x600c000100000, 16 << 10, RES_MEM64)}, {}),
    ('0001:00:00.0', 0x1014, 0x04c1, 0x060400, 4, 1, {}, dict(bus=(1, 1))),
    ('0001:01:00.0', 0x15b3, 0x1017, 0x020000, 0, 0,
     {0: bar(0x6004000000000, 32 << 20, RES_PREF64),
      # The IOV BAR as PowerNV leaves it: 1M per VF, expanded to 256 PEs.
      7: bar(0x6004010000000, 256 << 20, RES_PREF64)},
     dict(mf=True, sriov=dict(total=4, num=2, offset=2, stride=1, vf_device=0x1018,
                              vf_bars={0: 0xc}))),
    ('0001:01:00.1', 0x15b3, 0x1017, 0x020000, 0, 0,
     {0: bar(0x6004002000000, 32 << 20, RES_PREF64)}, dict(mf=True)),
    ('0001:01:00.2', 0x15b3, 0x1018, 0x020000, 0, 0, {0: bar(0x6004010000000, 1 << 20, RES_PREF64)},
     dict(vf=True)),
    ('0001:01:00.3', 0x15b3, 0x1018, 0x020000, 0, 0, {0: bar(0x6004010100000, 1 << 20, RES_PREF64)},
     dict(vf=True)),
    ('0007:00:00.0', 0x1014, 0x04ea, 0x068000, 0, 0,
     {0: bar(0x6030201000000, 16 << 20, RES_MEM64)}, dict(mf=True)),
    ('0007:00:00.1', 0x1014, 0x04ea, 0x068000, 0, 0,
     {0: bar(0x6030202000000, 16 << 20, RES_MEM64)}, dict(mf=True)),
    ('0030:00:00.0', 0x1014, 0x04c1, 0x060400, 4, 1, {}, dict(bus=(1, 1))),
    ('0030:01:00.0', 0x10de, 0x1db1, 0x030200, 0, 0,
     {0: bar(0x620c000000000, 16 << 20, RES_MEM32),
      1: bar(0x6200000000000, 32 << 30, RES_PREF64),
      3: bar(0x6200800000000, 32 << 20, RES_PREF64)}, {}),
]

# name, compatible, opal id, chip, index, PEs, m32 cpu address, m64 address
PHBS = [
    ('pciex@600c3c0000000', 'ibm,power9-pciex\0ibm,ioda3-phb', 0, 0, 0, 512,
     0x600c000000000, 0x6000000000000),
    ('pciex@600c3c0100000', 'ibm,power9-pciex\0ibm,ioda3-phb', 1, 0, 1, 256,
     0x600c080000000, 0x6004000000000),
    ('pciex@620c3c0000000', 'ibm,power9-pciex\0ibm,ioda3-phb', 0x30, 8, 0, 512,
     0x620c000000000, 0x6200000000000),
    ('pciex@6030200000000', 'ibm,power9-npu-pciex\0ibm,ioda2-npu2-phb', 7, 0, 7, 16,
     None, None),
]


def config(vendor, device, cls, ptype, header, bars, extra):
    c = bytearray(4096)
    if extra.get('vf'):
        vendor = device = 0xffff  # a VF's own ID registers read all ones
    struct.pack_into('<HHHH', c, 0, vendor, device, 0x0006, 0x0010)
    struct.pack_into('<I', c, 8, cls << 8 | 0x01)
    c[0x0e] = header | (0x80 if extra.get('mf') else 0)
    if header == 1:
        sec, sub = extra['bus']
        c[0x18], c[0x19], c[0x1a] = int(extra.get('bdf_bus', 0)), sec, sub
    for i, (start, _, flags) in bars.items():
        if i < 6:
            low = start & 0xfffffff0 | (0x4 if flags & MEM64 else 0) | (0x8 if flags & PREF else 0)
            struct.pack_into('<I', c, 0x10 + 4 * i, low)
    c[0x34] = 0x40
    struct.pack_into('<BBH', c, 0x40, 0x10, 0, ptype << 4 | 2)
    sr = extra.get('sriov')
    if sr:
        struct.pack_into('<I', c, 0x100, 0x10 | 1 << 16)
        struct.pack_into('<HHHHHH', c, 0x10c, sr['total'], sr['total'], sr['num'], 0,
                         sr['offset'], sr['stride'])
        struct.pack_into('<H', c, 0x11a, sr['vf_device'])
        for i, flags in sr['vf_bars'].items():
            struct.pack_into('<I', c, 0x124 + 4 * i, flags)
    return bytes(c)


def write(path, data):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, 'wb') as f:
        f.write(data.encode() if isinstance(data, str) else data)


GPU, LINK0, LINK1 = 0x100, 0x101, 0x102

# PHB node -> [(path below it, config address (bus << 16 | devfn << 8), ids, more)]
PCI_NODES = {
    'pciex@620c3c0000000': [
        ('pci@0', 0x0, (0x1014, 0x04c1, 0x060400), {}),
        ('pci@0/3d-controller@0', 0x10000, (0x10de, 0x1db1, 0x030200),
         {'phandle': cells(GPU), 'ibm,npu': cells(LINK0, LINK1)}),
    ],
    'pciex@6030200000000': [
        ('unknown-bridge@0', 0x0, (0x1014, 0x04ea, 0x068000),
         {'phandle': cells(LINK0), 'ibm,gpu': cells(GPU)}),
        ('unknown-bridge@0,1', 0x100, (0x1014, 0x04ea, 0x068000),
         {'phandle': cells(LINK1), 'ibm,gpu': cells(GPU)}),
    ],
}


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), 'sysfs-p9')
    shutil.rmtree(out, ignore_errors=True)
    devs = os.path.join(out, 'sys', 'bus', 'pci', 'devices')
    for bdf, vendor, device, cls, ptype, header, bars, extra in DEVICES:
        d = os.path.join(devs, bdf)
        write(os.path.join(d, 'vendor'), '0x%04x\n' % vendor)
        write(os.path.join(d, 'device'), '0x%04x\n' % device)
        write(os.path.join(d, 'class'), '0x%06x\n' % cls)
        # 13 lines for a device, 17 for a bridge: a kernel with CONFIG_PCI_IOV.
        lines = [bars.get(i, (0, 0, 0)) for i in range(17 if header == 1 else 13)]
        write(os.path.join(d, 'resource'),
              ''.join('0x%016x 0x%016x 0x%016x\n' % l for l in lines))
        write(os.path.join(d, 'config'), config(vendor, device, cls, ptype, header, bars,
                                                dict(extra, bdf_bus=int(bdf[5:7], 16))))
        if header == 1:
            write(os.path.join(d, 'secondary_bus_number'), '%d\n' % extra['bus'][0])
            write(os.path.join(d, 'subordinate_bus_number'), '%d\n' % extra['bus'][1])
    dt = os.path.join(out, 'proc', 'device-tree')
    write(os.path.join(dt, '#address-cells'), cells(2))
    write(os.path.join(dt, '#size-cells'), cells(2))
    write(os.path.join(dt, 'model'), '8335-GTH\0')
    write(os.path.join(dt, 'compatible'), 'ibm,powernv\0')
    for name, compat, opal_id, chip, index, pes, m32, m64 in PHBS:
        n = os.path.join(dt, name)
        write(os.path.join(n, 'name'), 'pciex\0')
        write(os.path.join(n, 'compatible'), compat + '\0')
        write(os.path.join(n, 'ibm,opal-phbid'), cells64(opal_id))
        write(os.path.join(n, 'ibm,chip-id'), cells(chip))
        write(os.path.join(n, 'ibm,phb-index'), cells(index))
        write(os.path.join(n, 'ibm,opal-num-pes'), cells(pes))
        write(os.path.join(n, 'reg'), cells64(int(name.split('@')[1], 16), 0x1000))
        write(os.path.join(n, '#address-cells'), cells(3))
        write(os.path.join(n, '#size-cells'), cells(2))
        if m32 is not None:
            write(os.path.join(n, 'ranges'),
                  cells(0x2000000, 0, 0x80000000) + cells64(m32, 0x7fff0000))
            write(os.path.join(n, 'ibm,opal-m64-window'), cells64(m64, m64, 0x4000000000))
        for path, addr, (vendor, device, cls), more in PCI_NODES.get(name, []):
            props = {'reg': cells(addr, 0, 0, 0, 0), 'vendor-id': cells(vendor),
                     'device-id': cells(device), 'class-code': cells(cls),
                     '#address-cells': cells(3), '#size-cells': cells(2), **more}
            for prop, value in props.items():
                write(os.path.join(n, path, prop), value)


if __name__ == '__main__':
    main()
