#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""gen_man: the man page's COMMANDS section from the commands' own --help.

    gen_man.py IODA TEMPLATE OUT

Runs `IODA --help` for the command list and `IODA CMD --help` for each, and
writes TEMPLATE with its @COMMANDS@ line replaced by one .TP entry per
command: the usage line as the tag, the rest of the help as the text. One
source, so the two cannot drift; `make man` rewrites docs/man/ioda.1 and
tests/cli checks that the committed page is what this makes.
"""
import re
import subprocess
import sys


def roff(text):
    """Plain text as roff: backslashes and dashes escaped, no line led by . or '."""
    text = text.replace('\\', '\\e').replace('-', '\\-')
    return '\n'.join('\\&' + l if l.startswith(('.', "'")) else l for l in text.split('\n'))


def help_of(ioda, *args):
    p = subprocess.run([ioda, *args, '--help'], capture_output=True, text=True, check=True)
    return p.stdout


def entry(ioda, cmd):
    lines = help_of(ioda, cmd).rstrip('\n').split('\n')
    usage = [lines.pop(0)]
    while lines and lines[0].startswith(' '):
        usage.append(lines.pop(0).strip())
    synopsis = ' '.join(usage)[len('Usage: ioda '):]
    body = '\n'.join(lines).strip('\n')
    # Paragraphs of the help stay paragraphs.
    paras = [roff(p) for p in re.split(r'\n\s*\n', body) if p.strip()]
    return '.TP\n.B "%s"\n%s\n' % (roff(synopsis).replace('"', '\\(dq'), '\n.IP\n'.join(paras))


def main():
    ioda, template, out = sys.argv[1:4]
    cmds = re.findall(r'^  ([a-z]+) ', help_of(ioda), re.M)
    section = ''.join(entry(ioda, c) for c in cmds)
    with open(template) as f:
        text = f.read()
    if '@COMMANDS@\n' not in text:
        print('%s: no @COMMANDS@ line' % template, file=sys.stderr)
        return 2
    with open(out, 'w') as f:
        f.write(text.replace('@COMMANDS@\n', section))
    return 0


if __name__ == '__main__':
    sys.exit(main())
