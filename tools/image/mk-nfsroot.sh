#!/bin/bash
# mk-nfsroot.sh FWDIR OUT.tar
#
# The station's root file system (FWDIR/rootfs, from initramfs/build.sh) as
# a tar archive for an NFS server: unpacked as root into the export, every
# file belongs to root:root whoever built it. Stations boot it with the
# "NFS root" menu entry (root=/dev/nfs nfsroot=SERVER:/PATH, see pxe/boot-entries.conf
# and docs/operations.md). Runs as any user.
set -euo pipefail

# shellcheck source=tools/image/lib.sh
. "$(dirname "$0")/lib.sh"

[ $# -eq 2 ] || media_die "usage: ${0##*/} FWDIR OUT.tar"
fw=$1
out=$2
[ -d "$fw/rootfs" ] || media_die "no $fw/rootfs (build it with initramfs/build.sh)"
media_need tar

mkdir -p "$(dirname "$out")"
tmp=$(mktemp "$(dirname "$out")/.nfsroot.XXXXXX")
trap 'rm -f "$tmp"' EXIT

# Names sorted and owners fixed, so the same tree gives the same archive.
tar --create --file="$tmp" --format=gnu --sort=name \
	--owner=0 --group=0 --numeric-owner \
	--directory="$fw/rootfs" . || media_die "tar failed"
chmod 644 "$tmp"
mv "$tmp" "$out"
trap - EXIT
echo "${0##*/}: $out ready ($(du -h "$out" | cut -f1))"
