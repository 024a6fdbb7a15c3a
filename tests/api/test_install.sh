#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# tests/api: libioda as another program sees it.  The build is installed into
# a scratch root (meson install --destdir), tests/api/api.c is compiled with
# nothing but `pkg-config --cflags --libs ioda` from there, linked to the
# shared library, and run.  Usage: test_install.sh BUILDDIR SRCDIR [CFLAGS]
# (CFLAGS: the sanitizer the library was built with).
set -eu
build=$1 src=$2 extra=${3:-}
root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
meson install -C "$build" --destdir "$root" --no-rebuild --quiet >/dev/null
pc=$(dirname "$(find "$root" -name ioda.pc | head -1)")
export PKG_CONFIG_PATH="$pc" PKG_CONFIG_SYSROOT_DIR="$root"
lib=$(dirname "$(find "$root" -name 'libioda.so.0' | head -1)")
cc -std=gnu11 -Wall -Werror $extra -o "$root/api" "$src/tests/api/api.c" \
	$(pkg-config --cflags --libs ioda)
# Only the public headers' functions are exported (tools/gen_symbols.py).
if nm -D --defined-only "$lib/libioda.so.0" | grep -q ' T bootlog_'; then
	echo "test_install: libioda exports a private function" >&2
	exit 1
fi
LD_LIBRARY_PATH="$lib" "$root/api" >"$root/out.txt"
grep -q 'PE#1fb' "$root/out.txt" || grep -q '1fb' "$root/out.txt"
echo "test_install: built against $(pkg-config --modversion ioda) from $root, ran"
