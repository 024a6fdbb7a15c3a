#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# host-copy.sh [OUT.tgz]: what `ioda host` reads of this POWER host, as one
# tarball for a machine that has ioda (run it as root: config space past 64
# bytes, the device tree and dmesg need it).  Then, there:
#   mkdir copy && tar -xzf OUT.tgz -C copy && ioda host --root=copy --log=copy/dmesg.txt
# The files are read with cat, not tar: sysfs claims 4096 bytes for each and
# tar would pad them; iommu group members stay links (their names count).
# IODA_HOST_ROOT points it at a copy-shaped tree instead of / (the tests).
set -eu
root=${IODA_HOST_ROOT:-}
out=${1:-ioda-copy.tgz}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/sys/bus/pci/devices" "$tmp/sys/kernel" "$tmp/proc"
for d in "$root"/sys/bus/pci/devices/*; do
	n=$(basename "$d")
	mkdir -p "$tmp/sys/bus/pci/devices/$n"
	for f in vendor device class resource config secondary_bus_number \
		subordinate_bus_number eeh_pe_config_addr; do
		if [ -r "$d/$f" ]; then cat "$d/$f" >"$tmp/sys/bus/pci/devices/$n/$f"; fi
	done
done
if [ -d "$root/sys/kernel/iommu_groups" ]; then cp -RP "$root/sys/kernel/iommu_groups" "$tmp/sys/kernel/"; fi
if [ -e "$root/proc/device-tree" ]; then cp -RL "$root/proc/device-tree" "$tmp/proc/"; fi
for f in version cmdline meminfo; do
	if [ -r "$root/proc/$f" ]; then cat "$root/proc/$f" >"$tmp/proc/$f"; fi
done
if [ -n "$root" ]; then cat "$root/dmesg.txt" >"$tmp/dmesg.txt"; else dmesg >"$tmp/dmesg.txt"; fi
tar -czf "$out" -C "$tmp" .
echo "host-copy: $out"
