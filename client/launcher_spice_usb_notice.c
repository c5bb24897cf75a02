/* USB failure notices: see launcher_spice_usb_notice.h. */
#include "launcher_spice_usb_notice.h"

#include <gio/gio.h>
#include <spice-client.h>

char *launcher_spice_usb_notice_name(const char *name)
{
	g_autofree char *valid = NULL;
	GString *out;
	gboolean space = FALSE;
	glong chars = 0;

	if (!name)
		return g_strdup("");
	valid = g_utf8_make_valid(name, -1);
	out = g_string_new(NULL);
	for (const char *p = valid; *p; p = g_utf8_next_char(p)) {
		gunichar c = g_utf8_get_char(p);

		/* Controls, bidi overrides and other format characters could
		 * reorder or hide the sentence around the name. */
		if (!g_unichar_isprint(c) || g_unichar_isspace(c)) {
			space = out->len > 0;
			continue;
		}
		if (chars >= LAUNCHER_SPICE_USB_NOTICE_NAME_MAX) {
			g_string_append(out, "…");
			break;
		}
		if (space) {
			g_string_append_c(out, ' ');
			chars++;
			space = FALSE;
		}
		g_string_append_unichar(out, c);
		chars++;
	}
	return g_string_free(out, FALSE);
}

/* What happened to the device, by spice-gtk's error. Everything else it
 * reports (the ACL helper, libusb, no free channel) "cannot be used": the
 * user can do nothing about the difference, an admin reads the log. */
static const struct {
	GQuark (*domain)(void);
	int code;
	const char *what;
} launcher_spice_usb_notice_table[] = {
    {spice_client_error_quark, SPICE_CLIENT_ERROR_USB_DEVICE_REJECTED,
     "is not allowed on this desktop."},
    {spice_client_error_quark, SPICE_CLIENT_ERROR_USB_DEVICE_LOST,
     "was disconnected from the desktop."},
};

char *launcher_spice_usb_notice_text(const char *name, const GError *error)
{
	const char *what = "cannot be used on the desktop.";
	g_autofree char *shown = launcher_spice_usb_notice_name(name);

	if (error && g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
		return NULL;
	for (size_t i = 0; error && i < G_N_ELEMENTS(launcher_spice_usb_notice_table); i++) {
		if (error->domain == launcher_spice_usb_notice_table[i].domain() &&
		    error->code == launcher_spice_usb_notice_table[i].code) {
			what = launcher_spice_usb_notice_table[i].what;
			break;
		}
	}
	if (!*shown)
		return g_strdup_printf("This USB device %s", what);
	return g_strdup_printf("The USB device “%s” %s", shown, what);
}
