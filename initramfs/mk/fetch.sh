# shellcheck shell=bash
# Debian packages the image takes but the build host does not install: the
# kernel (installing one on the host would touch its boot loader) and chrony
# (its package would start a time service on the host). They are downloaded
# with apt into $CACHE/debs once and unpacked into $CACHE/unpacked.

# apt_download PKG[=VERSION]: the path of the cached .deb, downloading it if
# needed.
apt_download() {
	local spec=$1 pkg=${1%%=*} ver='' f
	[ "$spec" != "$pkg" ] && ver=${spec#*=}
	mkdir -p "$CACHE/debs"
	f=$(cached_deb "$pkg" "$ver")
	if [ -z "$f" ]; then
		say "downloading $spec"
		# The index may be older than the mirror; refresh it once on failure.
		(cd "$CACHE/debs" && apt-get -qq -o APT::Sandbox::User=root download "$spec") ||
			{ apt-get -qq update && (cd "$CACHE/debs" &&
				apt-get -qq -o APT::Sandbox::User=root download "$spec"); } ||
			die "cannot download $spec"
		f=$(cached_deb "$pkg" "$ver")
	fi
	[ -n "$f" ] || die "downloaded $spec but cannot find it in $CACHE/debs"
	printf '%s\n' "$f"
}

# cached_deb PKG [VERSION]: the cached .deb of PKG (that VERSION, else the
# newest), or nothing.
cached_deb() {
	local pkg=$1 ver=${2:-} f v best='' bestv=''
	for f in "$CACHE/debs/${pkg}"_*.deb; do
		[ -e "$f" ] || continue
		v=$(dpkg-deb -f "$f" Version)
		if [ -n "$ver" ]; then
			[ "$v" = "$ver" ] && best=$f
		elif [ -z "$bestv" ] || dpkg --compare-versions "$v" gt "$bestv"; then
			best=$f bestv=$v
		fi
	done
	printf '%s' "$best"
}

# candidate PKG: the version apt would install, or nothing when offline
# without package lists.
candidate() {
	apt-cache policy "$1" 2>/dev/null | awk '$1 == "Candidate:" && $2 != "(none)" { print $2 }'
}

# unpack DEB: the folder DEB is unpacked in (done once).
unpack() {
	local deb=$1 dir
	dir=$CACHE/unpacked/$(basename "$deb" .deb)
	if [ ! -e "$dir/.done" ]; then
		rm -rf "$dir"
		mkdir -p "$dir"
		dpkg-deb -x "$deb" "$dir"
		touch "$dir/.done"
	fi
	printf '%s\n' "$dir"
}

# resolve_kernel: sets KPKG, KVER_PKG (package version), KDEB. The
# metapackage linux-image-amd64 depends on exactly one versioned kernel.
resolve_kernel() {
	local dep
	dep=$(apt-cache show --no-all-versions linux-image-amd64 2>/dev/null |
		sed -n 's/^Depends: \(linux-image-[^ ,]*\) (= \([^)]*\)).*/\1=\2/p' | head -n1)
	if [ -n "$dep" ]; then
		KDEB=$(apt_download "$dep")
	else
		# No package lists (offline): the newest kernel already in the cache.
		KDEB=$(find "$CACHE/debs" -name 'linux-image-*-amd64_*.deb' -printf '%T@ %p\n' 2>/dev/null |
			sort -rn | head -n1 | cut -d' ' -f2-)
		[ -n "$KDEB" ] || die "cannot resolve linux-image-amd64 (no apt lists, nothing cached)"
	fi
	# shellcheck disable=SC2034 # used by build.sh
	KPKG=$(dpkg-deb -f "$KDEB" Package)
	# shellcheck disable=SC2034
	KVER_PKG=$(dpkg-deb -f "$KDEB" Version)
}

# resolve_chrony: sets CHRONY_DEB.
resolve_chrony() {
	local v
	v=$(candidate chrony)
	# shellcheck disable=SC2034 # used by userland.sh
	CHRONY_DEB=$(apt_download "chrony${v:+=$v}")
}
