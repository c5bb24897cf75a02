# shellcheck shell=bash
# ICU's data library, libicudata (30 MB, 7 MB compressed: a sixth of the
# boot payload), is in the image only because libxml2 links ICU and
# spice-gtk links libxml2 (for WebDAV folder sharing, which the launcher
# keeps off). Nothing on the station looks anything up in it: libxml2 uses
# ICU only for character sets that glibc's iconv does not know. By default
# the build puts an empty data table in its place (icudata-stub.c), made
# here from the project's source like the launcher. ICU_DATA_STUB=0 keeps
# Debian's library instead.

icu_data_stub() {
	local lib ver
	[ "${ICU_DATA_STUB:-1}" = 0 ] && return 0
	lib=$(find "$ROOT/usr/lib/x86_64-linux-gnu" -maxdepth 1 -name 'libicudata.so.*' | head -n1)
	[ -n "$lib" ] || return 0
	ver=${lib##*.so.}
	cc -O2 -shared -fPIC -nostdlib -DICU_VERSION="$ver" -Wl,-soname,"libicudata.so.$ver" \
		-o "$lib" "$SRC/initramfs/mk/icudata-stub.c" || die "cannot build the ICU data stub"
	say "ICU data: the empty table in place of Debian's libicudata.so.$ver"
}
