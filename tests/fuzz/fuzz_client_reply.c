/* libFuzzer target: the launcher's parser for broker replies
 * (client/broker_reply_parse.c) and the USB filters inside them. Every input
 * must be either refused with a reason or parsed into fields that pass the
 * launcher's own checks again; nothing may crash, leak or read out of
 * bounds. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* The launcher's library needs GTK; its reply parser does not. The parser
 * is compiled right into this target, so the fuzz build needs no GTK and no
 * launcher library: only json-c and tools/common (where the USB-filter
 * parser it calls lives, linked with every fuzz target). */
#include "../../client/broker_reply_parse.c"
#include "../../client/broker_reply_json.c"
#include "../../client/broker_reply_desktops.c"
#include "../../client/broker_reply_policy.c"
#include "../../client/broker_reply_vv.c"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fuzz_check_filter(const char *s)
{
	struct usb_filter f, again;
	char err[96], text[USB_FILTER_MAX_LEN * 2];

	if (!s)
		return;
	if (usb_filter_parse(s, &f, err, sizeof(err)) != 0)
		abort(); /* the parser let a bad filter through */
	/* The canonical form parses to the same rules. */
	if (usb_filter_format(&f, text, sizeof(text)) == 0) {
		if (usb_filter_parse(text, &again, err, sizeof(err)) != 0 || again.n != f.n)
			abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct broker_reply r;
	char err[160];

	if (broker_reply_parse((const char *)data, size, &r, err, sizeof(err)) != 0) {
		if (err[0] == '\0' || r.endpoints || r.message)
			abort(); /* a refusal says why and keeps nothing */
		return 0;
	}
	if (r.status == BROKER_STATUS_READY && !r.has_policy)
		abort();
	if (r.n_endpoints > BROKER_REPLY_MAX_EP ||
	    (r.message && strlen(r.message) > BROKER_REPLY_TEXT_MAX))
		abort();
	for (size_t i = 0; i < r.n_endpoints; i++) {
		const struct broker_endpoint *ep = &r.endpoints[i];
		struct broker_endpoint copy;

		if (!ep->host || !ep->protocol_name || ep->port > 65535 || ep->tls_port > 65535)
			abort();
		if (ep->protocol == BROKER_PROTO_SPICE && !ep->port && !ep->tls_port)
			abort();
		if (broker_endpoint_copy(ep, &copy) == 0)
			broker_endpoint_clear(&copy);
	}
	fuzz_check_filter(r.policy.usb_auto_redirect);
	fuzz_check_filter(r.policy.usb_deny);
	/* The filter parser on its own, with the raw input as a string. */
	if (size < 8192) {
		char *s = malloc(size + 1);
		struct usb_filter f;
		if (s) {
			memcpy(s, data, size);
			s[size] = '\0';
			(void)usb_filter_parse(s, &f, err, sizeof(err));
			free(s);
		}
	}
	broker_reply_clear(&r);
	return 0;
}
