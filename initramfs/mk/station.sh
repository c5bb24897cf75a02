# shellcheck shell=bash
# The station's own files: the root's skeleton, /init and the boot
# scripts, rootfs-overlay/, and the settings baked in at build time.

# The merged-/usr skeleton. What programs write goes to /run or /tmp (RAM),
# so that the same tree also works as a read-only NFS root.
station_skeleton() {
	local d
	for d in usr/bin usr/sbin usr/lib usr/lib64 dev proc sys run tmp root mnt newroot \
		etc var/cache var/lib/xkb; do
		mkdir -p "$ROOT/$d"
	done
	chmod 1777 "$ROOT/tmp"
	chmod 700 "$ROOT/root"
	ln -sfn usr/bin "$ROOT/bin"
	ln -sfn usr/sbin "$ROOT/sbin"
	ln -sfn usr/lib "$ROOT/lib"
	ln -sfn usr/lib64 "$ROOT/lib64"
	ln -sfn ../run "$ROOT/var/run"
	ln -sfn ../tmp "$ROOT/var/tmp"
	ln -sfn ../run/log "$ROOT/var/log"
	ln -sfn ../proc/self/mounts "$ROOT/etc/mtab"
	ln -sfn ../run/vdi-station/resolv.conf "$ROOT/etc/resolv.conf"
	# The kernel opens /dev/console before /init runs; devtmpfs is not
	# mounted yet then. Creating the node needs root; /init copes without.
	if [ "$(id -u)" = 0 ]; then
		mknod -m 600 "$ROOT/dev/console" c 5 1
		mknod -m 666 "$ROOT/dev/null" c 1 3
	fi
}

station_files() {
	local f
	install -m 755 "$SRC/initramfs/init" "$ROOT/init"
	mkdir -p "$ROOT/usr/lib/vdi-station"
	for f in "$SRC"/initramfs/boot/*; do
		case $f in
		*.sh) install -m 644 "$f" "$ROOT/usr/lib/vdi-station/${f##*/}" ;;
		*) install -m 755 "$f" "$ROOT/usr/lib/vdi-station/${f##*/}" ;;
		esac
	done
	cp -R --no-preserve=ownership "$SRC/rootfs-overlay/." "$ROOT/"
	rm -f "$ROOT/README.md"
	station_baked_config
	# The launcher reports its own version; this names the image.
	{
		printf 'PRETTY_NAME="VDI Station (%s)"\nNAME="VDI Station"\n' "$PROFILE"
		printf 'ID=vdi-station\nID_LIKE=debian\n'
		printf 'VDI_PROFILE=%s\nVDI_KERNEL=%s\n' "$PROFILE" "$KVER"
	} >"$ROOT/etc/os-release"
}

# BROKER_URL and BROKER_CA become the lowest layer of the launcher's
# settings (station.conf, DHCP and the kernel command line override them).
station_baked_config() {
	local conf=$ROOT/etc/vdi-station/launcher.conf
	if [ -n "${BROKER_URL:-}" ]; then
		[[ $BROKER_URL =~ ^https?://[][A-Za-z0-9._~:/?#@!\$\&()*+,\;=%-]+$ ]] ||
			die "BROKER_URL is not an http(s) URL: $BROKER_URL"
		printf 'broker = %s\n' "$BROKER_URL" >>"$conf"
	fi
	if [ -n "${BROKER_CA:-}" ]; then
		[ -f "$BROKER_CA" ] || die "BROKER_CA: no such file: $BROKER_CA"
		grep -q -- '-----BEGIN CERTIFICATE-----' "$BROKER_CA" ||
			die "BROKER_CA is not a PEM certificate: $BROKER_CA"
		install -m 644 "$BROKER_CA" "$ROOT/etc/vdi-station/broker-ca.pem"
		printf 'ca = /etc/vdi-station/broker-ca.pem\n' >>"$conf"
	fi
}
