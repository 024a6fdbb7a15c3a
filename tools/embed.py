#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
# Embeds a text file in the library as a NUL-terminated C string.
import os
import sys

sym, src, out = sys.argv[1:4]
data = open(src, 'rb').read()
with open(out, 'w') as f:
    f.write('/* Generated from %s by tools/embed.py. */\n' % os.path.basename(src))
    f.write('const char %s_name[] = "%s";\n' % (sym, os.path.basename(src)))
    f.write('const char %s[] = {\n' % sym)
    for i in range(0, len(data), 16):
        f.write('\t' + ' '.join('0x%02x,' % b for b in data[i:i + 16]) + '\n')
    f.write('\t0x00\n};\n')
