/* USB redirection for one SPICE session, by the broker's policy: devices
 * that the auto-redirect filter allows go to the desktop when the session
 * starts and whenever they are plugged in, unless the deny filter denies
 * them. Failures become short notices; they never stop the session. */
#ifndef LAUNCHER_USB_H
#define LAUNCHER_USB_H

#include <spice-client.h>

/* The defaults when the broker sends no filter: storage, still-image
 * (scanners, cameras) and video classes; never HID. */
#define LAUNCHER_USB_DEFAULT_REDIRECT                                                              \
	"0x03,-1,-1,-1,0|0x08,-1,-1,-1,1|0x06,-1,-1,-1,1|0x0e,-1,-1,-1,1|-1,-1,-1,-1,0"
#define LAUNCHER_USB_DEFAULT_DENY "0x03,-1,-1,-1,0|-1,-1,-1,-1,1"

typedef struct LauncherUsb LauncherUsb;

typedef void (*LauncherUsbNotice)(gpointer user_data, const char *text);

/* Attaches to session before it connects (the manager must exist when the
 * usbredir channels arrive). NULL filters take the defaults. share_cd, when
 * set, is an ISO image offered as a USB CD-ROM (under the same policy).
 * NULL with error when USB redirection is not possible on this station. */
LauncherUsb *launcher_usb_new(SpiceSession *session, const char *redirect_filter,
			      const char *deny_filter, const char *share_cd,
			      LauncherUsbNotice notice, gpointer user_data, GError **error);
void launcher_usb_free(LauncherUsb *u);

/* The filter given to spice-gtk (deny rules first), for logs and tests.
 * Free with g_free; NULL on a bad filter. */
char *launcher_usb_effective_filter(const char *redirect_filter, const char *deny_filter);

#endif
