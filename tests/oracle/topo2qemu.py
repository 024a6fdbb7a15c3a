#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""topo2qemu: turn an ioda topology (.topo) into the qemu-system-ppc64 command
line that builds the same PCI tree on QEMU's powernv8/9/10 machine (QEMU 7.2).

    topo2qemu.py [--kernel K] [--log LOG] [--disk-dir D] [--mkdisks]
                 [--initrd CPIO] [--append TEXT] FILE.topo
    topo2qemu.py --compare CMDLINE.txt FILE.topo

Prints one shell-quoted line.  Exit 2 with "FILE:LINE: what" when the
topology is something QEMU cannot build (unknown device ids, BARs that are not
the QEMU device's, slots QEMU forbids, ...).  With --compare, the generated
command line is compared with a recorded one (e.g. ../shared/corpus/qemu/*/
qemu-cmdline.txt) structurally: same machine, memory, smp and the same device
tree (drivers, bus paths, addresses, properties), ignoring id names, drive
file paths, nvme serials, chassis/slot numbers, log and kernel paths; exit 0
when equivalent, 1 with the differences otherwise.
"""

import argparse
import glob
import os
import re
import shlex
import sys

# ---------------------------------------------------------------- topo parser


class TopoError(Exception):
    def __init__(self, line, msg):
        super().__init__(msg)
        self.line = line
        self.msg = msg


class Node:
    def __init__(self, kind, line, words):
        self.kind = kind          # machine, phb, bridge, device
        self.line = line
        self.words = words
        self.attrs = {}
        self.flags = set()
        self.pos = []
        self.children = []        # bridge/device nodes
        self.bars = {}            # index|'rom' -> (size, set(flags), line)
        self.windows = []
        self.sriov = None
        self.parent = None
        for w in words[1:]:
            if w == '{':
                continue
            if '=' in w:
                k, v = w.split('=', 1)
                self.attrs[k] = v.strip('"')
            else:
                self.pos.append(w)

    @property
    def devfn(self):
        s, f = self.pos[0].split('.')
        return int(s, 16), int(f)

    @property
    def id(self):
        return self.pos[1].lower()


def split_words(text, lineno):
    words, cur, inq, i = [], '', False, 0
    while i < len(text):
        c = text[i]
        if inq:
            if c == '\\' and i + 1 < len(text):
                cur += text[i:i + 2]
                i += 2
                continue
            if c == '"':
                inq = False
            cur += c
        elif c == '"':
            inq = True
            cur += c
        elif c == '#':
            break
        elif c in ' \t\r':
            if cur:
                words.append(cur)
            cur = ''
        else:
            cur += c
        i += 1
    if inq:
        raise TopoError(lineno, 'unterminated string')
    if cur:
        words.append(cur)
    return words


SUFFIX = {'K': 1 << 10, 'M': 1 << 20, 'G': 1 << 30, 'T': 1 << 40}


def parse_size(s):
    m = SUFFIX.get(s[-1:], None)
    if m:
        return int(s[:-1], 0) * m
    return int(s, 0)


def parse_topo(path):
    """A lenient parser: ioda's own parser is the judge of validity; this one
    only needs the structure."""
    machine = None
    phbs = []
    stack = []
    with open(path, encoding='utf-8') as f:
        for lineno, raw in enumerate(f, 1):
            words = split_words(raw.rstrip('\n'), lineno)
            if not words:
                continue
            kw = words[0]
            if kw == '}':
                if not stack:
                    raise TopoError(lineno, "unexpected '}'")
                stack.pop()
                continue
            opens = words[-1] == '{'
            if kw == 'machine':
                machine = Node('machine', lineno, words)
            elif kw == 'phb':
                n = Node('phb', lineno, words)
                phbs.append(n)
                stack.append(n)
            elif kw in ('bridge', 'device'):
                if not stack:
                    raise TopoError(lineno, '%s outside a block' % kw)
                n = Node(kw, lineno, words)
                n.parent = stack[-1]
                stack[-1].children.append(n)
                if opens:
                    stack.append(n)
            elif kw == 'bar':
                idx = words[1]
                idx = 'rom' if idx == 'rom' else int(idx, 0)
                flags = set(w for w in words[3:] if not w.startswith('@'))
                stack[-1].bars[idx] = (parse_size(words[2]), flags, lineno)
            elif kw == 'window':
                stack[-1].windows.append(words[1:])
            elif kw in ('sriov', 'vf-bar'):
                stack[-1].sriov = lineno
            else:
                raise TopoError(lineno, "unknown statement '%s'" % kw)
    if stack:
        raise TopoError(stack[-1].line, 'block not closed')
    return machine, phbs


# ---------------------------------------------------------- what QEMU has

GENS = {
    # gen: (machine, root port id, PHBs per chip)
    'phb3': ('powernv8', '1014:03dc', 3),
    'phb4': ('powernv9', '1014:04c1', 6),
    'phb5': ('powernv10', '1014:0652', 6),
}

# BARs as QEMU 7.2 devices have them (checked against the 6.1 kernel's
# "BAR n [mem 0x00000000-...]" lines of ../shared/corpus/{qemu,guest}/*/console.log;
# ivshmem-plain from QEMU's hw/misc/ivshmem.c: BAR0 256 B registers, BAR2 the
# shared memory, 64-bit prefetchable, as large as its memory backend).
# Each: (size, kind) with kind mem32 | mem64 | mem64pref | io.
E1000E_BARS = {0: (128 << 10, 'mem32'), 1: (128 << 10, 'mem32'), 2: (32, 'io'), 3: (16 << 10, 'mem32')}
VIRTIO_RNG_BARS = {1: (4 << 10, 'mem32'), 4: (16 << 10, 'mem64pref')}
VIRTIO_RNG_LEGACY_BARS = {0: (32, 'io'), 1: (4 << 10, 'mem32'), 4: (16 << 10, 'mem64pref')}

# id -> (qemu driver, class, pcie-capable, bars, conventional-ok)
ENDPOINTS = {
    '8086:10d3': ('e1000e', 0x020000, E1000E_BARS),
    '1b36:0010': ('nvme', 0x010802, {0: (16 << 10, 'mem64')}),
    '1af4:1044': ('virtio-rng-pci', 0x00ff00, VIRTIO_RNG_BARS),
    '1af4:1005': ('virtio-rng-pci', 0x00ff00, VIRTIO_RNG_LEGACY_BARS),
    '1af4:1110': ('ivshmem-plain', 0x050000, None),      # BAR2 from the topo
    '8086:100e': ('e1000', 0x020000, {0: (128 << 10, 'mem32'), 1: (64, 'io')}),
    '10ec:8139': ('rtl8139', 0x020000, {0: (256, 'io'), 1: (256, 'mem32')}),
    '1000:0012': ('lsi53c895a', 0x010000, {0: (256, 'io'), 1: (1 << 10, 'mem32'), 2: (8 << 10, 'mem32')}),
}
# Devices that are PCI Express only (cannot sit on a conventional PCI bus).
PCIE_ONLY = {'e1000e', 'nvme', 'x3130-upstream', 'xio3130-downstream', 'pcie-pci-bridge'}
# Devices whose id depends on the bus (virtio: modern-only on PCIe, transitional on PCI).
NEEDS_ROMFILE = {'e1000e', 'e1000', 'rtl8139'}

BRIDGES = {
    '104c:8232': ('x3130-upstream', 'upstream', {}),
    '104c:8233': ('xio3130-downstream', 'downstream', {}),
    '1b36:000e': ('pcie-pci-bridge', 'pcie-pci', {0: (256, 'mem64')}),
    '1b36:0001': ('pci-bridge', 'pci-pci', {0: (256, 'mem64')}),
}


def bar_kind(flags):
    if 'io' in flags:
        return 'io'
    if 'mem64' in flags:
        return 'mem64pref' if 'pref' in flags else 'mem64'
    return 'mem32pref' if 'pref' in flags else 'mem32'


def fmt_bars(bars):
    return ', '.join('%s:%s/%s' % (k, v[0], v[1]) for k, v in sorted(bars.items(), key=lambda x: str(x[0])))


def check_bars(node, want):
    got = {k: (v[0], bar_kind(v[1])) for k, v in node.bars.items()}
    if got != want:
        raise TopoError(node.line, '%s %s: BARs {%s} are not QEMU\'s {%s}' % (
            node.kind, node.id, fmt_bars(got), fmt_bars(want)))


def human(n):
    for s, m in (('G', 1 << 30), ('M', 1 << 20), ('K', 1 << 10)):
        if n % m == 0:
            return '%d%s' % (n // m, s)
    return str(n)


class Builder:
    def __init__(self, disk_dir):
        self.args = []
        self.disk_dir = disk_dir
        self.disks = []
        self.n = {'up': 0, 'dn': 0, 'pb': 0, 'pbr': 0, 'nvd': 0, 'mb': 0}
        self.switch = 0
        self.chassis_nr = 5

    def new_id(self, prefix):
        i = self.n[prefix]
        self.n[prefix] += 1
        return '%s%d' % (prefix, i)

    def device(self, props):
        self.args += ['-device', ','.join(props)]

    # bus: QEMU bus id; conventional: the bus is conventional PCI;
    # slot0: only slot 0 allowed (below a root or downstream port);
    # shpc: slot 0 not allowed (SHPC bridge bus)
    def bus(self, parent, qbus, conventional, slot0_only, shpc):
        slots = {}
        for c in parent.children:
            slots.setdefault(c.devfn[0], []).append(c)
        for c in parent.children:
            slot, fn = c.devfn
            if slot0_only and slot != 0:
                raise TopoError(c.line, '%s %s at slot %x: QEMU allows only slot 0 below a PCIe port' % (c.kind, c.pos[0], slot))
            if shpc and slot == 0:
                raise TopoError(c.line, '%s %s at slot 0: the SHPC bridge bus allows slots 1-31 only' % (c.kind, c.pos[0]))
            mf = len(slots[slot]) > 1 or 'mf' in c.pos
            addr = '%x.%x' % (slot, fn)
            if c.kind == 'bridge':
                self.bridge(c, qbus, addr, mf and fn == 0, conventional)
            else:
                self.endpoint(c, qbus, addr, mf and fn == 0, conventional)

    def bridge(self, b, qbus, addr, mf, conventional):
        if b.id not in BRIDGES:
            raise TopoError(b.line, 'bridge %s: QEMU has no such bridge (x3130-upstream 104c:8232, xio3130-downstream 104c:8233, pcie-pci-bridge 1b36:000e, pci-bridge 1b36:0001)' % b.id)
        drv, typ, bars = BRIDGES[b.id]
        t = b.attrs.get('type')
        if t and t != typ:
            raise TopoError(b.line, 'bridge %s is a %s, not type=%s' % (b.id, typ, t))
        if conventional and drv in PCIE_ONLY:
            raise TopoError(b.line, '%s is PCI Express only: not below a conventional PCI bridge' % drv)
        check_bars(b, bars)
        parent_drv = getattr(b.parent, 'qdrv', None)
        if drv == 'xio3130-downstream' and parent_drv != 'x3130-upstream':
            raise TopoError(b.line, 'a downstream port must sit below an upstream port')
        if drv != 'xio3130-downstream' and parent_drv == 'x3130-upstream':
            raise TopoError(b.line, 'only downstream ports sit below an upstream port')
        b.qdrv = drv
        props = [drv, 'bus=' + qbus, 'addr=' + addr]
        if drv == 'x3130-upstream':
            qid = self.new_id('up')
            b.chassis = 10 + self.switch
            self.switch += 1
        elif drv == 'xio3130-downstream':
            qid = self.new_id('dn')
        elif drv == 'pcie-pci-bridge':
            qid = self.new_id('pb')
        else:
            qid = self.new_id('pbr')
        props.append('id=' + qid)
        if drv == 'xio3130-downstream':
            props += ['chassis=%d' % b.parent.chassis, 'slot=%d' % b.devfn[0]]
        if drv == 'pci-bridge':
            props.append('chassis_nr=%d' % self.chassis_nr)
            self.chassis_nr += 1
            if self.chassis_nr == 10:
                self.chassis_nr = 100
        if mf:
            props.append('multifunction=on')
        self.device(props)
        self.bus(b, qid, conventional or drv in ('pcie-pci-bridge', 'pci-bridge'),
                 drv == 'xio3130-downstream', drv in ('pcie-pci-bridge', 'pci-bridge'))

    def endpoint(self, d, qbus, addr, mf, conventional):
        if d.id not in ENDPOINTS:
            raise TopoError(d.line, 'device %s: no QEMU model (known: %s)' % (
                d.id, ', '.join('%s %s' % (v[0], k) for k, v in ENDPOINTS.items())))
        drv, cls, bars = ENDPOINTS[d.id]
        if 'class' in d.attrs and int(d.attrs['class'], 0) != cls:
            raise TopoError(d.line, 'device %s (%s) has class 0x%06x, not %s' % (d.id, drv, cls, d.attrs['class']))
        if conventional and drv in PCIE_ONLY:
            raise TopoError(d.line, '%s is PCI Express only: not below a conventional PCI bridge' % drv)
        if drv == 'virtio-rng-pci':
            want = '1af4:1005' if conventional else '1af4:1044'
            if d.id != want:
                raise TopoError(d.line, 'virtio-rng-pci is %s on a %s bus' % (want, 'conventional' if conventional else 'PCIe'))
        if d.sriov:
            raise TopoError(d.sriov, 'no SR-IOV device in QEMU 7.2 that the 6.1 kernel accepts')
        props = [drv, 'bus=' + qbus, 'addr=' + addr]
        pre = []
        if drv == 'ivshmem-plain':
            bar2 = d.bars.get(2)
            if not bar2:
                raise TopoError(d.line, 'ivshmem-plain needs its shared memory as bar 2 (mem64 pref)')
            size = bar2[0]
            if size < (1 << 20):
                raise TopoError(bar2[2], 'ivshmem-plain memory must be at least 1M')
            check_bars(d, {0: (256, 'mem32'), 2: (size, 'mem64pref')})
            mb = self.new_id('mb')
            pre = ['-object', 'memory-backend-ram,size=%s,id=%s' % (human(size), mb)]
            props.append('memdev=' + mb)
        else:
            check_bars(d, bars)
        if drv == 'nvme':
            nvd = self.new_id('nvd')
            img = os.path.join(self.disk_dir, '%s.img' % nvd)
            self.disks.append(img)
            pre = ['-drive', 'file=%s,if=none,id=%s,format=raw' % (img, nvd)]
            props += ['drive=' + nvd, 'serial=' + nvd]
        if drv in NEEDS_ROMFILE:
            props.append('romfile=')
        if mf:
            props.append('multifunction=on')
        self.args += pre
        self.device(props)


def default_kernel():
    k = sorted(glob.glob('/tmp/k/root/boot/vmlinux-*'))
    return k[-1] if k else 'vmlinux'


def build(path, opts):
    machine, phbs = parse_topo(path)
    if not phbs:
        raise TopoError(1, 'no phb')
    gens = set(p.attrs.get('gen') for p in phbs)
    if len(gens) != 1 or None in gens or not gens <= set(GENS):
        raise TopoError(phbs[0].line, 'all PHBs must be of one generation phb3|phb4|phb5, QEMU machines have one')
    gen = gens.pop()
    mach, rp_id, per_chip = GENS[gen]
    mem = '4G'
    if machine and 'memory' in machine.attrs:
        m = parse_size(machine.attrs['memory'])
        if m not in (2 << 30, 4 << 30):
            raise TopoError(machine.line, 'memory=%s: the oracle runs with 2G or 4G' % machine.attrs['memory'])
        mem = human(m)
    b = Builder(opts.disk_dir)
    seen = {}
    chips = set()
    counts = {}
    for p in phbs:
        chip = int(p.attrs.get('chip', '0'), 0)
        counts.setdefault(chip, 0)
        index = int(p.attrs['index'], 0) if 'index' in p.attrs else counts[chip]
        counts[chip] += 1
        if chip > 1:
            raise TopoError(p.line, 'chip=%d: the oracle builds at most 2 chips' % chip)
        if index >= per_chip:
            raise TopoError(p.line, 'index=%d: %s has %d PHBs per chip' % (index, mach, per_chip))
        dom = int(p.pos[0], 16)
        if dom != chip * per_chip + index and not (gen == 'phb3' and dom == chip * 4 + index):
            raise TopoError(p.line, 'domain %04x: skiboot numbers chip %d PHB %d as %04x' % (
                dom, chip, index, chip * (4 if gen == 'phb3' else per_chip) + index))
        if (chip, index) in seen:
            raise TopoError(p.line, 'PHB chip %d index %d twice' % (chip, index))
        seen[(chip, index)] = p
        chips.add(chip)
        if 'pes' in p.attrs and gen != 'phb3':
            want = 512 if index in (0, 3) else 256
            if int(p.attrs['pes'], 0) != want:
                raise TopoError(p.line, 'pes=%s: QEMU\'s %s index %d has %d PEs' % (p.attrs['pes'], gen, index, want))
        if 'pes' in p.attrs and gen == 'phb3' and int(p.attrs['pes'], 0) != 256:
            raise TopoError(p.line, 'QEMU\'s PHB3 has 256 PEs')
        if len(p.children) != 1 or p.children[0].kind != 'bridge' or p.children[0].devfn != (0, 0):
            raise TopoError(p.line, 'QEMU puts exactly one root port at 00.0 on each PHB\'s root bus')
        rp = p.children[0]
        if rp.id != rp_id or rp.attrs.get('type', 'root-port') != 'root-port':
            raise TopoError(rp.line, 'the %s root port is %s type=root-port' % (gen, rp_id))
        if rp.bars:
            raise TopoError(rp.line, 'QEMU\'s root port has no BARs')
        rp.qdrv = 'root-port'
        qbus = 'pcie.%d' % (chip * per_chip + index)
        b.bus(rp, qbus, False, True, False)
    args = ['qemu-system-ppc64', '-M', mach, '-m', mem]
    if 1 in chips:
        args += ['-smp', '2,sockets=2,cores=1,threads=1']
    else:
        args += ['-smp', '1']
    args += b.args
    args += ['-display', 'none', '-monitor', 'none', '-serial', 'file:' + opts.log, '-no-reboot',
             '-kernel', opts.kernel]
    append = 'console=hvc0 loglevel=8 ignore_loglevel panic=-1'
    if opts.initrd:
        args += ['-initrd', opts.initrd]
        append += ' rdinit=/init'
    if opts.append:
        append += ' ' + opts.append
    return args + ['-append', append], b.disks


# ------------------------------------------------------------------ compare


def canon(args):
    """A structural form of a qemu command line: machine settings and the set
    of devices, each named by its path of (bus root, addr...) from pcie.N."""
    if args and args[0] == 'timeout':
        args = args[2:]
    it = iter(args[1:])
    top = {}
    devs = []
    objs = {}
    drives = {}
    for a in it:
        if a in ('-device', '-drive', '-object'):
            v = next(it)
            parts = re.split(r'(?<!\\),', v)
            head = parts[0]
            kv = {}
            for p in parts[1:]:
                k, _, val = p.partition('=')
                kv[k] = val
            if a == '-device':
                devs.append((head, kv))
            elif a == '-drive':
                kv[head.partition('=')[0]] = head.partition('=')[2]
                drives[kv.get('id')] = kv
            else:
                objs[kv.get('id')] = (head, kv)
        elif a.startswith('-'):
            try:
                top[a] = next(it) if a not in ('-no-reboot',) else ''
            except StopIteration:
                top[a] = ''
    top.pop('-serial', None)
    top.pop('-kernel', None)
    top['-M'] = top.pop('-machine', top.get('-M'))
    paths = {}
    out = set()
    for drv, kv in devs:
        bus = kv.pop('bus', None)
        addr = kv.pop('addr', None)
        path = paths.get(bus, (bus,)) + (addr,)
        if 'id' in kv:
            paths[kv.pop('id')] = path
        for k in ('chassis', 'slot', 'chassis_nr', 'serial'):
            kv.pop(k, None)
        if 'drive' in kv:
            d = dict(drives[kv.pop('drive')])
            d.pop('file', None)
            d.pop('id', None)
            kv['drive'] = tuple(sorted(d.items()))
        if 'memdev' in kv:
            h, o = objs[kv.pop('memdev')]
            o = dict(o)
            o.pop('id', None)
            kv['memdev'] = (h,) + tuple(sorted(o.items()))
        out.add((path, drv, tuple(sorted(kv.items()))))
    return top, out


def compare(recorded, generated):
    t1, d1 = canon(recorded)
    t2, d2 = canon(generated)
    diffs = []
    for k in sorted(set(t1) | set(t2)):
        if t1.get(k) != t2.get(k):
            diffs.append('option %s: recorded %r, generated %r' % (k, t1.get(k), t2.get(k)))
    for d in sorted(d1 - d2, key=str):
        diffs.append('only recorded:  %s' % (d,))
    for d in sorted(d2 - d1, key=str):
        diffs.append('only generated: %s' % (d,))
    return diffs


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    ap.add_argument('topo')
    ap.add_argument('--kernel', default=None, help='guest kernel (default: /tmp/k/root/boot/vmlinux-* or vmlinux)')
    ap.add_argument('--log', default='console.log', help='serial console log file (default console.log)')
    ap.add_argument('--disk-dir', default='/tmp', help='where the nvme raw images are (default /tmp)')
    ap.add_argument('--mkdisks', action='store_true', help='create the 1 MiB raw images for nvme drives')
    ap.add_argument('--initrd', help='an initramfs for the guest (guest/initramfs.py)')
    ap.add_argument('--append', help='more kernel command line (hp=... for the guest init)')
    ap.add_argument('--compare', metavar='CMDLINE', help='compare with a recorded command line instead of printing')
    opts = ap.parse_args()
    opts.kernel = opts.kernel or default_kernel()
    try:
        args, disks = build(opts.topo, opts)
    except TopoError as e:
        print('%s:%d: %s' % (opts.topo, e.line, e.msg), file=sys.stderr)
        return 2
    except (OSError, ValueError, IndexError, KeyError) as e:
        print('%s: %s' % (opts.topo, e), file=sys.stderr)
        return 2
    if opts.compare:
        with open(opts.compare) as f:
            rec = shlex.split(f.read())
        diffs = compare(rec, args)
        for d in diffs:
            print(d)
        if not diffs:
            print('%s: equivalent to %s' % (opts.topo, opts.compare))
        return 1 if diffs else 0
    if opts.mkdisks:
        for d in disks:
            if not os.path.exists(d):
                with open(d, 'wb') as f:
                    f.truncate(1 << 20)
    print(' '.join(shlex.quote(a) for a in args))
    return 0


if __name__ == '__main__':
    sys.exit(main())
