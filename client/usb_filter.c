/* usbredir filter strings: see usb_filter.h. */
#include "usb_filter.h"

#include <stdio.h>
#include <string.h>

/* One number of a rule: -1, or 0..max in decimal or 0x hex. The text is
 * [start, end); nothing else (no blanks, no sign but the -1) is accepted. */
static int usb_filter_number(const char *start, const char *end, long max, int *out)
{
	char buf[16];
	size_t n = (size_t)(end - start), digits_from = 0;
	int base = 10;
	long v = 0;

	if (n == 0 || n >= sizeof(buf))
		return -1;
	memcpy(buf, start, n);
	buf[n] = '\0';
	if (strcmp(buf, "-1") == 0) {
		*out = -1;
		return 0;
	}
	if (n > 2 && buf[0] == '0' && (buf[1] == 'x' || buf[1] == 'X')) {
		base = 16;
		digits_from = 2;
	}
	for (size_t i = digits_from; i < n; i++) {
		char c = buf[i];
		int d;

		if (c >= '0' && c <= '9')
			d = c - '0';
		else if (base == 16 && c >= 'a' && c <= 'f')
			d = c - 'a' + 10;
		else if (base == 16 && c >= 'A' && c <= 'F')
			d = c - 'A' + 10;
		else
			return -1;
		v = v * base + d;
		if (v > max)
			return -1;
	}
	*out = (int)v;
	return 0;
}

int usb_filter_parse(const char *s, struct usb_filter *out, char *err, size_t errlen)
{
	static const long max[5] = {0xff, 0xffff, 0xffff, 0xffff, 1};
	static const char *const what[5] = {"class", "vendor", "product", "version", "allow"};
	const char *p = s;
	size_t len = strlen(s);

	out->n = 0;
	if (len > USB_FILTER_MAX_LEN) {
		snprintf(err, errlen, "filter longer than %d bytes", USB_FILTER_MAX_LEN);
		return -1;
	}
	if (len == 0)
		return 0;
	for (;;) {
		struct usb_filter_rule *r;
		int v[5];

		if (out->n == USB_FILTER_MAX_RULES) {
			snprintf(err, errlen, "more than %d rules", USB_FILTER_MAX_RULES);
			return -1;
		}
		for (int i = 0; i < 5; i++) {
			const char *end = p + strcspn(p, ",|");
			if (usb_filter_number(p, end, max[i], &v[i]) < 0 || (i == 4 && v[i] < 0)) {
				snprintf(err, errlen, "rule %zu: bad %s", out->n + 1, what[i]);
				return -1;
			}
			if (i < 4 && *end != ',') {
				snprintf(err, errlen, "rule %zu: expected 5 numbers", out->n + 1);
				return -1;
			}
			if (i == 4 && *end == ',') {
				snprintf(err, errlen, "rule %zu: more than 5 numbers", out->n + 1);
				return -1;
			}
			p = end + (i < 4);
		}
		r = &out->rules[out->n++];
		r->device_class = v[0];
		r->vendor = v[1];
		r->product = v[2];
		r->version = v[3];
		r->allow = v[4] == 1;
		if (*p == '\0')
			return 0;
		p++; /* the '|' */
		if (*p == '\0') {
			snprintf(err, errlen, "empty rule after '|'");
			return -1;
		}
	}
}

/* One field: "-1" for "any", else hex with the given width. */
static void usb_filter_field_text(int v, int width, char out[16])
{
	if (v < 0)
		snprintf(out, 16, "-1");
	else
		snprintf(out, 16, "0x%0*x", width, (unsigned)v);
}

int usb_filter_format(const struct usb_filter *f, char *out, size_t len)
{
	size_t pos = 0;

	if (len == 0)
		return -1;
	out[0] = '\0';
	for (size_t i = 0; i < f->n; i++) {
		const struct usb_filter_rule *r = &f->rules[i];
		char c[16], v[16], p[16], d[16];
		int n;

		usb_filter_field_text(r->device_class, 2, c);
		usb_filter_field_text(r->vendor, 4, v);
		usb_filter_field_text(r->product, 4, p);
		usb_filter_field_text(r->version, 4, d);
		n = snprintf(out + pos, len - pos, "%s%s,%s,%s,%s,%d", i ? "|" : "", c, v, p, d,
			     r->allow ? 1 : 0);
		if (n < 0 || (size_t)n >= len - pos) {
			out[0] = '\0';
			return -1;
		}
		pos += (size_t)n;
	}
	return 0;
}

static bool usb_filter_same_match(const struct usb_filter_rule *a, const struct usb_filter_rule *b)
{
	return a->device_class == b->device_class && a->vendor == b->vendor &&
	       a->product == b->product && a->version == b->version;
}

/* Appends r unless an earlier rule matches the same devices: such a rule
 * could never be the first to match. */
static int usb_filter_append(struct usb_filter *out, const struct usb_filter_rule *r)
{
	for (size_t i = 0; i < out->n; i++)
		if (usb_filter_same_match(&out->rules[i], r))
			return 0;
	if (out->n == USB_FILTER_MAX_RULES)
		return -1;
	out->rules[out->n++] = *r;
	return 0;
}

int usb_filter_combine(const struct usb_filter *deny, const struct usb_filter *redirect,
		       struct usb_filter *out)
{
	out->n = 0;
	for (size_t i = 0; i < deny->n; i++)
		if (!deny->rules[i].allow && usb_filter_append(out, &deny->rules[i]) < 0)
			return -1;
	for (size_t i = 0; i < redirect->n; i++)
		if (usb_filter_append(out, &redirect->rules[i]) < 0)
			return -1;
	return 0;
}

static bool usb_filter_field(int rule, int value)
{
	return rule < 0 || rule == value;
}

bool usb_filter_check(const struct usb_filter *f, int device_class, int vendor, int product,
		      int version, bool def)
{
	for (size_t i = 0; i < f->n; i++) {
		const struct usb_filter_rule *r = &f->rules[i];
		if (usb_filter_field(r->device_class, device_class) &&
		    usb_filter_field(r->vendor, vendor) && usb_filter_field(r->product, product) &&
		    usb_filter_field(r->version, version))
			return r->allow;
	}
	return def;
}
