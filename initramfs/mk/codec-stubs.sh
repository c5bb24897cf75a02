# shellcheck shell=bash
# Stand-ins for libraries that the image's programs link but never call.
#
# Some libraries of the image link others for features a station never
# uses: Debian's libavutil links the Intel Media SDK and OpenCL for
# hardware contexts, libswresample the SoX resampler, and so on. (xfreerdp's
# libavcodec, which linked some 30 codec libraries, is now built for it:
# initramfs/mk/ffmpeg.sh.) They are linked with BIND_NOW, so each symbol
# they import must be found when they load. Each library named in
# initramfs/codec-stubs.list is therefore
# replaced by a stand-in made here, at build time, from the real one on
# the build host: the same soname; exactly the symbols the image's
# libraries import from it, nothing listed by hand; functions that print
# one line naming the library and abort (codec-stub.c), or answer 0 where
# the list says "@zero"; data objects of the real size, zeroed; and the
# symbol versions the importers ask for. A Debian update that changes what
# the importers take changes the stand-ins with it. The build stops when a
# library the list does not name links a stand-in, and checks that
# xfreerdp and the launcher load, every symbol bound, that xfreerdp runs,
# and that libavcodec registers its codecs and has the decoders FreeRDP
# uses (codec-check.c).

CODEC_STUBS_LIST=$SRC/initramfs/codec-stubs.list
declare -a CODEC_STUB_GLOBS=() CODEC_STUB_USERS=()
CODEC_STUB_ZERO=''

codec_stubs_load() {
	local glob rest
	[ -f "$CODEC_STUBS_LIST" ] || die "missing $CODEC_STUBS_LIST"
	CODEC_STUB_GLOBS=()
	CODEC_STUB_USERS=()
	CODEC_STUB_ZERO=''
	while read -r glob rest; do
		case $glob in '' | '#'*) continue ;; esac
		if [ "$glob" = "@zero" ]; then
			CODEC_STUB_ZERO+=" ${rest%%#*}"
			continue
		fi
		[ -n "$rest" ] || die "codec-stubs.list: $glob names no library allowed to link it"
		CODEC_STUB_GLOBS+=("$glob")
		CODEC_STUB_USERS+=("${rest%%#*}")
	done <"$CODEC_STUBS_LIST"
}

# codec_stub_index SONAME: the list's entry for SONAME; fails if none.
codec_stub_index() {
	local i
	[ ${#CODEC_STUB_GLOBS[@]} -gt 0 ] || codec_stubs_load
	for i in "${!CODEC_STUB_GLOBS[@]}"; do
		# shellcheck disable=SC2254 # the list holds globs
		case $1 in ${CODEC_STUB_GLOBS[$i]})
			printf '%s\n' "$i"
			return 0
			;;
		esac
	done
	return 1
}

codec_stub_listed() { codec_stub_index "$1" >/dev/null; }

# codec_stub_symbols REAL SONAME IMPORTER...: one record a line for the
# generator: "D name[@@ver] type size" for each symbol REAL defines,
# "I name[@ver]" for each symbol an importer takes from outside, and
# "V ver" for each version an importer asks SONAME for.
codec_stub_symbols() {
	local real=$1 soname=$2 imp
	shift 2
	readelf -W --dyn-syms "$real" | awk '
		NF >= 8 && $7 != "UND" && $7 != "ABS" &&
		($5 == "GLOBAL" || $5 == "WEAK" || $5 == "UNIQUE") { print "D", $8, $4, $3 }'
	for imp; do
		readelf -W --dyn-syms "$imp" | awk 'NF >= 8 && $7 == "UND" { print "I", $8 }'
		readelf -W -V "$imp" | awk -v so="$soname" '
			/^Version (needs|definition) section/ { need = ($2 == "needs"); file = "" }
			need && $4 == "File:" { file = $5 }
			need && $2 == "Name:" && file == so { print "V", $3 }'
	done
}

# codec_stub_source ASM VERSCRIPT: reads codec_stub_symbols' records and
# writes the stand-in's assembly and its version script (empty when the
# real library has no versions that matter).
codec_stub_source() {
	awk -v asm="$1" -v vs="$2" -v zero="$CODEC_STUB_ZERO" '
	function num(s, n, i) {
		if (s !~ /^0x/)
			return s + 0
		s = tolower(substr(s, 3))
		n = 0
		for (i = 1; i <= length(s); i++)
			n = n * 16 + index("0123456789abcdef", substr(s, i, 1)) - 1
		return n
	}
	function zeroes(name, i) {
		for (i = 1; i <= nz; i++)
			if (name == z[i] || (z[i] ~ /\*$/ && index(name, substr(z[i], 1, length(z[i]) - 1)) == 1))
				return 1
		return 0
	}
	$1 == "D" {
		name = $2; ver = ""
		if ((p = index(name, "@@")) > 0) {
			ver = substr(name, p + 2); name = substr(name, 1, p - 1)
		} else if ((p = index(name, "@")) > 0) {
			# An older, non-default version: only old binaries ask for it.
			old[name "@" substr(name, p + 1)] = 1
			next
		}
		type[name] = $3; size[name] = num($4); dver[name] = ver
		next
	}
	$1 == "I" {
		name = $2; ver = ""
		if ((p = index(name, "@")) > 0) {
			ver = substr(name, p + 1); name = substr(name, 1, p - 1)
		}
		if ((name "@" ver) in old) {
			bad = bad " " name "@" ver
			next
		}
		# Not from this library, or the same name from another one.
		if (!(name in type) || (ver != "" && ver != dver[name]))
			next
		want[name] = 1
		next
	}
	$1 == "V" { needver[$2] = 1; next }
	END {
		nz = split(zero, z, " ")
		if (bad != "") {
			print "imports non-default symbol versions:" bad > "/dev/stderr"
			exit 1
		}
		print "\t.section .note.GNU-stack,\"\",@progbits" > asm
		n = 0
		for (name in want) {
			t = type[name]
			if (dver[name] != "") {
				needver[dver[name]] = 1
				vsyms[dver[name]] = vsyms[dver[name]] " " name ";"
			}
			if (t == "OBJECT" || t == "COMMON" || t == "TLS") {
				print (t == "TLS" ? "\t.section .tbss,\"awT\",@nobits" : "\t.bss") > asm
				printf "\t.globl %s\n\t.type %s, @object\n\t.p2align 5\n%s:\n", name, name, name > asm
				printf "\t.zero %d\n\t.size %s, %d\n", (size[name] > 0 ? size[name] : 1), name, size[name] > asm
			} else if (zeroes(name)) {
				printf "\t.text\n\t.globl %s\n\t.type %s, @function\n\t.p2align 4\n%s:\n", name, name, name > asm
				printf "\txorl %%eax, %%eax\n\tret\n\t.size %s, .-%s\n", name, name > asm
			} else {
				# FUNC, IFUNC, NOTYPE: something to call.
				n++
				printf "\t.section .rodata.str1.1,\"aMS\",@progbits,1\n.Lname%d:\n\t.string \"%s\"\n", n, name > asm
				printf "\t.text\n\t.globl %s\n\t.type %s, @function\n\t.p2align 4\n%s:\n", name, name, name > asm
				printf "\tleaq .Lname%d(%%rip), %%rdi\n\tjmp codec_stub_called\n\t.size %s, .-%s\n", n, name, name > asm
			}
		}
		printf "" > vs
		for (v in needver)
			printf "%s {%s%s };\n", v, (v in vsyms ? " global:" : ""), vsyms[v] > vs
	}'
}

# codec_stub_make REAL SONAME OUT IMPORTER...: builds the stand-in for REAL.
codec_stub_make() {
	local real=$1 soname=$2 out=$3 work
	shift 3
	work=$(mktemp -d)
	codec_stub_symbols "$real" "$soname" "$@" |
		codec_stub_source "$work/stub.s" "$work/stub.ver" ||
		die "cannot make a stand-in for $soname"
	local -a ver=()
	[ -s "$work/stub.ver" ] && ver=("-Wl,--version-script,$work/stub.ver")
	cc -O2 -shared -fPIC -Wl,-soname,"$soname" -Wl,-z,noexecstack "${ver[@]}" \
		-DCODEC_STUB_LIBRARY="\"$soname\"" -o "$out" "$work/stub.s" \
		"$SRC/initramfs/mk/codec-stub.c" || die "cannot build the stand-in for $soname"
	rm -rf "$work"
}

# codec_stubs: puts a stand-in into the root for each library of the list
# that something in the root links (add_library_closure left them out and
# noted their importers in STUB_IMPORTERS, their host paths in STUB_REAL).
codec_stubs() {
	local soname imp idx g ok dest
	local -a importers users names=()
	for soname in "${!STUB_IMPORTERS[@]}"; do
		idx=$(codec_stub_index "$soname") || die "$soname is not in codec-stubs.list"
		read -ra users <<<"${CODEC_STUB_USERS[$idx]}"
		mapfile -t importers < <(printf '%s' "${STUB_IMPORTERS[$soname]}" | sort -u)
		for imp in "${importers[@]}"; do
			ok=0
			for g in "${users[@]}"; do
				# shellcheck disable=SC2254 # the list holds globs
				case ${imp##*/} in $g) ok=1 ;; esac
			done
			[ $ok = 1 ] || die "${imp#"$ROOT"} links $soname, which the image replaces with a" \
				"stand-in that has no code (initramfs/codec-stubs.list allows only: ${users[*]})"
		done
		dest=$ROOT/usr/lib/x86_64-linux-gnu/$soname
		codec_stub_make "${STUB_REAL[$soname]}" "$soname" "$dest" "${importers[@]}"
		names+=("$soname")
	done
	[ ${#names[@]} -eq 0 ] && return 0
	say "stand-ins for ${#names[@]} libraries: $(printf '%s\n' "${names[@]}" | sort | tr '\n' ' ')"
}

# codec_stubs_verify PROGRAM...: each PROGRAM (a path in the root) loads
# with the root's own libraries only, every symbol bound at once, as it
# will on the station. xfreerdp also has to run.
codec_stubs_verify() {
	local prog ld=$ROOT/usr/lib64/ld-linux-x86-64.so.2 libpath out lib work
	libpath=$(find "$ROOT/usr/lib" -path "$ROOT/usr/lib/modules" -prune -o -name '*.so*' \
		-printf '%h\n' | sort -u | paste -sd:)
	for prog; do
		[ -e "$ROOT$prog" ] || continue
		out=$(LD_TRACE_LOADED_OBJECTS=1 LD_WARN=yes LD_BIND_NOW=yes \
			"$ld" --inhibit-cache --library-path "$libpath" "$ROOT$prog" 2>&1) ||
			die "$prog does not load with the image's libraries: $out"
		if grep -Eq 'not found|undefined symbol|version .* not found' <<<"$out" ||
			awk -v r="$ROOT" '$2 == "=>" && index($3, r "/") != 1 { bad = 1 } END { exit !bad }' <<<"$out"; then
			die "$prog does not load with the image's libraries alone:"$'\n'"$out"
		fi
	done
	# libavcodec registers its codecs on first use: it must come through
	# that with the image's libraries and have the decoders FreeRDP uses
	# for video and sound.
	lib=$(find "$ROOT/usr/lib/x86_64-linux-gnu" -maxdepth 1 -name 'libavcodec.so.*' | head -n1)
	if [ -n "$lib" ]; then
		work=$(mktemp -d)
		cc -O2 -o "$work/codec-check" "$SRC/initramfs/mk/codec-check.c" ||
			die "cannot build codec-check"
		out=$(LD_BIND_NOW=1 "$ld" --inhibit-cache --library-path "$libpath" "$work/codec-check" \
			"$lib" h264 aac mp3 gsm_ms adpcm_ms adpcm_ima_wav pcm_alaw pcm_mulaw 2>&1) ||
			die "the image's libavcodec fails with its stand-ins: $out"
		rm -rf "$work"
		say "${out#codec-check: }"
	fi
	# Run with no display, xfreerdp gets as far as opening one and says
	# it cannot: by then every library has loaded, every symbol is bound
	# and every constructor has run.
	if [ -e "$ROOT/usr/bin/xfreerdp" ]; then
		out=$(env -u DISPLAY -u WAYLAND_DISPLAY LD_BIND_NOW=1 "$ld" --inhibit-cache \
			--library-path "$libpath" "$ROOT/usr/bin/xfreerdp" /version 2>&1) || true
		grep -q 'com\.freerdp\.client\.x11.*display' <<<"$out" ||
			die "xfreerdp does not run with the image's libraries: $out"
		say "xfreerdp loads and runs with the image's libraries and ${#STUB_REAL[@]} stand-ins"
	fi
}
