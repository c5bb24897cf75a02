/* USB for RDP sessions, by the broker's usbredir policy. xfreerdp takes USB
 * devices by vendor and product (urbdrc) and storage as drives, not filters,
 * so the policy is applied here: storage the policy allows becomes drive
 * redirection of removable media (plugged in before or during the session),
 * and other devices present when the session starts go by their IDs.
 * Devices the deny filter denies never go; HID never goes by default. */
#ifndef LAUNCHER_RDP_USB_H
#define LAUNCHER_RDP_USB_H

#include <glib.h>

typedef struct {
	gboolean storage; /* redirect removable drives (/drive:hotplug) */
	char *usb_ids;	  /* "VID:PID#VID:PID" for /usb:id:, or NULL */
} LauncherRdpUsb;

/* Reads the USB devices under sysroot's /sys/bus/usb/devices and decides.
 * NULL filters take the launcher's defaults. */
void launcher_rdp_usb_plan(const char *sysroot, const char *redirect_filter,
			   const char *deny_filter, LauncherRdpUsb *out);
void launcher_rdp_usb_clear(LauncherRdpUsb *u);

#endif
