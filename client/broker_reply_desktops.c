/* The desktop list of a "choose" reply: see broker_reply_desktops.h. */
#include "broker_reply_desktops.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const desktop_state_names[] = {
    [BROKER_DESKTOP_UNKNOWN] = "unknown",
    [BROKER_DESKTOP_RUNNING] = "running",
    [BROKER_DESKTOP_OFF] = "off",
    [BROKER_DESKTOP_STARTING] = "starting",
};

const char *broker_desktop_state_name(enum broker_desktop_state s)
{
	if ((size_t)s >= sizeof(desktop_state_names) / sizeof(desktop_state_names[0]))
		return "unknown";
	return desktop_state_names[s];
}

/* A desktop id is a section name of the stations file ([desktop:NAME]):
 * letters, digits, '.', '_' and '-'. It goes back to the broker in the
 * login, so nothing else is let through. */
static bool desktop_id_ok(const char *s)
{
	if (!*s)
		return false;
	for (const char *p = s; *p; p++)
		if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'z') ||
		      (*p >= 'A' && *p <= 'Z') || *p == '.' || *p == '_' || *p == '-'))
			return false;
	return true;
}

/* A state this launcher does not know (from a newer broker) is shown as
 * unknown rather than refusing the whole list. */
static enum broker_desktop_state desktop_state(const char *s)
{
	for (size_t i = 1; s && i < sizeof(desktop_state_names) / sizeof(desktop_state_names[0]);
	     i++)
		if (strcmp(s, desktop_state_names[i]) == 0)
			return (enum broker_desktop_state)i;
	return BROKER_DESKTOP_UNKNOWN;
}

static int desktop_parse(struct json_object *o, size_t i, struct broker_desktop *d,
			 struct broker_reply_err *e)
{
	char where[64];
	char *state = NULL;

#define D_WHERE(field) (snprintf(where, sizeof(where), "desktops[%zu].%s", i, field), where)
	if (!json_object_is_type(o, json_type_object))
		return broker_reply_json_fail(
		    e, (snprintf(where, sizeof(where), "desktops[%zu]", i), where),
		    "not an object");
	if (broker_reply_json_str(o, "id", D_WHERE("id"), BROKER_REPLY_DESKTOP_ID_MAX,
				  REPLY_STR_REQUIRED, desktop_id_ok, &d->id, e) < 0 ||
	    broker_reply_json_str(o, "name", D_WHERE("name"), BROKER_REPLY_DESKTOP_NAME_MAX, 0,
				  NULL, &d->name, e) < 0 ||
	    broker_reply_json_str(o, "state", D_WHERE("state"), 32, 0, NULL, &state, e) < 0)
		return -1;
#undef D_WHERE
	d->state = desktop_state(state);
	free(state);
	/* A desktop without a label (or with an empty one) shows its id. */
	if (!d->name || !*d->name) {
		free(d->name);
		d->name = strdup(d->id);
		if (!d->name)
			return broker_reply_json_fail(e, "desktops", "out of memory");
	}
	return 0;
}

int broker_reply_desktops_parse(struct json_object *root, struct broker_reply *r,
				struct broker_reply_err *e)
{
	struct json_object *arr;
	size_t n;
	bool found = false;

	if (r->status != BROKER_STATUS_CHOOSE)
		return 0;
	if (!json_object_object_get_ex(root, "desktops", &arr) ||
	    json_object_is_type(arr, json_type_null))
		return broker_reply_json_fail(e, "desktops", "missing from a choose reply");
	if (!json_object_is_type(arr, json_type_array))
		return broker_reply_json_fail(e, "desktops", "not an array");
	n = json_object_array_length(arr);
	if (n == 0)
		return broker_reply_json_fail(e, "desktops", "empty");
	if (n > BROKER_REPLY_MAX_DESKTOPS)
		return broker_reply_json_fail(e, "desktops", "too many");
	r->desktops = calloc(n, sizeof(*r->desktops));
	if (!r->desktops)
		return broker_reply_json_fail(e, "desktops", "out of memory");
	for (size_t i = 0; i < n; i++) {
		/* Counted before parsing, so a half-parsed desktop is freed. */
		r->n_desktops = i + 1;
		if (desktop_parse(json_object_array_get_idx(arr, i), i, &r->desktops[i], e) < 0)
			return -1;
		/* The id is what the user's choice sends back: two alike
		 * would make the list lie about what is picked. */
		for (size_t j = 0; j < i; j++)
			if (strcmp(r->desktops[j].id, r->desktops[i].id) == 0) {
				char where[64];
				snprintf(where, sizeof(where), "desktops[%zu].id", i);
				return broker_reply_json_fail(e, where, "listed twice");
			}
	}
	if (broker_reply_json_str(root, "last", "last", BROKER_REPLY_DESKTOP_ID_MAX, 0,
				  desktop_id_ok, &r->last, e) < 0)
		return -1;
	/* A last desktop that is not in the list any more (unmapped since) is
	 * no reason to refuse the list: nothing is preselected by it. */
	for (size_t i = 0; r->last && i < r->n_desktops; i++)
		found = found || strcmp(r->last, r->desktops[i].id) == 0;
	if (r->last && !found) {
		free(r->last);
		r->last = NULL;
	}
	return 0;
}

void broker_reply_desktops_clear(struct broker_reply *r)
{
	for (size_t i = 0; i < r->n_desktops; i++) {
		free(r->desktops[i].id);
		free(r->desktops[i].name);
	}
	free(r->desktops);
	free(r->last);
	r->desktops = NULL;
	r->n_desktops = 0;
	r->last = NULL;
}
