# shellcheck shell=bash
# initrd.img: two cpio archives one after the other, which the kernel
# unpacks into its initramfs in turn:
#   1. root.sqfs, the whole root as a squashfs image (already compressed,
#      so this archive is not);
#   2. stage0-init as /init, klibc's tools and the loop and squashfs
#      modules, compressed.
# At boot stage0-init mounts root.sqfs and switches to it. The root stays
# compressed in RAM; only the pages in use are unpacked, into the page
# cache, which the kernel can drop again.

# The squashfs's compression: xz (smallest, the default) or zstd (faster
# to unpack, about 15 % larger).
squashfs_image() {
	local out=$1
	local -a comp
	case $COMPRESS in
	# BCJ: a filter that makes x86 code compress better.
	xz) comp=(-comp xz -Xbcj x86 -Xdict-size 100%) ;;
	zstd) comp=(-comp zstd -Xcompression-level 19) ;;
	*) die "COMPRESS must be xz or zstd, not $COMPRESS" ;;
	esac
	rm -f "$out"
	mksquashfs "$ROOT" "$out" "${comp[@]}" -b 1M -all-root -no-xattrs -noappend -quiet \
		-no-progress >/dev/null
}

# cpio_of DIR: a newc archive of DIR on stdout, every file owned by root.
cpio_of() {
	(cd "$1" && find . -mindepth 1 -print0 | LC_ALL=C sort -z |
		cpio --null -o -H newc -R 0:0 --reproducible --quiet)
}

# The first stage: klibc's tools (a shell, mount, losetup, run-init; some
# 200 KB) rather than a second busybox.
stage0_tree() {
	local dir=$1 m f
	rm -rf "$dir"
	mkdir -p "$dir/usr/lib/klibc/bin" "$dir/lib/modules" "$dir/dev" "$dir/proc" "$dir/sys"
	ln -s usr/lib/klibc/bin "$dir/bin"
	install -m 755 "$SRC/initramfs/stage0-init" "$dir/init"
	for f in sh mount losetup insmod mkdir sleep run-init; do
		cp /usr/lib/klibc/bin/$f "$dir/usr/lib/klibc/bin/"
	done
	cp /lib/klibc-*.so "$dir/lib/"
	for m in drivers/block/loop.ko fs/squashfs/squashfs.ko; do
		cp "$KTREE/lib/modules/$KVER/kernel/$m" "$dir/lib/modules/"
	done
	if [ "$(id -u)" = 0 ]; then
		mknod -m 600 "$dir/dev/console" c 5 1
	fi
}

pack_initrd() {
	local out=$1 work=$2
	mkdir -p "$work/image"
	squashfs_image "$work/image/root.sqfs"
	stage0_tree "$work/stage0"
	{
		cpio_of "$work/image"
		# A small dictionary: the kernel allocates all of it while unpacking.
		cpio_of "$work/stage0" | xz -T1 --check=crc32 --lzma2=preset=9e,dict=1MiB
	} >"$out.new"
	mv -f "$out.new" "$out"
	# shellcheck disable=SC2034 # reported by build.sh
	SQFS_BYTES=$(stat -c %s "$work/image/root.sqfs")
	rm -rf "$work"
}
