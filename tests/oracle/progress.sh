# SPDX-License-Identifier: GPL-2.0-or-later
# Sourced by run.sh and hotplug.sh: after each boot, on a terminal, how many
# of the N have booted and the time left at this pace; nothing otherwise.
# Each boot leaves OUT/NAME.done; START is when the boots began.
boot_done() {
	local done elapsed
	touch "$OUT/$1.done"
	[ -t 2 ] || return 0
	done=$(ls "$OUT"/*.done | wc -l)
	elapsed=$(($(date +%s) - START))
	printf 'oracle: %d/%d booted, %ds, about %ds left\n' "$done" "$N" "$elapsed" \
		$((elapsed * (N - done) / done)) >&2
}
export -f boot_done
