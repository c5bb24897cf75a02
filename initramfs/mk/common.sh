# shellcheck shell=bash
# Helpers shared by the image build steps: messages, and copying files of
# the build host's Debian packages into the staged root. The root is
# merged-/usr like Debian 12: /bin, /sbin, /lib and /lib64 are symlinks into
# /usr, so every file is placed under its /usr path.

say() { printf 'image: %s\n' "$*" >&2; }
die() {
	printf 'image: error: %s\n' "$*" >&2
	exit 1
}

# usr_path PATH: where a host path belongs in the merged-/usr root.
usr_path() {
	case $1 in
	/bin/* | /sbin/* | /lib/* | /lib64/*) printf '/usr%s\n' "$1" ;;
	*) printf '%s\n' "$1" ;;
	esac
}

# put SRC [DEST]: copy a host file (symlinks followed) into $ROOT.
put() {
	local src=$1 dest
	dest=$ROOT$(usr_path "${2:-$1}")
	[ -e "$src" ] || die "missing on the build host: $src (see tools/deps.d/firmware-image.list)"
	mkdir -p "${dest%/*}"
	cp -L --preserve=mode "$src" "$dest"
}

# put_tree SRC DEST [FIND ARGS...]: copy a host folder, symlinks followed,
# optionally only the files FIND ARGS select.
put_tree() {
	local src=$1 dest=$2 f
	shift 2
	[ -d "$src" ] || die "missing on the build host: $src"
	while IFS= read -r -d '' f; do
		put "$f" "$dest/${f#"$src"/}"
	done < <(find -L "$src" -type f "$@" -print0)
}

# link TARGET NAME: a symlink NAME (a path in the root) pointing at TARGET.
link() {
	mkdir -p "$ROOT$(dirname "$2")"
	ln -sfn "$1" "$ROOT$2"
}

is_elf() {
	local magic=
	LC_ALL=C IFS= read -r -n 4 magic <"$1" 2>/dev/null
	[ "$magic" = $'\x7fELF' ]
}

# Every ELF file in the root (kernel modules aside).
root_elves() {
	local f
	while IFS= read -r -d '' f; do
		is_elf "$f" && printf '%s\n' "$f"
	done < <(find "$ROOT" -path "$ROOT/usr/lib/modules" -prune -o -type f -print0)
}

# needed FILE: the sonames FILE names as DT_NEEDED.
needed() {
	readelf -d "$1" 2>/dev/null | sed -n 's/.*(NEEDED).*\[\(.*\)\]$/\1/p'
}

# Adds the shared libraries every ELF file in the root needs. Where each
# one is comes from the build host's loader (ldd follows RUNPATH and the
# loader's own search list, which a hand-made resolver would have to copy);
# which ones go in is a walk over DT_NEEDED that stops at the libraries
# codec-stubs.sh replaces, so that what only they need stays out. Their
# importers are left in STUB_IMPORTERS (soname -> root paths), their host
# paths in STUB_REAL. Libraries that are only dlopen()ed must have been
# put into the root by the caller.
add_library_closure() {
	local f lib soname path dest missing=() queue=()
	declare -A where=() seen=()
	declare -gA STUB_IMPORTERS=() STUB_REAL=()
	while IFS= read -r f; do
		queue+=("$f")
		while read -r soname path; do
			if [ "$path" = "not-found" ]; then
				missing+=("${f#"$ROOT"}: $soname")
			else
				where[$soname]=$path
			fi
		done < <(ldd "$f" 2>/dev/null | awk '
			$2 == "=>" && $3 == "not" { print $1, "not-found"; next }
			$2 == "=>" && $3 ~ /^\// { print $1, $3 }')
	done < <(root_elves)
	[ ${#missing[@]} -eq 0 ] || die "libraries not found: ${missing[*]}"
	while [ ${#queue[@]} -gt 0 ]; do
		f=${queue[-1]}
		unset 'queue[-1]'
		for soname in $(needed "$f"); do
			case $soname in
			ld-linux-x86-64.so.2) continue ;;
			esac
			if codec_stub_listed "$soname"; then
				STUB_IMPORTERS[$soname]+="$f"$'\n'
				STUB_REAL[$soname]=${where[$soname]:-}
				[ -n "${STUB_REAL[$soname]}" ] || die "the build host has no $soname"
				continue
			fi
			[ -n "${seen[$soname]:-}" ] && continue
			seen[$soname]=1
			lib=${where[$soname]:-}
			[ -n "$lib" ] || die "${f#"$ROOT"} needs $soname, which the build host's loader does not find"
			dest=$ROOT$(usr_path "$lib")
			[ -e "$dest" ] || put "$lib"
			queue+=("$dest")
		done
	done
	# The ELF interpreter is /lib64/ld-linux-x86-64.so.2; Debian keeps the
	# real file next to libc.
	put /lib/x86_64-linux-gnu/ld-linux-x86-64.so.2
	link ../lib/x86_64-linux-gnu/ld-linux-x86-64.so.2 /usr/lib64/ld-linux-x86-64.so.2
}

strip_root() {
	local f
	while IFS= read -r f; do
		strip --strip-unneeded "$f" 2>/dev/null || say "not stripped: ${f#"$ROOT"}"
	done < <(root_elves)
}
