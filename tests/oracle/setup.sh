#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# The oracle's pieces: QEMU (apt), Debian's ppc64le 6.1 kernel and a static
# ppc64le busybox (for the guest's initramfs), downloaded and extracted into a
# cache folder outside the repo, never installed (the host's dpkg
# architectures stay as they are: each .deb comes straight from the
# archive's ppc64el index, checked against its SHA256).
#
#   tests/oracle/setup.sh        prints the cache folder; KERNEL, VERSION and
#                                BUSYBOX files in it name the vmlinux, its
#                                version and the busybox binary
#
# IODA_ORACLE_CACHE overrides the folder (default ~/.cache/ioda-oracle).
set -euo pipefail

CACHE=${IODA_ORACLE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/ioda-oracle}
MIRROR=${IODA_DEBIAN_MIRROR:-http://deb.debian.org}
mkdir -p "$CACHE"

if ! command -v qemu-system-ppc64 >/dev/null || [ ! -e /usr/share/qemu/skiboot.lid ]; then
	SUDO=; [ "$(id -u)" = 0 ] || SUDO=sudo
	echo "oracle: installing qemu-system-ppc qemu-system-data" >&2
	$SUDO apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends \
		qemu-system-ppc qemu-system-data >&2
fi

# Prints "VERSION PATH SHA256 PACKAGE" of the newest package matching the
# regex $1 in bookworm and its security suite.
newest() {
	local suite base
	for suite in "debian/dists/bookworm/main" "debian-security/dists/bookworm-security/main"; do
		base=${suite%%/dists/*}
		curl -fsSL "$MIRROR/$suite/binary-ppc64el/Packages.xz" | xz -d |
			awk -v base="$base" -v want="$1" '
				/^Package: / { pkg = $2 }
				/^Version: / { ver = $2 }
				/^Filename: / { file = $2 }
				/^SHA256: / { sha = $2 }
				/^$/ {
					if (pkg ~ want)
						print ver, base "/" file, sha, pkg
					pkg = ""
				}' || true
	done | sort -V | tail -1
}

# Downloads the newest package matching $1, checks it and extracts it into
# $CACHE/$2; prints "PACKAGE VERSION".
fetch() {
	local best version path sha pkg deb
	best=$(newest "$1")
	[ -n "$best" ] || { echo "oracle: no package matching $1 for ppc64el in the archive" >&2; exit 1; }
	read -r version path sha pkg <<<"$best"
	deb="$CACHE/${path##*/}"
	echo "oracle: downloading $pkg $version" >&2
	curl -fsSL -o "$deb.part" "$MIRROR/$path"
	echo "$sha  $deb.part" | sha256sum -c --quiet
	mv "$deb.part" "$deb"
	rm -rf "${CACHE:?}/$2"
	dpkg-deb -x "$deb" "$CACHE/$2"
	rm -f "$deb"
	echo "$pkg $version"
}

if ! [ -s "$CACHE/KERNEL" ] || ! [ -e "$(cat "$CACHE/KERNEL")" ]; then
	version=$(fetch '^linux-image-6\\.1\\.0-[0-9]+-powerpc64le$' root)
	ls "$CACHE"/root/boot/vmlinux-* | head -1 >"$CACHE/KERNEL"
	echo "$version" >"$CACHE/VERSION"
fi
if ! [ -s "$CACHE/BUSYBOX" ] || ! [ -x "$(cat "$CACHE/BUSYBOX")" ]; then
	fetch '^busybox-static$' busybox >/dev/null
	echo "$CACHE/busybox/bin/busybox" >"$CACHE/BUSYBOX"
fi
echo "$CACHE"
