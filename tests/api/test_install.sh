#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# tests/api: libioda as another program sees it.  The build is installed into
# a scratch root (meson install --destdir); tests/api/api.c is compiled as
# strict C11 beside libpci, tests/api/api.cpp as C++17, with nothing but
# `pkg-config --cflags --libs ioda` from there, linked to the shared library
# and run.  Usage: test_install.sh BUILDDIR SRCDIR [CFLAGS]
# (CFLAGS: the sanitizer the library was built with).
set -eu
build=$1 src=$2 extra=${3:-}
root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
fail() { echo "test_install: $*" >&2; exit 1; }
meson install -C "$build" --destdir "$root" --no-rebuild --quiet >/dev/null
pc=$(dirname "$(find "$root" -name ioda.pc | head -1)")
export PKG_CONFIG_PATH="$pc" PKG_CONFIG_SYSROOT_DIR="$root"
lib=$(dirname "$(find "$root" -name 'libioda.so.0' | head -1)")
inc=$(dirname "$(find "$root" -name libioda.h | head -1)")
# One header: the rooms' own headers stay in the tree.
[ -z "$(find "$inc" -name '*.h' ! -name libioda.h)" ] ||
	fail "headers other than libioda.h installed: $(find "$inc" -name '*.h' ! -name libioda.h)"
# Only libioda.h's functions are exported (tools/gen_symbols.py).
! nm -D --defined-only "$lib/libioda.so.0" | grep -q ' T bootlog_' ||
	fail "libioda exports a private function"
nm -D --defined-only "$lib/libioda.so.0" | grep -q ' T ioda_advise@' ||
	fail "libioda does not export ioda_advise"
# The API reference (Doxygen), where the build made one: man 3 libioda.
if [ -d "$build/docs/api/man3" ]; then
	[ -n "$(find "$root" -name libioda.h.3)" ] || fail "no libioda.h(3) installed"
	[ -n "$(find "$root" -name ioda_advice.3)" ] || fail "no ioda_advice(3) installed"
fi
strict="-Wall -Wextra -Werror -pedantic"
# $extra is word-split on purpose: it is a list of flags.
# shellcheck disable=SC2086
cc -std=c11 $strict $extra -o "$root/api" "$src/tests/api/api.c" \
	$(pkg-config --cflags --libs ioda libpci)
# shellcheck disable=SC2086
c++ -std=c++17 $strict $extra -o "$root/api++" "$src/tests/api/api.cpp" \
	$(pkg-config --cflags --libs ioda)
LD_LIBRARY_PATH="$lib" "$root/api" >"$root/out.txt" || fail "api failed: $(tail -3 "$root/out.txt")"
grep -q '^  1fb ' "$root/out.txt" || fail "api's PE table has no PE#1fb"
LD_LIBRARY_PATH="$lib" "$root/api++" | grep -q '^api++: 8 PHBs, [1-9][0-9]* PEs under 5.12' || fail "api++ failed"
echo "test_install: C11 and C++17 programs built against $(pkg-config --modversion ioda) from $root, ran"
