/* Reading the members of a broker reply's JSON objects, each under a
 * cap and checked for type and form; a member that does not fit fails the
 * whole reply with "WHERE: what is wrong". Shared by the parts of the reply
 * parser (broker_reply_parse.c, broker_reply_policy.c). Pure C, as
 * broker_reply_parse.h says. */
#ifndef BROKER_REPLY_JSON_H
#define BROKER_REPLY_JSON_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum {
	REPLY_STR_REQUIRED = 1 << 0,
	REPLY_STR_MULTILINE = 1 << 1, /* \n and \t allowed (texts for humans) */
	REPLY_STR_SECRET = 1 << 2,    /* wipe json-c's copy after taking it */
	REPLY_STR_RAW = 1 << 3,	      /* any text: a parser of its own checks it */
};

/* Where a parse error is reported. */
struct broker_reply_err {
	char *buf;
	size_t len;
};

/* Writes "where: what" to e and returns -1. */
int broker_reply_json_fail(struct broker_reply_err *e, const char *where, const char *what);

/* Takes member key of obj as a string. Absent (or JSON null) leaves *out NULL
 * unless REPLY_STR_REQUIRED. check, when given, validates the form. */
int broker_reply_json_str(struct json_object *obj, const char *key, const char *where, size_t max,
			  int flags, bool (*check)(const char *), char **out,
			  struct broker_reply_err *e);

/* An integer member in [min, max]; *out keeps its value when absent. */
int broker_reply_json_int(struct json_object *obj, const char *key, const char *where, int64_t min,
			  int64_t max, int64_t *out, struct broker_reply_err *e);

/* An optional object member: *out is NULL when absent. */
int broker_reply_json_obj(struct json_object *obj, const char *key, const char *where,
			  struct json_object **out, struct broker_reply_err *e);

#endif
