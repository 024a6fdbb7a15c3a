#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# make oracle-hotplug N=10 SEED=S: hotplug ground truth from the real kernel.
# N random topologies (gen.py); for each, up to four devices to pull (an
# endpoint, a second function, a switch or PCI bridge port, an upstream
# port, as `ioda tree` names them); the 6.1 kernel boots each on QEMU with
# the guest initramfs (guest/init), which removes each device through sysfs,
# dumps the PHB's PE state, rescans and dumps again.  guest2scn.py turns each
# console into a scenario (the boot log as its machine, every PE line of each
# step expected) and `ioda run --audit --exact` must pass it.  Prints per
# topology the steps' PE lines and the result; the scenarios that differ are
# kept in $OUT/mismatch/.  Exit 0 when every one passed.
set -euo pipefail

N=${N:-10}
SEED=${SEED:-1}
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
IODA=${IODA:-$ROOT/build/ioda}
OUT=${OUT:-$ROOT/build/oracle/hotplug-$SEED}
JOBS=${JOBS:-$(nproc)}

cache=$("$HERE/setup.sh")
kernel=$(cat "$cache/KERNEL")
echo "oracle-hotplug: $(cat "$cache/VERSION"), $N topologies from seed $SEED, in $OUT"
rm -rf "$OUT"
mkdir -p "$OUT/mismatch"
python3 "$HERE/guest/initramfs.py" "$(cat "$cache/BUSYBOX")" "$HERE/guest/init" "$OUT/initramfs.cpio"
python3 "$HERE/gen.py" --seed "$SEED" --out "$OUT" "$N" >/dev/null

# What to pull out of a topology: one of each kind ioda tree shows, in the
# order a person would try them (the device before its bridge).
pick() {
	"$IODA" tree "$1" | python3 -c '
import re, sys
kinds = {}
for line in sys.stdin:
    m = re.match(r"\s*(\S+) \[\S+\] (.*)", line)
    bdf, what = m.group(1), m.group(2)
    bus = bdf.split(":")[1]
    if "(root port)" in what:
        continue
    if "(upstream port)" in what:
        kind = "upstream"
    elif "bridge" in what.lower():
        kind = "bridge"
    elif not bdf.endswith(".0"):
        kind = "function"
    else:
        kind = "endpoint"
    kinds.setdefault(kind, bdf)
print(",".join(kinds[k] for k in ("endpoint", "function", "bridge", "upstream") if k in kinds))'
}

boot_one() {
	local topo=$1 name hp args
	name=$(basename "$topo" .topo)
	hp=$(pick "$topo")
	[ -n "$hp" ] || { echo "$name: nothing to pull" >"$OUT/$name.skip"; boot_done "$name"; return; }
	mkdir -p "$OUT/disks/$name"
	args=$(python3 "$HERE/topo2qemu.py" --kernel "$kernel" --log "$OUT/$name.console" \
		--disk-dir "$OUT/disks/$name" --mkdisks --initrd "$OUT/initramfs.cpio" \
		--append "hp=$hp" "$topo")
	echo "$args" >"$OUT/$name.qemu"
	eval "timeout 600 $args" </dev/null >"$OUT/$name.qemu-err" 2>&1 || true
	rm -rf "$OUT/disks/$name"
	boot_done "$name"
}
export -f boot_one pick
. "$HERE/progress.sh"
START=$(date +%s)
export OUT HERE kernel IODA N START
ls "$OUT"/*.topo | xargs -P "$JOBS" -I{} bash -c 'boot_one {}'

pass=0 bad=0 lines=0 steps=0
for topo in "$OUT"/*.topo; do
	name=$(basename "$topo" .topo)
	[ -e "$OUT/$name.skip" ] && { cat "$OUT/$name.skip"; continue; }
	if ! python3 "$HERE/guest2scn.py" --ioda "$IODA" --machine "$name.log" \
		"$OUT/$name.console" "$OUT/$name" 2>"$OUT/$name.err"; then
		echo "$name: $(cat "$OUT/$name.err")"
		bad=$((bad + 1))
		continue
	fi
	n=$(grep -c '^expect line' "$OUT/$name.scn" || true)
	s=$(grep -c '^hot \|^dump ' "$OUT/$name.scn" || true)
	lines=$((lines + n)) steps=$((steps + s))
	if "$IODA" run --audit --exact "$OUT/$name.scn" >"$OUT/$name.run" 2>"$OUT/$name.err"; then
		echo "$name: $s steps, $n PE lines: exact"
		pass=$((pass + 1))
	else
		echo "$name: $s steps, $n PE lines: $(grep -c . "$OUT/$name.err") findings"
		sed 's/^/    /' "$OUT/$name.err" | head -5
		cp "$topo" "$OUT/$name.log" "$OUT/$name.scn" "$OUT/$name.err" "$OUT/mismatch/"
		bad=$((bad + 1))
	fi
done
echo "oracle-hotplug: $((pass + bad)) topologies, $steps steps, $lines PE lines;" \
     "$pass exact, $bad differ (kept in $OUT/mismatch)"
[ "$bad" = 0 ]
