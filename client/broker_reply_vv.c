/* A virt-viewer connection file applied to a broker reply: see
 * broker_reply_add_vv in broker_reply_parse.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "broker_reply_parse.h"
#include "usb_filter.h"
#include "vv_file.h"

/* Replaces *field with a copy of value. 0 or -1. */
static int reply_set(char **field, const char *value)
{
	char *copy = strdup(value);

	if (!copy)
		return -1;
	free(*field);
	*field = copy;
	return 0;
}

int broker_reply_add_vv(struct broker_reply *r, const char *text, size_t len,
			bool *delete_this_file, char *err, size_t errlen)
{
	struct vv_file vv;
	struct broker_endpoint ep = {0};
	struct broker_endpoint *eps;
	struct usb_filter filter;
	char why[96];
	int ret = -1;

	if (vv_file_parse(text, len, &vv, err, errlen) < 0)
		return -1;
	if (vv.usb_filter && usb_filter_parse(vv.usb_filter, &filter, why, sizeof(why)) < 0) {
		snprintf(err, errlen, "vv file: usb-filter: %s", why);
		goto cleanup;
	}
	if (r->n_endpoints >= BROKER_REPLY_MAX_EP) {
		snprintf(err, errlen, "vv file: too many endpoints with the reply's own");
		goto cleanup;
	}
	ep.protocol = vv.type == VV_TYPE_VNC ? BROKER_PROTO_VNC : BROKER_PROTO_SPICE;
	ep.protocol_name = strdup(vv_type_name(vv.type));
	ep.port = vv.port;
	ep.tls_port = vv.tls_port;
	/* Moved, not copied: the password exists once. */
	ep.host = vv.host;
	ep.password = vv.password;
	ep.ca = vv.ca;
	ep.host_subject = vv.host_subject;
	ep.proxy = vv.proxy;
	vv.host = vv.password = vv.ca = vv.host_subject = vv.proxy = NULL;
	eps = ep.protocol_name ? calloc(r->n_endpoints + 1, sizeof(*eps)) : NULL;
	if (!eps) {
		snprintf(err, errlen, "vv file: out of memory");
		goto cleanup;
	}
	/* The policy first: nothing below may fail half-way. */
	if ((vv.usbredir == 0 || vv.usb_autoshare == 0) &&
	    reply_set(&r->policy.usb_auto_redirect, BROKER_REPLY_USB_NONE) < 0)
		goto oom;
	else if (vv.usbredir != 0 && vv.usb_autoshare != 0 && vv.usb_filter &&
		 reply_set(&r->policy.usb_auto_redirect, vv.usb_filter) < 0)
		goto oom;
	if (vv.usbredir == 0 && reply_set(&r->policy.usb_deny, BROKER_REPLY_USB_NONE) < 0)
		goto oom;
	if (vv.title && !r->station.name && reply_set(&r->station.name, vv.title) < 0)
		goto oom;
	eps[0] = ep;
	memset(&ep, 0, sizeof(ep));
	if (r->n_endpoints)
		memcpy(eps + 1, r->endpoints, r->n_endpoints * sizeof(*eps));
	free(r->endpoints);
	r->endpoints = eps;
	r->n_endpoints++;
	if (delete_this_file)
		*delete_this_file = vv.delete_this_file;
	ret = 0;
	goto cleanup;
oom:
	free(eps);
	snprintf(err, errlen, "vv file: out of memory");
cleanup:
	broker_endpoint_clear(&ep);
	vv_file_clear(&vv);
	return ret;
}
