#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# make oracle N=50 SEED=S [RESOURCES=1]: N random topologies (gen.py; with
# RESOURCES=1 its --resources draw, each with a kernel command line), each booted by the
# real 6.1 kernel on QEMU powernv (topo2qemu.py) and replayed by ioda; prints
# per topology the PE lines matched (and the resource assignments), then the
# totals.  Every topology whose replay differs is kept, with its seed, log and
# command line, under $OUT/mismatch/.  Exit 0 when every PE line matched.
set -euo pipefail

N=${N:-50}
SEED=${SEED:-1}
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
IODA=${IODA:-$ROOT/build/ioda}
OUT=${OUT:-$ROOT/build/oracle/seed-$SEED}
JOBS=${JOBS:-$(nproc)}

cache=$("$HERE/setup.sh")
kernel=$(cat "$cache/KERNEL")
echo "oracle: $(cat "$cache/VERSION"), $N topologies from seed $SEED, in $OUT"
rm -rf "$OUT"
mkdir -p "$OUT/mismatch"
python3 "$HERE/gen.py" --seed "$SEED" --out "$OUT" ${RESOURCES:+--resources} "$N" >/dev/null

boot_one() {
	local topo=$1 name log args
	name=$(basename "$topo" .topo)
	log="$OUT/$name.log"
	# Each boot its own drive images: QEMU locks them.
	mkdir -p "$OUT/disks/$name"
	local append=()
	[ -s "$OUT/$name.cmdline" ] && append=(--append "$(cat "$OUT/$name.cmdline")")
	args=$(python3 "$HERE/topo2qemu.py" --kernel "$kernel" --log "$log" \
		--disk-dir "$OUT/disks/$name" --mkdisks "${append[@]}" "$topo")
	echo "$args" >"$OUT/$name.qemu"
	eval "timeout 300 $args" </dev/null >"$OUT/$name.qemu-err" 2>&1 || true
	rm -rf "$OUT/disks/$name"
	boot_done "$name"
}
export -f boot_one
. "$HERE/progress.sh"
START=$(date +%s)
export OUT HERE kernel N START
ls "$OUT"/*.topo | xargs -P "$JOBS" -I{} bash -c 'boot_one {}'

matched=0 total=0 extra=0 rmatched=0 rtotal=0 bad=0
for topo in "$OUT"/*.topo; do
	name=$(basename "$topo" .topo)
	log="$OUT/$name.log"
	line=$("$IODA" replay "$log" 2>&1 | tail -1) || true
	rline=$("$IODA" replay --resources "$log" 2>&1 | tail -1) || true
	echo "$name: $line; $rline"
	if [[ $line =~ replay:\ ([0-9]+)/([0-9]+)\ PE\ lines\ match,\ ([0-9]+)\ extra ]]; then
		m=${BASH_REMATCH[1]} t=${BASH_REMATCH[2]} e=${BASH_REMATCH[3]}
		matched=$((matched + m)) total=$((total + t)) extra=$((extra + e))
		[ "$m" = "$t" ] && [ "$e" = 0 ] || { bad=$((bad + 1)); cp "$topo" "$log" "$OUT/$name.qemu" "$OUT/mismatch/"; }
	else
		bad=$((bad + 1)); cp "$topo" "$log" "$OUT/$name.qemu" "$OUT/mismatch/" 2>/dev/null || true
	fi
	if [[ $rline =~ resources:\ ([0-9]+)/([0-9]+) ]]; then
		rmatched=$((rmatched + BASH_REMATCH[1])) rtotal=$((rtotal + BASH_REMATCH[2]))
	fi
done
pct() { awk -v m="$1" -v t="$2" 'BEGIN { printf "%.1f", t ? 100 * m / t : 0 }'; }
echo "oracle: $N topologies, PE lines $matched/$total ($(pct $matched $total)%), $extra extra;" \
     "resources $rmatched/$rtotal ($(pct $rmatched $rtotal)%); $bad topologies differ (kept in $OUT/mismatch)"
[ "$bad" = 0 ]
