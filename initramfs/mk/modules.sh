# shellcheck shell=bash
# Kernel modules for a profile. A profile (initramfs/profiles/NAME) lists
# what a station of that kind needs, one item a line:
#   drivers/net/ethernet/*    modules whose path under kernel/ matches the
#                             pattern (* also matches /)
#   virtio_net                one module by name
# and a pattern after "!" leaves modules out that a pattern matched (their
# dependencies still come when something else needs them). Lines starting
# with "set " are build settings (profile_setting), not modules; one of
# them, "set modules=OTHER", adds the module lines of profile OTHER.
# The selection is closed over modules.dep and the soft dependencies, copied
# into the root, and indexed with depmod.

# kernel_tree DEB: unpacks the kernel package and indexes all its modules
# once; sets KTREE (the unpacked package) and KVER (the release, 6.1.0-N-amd64).
kernel_tree() {
	KTREE=$(unpack "$1")
	KVER=$(basename "$(find "$KTREE/lib/modules" -mindepth 1 -maxdepth 1 -type d | head -n1)")
	if [ -z "$KVER" ] || [ ! -f "$KTREE/boot/vmlinuz-$KVER" ]; then
		die "no kernel in $1"
	fi
	if [ ! -e "$KTREE/.depmod" ]; then
		depmod -b "$KTREE" "$KVER"
		touch "$KTREE/.depmod"
	fi
}

# profile_setting PROFILE NAME: the value of a "set NAME=VALUE" line.
profile_setting() {
	sed -n "s/^set[[:space:]]\{1,\}$2=\([^[:space:]#]*\).*/\1/p" "$1" | tail -n1
}

# select_modules PROFILE: prints the module paths (kernel/...) to install.
select_modules() {
	local profile=$1 mdir=$KTREE/lib/modules/$KVER line path name dep other
	local -a include=() exclude=() names=() lists=("$1")
	local -A dep_of=() by_name=() chosen=() softdeps=()

	other=$(profile_setting "$profile" modules)
	if [ -n "$other" ]; then
		[ -f "${profile%/*}/$other" ] || die "${profile##*/}: set modules=$other: no such profile"
		lists+=("${profile%/*}/$other")
	fi
	while IFS= read -r line; do
		line=${line%%#*}
		line=${line//[[:space:]]/}
		case $line in
		'' | set*) ;;
		!*) exclude+=("${line#!}") ;;
		*/*) include+=("$line") ;;
		*) names+=("${line//-/_}") ;;
		esac
	done < <(cat "${lists[@]}")

	while IFS= read -r line; do
		path=${line%%:*}
		dep_of[$path]=${line#*:}
		name=${path##*/}
		name=${name%%.ko*}
		by_name[${name//-/_}]=$path
	done <"$mdir/modules.dep"
	while read -r _ name line; do
		softdeps[${name//-/_}]=$line
	done < <(grep '^softdep ' "$mdir/modules.softdep" 2>/dev/null)

	local -a queue=()
	for path in "${!dep_of[@]}"; do
		local rel=${path#kernel/} pat hit=0
		for pat in "${include[@]}"; do
			# shellcheck disable=SC2053 # the pattern is meant to glob
			[[ $rel == $pat ]] && hit=1 && break
		done
		[ $hit = 1 ] || continue
		for pat in "${exclude[@]}"; do
			# shellcheck disable=SC2053
			[[ $rel == $pat ]] && hit=0 && break
		done
		[ $hit = 1 ] && queue+=("$path")
	done
	for name in "${names[@]}"; do
		path=${by_name[$name]:-}
		if [ -z "$path" ]; then
			# Built into this kernel, or gone from it: say so, go on.
			grep -q "/${name}.ko" "$mdir/modules.builtin" 2>/dev/null ||
				grep -q "/${name//_/-}.ko" "$mdir/modules.builtin" 2>/dev/null ||
				say "profile ${profile##*/}: no module $name in $KVER"
			continue
		fi
		queue+=("$path")
	done

	while [ ${#queue[@]} -gt 0 ]; do
		path=${queue[-1]}
		unset 'queue[-1]'
		[ -n "${chosen[$path]:-}" ] && continue
		chosen[$path]=1
		for dep in ${dep_of[$path]}; do
			queue+=("$dep")
		done
		name=${path##*/}
		name=${name%%.ko*}
		for dep in ${softdeps[${name//-/_}]:-}; do
			case $dep in
			pre: | post:) ;;
			*) [ -n "${by_name[${dep//-/_}]:-}" ] && queue+=("${by_name[${dep//-/_}]}") ;;
			esac
		done
	done
	printf '%s\n' "${!chosen[@]}" | sort
}

# install_modules PROFILE: copies the profile's modules and the kernel's
# module metadata into the root, then runs depmod there.
install_modules() {
	local profile=$1 src=$KTREE/lib/modules/$KVER dst=$ROOT/usr/lib/modules/$KVER path n=0
	local -a chosen
	mkdir -p "$dst"
	mapfile -t chosen < <(select_modules "$profile")
	for path in "${chosen[@]}"; do
		mkdir -p "$dst/${path%/*}"
		cp "$src/$path" "$dst/$path"
		n=$((n + 1))
	done
	# The load order of the modules that are here, and what is built in.
	grep -Fxf <(printf '%s\n' "${chosen[@]}") "$src/modules.order" >"$dst/modules.order" || true
	cp "$src/modules.builtin" "$src/modules.builtin.modinfo" "$dst/"
	depmod -b "$ROOT" "$KVER"
	# kmod (udev's module loader and modprobe) reads the binary indexes;
	# the text copies are for people.
	rm -f "$dst/modules.alias" "$dst/modules.symbols"
	say "profile ${profile##*/}: $n modules ($(du -sh "$dst" | cut -f1))"
}
