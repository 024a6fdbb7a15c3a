#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# tests/oracle/collect.sh OUT...: copies the topologies of oracle runs whose
# logs replay exactly (PE lines and resources) into tests/conformance/qemu/
# as NAME.log (the serial console), NAME.topo and NAME.qemu (the command
# line, with the kernel as KERNEL and the console as console.log, and the
# kernel's pci= options of a RESOURCES=1 run), where
# make check replays them.  A hotplug run (make oracle-hotplug) whose
# scenario passes `ioda run --audit --exact` goes to tests/conformance/guest/
# (the boot log, topology, command line) and tests/scenarios/hotplug-NAME.scn.
# Mismatching runs are left for debugging.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
IODA=${IODA:-$ROOT/build/ioda}
n=0 hp=0
for out in "$@"; do
	for topo in "$out"/*.topo; do
		name=$(basename "$topo" .topo)
		log=$out/$name.log
		scn=$out/$name.scn
		[ -s "$log" ] || continue
		"$IODA" replay "$log" >/dev/null 2>&1 || continue
		"$IODA" replay --resources "$log" >/dev/null 2>&1 || continue
		extra=()
		if [ -e "$scn" ]; then
			"$IODA" run --audit --exact "$scn" >/dev/null 2>&1 || continue
			dest=$ROOT/tests/conformance/guest
			extra=(--initrd initramfs.cpio
			       --append "$(grep -o 'hp=[^ '"'"']*' "$out/$name.qemu")")
			sed "s|^machine $name.log as log|machine ../conformance/guest/$name.log as log|" \
				"$scn" >"$ROOT/tests/scenarios/hotplug-$name.scn"
			hp=$((hp + 1))
		else
			dest=$ROOT/tests/conformance/qemu
			# The kernel command line a --resources draw booted with.
			[ -s "$out/$name.cmdline" ] && extra=(--append "$(cat "$out/$name.cmdline")")
		fi
		mkdir -p "$dest"
		cp "$topo" "$dest/$name.topo"
		cp "$log" "$dest/$name.log"
		python3 "$HERE/topo2qemu.py" --kernel KERNEL --log console.log --disk-dir . \
			"${extra[@]}" "$topo" >"$dest/$name.qemu"
		n=$((n + 1))
	done
done
echo "collect: $n logs, $hp of them with a hotplug scenario"
