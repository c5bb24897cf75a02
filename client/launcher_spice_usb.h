/* USB redirection for one SPICE session, by the broker's policy: devices
 * that the auto-redirect filter allows go to the desktop when the session
 * starts and whenever they are plugged in, unless the deny filter denies
 * them. Failures become short notices; they never stop the session. */
#ifndef LAUNCHER_SPICE_USB_H
#define LAUNCHER_SPICE_USB_H

#include <spice-client.h>

#include "launcher_viewer.h"

typedef struct LauncherSpiceUsb LauncherSpiceUsb;

typedef void (*LauncherSpiceUsbNotice)(gpointer user_data, const char *text);

/* Attaches to session before it connects (the manager must exist when the
 * usbredir channels arrive). NULL filters take the defaults. share_cd, when
 * set, is an ISO image offered as a USB CD-ROM (under the same policy).
 * NULL with error when USB redirection is not possible on this station. */
LauncherSpiceUsb *launcher_spice_usb_new(SpiceSession *session, const char *redirect_filter,
					 const char *deny_filter, const char *share_cd,
					 LauncherSpiceUsbNotice notice, gpointer user_data,
					 GError **error);
void launcher_spice_usb_free(LauncherSpiceUsb *u);

/* The filter given to spice-gtk (deny rules first), for logs and tests.
 * Free with g_free; NULL on a bad filter. */
char *launcher_spice_usb_effective_filter(const char *redirect_filter, const char *deny_filter);

#endif
