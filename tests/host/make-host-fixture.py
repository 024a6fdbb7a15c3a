#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Writes a host fixture: what `ioda host --root=DIR` reads of a running POWER
host, made from one of the corpus' guest captures (the real 6.1 kernel under
QEMU powernv, ../shared/corpus/guest/NAME):

  sys/bus/pci/devices/BDF/     vendor device class resource config (the
                               64-byte header) *_bus_number eeh_pe_config_addr
  sys/kernel/iommu_groups/N/devices/BDF   (links, as the kernel's)
  proc/version proc/cmdline proc/meminfo  (from guest-info.txt, the log)
  proc/device-tree/            the flattened tree (fdt.dtb) as folders
  dmesg.txt                    the boot log

from pci-sysfs.txt, iommu-groups.txt, guest-info.txt and fdt.dtb (copied
into tests/host/data/NAME/) and the boot log (--log; the corpus keeps it as
tests/conformance/corpus/guest-NAME.log).  --disagree GROUP:BDF moves BDF
into group GROUP, as a host whose kernel grouped it otherwise would show.

Usage: make-host-fixture.py GUESTDIR OUTDIR --log LOG [--disagree N:BDF]"""
import argparse
import os
import re
import shutil
import struct

ap = argparse.ArgumentParser()
ap.add_argument('guest')
ap.add_argument('out')
ap.add_argument('--log', required=True)
ap.add_argument('--disagree')
a = ap.parse_args()


def read(name):
    with open(os.path.join(a.guest, name), errors='replace') as f:
        return f.read()


def write(path, data, mode='w'):
    path = os.path.join(a.out, path)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, mode) as f:
        f.write(data)


shutil.rmtree(a.out, ignore_errors=True)

# ---- PCI functions -----------------------------------------------------------
funcs = {}
for block in re.split(r'^### ', read('pci-sysfs.txt'), flags=re.M)[1:]:
    head, _, body = block.partition('\n')
    if re.fullmatch(r'[0-9a-f]{4}:[0-9a-f]{2}:[0-9a-f]{2}\.[0-7]', head.strip()):
        funcs[head.strip()] = body
attrs_of = {bdf: dict(re.findall(r'^(\w+): (.*?) ?$', body, re.M)) for bdf, body in funcs.items()}
# The bridge each secondary bus hangs from, for the PCIe port types.
below = {(bdf[:4], int(at['secondary_bus_number'])): bdf
         for bdf, at in attrs_of.items() if 'secondary_bus_number' in at}


def port_type(bdf):
    """PCI_EXP_FLAGS_TYPE: root port 4 on the root bus, then upstream 5 and downstream 6."""
    if int(attrs_of[bdf]['class'], 16) >> 8 != 0x0604:
        return 0
    up = below.get((bdf[:4], int(bdf[5:7], 16)))
    if up is None:
        return 4
    return 6 if port_type(up) == 5 else 5


for bdf, body in funcs.items():
    attrs = attrs_of[bdf]
    res = re.search(r'^resource:\n((?:0x\S+ 0x\S+ 0x\S+\n)+)', body, re.M)
    d = 'sys/bus/pci/devices/%s/' % bdf
    for k in ('vendor', 'device', 'class', 'eeh_pe_config_addr', 'secondary_bus_number',
              'subordinate_bus_number'):
        if k in attrs:
            write(d + k, attrs[k] + '\n')
    write(d + 'resource', res.group(1) if res else '')
    vendor, device, cls = (int(attrs[k], 16) for k in ('vendor', 'device', 'class'))
    bridge = cls >> 8 == 0x0604
    # The header, then a PCIe capability at 0x40 (what root reads past 64 bytes).
    cfg = bytearray(256)
    struct.pack_into('<HHHHI', cfg, 0, vendor, device, 0, 0x10, cls << 8)
    cfg[14] = 1 if bridge else 0
    if bridge:
        cfg[0x19] = int(attrs.get('secondary_bus_number', '0'))
        cfg[0x1a] = int(attrs.get('subordinate_bus_number', '0'))
    cfg[0x34] = 0x40
    struct.pack_into('<BBH', cfg, 0x40, 0x10, 0, 2 | port_type(bdf) << 4)
    write(d + 'config', bytes(cfg), 'wb')

# ---- iommu groups --------------------------------------------------------------
groups = {}
for n, devs in re.findall(r'^group (\d+): (.*?)  type', read('iommu-groups.txt'), re.M):
    for bdf in devs.split():
        groups[bdf] = int(n)
if a.disagree:
    n, bdf = a.disagree.split(':', 1)
    groups[bdf] = int(n)
for bdf, n in groups.items():
    link = os.path.join(a.out, 'sys/kernel/iommu_groups/%d/devices/%s' % (n, bdf))
    os.makedirs(os.path.dirname(link), exist_ok=True)
    os.symlink('../../../../devices/pci%s/%s' % (bdf[:7], bdf), link)

# ---- /proc and the log -----------------------------------------------------------
info = read('guest-info.txt').split('\n')
uname = info[0].split()
with open(a.log, errors='replace') as f:
    log = f.read()
version = re.search(r'^\[[^]]*\] (Linux version .*)$', log, re.M)
write('proc/version', (version.group(1) if version else 'Linux version ' + uname[2]) + '\n')
write('proc/cmdline', info[1] + '\n')
mem = re.search(r'phys_mem_size\s*= (0x[0-9a-f]+)', log)
write('proc/meminfo', 'MemTotal:       %d kB\n' % (int(mem.group(1), 16) // 1024))
write('dmesg.txt', log.split('=====BEGIN')[0])

# ---- the device tree, as /proc/device-tree shows it -------------------------------
dtb = open(os.path.join(a.guest, 'fdt.dtb'), 'rb').read()
magic, _, off_struct, off_strings = struct.unpack_from('>IIII', dtb, 0)
assert magic == 0xd00dfeed
pos, path = off_struct, []
while True:
    tok, = struct.unpack_from('>I', dtb, pos)
    pos += 4
    if tok == 1:  # FDT_BEGIN_NODE
        end = dtb.index(b'\0', pos)
        name = dtb[pos:end].decode()
        pos = (end + 4) & ~3
        path.append(name)
        os.makedirs(os.path.join(a.out, 'proc/device-tree', *path[1:]), exist_ok=True)
    elif tok == 2:  # FDT_END_NODE
        path.pop()
    elif tok == 3:  # FDT_PROP
        length, nameoff = struct.unpack_from('>II', dtb, pos)
        pos += 8
        value = dtb[pos:pos + length]
        pos = (pos + length + 3) & ~3
        pname = dtb[off_strings + nameoff:dtb.index(b'\0', off_strings + nameoff)].decode()
        write(os.path.join('proc/device-tree', *path[1:], pname), value, 'wb')
    elif tok == 4:  # FDT_NOP
        continue
    else:  # FDT_END
        break
