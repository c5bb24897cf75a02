/* What the user reads when a USB device cannot go to the desktop: a plain
 * sentence naming the device, never the library's words or a path, and a
 * device name that cannot smuggle control or bidi characters in. */
#include <gio/gio.h>
#include <spice-client.h>
#include <string.h>

#include "launcher_spice_usb_notice.h"

#define HELPER "/usr/libexec/spice-client-glib-usb-acl-helper"

/* Table-driven: the error spice-gtk reports (domain NULL: none), the device
 * name, the notice (NULL: none). */
static const struct {
	const char *domain;
	int code;
	const char *message, *name, *notice;
} notice_cases[] = {
    /* The station without the ACL helper, as issue reports saw it. */
    {"spawn", G_SPAWN_ERROR_NOENT,
     "Failed to execute child process \"" HELPER "\" (No such file or directory)",
     "QEMU USB HARDDRIVE", "The USB device “QEMU USB HARDDRIVE” cannot be used on the desktop."},
    /* The helper's own refusal, as spice-gtk wraps it. */
    {"spice", SPICE_CLIENT_ERROR_FAILED,
     "Error setting USB device node ACL: 'Error the device is gone'", "SanDisk Cruzer",
     "The USB device “SanDisk Cruzer” cannot be used on the desktop."},
    {"spice", SPICE_CLIENT_ERROR_FAILED, "Unexpected EOF reading from acl helper stdout",
     "SanDisk Cruzer", "The USB device “SanDisk Cruzer” cannot be used on the desktop."},
    {"spice", SPICE_CLIENT_ERROR_FAILED,
     "Could not redirect /dev/bus/usb/001/004: LIBUSB_ERROR_ACCESS", "Kingston DataTraveler",
     "The USB device “Kingston DataTraveler” cannot be used on the desktop."},
    {"spice", SPICE_CLIENT_ERROR_FAILED, "No free USB channel", "Canon LiDE 220",
     "The USB device “Canon LiDE 220” cannot be used on the desktop."},
    {"spice", SPICE_CLIENT_ERROR_USB_DEVICE_REJECTED, "Device rejected by the host filter",
     "Logitech Webcam", "The USB device “Logitech Webcam” is not allowed on this desktop."},
    {"spice", SPICE_CLIENT_ERROR_USB_DEVICE_LOST, "USB device disconnected", "SanDisk Cruzer",
     "The USB device “SanDisk Cruzer” was disconnected from the desktop."},
    {"spice", SPICE_CLIENT_ERROR_USB_SERVICE, "usbdk service error", "X",
     "The USB device “X” cannot be used on the desktop."},
    /* Cancelled: the session is ending, nothing to say. */
    {"io", G_IO_ERROR_CANCELLED, "Setting USB device node ACL cancelled", "SanDisk Cruzer", NULL},
    {"io", G_IO_ERROR_PERMISSION_DENIED, "open /dev/bus/usb/002/003: Permission denied",
     "SanDisk Cruzer", "The USB device “SanDisk Cruzer” cannot be used on the desktop."},
    /* No name, or nothing printable in it. */
    {"spice", SPICE_CLIENT_ERROR_FAILED, "boom", NULL,
     "This USB device cannot be used on the desktop."},
    {"spice", SPICE_CLIENT_ERROR_USB_DEVICE_REJECTED, "boom", " \t\n\x01 ",
     "This USB device is not allowed on this desktop."},
    /* A hostile product string. */
    {"spice", SPICE_CLIENT_ERROR_FAILED, "boom", "Evil\nStick\x1b[2J\r\u202eexe.txt",
     "The USB device “Evil Stick [2J exe.txt” cannot be used on the desktop."},
    {NULL, 0, NULL, "SanDisk Cruzer",
     "The USB device “SanDisk Cruzer” cannot be used on the desktop."},
};

static GQuark notice_domain(const char *name)
{
	if (!strcmp(name, "spice"))
		return SPICE_CLIENT_ERROR;
	if (!strcmp(name, "spawn"))
		return G_SPAWN_ERROR;
	return G_IO_ERROR;
}

static void test_notice_table(void)
{
	for (size_t i = 0; i < G_N_ELEMENTS(notice_cases); i++) {
		g_autoptr(GError) error = NULL;
		g_autofree char *text = NULL;

		if (notice_cases[i].domain)
			error = g_error_new_literal(notice_domain(notice_cases[i].domain),
						    notice_cases[i].code, notice_cases[i].message);
		text = launcher_spice_usb_notice_text(notice_cases[i].name, error);
		g_test_message("case %zu: %s", i, text ? text : "(none)");
		g_assert_cmpstr(text, ==, notice_cases[i].notice);
		/* Never the library's words, never a path. */
		if (text && notice_cases[i].message) {
			g_assert_null(strstr(text, notice_cases[i].message));
			g_assert_null(strchr(text, '/'));
		}
	}
}

static const struct {
	const char *raw, *shown;
} name_cases[] = {
    {NULL, ""},
    {"", ""},
    {"SanDisk Cruzer Blade", "SanDisk Cruzer Blade"},
    {"  padded   name  ", "padded name"},
    {"tab\tand\nnewline", "tab and newline"},
    {"bidi \u202eevil\u202c", "bidi evil"},
    {"zero\u200bwidth", "zero width"},
    {"bad \xff\xfe utf8", "bad \uFFFD\uFFFD utf8"},
    {"Grüße Stick", "Grüße Stick"},
    /* 40 characters, then an ellipsis. */
    {"0123456789012345678901234567890123456789", "0123456789012345678901234567890123456789"},
    {"01234567890123456789012345678901234567890123456789",
     "0123456789012345678901234567890123456789…"},
    {"ééééééééééééééééééééééééééééééééééééééééé", "éééééééééééééééééééééééééééééééééééééééé…"},
};

static void test_notice_name(void)
{
	for (size_t i = 0; i < G_N_ELEMENTS(name_cases); i++) {
		g_autofree char *shown = launcher_spice_usb_notice_name(name_cases[i].raw);

		g_assert_cmpstr(shown, ==, name_cases[i].shown);
		g_assert_true(g_utf8_validate(shown, -1, NULL));
	}
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/usb/notice/table", test_notice_table);
	g_test_add_func("/usb/notice/name", test_notice_name);
	return g_test_run();
}
