#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""The layer check fails on an arrow that runs up: fed small trees, each with
one wrong include, it names the file, the line and the arrow; fed a tree
whose includes all run down, it passes."""
import os
import subprocess
import sys
import tempfile
import unittest

CHECK = sys.argv.pop(1)


def tree(files):
    d = tempfile.mkdtemp(prefix='layers-')
    base = {
        'src/pci/pci.c': '#include <ioda/pci.h>\n#include "pci_priv.h"\n',
        'src/pci/pci_priv.h': '#include <ioda/ctx.h>\n',
        'src/kernel/pe.c': '#include <ioda/ioda.h>\n#include <ioda/hw.h>\n',
        'src/drive/run.c': '#include "load/bootlog.h"\n#include <stdio.h>\n',
        'src/load/bootlog.h': '#include <ioda/load.h>\n',
        'include/ioda/pci.h': '#include <ioda/ref.h>\n',
        'include/ioda/ioda.h': '#include <ioda/opal.h>\n',
        'tools/ioda.c': '#include <libioda.h>\n#include <ioda/load.h>\n#include "commands.h"\n',
        'tools/commands.h': '#include <ioda/ioda.h>\n',
    }
    base.update(files)
    for rel, text in base.items():
        if text is None:
            continue
        path = os.path.join(d, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, 'w') as f:
            f.write(text)
    return d


def check(d, *extra):
    p = subprocess.run([sys.executable, CHECK, *extra, d], capture_output=True, text=True)
    return p.returncode, p.stderr


class Layers(unittest.TestCase):
    def fails(self, files, *messages, doc=False):
        rc, err = check(tree(files), *([] if doc else ['--no-doc']))
        self.assertEqual(rc, 1, err)
        for m in messages:
            self.assertIn(m, err)

    def test_downward_tree_passes(self):
        self.assertEqual(check(tree({}), '--no-doc'), (0, ''))

    def test_pci_including_the_kernel_fails(self):
        self.fails({'src/pci/scan.c': '#include <stdio.h>\n#include <ioda/ioda.h>\n'},
                   'src/pci/scan.c:2: pci may not include kernel (ioda/ioda.h)')

    def test_kernel_including_a_loader_private_header_fails(self):
        self.fails({'src/kernel/klog.c': '#include "load/bootlog.h"\n'},
                   'src/kernel/klog.c:1: kernel may not include load')

    def test_public_header_including_a_higher_room_fails(self):
        self.fails({'include/ioda/topo.h': '#include <ioda/load.h>\n'},
                   'include/ioda/topo.h:1: pci may not include load')

    def test_tools_including_a_private_header_fails(self):
        self.fails({'tools/cmd_x.c': '#include "kernel/kernel_priv.h"\n'},
                   'tools/cmd_x.c:1: tools include "kernel/kernel_priv.h"')

    def test_unknown_folder_and_header_fail(self):
        self.fails({'src/io/x.c': '\n', 'include/ioda/new.h': '\n'},
                   'src/io: a folder that is no room',
                   'include/ioda/new.h: a shared header no room owns')

    def test_the_map_must_quote_the_list(self):
        self.fails({'docs/architecture.md': '# rooms\n\nref: -\n'},
                   'docs/architecture.md:1: does not quote the rooms', doc=True)


if __name__ == '__main__':
    unittest.main()
