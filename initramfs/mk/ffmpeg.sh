# shellcheck shell=bash
# A small libavcodec for xfreerdp, built from Debian's own FFmpeg source.
#
# Debian's libavcodec.so.59 carries every codec FFmpeg has (15 MB) and
# links some 30 codec libraries; FreeRDP opens only a few decoders. This
# step builds libavcodec from the source package of exactly the version
# installed on the build host, Debian's patches applied, with those
# decoders only. It keeps the soname and the LIBAVCODEC_59 symbol version,
# and runs with the image's (Debian's) libavutil.so.57, which it alone
# links. The source is fetched with apt under a private configuration
# (its own source list, package lists and cache in $CACHE/apt-src; the
# host's apt setup is not touched): apt checks the signed Release files
# and each file's hash. The result is cached in $CACHE/ffmpeg, keyed by
# the version and this file, so only the first build compiles.
#
# What FreeRDP 2.11 asks for (libfreerdp/codec/h264_ffmpeg.c and
# dsp_ffmpeg.c, as Debian builds it: no VA-API, no experimental formats):
# the H.264 decoder and parser for the GFX AVC420/444 codecs; the AAC,
# GSM 6.10, A-law, mu-law and 8/16-bit PCM decoders for sound; A-law,
# mu-law and PCM encoders for the microphone. MP3 and the MS and IMA
# ADPCM decoders are kept for the formats FreeRDP lists as experimental.

FFMPEG_DECODERS=h264,aac,aac_latm,mp3,gsm_ms,adpcm_ms,adpcm_ima_wav,adpcm_ima_oki
FFMPEG_DECODERS+=,pcm_alaw,pcm_mulaw,pcm_u8,pcm_u16le,pcm_s16le
FFMPEG_ENCODERS=pcm_alaw,pcm_mulaw,pcm_u8,pcm_u16le,pcm_s16le
FFMPEG_PARSERS=h264

# ffmpeg_configure_flags: one configure option a line.
ffmpeg_configure_flags() {
	printf '%s\n' --prefix=/usr --libdir=/usr/lib/x86_64-linux-gnu \
		--enable-shared --disable-static --disable-programs --disable-doc \
		--disable-everything --disable-avdevice --disable-avformat \
		--disable-avfilter --disable-postproc --disable-swscale \
		--disable-swresample --disable-network --disable-autodetect \
		--enable-pthreads --enable-x86asm --disable-debug --optflags=-O2 \
		--enable-decoder="$FFMPEG_DECODERS" --enable-encoder="$FFMPEG_ENCODERS" \
		--enable-parser="$FFMPEG_PARSERS"
}

# ffmpeg_apt ARGS...: apt-get with the private source list and state.
ffmpeg_apt() {
	local dir=$CACHE/apt-src
	mkdir -p "$dir/lists/partial" "$dir/cache/archives/partial"
	cat >"$dir/sources.list" <<-'EOF'
		deb-src http://deb.debian.org/debian bookworm main
		deb-src http://deb.debian.org/debian bookworm-updates main
		deb-src http://security.debian.org/debian-security bookworm-security main
	EOF
	apt-get -q -o Dir::Etc::SourceList="$dir/sources.list" \
		-o Dir::Etc::SourceParts=/dev/null -o Dir::State::Lists="$dir/lists" \
		-o Dir::Cache="$dir/cache" -o APT::Sandbox::User=root "$@"
}

# ffmpeg_source VERSION: the unpacked source tree of ffmpeg VERSION
# (downloaded and unpacked once).
ffmpeg_source() {
	local ver=$1 up dir src dsc
	up=${ver#*:}
	dir=$CACHE/apt-src/src
	src=$dir/ffmpeg-${up%-*}
	if [ ! -e "$src/.done" ]; then
		dsc=$dir/ffmpeg_$up.dsc
		if [ ! -f "$dsc" ]; then
			say "downloading the source of ffmpeg $ver"
			mkdir -p "$dir"
			ffmpeg_apt -qq update >&2 || die "apt-get update (deb-src) failed"
			(cd "$dir" && ffmpeg_apt -qq source --download-only "ffmpeg=$ver") >&2 ||
				die "cannot download the source of ffmpeg $ver"
		fi
		[ -f "$dsc" ] || die "apt fetched no $dsc"
		rm -rf "$src"
		dpkg-source --no-copy -x "$dsc" "$src" >&2 || die "cannot unpack $dsc"
		touch "$src/.done"
	fi
	printf '%s\n' "$src"
}

# ffmpeg_avcodec: the path of the cached slim libavcodec.so.59 for the
# installed libavcodec59, building it if needed.
ffmpeg_avcodec() {
	local ver key out src bld start
	local -a flags
	ver=$(dpkg-query -W -f='${Version}' libavcodec59 2>/dev/null) ||
		die "libavcodec59 is not installed (freerdp2-x11 needs it)"
	key=$({
		printf '%s\n' "$ver"
		ffmpeg_configure_flags
		sha256sum "$MK/ffmpeg.sh" | cut -d' ' -f1
	} | sha256sum | cut -c1-16)
	out=$CACHE/ffmpeg/$key
	if [ ! -f "$out/libavcodec.so.59" ]; then
		start=$(date +%s)
		src=$(ffmpeg_source "$ver")
		command -v nasm >/dev/null || die "no nasm (see tools/deps.d/firmware-image.list)"
		bld=$CACHE/ffmpeg/build
		rm -rf "$bld" "$out"
		mkdir -p "$bld"
		say "building libavcodec $ver (decoders $FFMPEG_DECODERS)"
		mapfile -t flags < <(ffmpeg_configure_flags)
		(cd "$bld" && "$src/configure" "${flags[@]}" >configure.log 2>&1) ||
			die "FFmpeg's configure failed (see $bld/configure.log, $bld/ffbuild/config.log)"
		make -C "$bld" -j2 >"$bld/make.log" 2>&1 ||
			die "building libavcodec failed (see $bld/make.log)"
		mkdir -p "$out"
		strip --strip-unneeded -o "$out/libavcodec.so.59" "$bld/libavcodec/libavcodec.so.59"
		rm -rf "$bld"
		say "libavcodec built in $(($(date +%s) - start)) s"
	fi
	# The soname and version Debian's programs link against.
	[[ $(readelf -d "$out/libavcodec.so.59") == *'Library soname: [libavcodec.so.59]'* ]] ||
		die "$out/libavcodec.so.59 has the wrong soname"
	[[ $(readelf -W -V "$out/libavcodec.so.59") == *'Name: LIBAVCODEC_59'* ]] ||
		die "$out/libavcodec.so.59 has no LIBAVCODEC_59 symbols"
	printf '%s\n' "$out/libavcodec.so.59"
}

# ffmpeg_slim_avcodec: puts the slim libavcodec into the root, where
# add_library_closure then finds it instead of Debian's.
ffmpeg_slim_avcodec() {
	local lib
	lib=$(ffmpeg_avcodec)
	mkdir -p "$ROOT$MA"
	cp "$lib" "$ROOT$MA/libavcodec.so.59"
	say "libavcodec: FFmpeg's own decoders for FreeRDP, $(stat -c %s "$lib") bytes"
}
