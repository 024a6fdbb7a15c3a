#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# The oracle's pieces: QEMU (apt) and Debian's ppc64le 6.1 kernel, downloaded
# and extracted into a cache folder outside the repo, never installed (the
# host's dpkg architectures stay as they are: the .deb comes straight from
# the archive's ppc64el index, checked against its SHA256).
#
#   tests/oracle/setup.sh        prints the cache folder; KERNEL and VERSION
#                                files in it name the vmlinux and its version
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

if [ -s "$CACHE/KERNEL" ] && [ -e "$(cat "$CACHE/KERNEL")" ]; then
	echo "$CACHE"
	exit 0
fi

# The newest linux-image-6.1.*-powerpc64le of bookworm and its security suite.
best=
for suite in "debian/dists/bookworm/main" "debian-security/dists/bookworm-security/main"; do
	base=${suite%%/dists/*}
	curl -fsSL "$MIRROR/$suite/binary-ppc64el/Packages.xz" | xz -d |
		awk -v base="$base" '
			/^Package: / { pkg = $2 }
			/^Version: / { ver = $2 }
			/^Filename: / { file = $2 }
			/^SHA256: / { sha = $2 }
			/^$/ {
				if (pkg ~ /^linux-image-6\.1\.0-[0-9]+-powerpc64le$/)
					print ver, base "/" file, sha, pkg
				pkg = ""
			}' >>"$CACHE/candidates" || true
done
best=$(sort -V "$CACHE/candidates" | tail -1)
rm -f "$CACHE/candidates"
[ -n "$best" ] || { echo "oracle: no linux-image-6.1 for ppc64el in the archive" >&2; exit 1; }
read -r version path sha pkg <<<"$best"
deb="$CACHE/${path##*/}"
echo "oracle: downloading $pkg $version" >&2
curl -fsSL -o "$deb.part" "$MIRROR/$path"
echo "$sha  $deb.part" | sha256sum -c --quiet
mv "$deb.part" "$deb"
rm -rf "$CACHE/root"
dpkg-deb -x "$deb" "$CACHE/root"
rm -f "$deb"
vmlinux=$(ls "$CACHE"/root/boot/vmlinux-* | head -1)
echo "$vmlinux" >"$CACHE/KERNEL"
echo "$pkg $version" >"$CACHE/VERSION"
echo "$CACHE"
