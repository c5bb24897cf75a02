/* The policy of a broker reply: see broker_reply_policy.h. */
#include "broker_reply_policy.h"

#include <stdlib.h>
#include <string.h>

#include "usb_filter.h"

/* The longest session limit a station takes: 30 days (the broker allows a
 * week; a larger value is not a limit anyone meant). */
#define BROKER_REPLY_LIMIT_MAX (30 * 24 * 3600)

static bool reply_usb_filter_ok(const char *s)
{
	struct usb_filter f;
	char err[64];
	return usb_filter_parse(s, &f, err, sizeof(err)) == 0;
}

/* policy.session: whole seconds, none of them negative or absurd. */
static int reply_session_limits(struct json_object *pol, struct broker_policy *p,
				struct broker_reply_err *e)
{
	struct json_object *lim;
	int64_t max = 0, idle = 0, warn = 0;

	if (broker_reply_json_obj(pol, "session", "policy.session", &lim, e) < 0)
		return -1;
	if (!lim)
		return 0;
	if (broker_reply_json_int(lim, "max_seconds", "policy.session.max_seconds", 0,
				  BROKER_REPLY_LIMIT_MAX, &max, e) < 0 ||
	    broker_reply_json_int(lim, "idle_seconds", "policy.session.idle_seconds", 0,
				  BROKER_REPLY_LIMIT_MAX, &idle, e) < 0 ||
	    broker_reply_json_int(lim, "warning_seconds", "policy.session.warning_seconds", 0,
				  BROKER_REPLY_LIMIT_MAX, &warn, e) < 0)
		return -1;
	p->max_seconds = (unsigned)max;
	p->idle_seconds = (unsigned)idle;
	p->warning_seconds = (unsigned)warn;
	return 0;
}

int broker_reply_policy_parse(struct json_object *root, struct broker_reply *r,
			      struct broker_reply_err *e)
{
	struct json_object *pol, *usb, *v;
	char *login = NULL;
	int ret = -1;

	if (broker_reply_json_obj(root, "policy", "policy", &pol, e) < 0)
		return -1;
	if (!pol)
		return 0;
	r->has_policy = true;
	if (broker_reply_json_str(pol, "login", "policy.login", 16, 0, NULL, &login, e) < 0)
		goto cleanup;
	if (!login || strcmp(login, "none") == 0) {
		r->policy.login = BROKER_LOGIN_NONE;
	} else if (strcmp(login, "broker") == 0) {
		r->policy.login = BROKER_LOGIN_BROKER;
	} else {
		broker_reply_json_fail(e, "policy.login", "neither none nor broker");
		goto cleanup;
	}
	if (json_object_object_get_ex(pol, "autoconnect", &v) &&
	    !json_object_is_type(v, json_type_null)) {
		if (!json_object_is_type(v, json_type_boolean)) {
			broker_reply_json_fail(e, "policy.autoconnect", "not a boolean");
			goto cleanup;
		}
		r->policy.autoconnect = json_object_get_boolean(v);
	}
	/* Single sign-on: off unless the broker's mapping allows it (the
	 * login would otherwise reach any desktop server the mapping names).
	 * It only matters for logins through the broker. */
	r->policy.sso = false;
	if (json_object_object_get_ex(pol, "sso", &v) && !json_object_is_type(v, json_type_null)) {
		if (!json_object_is_type(v, json_type_boolean)) {
			broker_reply_json_fail(e, "policy.sso", "not a boolean");
			goto cleanup;
		}
		r->policy.sso = json_object_get_boolean(v);
	}
	if (broker_reply_json_obj(pol, "usb", "policy.usb", &usb, e) < 0)
		goto cleanup;
	if (usb && (broker_reply_json_str(usb, "auto_redirect", "policy.usb.auto_redirect",
					  USB_FILTER_MAX_LEN, 0, reply_usb_filter_ok,
					  &r->policy.usb_auto_redirect, e) < 0 ||
		    broker_reply_json_str(usb, "deny", "policy.usb.deny", USB_FILTER_MAX_LEN, 0,
					  reply_usb_filter_ok, &r->policy.usb_deny, e) < 0))
		goto cleanup;
	if (broker_reply_json_str(pol, "screen_text", "policy.screen_text", BROKER_REPLY_TEXT_MAX,
				  REPLY_STR_MULTILINE, NULL, &r->policy.screen_text, e) < 0)
		goto cleanup;
	if (reply_session_limits(pol, &r->policy, e) < 0)
		goto cleanup;
	ret = 0;
cleanup:
	free(login);
	return ret;
}
