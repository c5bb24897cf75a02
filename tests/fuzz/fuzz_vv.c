/* libFuzzer target: virt-viewer connection files (tools/common/vv_file.c)
 * and what the launcher makes of them (broker_reply_add_vv). Every input
 * must be refused with a reason or parsed into values that hold the
 * parser's promises; nothing may crash, leak or read out of bounds. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* As in fuzz_client_reply.c: the launcher's GTK-free reply parser is
 * compiled into this target; vv_file.c and usb_filter.c come with
 * tools/common. */
#include "../../client/broker_reply_parse.c"
#include "../../client/broker_reply_json.c"
#include "../../client/broker_reply_policy.c"
#include "../../client/broker_reply_vv.c"
#include "../../client/broker_reply_desktops.c"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fuzz_check_text(const char *s, size_t max, bool multiline)
{
	if (!s)
		return;
	if (strlen(s) > max)
		abort();
	for (const unsigned char *c = (const unsigned char *)s; *c; c++)
		if ((*c < 0x20 && !(multiline && (*c == '\n' || *c == '\r' || *c == '\t'))) ||
		    *c == 0x7f)
			abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vv_file f;
	struct broker_reply r;
	char err[VV_FILE_ERR_MAX];
	bool del = false;

	if (vv_file_parse((const char *)data, size, &f, err, sizeof(err)) != 0) {
		/* A refusal says why, says it is about a vv file, keeps nothing. */
		if (strncmp(err, "vv file: ", 9) != 0 || f.host || f.password || f.ca)
			abort();
		return 0;
	}
	if (!f.host || (!f.port && !f.tls_port) || f.port > 65535 || f.tls_port > 65535)
		abort();
	if (f.type == VV_TYPE_VNC && !f.port)
		abort();
	if (f.ca && (!strstr(f.ca, "-----BEGIN CERTIFICATE-----") ||
		     !strstr(f.ca, "-----END CERTIFICATE-----")))
		abort();
	if (f.proxy && strncmp(f.proxy, "http://", 7) != 0 && strncmp(f.proxy, "https://", 8) != 0)
		abort();
	fuzz_check_text(f.host, 255, false);
	fuzz_check_text(f.password, VV_FILE_SECRET_MAX, false);
	fuzz_check_text(f.host_subject, VV_FILE_TEXT_MAX, false);
	fuzz_check_text(f.proxy, VV_FILE_TEXT_MAX, false);
	fuzz_check_text(f.title, VV_FILE_TEXT_MAX, false);
	fuzz_check_text(f.usb_filter, VV_FILE_FILTER_MAX, false);
	fuzz_check_text(f.ca, VV_FILE_MAX, true);

	/* The launcher's view of the same file: the same desktop, first. */
	memset(&r, 0, sizeof(r));
	r.retry_after = -1;
	if (broker_reply_add_vv(&r, (const char *)data, size, &del, err, sizeof(err)) == 0) {
		if (r.n_endpoints != 1 || strcmp(r.endpoints[0].host, f.host) != 0 ||
		    r.endpoints[0].port != f.port || r.endpoints[0].tls_port != f.tls_port ||
		    del != f.delete_this_file)
			abort();
		if (r.policy.usb_auto_redirect) {
			struct usb_filter uf;
			if (usb_filter_parse(r.policy.usb_auto_redirect, &uf, err, sizeof(err)) !=
			    0)
				abort();
		}
	} else if (!f.usb_filter) {
		abort(); /* only the usb-filter syntax is checked on top */
	}
	broker_reply_clear(&r);
	vv_file_clear(&f);
	return 0;
}
