/* usbredir filter strings: see usb_filter.h. */
#include "usb_filter.h"

#include <stdio.h>
#include <string.h>

enum usb_filter_num {
	USB_FILTER_NUM_OK,
	USB_FILTER_NUM_EMPTY,
	USB_FILTER_NUM_BLANK,
	USB_FILTER_NUM_LEADING_ZERO,
	USB_FILTER_NUM_NOT_NUMBER,
	USB_FILTER_NUM_RANGE,
};

/* The value of digit c in base 10 or 16, or -1. */
static int usb_filter_digit(char c, int base)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (base == 16 && c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (base == 16 && c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* One number of a rule: -1, or 0..max in decimal or 0x hex. The text is
 * [start, end); nothing else is accepted. Blanks and leading zeros are
 * refused rather than read one way: usbredir's own parser (strtol base 0,
 * which spice-gtk uses) skips blanks and reads 010 as octal 8, while a
 * person means ten. Refusing both keeps every accepted filter meaning the
 * same to the broker, to this station and to usbredir. */
static enum usb_filter_num usb_filter_number(const char *start, const char *end, long max, int *out)
{
	size_t n = (size_t)(end - start), from = 0;
	int base = 10;
	long v = 0;

	if (n == 0)
		return USB_FILTER_NUM_EMPTY;
	if (memchr(start, ' ', n) || memchr(start, '\t', n))
		return USB_FILTER_NUM_BLANK;
	if (n == 2 && start[0] == '-' && start[1] == '1') {
		*out = -1;
		return USB_FILTER_NUM_OK;
	}
	if (n >= 2 && start[0] == '0' && (start[1] == 'x' || start[1] == 'X')) {
		base = 16;
		from = 2;
	} else if (n > 1 && start[0] == '0') {
		return USB_FILTER_NUM_LEADING_ZERO;
	}
	if (from == n)
		return USB_FILTER_NUM_NOT_NUMBER;
	for (size_t i = from; i < n; i++) {
		int d = usb_filter_digit(start[i], base);

		if (d < 0)
			return USB_FILTER_NUM_NOT_NUMBER;
		/* Saturate instead of overflowing; max is far below LONG_MAX / 16. */
		if (v <= max)
			v = v * base + d;
	}
	if (v > max)
		return USB_FILTER_NUM_RANGE;
	*out = (int)v;
	return USB_FILTER_NUM_OK;
}

/* Explains why field `what` of rule `rule` ([start, end)) was refused. */
static void usb_filter_explain(enum usb_filter_num why, size_t rule, const char *what,
			       const char *start, const char *end, long max, char *err,
			       size_t errlen)
{
	int n = (int)(end - start > 24 ? 24 : end - start);

	switch (why) {
	case USB_FILTER_NUM_EMPTY:
		snprintf(err, errlen, "rule %zu: the %s is empty", rule, what);
		break;
	case USB_FILTER_NUM_BLANK:
		snprintf(err, errlen,
			 "rule %zu: the %s '%.*s' has a blank; write the numbers "
			 "without spaces",
			 rule, what, n, start);
		break;
	case USB_FILTER_NUM_LEADING_ZERO:
		snprintf(err, errlen,
			 "rule %zu: the %s '%.*s' starts with 0, which usbredir reads "
			 "as octal; write it in decimal without the 0, or as 0x hex",
			 rule, what, n, start);
		break;
	case USB_FILTER_NUM_NOT_NUMBER:
		snprintf(err, errlen,
			 "rule %zu: the %s '%.*s' is not a number (decimal, 0x hex, "
			 "or -1 for any)",
			 rule, what, n, start);
		break;
	case USB_FILTER_NUM_RANGE:
		snprintf(err, errlen, "rule %zu: the %s '%.*s' is over 0x%lx", rule, what, n, start,
			 max);
		break;
	case USB_FILTER_NUM_OK:
		break;
	}
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
			enum usb_filter_num why = usb_filter_number(p, end, max[i], &v[i]);

			if (why != USB_FILTER_NUM_OK) {
				usb_filter_explain(why, out->n + 1, what[i], p, end, max[i], err,
						   errlen);
				return -1;
			}
			if (i == 4 && v[i] < 0) {
				snprintf(err, errlen, "rule %zu: allow must be 0 or 1, not -1",
					 out->n + 1);
				return -1;
			}
			if (i < 4 && *end != ',') {
				snprintf(err, errlen,
					 "rule %zu: expected 5 numbers "
					 "(class,vendor,product,version,allow)",
					 out->n + 1);
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
