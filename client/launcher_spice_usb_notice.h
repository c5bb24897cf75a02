/* What the user reads when a USB device cannot go to the desktop: one short
 * sentence naming the device, never a path or a library's error text (those
 * go to the log). The device's name comes from the device itself, so it is
 * treated as hostile: only printable characters, capped in length. */
#ifndef LAUNCHER_SPICE_USB_NOTICE_H
#define LAUNCHER_SPICE_USB_NOTICE_H

#include <glib.h>

/* The longest device name shown, in characters. */
#define LAUNCHER_SPICE_USB_NOTICE_NAME_MAX 40

/* The notice for a failed redirection of the device called name (as
 * spice-gtk describes it; NULL or empty when unknown), or NULL when the
 * failure needs none (cancelled: the session is ending). Free with g_free. */
char *launcher_spice_usb_notice_text(const char *name, const GError *error);

/* name made fit to show: valid UTF-8, control and format characters as
 * spaces, runs of spaces as one, trimmed, at most
 * LAUNCHER_SPICE_USB_NOTICE_NAME_MAX characters. "" when nothing is left. */
char *launcher_spice_usb_notice_name(const char *name);

#endif
