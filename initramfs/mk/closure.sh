# shellcheck shell=bash
# The run-time closure check: every program and data file that something in
# the image runs or opens by path, which no linker sees, must be in the
# finished root (initramfs/closure.list says which, and why). A missing one
# stops the build here rather than showing on a station as "no keyboard"
# or "USB device could not be redirected".

CLOSURE_LIST=$SRC/initramfs/closure.list

# closure_resolve PATH: PATH inside $ROOT with the root's own symlinks
# followed, relative or absolute, as the station would follow them.
closure_resolve() {
	local path=$1 rest part target out='' hops=0
	rest=${path#/}
	while [ -n "$rest" ]; do
		part=${rest%%/*}
		if [ "$part" = "$rest" ]; then
			rest=''
		else
			rest=${rest#*/}
		fi
		case $part in
		'' | .) continue ;;
		..)
			out=${out%/*}
			continue
			;;
		esac
		if [ -L "$ROOT$out/$part" ]; then
			hops=$((hops + 1))
			[ $hops -le 40 ] || return 1
			target=$(readlink "$ROOT$out/$part")
			case $target in
			/*) out='' ;;
			esac
			rest=${target#/}${rest:+/$rest}
		else
			out=$out/$part
		fi
	done
	printf '%s\n' "$ROOT${out:-/}"
}

# closure_check_one CHECK FILE: 0 when FILE (a host path in the root)
# passes CHECK.
closure_check_one() {
	local check=$1 f=$2
	[ -f "$f" ] || return 1
	case $check in
	file) [ -s "$f" ] ;;
	exec) [ -x "$f" ] ;;
	driver=*)
		# An uncommented Driver line naming it (Xorg's syntax: keyword,
		# blanks, the name quoted).
		grep -Eq "^[[:space:]]*Driver[[:space:]]+\"${check#driver=}\"" "$f"
		;;
	*) die "closure.list: unknown check '$check'" ;;
	esac
}

# closure_check: checks every line that applies to this profile's viewers
# (has_viewer, build.sh). Dies naming each missing path and why it is needed.
closure_check() {
	local when check path why f n=0 failed=()
	[ -f "$CLOSURE_LIST" ] || die "missing $CLOSURE_LIST"
	while read -r when check path why; do
		case $when in '' | '#'*) continue ;; esac
		if [ -z "$path" ] || [ -z "$why" ]; then
			die "closure.list: malformed line: $when $check $path"
		fi
		[[ $path == /* ]] || die "closure.list: not an absolute path: $path"
		case $when in
		all) ;;
		spice | rdp | vnc) has_viewer "$when" || continue ;;
		*) die "closure.list: unknown WHEN '$when' for $path" ;;
		esac
		n=$((n + 1))
		f=$(closure_resolve "$path") || f=''
		if [ -z "$f" ] || ! closure_check_one "$check" "$f"; then
			failed+=("$path fails '$check': $why")
		fi
	done <"$CLOSURE_LIST"
	if [ ${#failed[@]} -gt 0 ]; then
		printf 'image: run-time closure: %s\n' "${failed[@]}" >&2
		die "${#failed[@]} of the $n files a station runs or opens by path are missing or wrong (initramfs/closure.list)"
	fi
	say "$PROFILE: run-time closure: $n files present"
}
