#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Runs one libFuzzer target over seeds and regressions (files or folders;
missing ones are skipped), then fuzzes for --seconds.  New inputs go to
WORK/corpus, never to the source tree, which starts empty unless --keep
(make fuzz keeps it growing; make check starts from the seeds alone).  A
crash leaves WORK/crash-* and fails.  libFuzzer's output goes to WORK/fuzz.log; printed are its start
and end lines and final stats, and on failure the log's tail.  On a
terminal, every few seconds: the executions, coverage and speed so far."""
import argparse
import os
import re
import shutil
import subprocess
import sys
import time

ap = argparse.ArgumentParser()
ap.add_argument('fuzzer')
ap.add_argument('--seconds', type=int, required=True)
ap.add_argument('--work', required=True)
ap.add_argument('--keep', action='store_true')
ap.add_argument('inputs', nargs='*')
a = ap.parse_intermixed_args()

corpus = os.path.join(a.work, 'corpus')
seeds = os.path.join(a.work, 'seeds')
if not a.keep:
    shutil.rmtree(corpus, ignore_errors=True)
shutil.rmtree(seeds, ignore_errors=True)
os.makedirs(corpus, exist_ok=True)
os.makedirs(seeds)
dirs = []
for i in a.inputs:
    if os.path.isdir(i):
        dirs.append(i)
    elif os.path.isfile(i):
        shutil.copy(i, seeds)
cmd = [a.fuzzer, '-max_total_time=%d' % a.seconds, '-timeout=20', '-rss_limit_mb=2048',
       '-max_len=65536', '-print_final_stats=1', '-artifact_prefix=' + a.work + '/',
       corpus, seeds, *dirs]
print(' '.join(cmd), flush=True)
log = os.path.join(a.work, 'fuzz.log')
STATUS = re.compile(r'^#(\d+)\s+\w+\s+cov: (\d+) ft: (\d+).*exec/s: (\d+)')


def progress(start):
    """The log's latest status line, as one line of ours."""
    last = None
    with open(log, errors='replace') as f:
        for line in f:
            m = STATUS.match(line)
            last = m or last
    if last:
        print('%s: %ds of %d: %s execs, cov %s, ft %s, %s exec/s' % (
            os.path.basename(a.fuzzer), time.monotonic() - start, a.seconds, *last.groups()),
            flush=True)


with open(log, 'w') as f:
    start = time.monotonic()
    proc = subprocess.Popen(cmd, stdout=f, stderr=subprocess.STDOUT)
    while True:
        try:
            rc = proc.wait(timeout=5)
            break
        except subprocess.TimeoutExpired:
            if sys.stdout.isatty():
                progress(start)
lines = open(log, errors='replace').read().splitlines()
if rc:
    print('\n'.join(lines[-60:]))
else:
    print('\n'.join(l for l in lines if re.search(r'\b(INITED|DONE)\b|^stat::|^Done ', l)))
sys.exit(1 if rc else 0)  # libFuzzer exits 77 on a finding: meson would skip
