/* USB policy for RDP sessions: see launcher_rdp_usb.h. */
#include "launcher_rdp_usb.h"

#include <stdlib.h>

#include "launcher_file.h"
#include "launcher_viewer.h"
#include "log.h"
#include "usb_filter.h"

#define RDP_USB_STORAGE_CLASS 0x08
#define RDP_USB_MAX_IDS	      32

static int launcher_rdp_usb_hex(const char *dir, const char *name)
{
	g_autofree char *path = g_build_filename(dir, name, NULL);
	g_autofree char *text = NULL;
	char *end;
	long v;

	if (!g_file_get_contents(path, &text, NULL, NULL))
		return -1;
	v = strtol(text, &end, 16);
	return end == text || v < 0 || v > 0xffff ? -1 : (int)v;
}

/* A device whose own class is 0 says what it is in its interfaces: the
 * first interface's class stands for it (a USB stick, a scanner). */
static int launcher_rdp_usb_class(const char *dir, const char *devname)
{
	int cls = launcher_rdp_usb_hex(dir, "bDeviceClass");

	if (cls == 0) {
		g_autofree char *intf = g_strdup_printf("%s/%s:1.0", dir, devname);
		cls = launcher_rdp_usb_hex(intf, "bInterfaceClass");
	}
	return cls;
}

void launcher_rdp_usb_plan(const char *sysroot, const char *redirect_filter,
			   const char *deny_filter, LauncherRdpUsb *out)
{
	g_autofree char *root = launcher_file_under(sysroot, "/sys/bus/usb/devices");
	g_autoptr(GDir) dir = NULL;
	g_autoptr(GString) ids = g_string_new(NULL);
	struct usb_filter redirect, deny, combined;
	char err[96];
	const char *name;
	int n = 0;

	memset(out, 0, sizeof(*out));
	if (usb_filter_parse(redirect_filter ? redirect_filter : LAUNCHER_USB_DEFAULT_REDIRECT,
			     &redirect, err, sizeof(err)) < 0 ||
	    usb_filter_parse(deny_filter ? deny_filter : LAUNCHER_USB_DEFAULT_DENY, &deny, err,
			     sizeof(err)) < 0 ||
	    usb_filter_combine(&deny, &redirect, &combined) < 0) {
		/* A policy that cannot be read redirects nothing. */
		log_event(LOG_WARN, "usb_policy", "protocol", "rdp", "error", err, NULL);
		return;
	}
	out->storage =
	    usb_filter_check(&combined, RDP_USB_STORAGE_CLASS, -1, -1, -1, FALSE) ? TRUE : FALSE;
	dir = g_dir_open(root, 0, NULL);
	while (dir && (name = g_dir_read_name(dir)) && n < RDP_USB_MAX_IDS) {
		g_autofree char *d = NULL;
		int cls, vid, pid, ver;

		/* Devices only: "1-2", not hubs' "usb1" or interfaces "1-2:1.0". */
		if (strchr(name, ':') || g_str_has_prefix(name, "usb"))
			continue;
		d = g_build_filename(root, name, NULL);
		cls = launcher_rdp_usb_class(d, name);
		vid = launcher_rdp_usb_hex(d, "idVendor");
		pid = launcher_rdp_usb_hex(d, "idProduct");
		ver = launcher_rdp_usb_hex(d, "bcdDevice");
		if (cls < 0 || vid < 0 || pid < 0 || cls == 0x09 /* hub */)
			continue;
		/* Storage goes as a drive, which needs no driver on the desktop
		 * and survives the stick being pulled and plugged again. */
		if (cls == RDP_USB_STORAGE_CLASS)
			continue;
		if (!usb_filter_check(&combined, cls, vid, pid, ver, FALSE))
			continue;
		g_string_append_printf(ids, "%s%04x:%04x", ids->len ? "#" : "", vid, pid);
		n++;
	}
	if (ids->len)
		out->usb_ids = g_string_free(g_steal_pointer(&ids), FALSE);
	log_event(LOG_INFO, "usb_policy", "protocol", "rdp", "drives", out->storage ? "yes" : "no",
		  "devices", out->usb_ids ? out->usb_ids : "none", NULL);
}

void launcher_rdp_usb_clear(LauncherRdpUsb *u)
{
	g_clear_pointer(&u->usb_ids, g_free);
}
