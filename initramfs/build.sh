#!/bin/bash
# Builds the station image for one hardware profile.
#
#   initramfs/build.sh PROFILE OUTDIR
#
# Environment: VDI_BUILD (absolute path of build/, with bin/vdi-launcher, and
# novnc/bin/vdi-launcher for profiles without VNC; downloads are cached in
# $VDI_BUILD/cache), BROKER_URL and BROKER_CA
# (optional, baked into /etc/vdi-station/launcher.conf), COMPRESS (the root
# image's: xz or zstd; the profile's "set compress=" line, else xz), ICU_DATA_STUB (0 keeps Debian's ICU
# data; see initramfs/mk/icu.sh).
#
# Writes OUTDIR/vmlinuz, OUTDIR/initrd.img, OUTDIR/rootfs/ (the same tree,
# unpacked, for an NFS root), OUTDIR/kernel-version and OUTDIR/size.txt.
# Nothing is rebuilt when no input changed. See docs/station-image.md.
set -euo pipefail

SRC=$(cd "$(dirname "$0")/.." && pwd)
MK=$SRC/initramfs/mk
# shellcheck source=initramfs/mk/common.sh
. "$MK/common.sh"
# shellcheck source=initramfs/mk/fetch.sh
. "$MK/fetch.sh"
# shellcheck source=initramfs/mk/modules.sh
. "$MK/modules.sh"
# shellcheck source=initramfs/mk/userland.sh
. "$MK/userland.sh"
# shellcheck source=initramfs/mk/station.sh
. "$MK/station.sh"
# shellcheck source=initramfs/mk/codec-stubs.sh
. "$MK/codec-stubs.sh"
# shellcheck source=initramfs/mk/ffmpeg.sh
. "$MK/ffmpeg.sh"
# shellcheck source=initramfs/mk/icu.sh
. "$MK/icu.sh"
# shellcheck source=initramfs/mk/pack.sh
. "$MK/pack.sh"
# shellcheck source=initramfs/mk/closure.sh
. "$MK/closure.sh"

[ $# -eq 2 ] || die "usage: initramfs/build.sh PROFILE OUTDIR"
PROFILE=$1
# Absolute: some tools below take paths relative to folders of their own.
OUT=$(realpath -m "$2")
PROFILE_FILE=$SRC/initramfs/profiles/$PROFILE
[ -f "$PROFILE_FILE" ] || die "no profile '$PROFILE' in initramfs/profiles/"
: "${VDI_BUILD:?VDI_BUILD must be the absolute path of build/}"
# The viewers the image carries: "set viewers=" in the profile, a comma
# list of spice (always), rdp (xfreerdp) and vnc (gtk-vnc, linked into the
# launcher: without it the launcher is the one built with
# LAUNCHER_NO_VNC).
VIEWERS=$(profile_setting "$PROFILE_FILE" viewers)
VIEWERS=${VIEWERS:-spice,rdp,vnc}
has_viewer() { [[ ,$VIEWERS, == *,$1,* ]]; }
for v in ${VIEWERS//,/ }; do
	case $v in spice | rdp | vnc) ;; *) die "$PROFILE: unknown viewer '$v' (set viewers=spice,rdp,vnc)" ;; esac
done
has_viewer spice || die "$PROFILE: the launcher always carries the SPICE viewer (set viewers=spice,...)"
if has_viewer vnc; then
	LAUNCHER=$VDI_BUILD/bin/vdi-launcher
	[ -x "$LAUNCHER" ] || die "no $LAUNCHER; run make build first"
	[[ $(needed "$LAUNCHER") == *libgtk-vnc-2* ]] || die "$LAUNCHER is built without VNC"
else
	LAUNCHER=$VDI_BUILD/novnc/bin/vdi-launcher
	[ -x "$LAUNCHER" ] || die "no $LAUNCHER; run make firmware PROFILE=$PROFILE"
	[[ $(needed "$LAUNCHER") != *libgtk-vnc-2* ]] || die "$LAUNCHER links gtk-vnc"
fi
# spice-gtk runs its USB ACL helper for every device (userland_launcher).
USB_ACL_HELPER=$VDI_BUILD/bin/vdi-usb-acl-helper
[ -x "$USB_ACL_HELPER" ] || die "no $USB_ACL_HELPER; run make build first"
COMPRESS=${COMPRESS:-$(profile_setting "$PROFILE_FILE" compress)}
COMPRESS=${COMPRESS:-xz}
CACHE=$VDI_BUILD/cache
export LC_ALL=C

resolve_kernel
resolve_chrony

# Everything the image is made from; the same hash means the same image.
inputs_hash() {
	{
		printf '%s\n' "$PROFILE" "${BROKER_URL:-}" "$COMPRESS" "${ICU_DATA_STUB:-1}" \
			"$KDEB" "$CHRONY_DEB"
		[ -n "${BROKER_CA:-}" ] && sha256sum "$BROKER_CA"
		sha256sum "$LAUNCHER" "$USB_ACL_HELPER" /var/lib/dpkg/status
		(cd "$SRC" && find initramfs rootfs-overlay branding -type f -printf '%m %p\n' -exec sha256sum {} + | sort)
	} | sha256sum | cut -d' ' -f1
}
hash=$(inputs_hash)
if [ -f "$OUT/.inputs" ] && [ "$(cat "$OUT/.inputs")" = "$hash" ] &&
	[ -f "$OUT/initrd.img" ] && [ -f "$OUT/vmlinuz" ] && [ -d "$OUT/rootfs" ]; then
	say "$PROFILE: up to date ($OUT)"
	exit 0
fi

mkdir -p "$OUT"
rm -f "$OUT/.inputs"
ROOT=$OUT/rootfs.new
rm -rf "$ROOT"
mkdir -p "$ROOT"

say "$PROFILE: kernel $KPKG $KVER_PKG; viewers $VIEWERS"
kernel_tree "$KDEB"
station_skeleton
# The overlay first: fc-cache reads the root's fonts.conf. It goes in again
# at the end, so that its files win over the packages'.
station_files
userland_busybox
userland_udev
userland_xorg
userland_launcher
userland_chrony
if has_viewer rdp; then
	userland_rdp
	ffmpeg_slim_avcodec
fi
station_files
install_modules "$PROFILE_FILE"
add_library_closure
codec_stubs
strip_root
icu_data_stub
codec_stubs_verify /usr/bin/vdi-launcher /usr/bin/xfreerdp
# Last: what is run or opened by path, now that every file is in place.
closure_check

say "$PROFILE: packing ($COMPRESS)"
rm -rf "$OUT/rootfs"
mv "$ROOT" "$OUT/rootfs"
ROOT=$OUT/rootfs
pack_initrd "$OUT/initrd.img" "$OUT/pack.tmp"
cp "$KTREE/boot/vmlinuz-$KVER" "$OUT/vmlinuz.new"
mv -f "$OUT/vmlinuz.new" "$OUT/vmlinuz"
printf '%s\n' "$KVER" >"$OUT/kernel-version"

kbytes=$(stat -c %s "$OUT/vmlinuz")
ibytes=$(stat -c %s "$OUT/initrd.img")
rbytes=$(du -sb "$OUT/rootfs" | cut -f1)
{
	printf 'kernel %s\n' "$kbytes"
	printf 'initrd %s\n' "$ibytes"
	printf 'payload %s\n' "$((kbytes + ibytes))"
	printf 'rootfs %s\n' "$rbytes"
	printf 'squashfs %s\n' "$SQFS_BYTES"
} >"$OUT/size.txt"
printf '%s\n' "$hash" >"$OUT/.inputs"
say "$PROFILE: kernel $kbytes + initrd $ibytes = $((kbytes + ibytes)) bytes (root unpacked: $rbytes)"
