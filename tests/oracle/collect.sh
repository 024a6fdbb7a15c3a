#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# tests/oracle/collect.sh OUT...: copies the topologies of oracle runs whose
# logs replay exactly (PE lines and resources) into tests/conformance/qemu/
# as NAME.log (the serial console), NAME.topo and NAME.qemu (the command
# line, with the kernel as KERNEL and the console as console.log), where
# make check replays them.  Mismatching runs are left for debugging.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
IODA=${IODA:-$ROOT/build/ioda}
DEST=$ROOT/tests/conformance/qemu
mkdir -p "$DEST"
n=0
for out in "$@"; do
	for topo in "$out"/*.topo; do
		name=$(basename "$topo" .topo)
		log=$out/$name.log
		[ -s "$log" ] || continue
		"$IODA" replay "$log" >/dev/null 2>&1 || continue
		"$IODA" replay --resources "$log" >/dev/null 2>&1 || continue
		cp "$topo" "$DEST/$name.topo"
		cp "$log" "$DEST/$name.log"
		python3 "$HERE/topo2qemu.py" --kernel KERNEL --log console.log --disk-dir . \
			"$topo" >"$DEST/$name.qemu"
		n=$((n + 1))
	done
done
echo "collect: $n logs in $DEST"
