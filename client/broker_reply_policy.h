/* The "policy" object of a broker reply: how the station behaves (login,
 * autoconnect, single sign-on, USB filters, the text on its screen, the
 * session limits). A part of the reply parser (broker_reply_parse.c). */
#ifndef BROKER_REPLY_POLICY_H
#define BROKER_REPLY_POLICY_H

#include <json-c/json.h>

#include "broker_reply_json.h"
#include "broker_reply_parse.h"

/* Reads root's "policy" into r (r->has_policy when present). 0, or -1 with
 * the reason in e. */
int broker_reply_policy_parse(struct json_object *root, struct broker_reply *r,
			      struct broker_reply_err *e);

#endif
