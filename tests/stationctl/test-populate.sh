#!/bin/bash
# stationctl populate against a real libvirtd (tests/lib/libvirt.sh): N
# domains on qcow2 overlays of one initial image, each with its own UUID
# and MAC, defined and shut off; a rerun refuses and changes nothing; a
# failure half-way removes what the run had made.
# shellcheck source=tests/lib/tap.sh
. "$(dirname "$0")/../lib/tap.sh"
# shellcheck source=tests/lib/libvirt.sh
. "$VDI_ROOT/tests/lib/libvirt.sh"

CTL=$VDI_BUILD/bin/stationctl
command -v qemu-img >/dev/null || skip_all "qemu-img (qemu-utils) is not installed"
libvirt_skip_unless_usable

plan 37

IMG=$T/images
mkdir -p "$IMG"
qemu-img create -q -f qcow2 "$IMG/base.qcow2" 16M
ok $? "a small initial image"

TPL=$T/desk.xml
cat >"$TPL" <<'XML'
<domain type='qemu'>
  <name>model</name>
  <uuid>0c6a3f4e-6b1f-4b1e-9a55-2f0d7c1e8a11</uuid>
  <memory unit='MiB'>64</memory>
  <os><type arch='x86_64' machine='pc'>hvm</type></os>
  <devices>
    <disk type='file' device='disk'>
      <driver name='qemu' type='raw'/>
      <source file='/nonexistent/model.img'/>
      <target dev='vda' bus='virtio'/>
    </disk>
    <disk type='file' device='cdrom'>
      <target dev='hdc' bus='ide'/>
      <readonly/>
    </disk>
    <interface type='user'>
      <mac address='52:54:00:11:22:33'/>
      <model type='virtio'/>
    </interface>
    <interface type='user'>
      <model type='e1000'/>
    </interface>
    <graphics type='spice' autoport='yes' passwd='unused' passwdValidTo='2000-01-01T00:00:00'>
      <listen type='address' address='127.0.0.1'/>
    </graphics>
  </devices>
</domain>
XML

"$CTL" populate --uri "$LIBVIRT_URI" --image "$IMG/base.qcow2" --template "$TPL" \
	--prefix desk --count 3 --dir "$IMG" >"$T/out" 2>&1
ok $? "populate --count 3"
like "$(cat "$T/out")" 'defined desk-3 ' "  ... reports each domain"

names=$(lvirsh list --all --name | sort | tr '\n' ' ')
is "$names" "desk-1 desk-2 desk-3 " "three domains, named desk-1..3"
for i in 1 2 3; do
	is "$(lvirsh domstate "desk-$i")" "shut off" "desk-$i is shut off"
	lvirsh dominfo "desk-$i" | grep -Eq '^Persistent: +yes'
	ok $? "desk-$i is persistent"
	info=$(qemu-img info --output=json "$IMG/desk-$i.qcow2")
	like "$info" "\"backing-filename\": \"$IMG/base.qcow2\"" \
		"desk-$i.qcow2 has base.qcow2 as backing file"
	like "$info" '"backing-filename-format": "qcow2"' "  ... of format qcow2"
	lvirsh dumpxml "desk-$i" >"$T/desk-$i.xml"
done

# What each domain's XML says.
xq() { xmllint --xpath "$1" "$2" 2>/dev/null; }
is "$(xq "string(//disk[@device='disk']/source/@file)" "$T/desk-2.xml")" "$IMG/desk-2.qcow2" \
	"desk-2's disk is its own overlay"
is "$(xq "string(//disk[@device='disk']/driver/@type)" "$T/desk-2.xml")" qcow2 "  ... as qcow2"
is "$(xq "count(//disk[@device='cdrom'])" "$T/desk-2.xml")" 1 "the CD-ROM drive is kept"
uuids=$(for i in 1 2 3; do xq 'string(/domain/uuid)' "$T/desk-$i.xml"; echo; done)
is "$(sort -u <<<"$uuids" | grep -c .)" 3 "three distinct UUIDs"
grep -q 0c6a3f4e <<<"$uuids"
is $? 1 "  ... none of them the template's"
macs=$(for i in 1 2 3; do
	xq '//interface/mac/@address' "$T/desk-$i.xml" | grep -o '52:54:00:[0-9a-f:]*'
done)
is "$(grep -c . <<<"$macs")" 6 "two MACs per domain"
is "$(sort -u <<<"$macs" | grep -c .)" 6 "  ... all distinct"
grep -q 52:54:00:11:22:33 <<<"$macs"
is $? 1 "  ... none of them the template's"

# --- a rerun refuses, naming every conflict, and changes nothing ---
sum_before=$(md5sum "$IMG"/desk-*.qcow2)
"$CTL" populate --uri "$LIBVIRT_URI" --image "$IMG/base.qcow2" --template "$TPL" \
	--prefix desk --count 4 --dir "$IMG" >"$T/out" 2>&1
is $? 7 "rerun: refused with exit 7 (exists)"
like "$(cat "$T/out")" 'domain desk-3 exists already' "  ... naming the domains"
like "$(cat "$T/out")" "desk-1.qcow2 exists already" "  ... and the overlays"
[ ! -e "$IMG/desk-4.qcow2" ] && ! lvirsh dominfo desk-4 >/dev/null 2>&1
ok $? "  ... and made no desk-4"
is "$(md5sum "$IMG"/desk-*.qcow2)" "$sum_before" "  ... the overlays are untouched"

# --- help and bad input ---
"$CTL" populate --help >"$T/out" 2>&1
like "$(cat "$T/out")" '^usage: stationctl \[OPTIONS\] populate --uri URI' "populate --help prints its usage"
"$CTL" populate --uri "$LIBVIRT_URI" --image "$IMG/base.qcow2" --template "$TPL" \
	--prefix x --count 0 >"$T/out" 2>&1
is $? 1 "--count 0 is refused"
"$CTL" populate --uri "$LIBVIRT_URI" --image "$IMG/base.qcow2" --template "$TPL" \
	--prefix 'bad/name' --count 1 >"$T/out" 2>&1
is $? 1 "a prefix with a slash is refused"
printf '<domain><name>x</name><devices/></domain>' >"$T/nodisk.xml"
"$CTL" populate --uri "$LIBVIRT_URI" --image "$IMG/base.qcow2" --template "$T/nodisk.xml" \
	--prefix nd --count 1 >"$T/out" 2>&1
like "$(cat "$T/out")" "exactly one <disk device='disk'>" "a template without a disk is refused"

# --- a failure half-way: the overlay folder fills up at the third overlay ---
# A 500 KiB tmpfs holds two overlays of this image (196 KiB each) but not
# a third, so qemu-img fails after two domains were defined.
FULL=$T/full
mkdir -p "$FULL"
if mount -t tmpfs -o size=500k tmpfs "$FULL" 2>/dev/null; then
	at_exit "umount '$FULL'"
	"$CTL" populate --uri "$LIBVIRT_URI" --image "$IMG/base.qcow2" --template "$TPL" \
		--prefix half --count 4 --dir "$FULL" >"$T/out" 2>&1
	rc=$?
	[ "$rc" -ne 0 ] && grep -q 'defined half-2 ' "$T/out"
	ok $? "a run that fails after half-2 exits non-zero ($rc)"
	like "$(cat "$T/out")" 'cannot create .*half-3' "  ... saying what failed"
	is "$(lvirsh list --all --name | grep -c '^half-')" 0 "  ... and no half-* domain is left"
	is "$(find "$FULL" -name 'half-*' | wc -l)" 0 "  ... nor any overlay"
else
	for _ in 1 2 3 4; do
		ok 0 "# SKIP cannot mount a small tmpfs here"
	done
fi
