#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
# Embeds a file in the library: SYM[] (bytes), SYM_size and SYM_name.
# A NUL follows the bytes (not counted), so that text can be parsed in place.
import os
import sys

sym, name, src, out = sys.argv[1:5]
data = open(src, 'rb').read()
with open(out, 'w') as f:
    f.write('/* Generated from %s by tools/embed.py. */\n' % name)
    f.write('#include <stddef.h>\n')
    f.write('extern const char %s_name[];\n' % sym)
    f.write('extern const unsigned char %s[];\n' % sym)
    f.write('extern const size_t %s_size;\n' % sym)
    f.write('const char %s_name[] = "%s";\n' % (sym, name))
    f.write('const size_t %s_size = %d;\n' % (sym, len(data)))
    f.write('const unsigned char %s[] = {\n' % sym)
    for i in range(0, len(data), 16):
        f.write('\t' + ' '.join('0x%02x,' % b for b in data[i:i + 16]) + '\n')
    f.write('\t0x00,\n};\n')
