#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Fails on an include that runs up: every #include of src/, include/ioda/ and
tools/ is checked against the rooms below, the one list of allowed arrows
(docs/architecture.md quotes it; this script checks the quote too).

usage: check_layers.py [--no-doc] SRCROOT
"""
import os
import re
import sys

# ---- the rooms, lowest first; each may include itself and the rooms it names ----
LAYERS = """
ref:    -
pci:    ref
hw:     pci ref
opal:   hw pci ref
kernel: opal hw pci ref
load:   kernel opal hw pci ref
view:   kernel opal hw pci ref
drive:  view load kernel opal hw pci ref
tools:  libioda.h and the shared headers of every room, no private header
"""

# Each shared header (include/ioda/) belongs to the room that implements it.
# include/libioda.h, the API, only declares: any room may include it.
PUBLIC = {
    'config.h': 'ref', 'ctx.h': 'ref', 'list.h': 'ref', 'ref.h': 'ref', 'spin.h': 'ref',
    'pci.h': 'pci', 'topo.h': 'pci',
    'hw.h': 'hw',
    'opal.h': 'opal',
    'ioda.h': 'kernel', 'eeh.h': 'kernel',
    'load.h': 'load', 'import.h': 'load', 'host.h': 'load',
    'groups.h': 'view', 'json.h': 'view',
    'torture.h': 'drive', 'matrix.h': 'drive',
}

INCLUDE = re.compile(r'^\s*#\s*include\s*([<"])([^>"]+)[>"]')


def parse_layers():
    allowed = {}
    for line in LAYERS.strip().splitlines():
        room, _, below = line.partition(':')
        below = below.split()
        allowed[room.strip()] = set() if below == ['-'] else set(below)
    allowed['tools'] = None  # public headers only
    return allowed


def check_file(path, rel, room, allowed, rooms, errors):
    own_dir = os.path.dirname(path)
    with open(path, encoding='utf-8', errors='replace') as f:
        for no, line in enumerate(f, 1):
            m = INCLUDE.match(line)
            if not m:
                continue
            kind, name = m.groups()
            target, private = None, False
            if kind == '<' and name.startswith('ioda/'):
                hdr = name[len('ioda/'):]
                target = PUBLIC.get(hdr)
                if target is None:
                    errors.append(f'{rel}:{no}: <{name}> is not a shared header of any room'
                                  ' (add it to PUBLIC in tools/check_layers.py)')
                    continue
            elif kind == '"':
                first = name.split('/')[0]
                if '/' in name and first in rooms:
                    target, private = first, True
                elif os.path.exists(os.path.join(own_dir, name)):
                    target, private = room, True
                else:
                    errors.append(f'{rel}:{no}: "{name}" is not beside this file'
                                  ' nor a room\'s private header ("room/name.h")')
                    continue
            else:
                continue  # a system or library header
            if room == 'tools':
                if private and target != 'tools':
                    errors.append(f'{rel}:{no}: tools include "{name}", a private header of'
                                  f' {target}: use libioda.h and the shared headers (include/ioda/)')
                continue
            if room == 'public' and private:
                errors.append(f'{rel}:{no}: a shared header includes "{name}", a private one')
                continue
            src_room = PUBLIC[os.path.basename(path)] if room == 'public' else room
            if target != src_room and target not in allowed[src_room]:
                errors.append(f'{rel}:{no}: {src_room} may not include {target}'
                              f' ({name}): arrows run down only, {src_room} -> '
                              + (' '.join(sorted(allowed[src_room])) or 'nothing'))


def check_doc(root, errors):
    doc = os.path.join(root, 'docs', 'architecture.md')
    try:
        with open(doc, encoding='utf-8') as f:
            text = f.read()
    except OSError as e:
        errors.append(f'docs/architecture.md: {e.strerror}')
        return
    if LAYERS.strip() not in text:
        errors.append('docs/architecture.md:1: does not quote the rooms and their arrows as'
                      ' tools/check_layers.py lists them (LAYERS)')


def main(argv):
    doc = '--no-doc' not in argv
    args = [a for a in argv[1:] if a != '--no-doc']
    if len(args) != 1:
        print(__doc__.strip().splitlines()[-1], file=sys.stderr)
        return 2
    root = args[0]
    allowed = parse_layers()
    rooms = set(allowed)
    errors = []
    src = os.path.join(root, 'src')
    for room in sorted(os.listdir(src)):
        d = os.path.join(src, room)
        if not os.path.isdir(d):
            continue
        if room not in rooms:
            errors.append(f'src/{room}: a folder that is no room (add it to LAYERS)')
            continue
        for name in sorted(os.listdir(d)):
            if name.endswith(('.c', '.h')):
                check_file(os.path.join(d, name), f'src/{room}/{name}', room, allowed, rooms,
                           errors)
    pub = os.path.join(root, 'include', 'ioda')
    for name in sorted(os.listdir(pub)):
        if name.endswith('.h'):
            if name not in PUBLIC:
                errors.append(f'include/ioda/{name}: a shared header no room owns'
                              ' (add it to PUBLIC in tools/check_layers.py)')
                continue
            check_file(os.path.join(pub, name), f'include/ioda/{name}', 'public', allowed,
                       rooms, errors)
    tools = os.path.join(root, 'tools')
    for name in sorted(os.listdir(tools)):
        if name.endswith(('.c', '.h')):
            check_file(os.path.join(tools, name), f'tools/{name}', 'tools', allowed, rooms,
                       errors)
    if doc:
        check_doc(root, errors)
    for e in errors:
        print(e, file=sys.stderr)
    return 1 if errors else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
