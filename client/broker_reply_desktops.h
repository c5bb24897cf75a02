/* The desktop list of a "choose" reply: the desktops a user may pick from
 * after logging in, and the one used last. A part of the reply parser
 * (broker_reply_parse.c). */
#ifndef BROKER_REPLY_DESKTOPS_H
#define BROKER_REPLY_DESKTOPS_H

#include <json-c/json.h>

#include "broker_reply_json.h"
#include "broker_reply_parse.h"

/* Reads root's "desktops" and "last" into r for a "choose" reply (other
 * replies carry no list: nothing is read). 0, or -1 with the reason in e. */
int broker_reply_desktops_parse(struct json_object *root, struct broker_reply *r,
				struct broker_reply_err *e);

/* Frees r's desktop list and last. */
void broker_reply_desktops_clear(struct broker_reply *r);

#endif
