#!/bin/bash
# Readers for the boot media's menus, for the media tests. Each prints
# one line per menu entry, so that tests compare menus as data.
#
#   syslinux_entries CFG      ID<tab>LABEL<tab>KERNEL<tab>INITRD<tab>APPEND<tab>IPAPPEND
#   syslinux_labels CFG       "ID|LABEL;" for each entry, in order
#   syslinux_params CFG ID    the APPEND line of entry ID
#   grub_entries CFG          ID<tab>LABEL<tab>PARAMETERS of each menuentry
#   ipxe_entries SCRIPT       ID<tab>LABEL<tab>PARAMETERS of each boot.ipxe item
#   same_params CFG ENTRIES EXTRA   IDs in ENTRIES (as grub_entries prints)
#                             whose parameters are not CFG's (pxelinux) same
#                             entry's APPEND followed by EXTRA; nothing when
#                             they all agree
#   pe_kind FILE              "x86-64 efi-app" for an x86-64 EFI program

# shellcheck shell=bash

syslinux_entries() {
	awk '
		function flush() {
			if (id != "") printf "%s\t%s\t%s\t%s\t%s\t%s\n", id, label, kernel, initrd, append, ipappend
			id = label = kernel = initrd = append = ipappend = ""
		}
		{ sub(/^[ \t]+/, "") }
		toupper($1) == "LABEL" { flush(); id = $2; next }
		toupper($1) == "MENU" && toupper($2) == "LABEL" { sub(/^[^ ]+ +[^ ]+ +/, ""); label = $0; next }
		toupper($1) == "KERNEL" || toupper($1) == "LINUX" { kernel = $2; next }
		toupper($1) == "INITRD" { initrd = $2; next }
		toupper($1) == "APPEND" { sub(/^[^ ]+ +/, ""); append = $0; next }
		toupper($1) == "IPAPPEND" { ipappend = $2; next }
		END { flush() }' "$1"
}

syslinux_labels() {
	syslinux_entries "$1" | awk -F'\t' '{ printf "%s|%s;", $1, $2 }'
}

syslinux_params() {
	syslinux_entries "$1" | awk -F'\t' -v id="$2" '$1 == id { print $5 }'
}

grub_entries() {
	awk '
		/^menuentry / {
			label = $0; sub(/^menuentry \047/, "", label); sub(/\047.*/, "", label)
			id = $0; sub(/.*--id /, "", id); sub(/ .*/, "", id)
		}
		/^[ \t]*linux / {
			p = $0; sub(/^[ \t]*linux +[^ ]+ */, "", p)
			printf "%s\t%s\t%s\n", id, label, p
		}' "$1"
}

ipxe_entries() {
	awk '
		/^item / { l = $0; sub(/^item [^ ]+ /, "", l); sub(/ \|\| .*/, "", l); labels[$2] = l }
		/^:/ { id = substr($0, 2) }
		/^kernel / {
			p = $0; sub(/^kernel +[^ ]+ */, "", p); sub(/ *\|\| .*$/, "", p)
			sub(/^initrd=[^ ]+ */, "", p)
			printf "%s\t%s\t%s\n", id, labels[id], p
		}' "$1"
}

same_params() {
	local cfg=$1 entries=$2 extra=$3 id params want
	while IFS=$'\t' read -r id _ params; do
		want=$(syslinux_params "$cfg" "$id")
		[ -n "$extra" ] && want="$want $extra"
		[ "$params" = "$want" ] || echo "$id: '$params' is not '$want'"
	done <"$entries"
}

pe_kind() {
	perl -e '
		open my $f, "<:raw", $ARGV[0] or exit 1;
		local $/; my $b = <$f>;
		exit 1 unless substr($b, 0, 2) eq "MZ";
		my $pe = unpack "V", substr($b, 0x3c, 4);
		exit 1 unless substr($b, $pe, 4) eq "PE\0\0";
		my $machine = unpack "v", substr($b, $pe + 4, 2);
		my $magic = unpack "v", substr($b, $pe + 24, 2);
		my $subsys = unpack "v", substr($b, $pe + 24 + 68, 2);
		printf "%s %s\n", $machine == 0x8664 && $magic == 0x20b ? "x86-64" : sprintf("machine-%x", $machine),
			$subsys == 10 ? "efi-app" : "subsystem-$subsys";' "$1"
}
