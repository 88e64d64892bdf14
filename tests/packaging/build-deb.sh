#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Build the .deb from a copy of the source tree (build output, .git and
# node_modules left out) into OUT_DIR, and print its path as the last line.
# A package already in OUT_DIR built from the same files is reused, so the
# packaging tests of one run build it once.
#   build-deb.sh SOURCE_DIR OUT_DIR
set -euo pipefail

source_dir="$(cd "$1" && pwd)"
out="$2"
mkdir -p "$out"
out="$(cd "$out" && pwd)"

version="$(sed -n "s/^\s*version : '\([^']*\)'.*/\1/p" "$source_dir/meson.build" | head -1)"
arch="$(dpkg --print-architecture)"
[ -n "$version" ] || { echo "FAIL: cannot read the version from meson.build" >&2; exit 1; }
changelog_version="$(cd "$source_dir" && dpkg-parsechangelog -S Version)"
[ "$changelog_version" = "$version" ] ||
	{ echo "FAIL: debian/changelog says $changelog_version but meson.build says $version" >&2; exit 1; }

work="$(mktemp -d /tmp/wcam-debsrc.XXXXXX)"
trap 'rm -rf "$work"' EXIT
tree="$work/webrtc-camera-$version"
mkdir "$tree"
excludes=(--exclude=./.git --exclude=./tests/e2e/node_modules --exclude='./obj-*'
	--exclude=./debian/webrtc-camera --exclude=./debian/.debhelper --exclude=./debian/tmp)
# Any meson build directory inside the checkout (build/, builddir/...).
while IFS= read -r private; do
	excludes+=(--exclude="./$(dirname "${private#"$source_dir"/}")")
done < <(find "$source_dir" -mindepth 2 -maxdepth 2 -name meson-private -type d)
tar -C "$source_dir" "${excludes[@]}" -cf - . | tar -C "$tree" -xf -

# What the package is built from: every file's path and content.
digest="$(cd "$tree" && find . -type f -print0 | sort -z | xargs -0 sha256sum | sha256sum | cut -d' ' -f1)"
deb="$out/webrtc-camera_${version}_${arch}.deb"
if [ -f "$deb" ] && [ "$(cat "$out/source.sha256" 2>/dev/null)" = "$digest" ]; then
	echo "reusing $(basename "$deb"), built from the same files"
	echo "$deb"
	exit 0
fi
rm -f "$out"/*.deb "$out/source.sha256"
echo "source tree: $(du -sh "$tree" | cut -f1)"

# nocheck: the unit tests run in the same test run already.
(cd "$tree" && env -u MAKEFLAGS -u MFLAGS DEB_BUILD_OPTIONS="nocheck parallel=$(nproc)" \
	dpkg-buildpackage -us -uc -b) >"$out/build.log" 2>&1 ||
	{ tail -n 80 "$out/build.log" >&2; echo "FAIL: dpkg-buildpackage failed" >&2; exit 1; }
[ -f "$work/$(basename "$deb")" ] || { ls "$work" >&2; echo "FAIL: $(basename "$deb") was not built" >&2; exit 1; }
mv "$work"/*.deb "$out/"
echo "$digest" >"$out/source.sha256"
grep -E "^ (dpkg-deb: building|.*test.*(Ok|OK):)" "$out/build.log" | tail -n 5 || true
echo "$deb"
