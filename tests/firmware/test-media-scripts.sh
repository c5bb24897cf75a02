#!/bin/bash
# vdi-test: once
# The media scripts (tools/image/mk-*.sh) on a small made-up station (a
# kernel and initramfs of random bytes, a tiny root tree): they build as an
# ordinary user, fill station.conf from BROKER_URL and BROKER_CA, refuse bad
# input without leaving half-made output, and pack the NFS root as root:root.
# shellcheck source=tests/lib/tap.sh
. "$(dirname "$0")/../lib/tap.sh"
# shellcheck source=tests/lib/qemu.sh
. "$VDI_ROOT/tests/lib/qemu.sh"
# shellcheck source=tests/lib/station.sh
. "$VDI_ROOT/tests/lib/station.sh"
# shellcheck source=tests/lib/broker.sh
. "$VDI_ROOT/tests/lib/broker.sh"

for c in mkfs.fat mcopy syslinux sfdisk grub-mkimage; do
	command -v "$c" >/dev/null || skip_all "$c is not installed (make deps)"
done
export MTOOLS_SKIP_CHECK=1
img_dir=$VDI_ROOT/tools/image

# The made-up station, readable by everyone so that another user can build.
chmod 711 "$T"
fw=$T/fw
mkdir -p "$fw/rootfs/usr/bin" "$fw/rootfs/etc/secret"
head -c 300000 /dev/urandom >"$fw/vmlinuz"
head -c 200000 /dev/urandom >"$fw/initrd.img"
printf '#!/bin/sh\n' >"$fw/rootfs/init"
chmod 755 "$fw/rootfs/init"
ln -s usr/bin "$fw/rootfs/bin"
echo key >"$fw/rootfs/etc/secret/key"
chmod 700 "$fw/rootfs/etc/secret"
chmod -R a+rX "$fw" 2>/dev/null
chmod 700 "$fw/rootfs/etc/secret"
out=$T/out
mkdir -m 777 "$out"

# As an ordinary user when the test runs as root (the scripts must not need
# root: no mounts, no loop devices).
as_user=()
if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null; then
	as_user=(setpriv --reuid=65534 --regid=65534 --clear-groups env HOME="$out")
	chmod 755 "$fw/rootfs/etc/secret"
fi

"${as_user[@]}" "$img_dir/mk-tftpboot.sh" "$fw" "$out/tftpboot" >"$T/log" 2>&1
ok $? "mk-tftpboot.sh builds the tree${as_user:+ as user nobody}" || cat "$T/log" >&2
[ -f "$out/tftpboot/pxelinux.cfg/default" ] && cmp -s "$out/tftpboot/vmlinuz" "$fw/vmlinuz"
ok $? "with the menu and the kernel"

gen_tls "$T/tls" || exit 1
BROKER_URL=https://broker.example.org:8443 BROKER_CA=$T/tls/ca.crt \
	"${as_user[@]}" "$img_dir/mk-sdcard.sh" "$fw" "$out/sd.img" >"$T/log" 2>&1
ok $? "mk-sdcard.sh builds the card${as_user:+ as user nobody}" || cat "$T/log" >&2
off=$(station_fat_offset "$out/sd.img")
mcopy -n -i "$out/sd.img@@$off" ::station.conf ::broker-ca.pem "$T/" 2>/dev/null
is "$(grep -v '^#' "$T/station.conf" | grep .)" \
	"$(printf 'broker = https://broker.example.org:8443\nca = broker-ca.pem')" \
	"BROKER_URL and BROKER_CA are filled in station.conf"
cmp -s "$T/broker-ca.pem" "$T/tls/ca.crt"
ok $? "and the CA is on the card as broker-ca.pem"
is "$(stat -c %s "$out/sd.img")" $((65 * 1048576)) "a small payload makes a 64 MiB partition"

"${as_user[@]}" "$img_dir/mk-nfsroot.sh" "$fw" "$out/nfsroot.tar" >"$T/log" 2>&1
ok $? "mk-nfsroot.sh packs the root${as_user:+ as user nobody}" || cat "$T/log" >&2
is "$(tar --numeric-owner -tvf "$out/nfsroot.tar" | awk '{print $2}' | sort -u | tr '\n' ' ')" \
	"0/0 " "every entry belongs to 0/0"
like "$(tar -tvf "$out/nfsroot.tar" | grep -E ' \./(init|bin -> usr/bin)$' | cut -c1-10 | tr '\n' ' ')" \
	'^lrwxrwxrwx -rwxr-xr-x $' "modes and symlinks are kept"

# Bad input: a clear message, a failure, and the old output left alone.
before=$(md5sum <"$out/sd.img")
BROKER_URL='ftp://x' "$img_dir/mk-sdcard.sh" "$fw" "$out/sd.img" >"$T/log" 2>&1
rc=$?
[ "$rc" -ne 0 ] && grep -q 'BROKER_URL must start with https://' "$T/log"
ok $? "a BROKER_URL that is not http(s) is refused"
BROKER_CA=$fw/vmlinuz "$img_dir/mk-sdcard.sh" "$fw" "$out/sd.img" >"$T/log" 2>&1
rc=$?
[ "$rc" -ne 0 ] && grep -q 'not a readable PEM certificate' "$T/log"
ok $? "a BROKER_CA that is not a PEM certificate is refused"
is "$(md5sum <"$out/sd.img")" "$before" "the card from before is untouched"
"$img_dir/mk-tftpboot.sh" "$T/nothing" "$out/tftpboot" >"$T/log" 2>&1
rc=$?
[ "$rc" -ne 0 ] && grep -q "no firmware folder" "$T/log" && [ -f "$out/tftpboot/pxelinux.0" ]
ok $? "a missing firmware folder is refused, the old tree stays"
printf 'station | net | Station | quiet\nbroken line\n' >"$T/entries.conf"
VDI_BOOT_ENTRIES=$T/entries.conf "$img_dir/mk-tftpboot.sh" "$fw" "$out/tftp2" >"$T/log" 2>&1
rc=$?
[ "$rc" -ne 0 ] && grep -q "entries.conf:2:" "$T/log" && [ ! -e "$out/tftp2" ]
ok $? "a broken boot-entries line is reported as FILE:LINE and nothing is made"
is "$(find "$out" -name '.*' | wc -l)" 0 "no temporary files are left behind"

done_testing
