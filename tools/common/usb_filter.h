/* usbredir filter strings ("class,vendor,product,version,allow|...") as the
 * stations file holds them, the broker sends them and spice-gtk's
 * SpiceUsbDeviceManager takes them.
 *
 * The one parser of this format: stationctl check, the broker's reload and
 * the station all call usb_filter_parse, so whatever the broker accepts the
 * station accepts, with the same meaning. Pure C, no GLib. */
#ifndef USB_FILTER_H
#define USB_FILTER_H

#include <stdbool.h>
#include <stddef.h>

#define USB_FILTER_MAX_RULES 64
#define USB_FILTER_MAX_LEN   4096

struct usb_filter_rule {
	int device_class; /* -1 = any, else 0..255 */
	int vendor;	  /* -1 = any, else 0..0xffff */
	int product;	  /* -1 = any, else 0..0xffff */
	int version;	  /* -1 = any, else 0..0xffff (bcdDevice) */
	bool allow;
};

struct usb_filter {
	struct usb_filter_rule rules[USB_FILTER_MAX_RULES];
	size_t n;
};

/* Parses s (at most USB_FILTER_MAX_LEN bytes, at most USB_FILTER_MAX_RULES
 * rules). Numbers are decimal or 0x hex, -1 means "any". Blanks and leading
 * zeros ("010") are refused: usbredir's own parser would skip the one and
 * read the other as octal. An empty string is an empty filter. 0, or -1
 * with err explaining which rule and field, in words an admin can act on. */
int usb_filter_parse(const char *s, struct usb_filter *out, char *err, size_t errlen);

/* Writes the canonical form ("0x08,-1,-1,-1,1|..."); 0, or -1 when it does
 * not fit in len bytes. */
int usb_filter_format(const struct usb_filter *f, char *out, size_t len);

/* The filter spice-gtk should auto-connect with, given the broker's
 * auto-redirect and deny filters. spice-gtk has no deny filter of its own, so
 * every denying rule of the deny filter is put in front of the auto-redirect
 * rules: the first matching rule wins, so a denied device is never
 * auto-connected. A deny filter's allowing rules are dropped, which can only
 * deny more, never less. 0 or -1 (too many rules). */
int usb_filter_combine(const struct usb_filter *deny, const struct usb_filter *redirect,
		       struct usb_filter *out);

/* The verdict of the first rule that matches a device, or def when none
 * does. Interface classes are not considered (the device class only). */
bool usb_filter_check(const struct usb_filter *f, int device_class, int vendor, int product,
		      int version, bool def);

#endif
