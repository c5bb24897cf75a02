/* The helper's request line: see usb_acl_request.h. */
#include "usb_acl_request.h"

#include <stdio.h>

/* One decimal number without sign, leading zero or spaces, at most three
 * digits, within 1..max. Advances *p past it. */
static int usb_acl_request_number(const char **p, const char *end, int max, int *out)
{
	const char *s = *p;
	int v = 0, digits = 0;

	if (s < end && *s == '0')
		return -1;
	while (s < end && *s >= '0' && *s <= '9' && digits < 3) {
		v = v * 10 + (*s - '0');
		s++;
		digits++;
	}
	if (digits == 0 || (s < end && *s >= '0' && *s <= '9') || v < 1 || v > max)
		return -1;
	*p = s;
	*out = v;
	return 0;
}

int usb_acl_request_parse(const char *line, size_t len, int *busnum, int *devnum)
{
	const char *p = line, *end;
	int bus, dev;

	if (!line || len < 4 || len > USB_ACL_REQUEST_MAX || line[len - 1] != '\n')
		return -1;
	end = line + len - 1;
	if (usb_acl_request_number(&p, end, USB_ACL_BUS_MAX, &bus) < 0)
		return -1;
	if (p >= end || *p != ' ')
		return -1;
	p++;
	if (usb_acl_request_number(&p, end, USB_ACL_DEV_MAX, &dev) < 0)
		return -1;
	/* Nothing after the address: no second space, no NUL, no '\r'. */
	if (p != end)
		return -1;
	*busnum = bus;
	*devnum = dev;
	return 0;
}

int usb_acl_request_path(int busnum, int devnum, char *out, size_t outlen)
{
	int n;

	if (busnum < 1 || busnum > USB_ACL_BUS_MAX || devnum < 1 || devnum > USB_ACL_DEV_MAX)
		return -1;
	n = snprintf(out, outlen, "/dev/bus/usb/%03d/%03d", busnum, devnum);
	return n < 0 || (size_t)n >= outlen ? -1 : 0;
}
