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

# Adds the shared libraries every ELF file in the root needs, as the build
# host's loader resolves them (ldd follows RUNPATH and the loader's own
# search list, which a hand-made resolver would have to copy). Libraries
# that are only dlopen()ed must have been put into the root by the caller.
add_library_closure() {
	local f lib missing=()
	declare -A seen=()
	while IFS= read -r f; do
		while read -r lib; do
			case $lib in
			'not found '*) missing+=("${f#"$ROOT"}: ${lib#not found }") ;;
			/lib64/ld-linux-x86-64.so.2 | /usr/lib64/ld-linux-x86-64.so.2) ;;
			/*) seen[$lib]=1 ;;
			esac
		done < <(ldd "$f" 2>/dev/null | awk '
			/=> not found/ { print "not found " $1; next }
			$2 == "=>" && $3 ~ /^\// { print $3; next }
			$1 ~ /^\// { print $1 }')
	done < <(root_elves)
	[ ${#missing[@]} -eq 0 ] || die "libraries not found: ${missing[*]}"
	for lib in "${!seen[@]}"; do
		[ -e "$ROOT$(usr_path "$lib")" ] || put "$lib"
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
