/* Members of a broker reply's JSON objects: see broker_reply_json.h. */
#include "broker_reply_json.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int broker_reply_json_fail(struct broker_reply_err *e, const char *where, const char *what)
{
	snprintf(e->buf, e->len, "%s: %s", where, what);
	return -1;
}

/* No control characters, except line breaks and tabs in texts for humans.
 * The tokener has already checked that the bytes are UTF-8. */
static bool reply_text_ok(const char *s, size_t len, bool multiline)
{
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '\n' || c == '\t') {
			if (!multiline)
				return false;
		} else if (c < 0x20 || c == 0x7f) {
			return false;
		}
	}
	return true;
}

int broker_reply_json_str(struct json_object *obj, const char *key, const char *where, size_t max,
			  int flags, bool (*check)(const char *), char **out,
			  struct broker_reply_err *e)
{
	struct json_object *v;
	const char *s;
	size_t len;

	*out = NULL;
	if (!json_object_object_get_ex(obj, key, &v) || json_object_is_type(v, json_type_null)) {
		if (flags & REPLY_STR_REQUIRED)
			return broker_reply_json_fail(e, where, "missing");
		return 0;
	}
	if (!json_object_is_type(v, json_type_string))
		return broker_reply_json_fail(e, where, "not a string");
	s = json_object_get_string(v);
	len = (size_t)json_object_get_string_len(v);
	if (len > max)
		return broker_reply_json_fail(e, where, "too long");
	if (strlen(s) != len)
		return broker_reply_json_fail(e, where, "contains a NUL byte");
	if (!(flags & REPLY_STR_RAW) && !reply_text_ok(s, len, flags & REPLY_STR_MULTILINE))
		return broker_reply_json_fail(e, where, "contains control characters");
	if (check && !check(s))
		return broker_reply_json_fail(e, where, "malformed");
	*out = strdup(s);
	if (flags & REPLY_STR_SECRET) {
		/* json-c frees its strings without clearing them; the copy we
		 * keep is wiped by broker_reply_clear, this one now. */
		explicit_bzero((char *)s, len);
	}
	if (!*out)
		return broker_reply_json_fail(e, where, "out of memory");
	return 0;
}

int broker_reply_json_int(struct json_object *obj, const char *key, const char *where, int64_t min,
			  int64_t max, int64_t *out, struct broker_reply_err *e)
{
	struct json_object *v;
	int64_t n;

	if (!json_object_object_get_ex(obj, key, &v) || json_object_is_type(v, json_type_null))
		return 0;
	if (!json_object_is_type(v, json_type_int))
		return broker_reply_json_fail(e, where, "not an integer");
	n = json_object_get_int64(v);
	/* json-c saturates out-of-range numbers at INT64_MIN/MAX. */
	if (n < min || n > max)
		return broker_reply_json_fail(e, where, "out of range");
	*out = n;
	return 0;
}

int broker_reply_json_obj(struct json_object *obj, const char *key, const char *where,
			  struct json_object **out, struct broker_reply_err *e)
{
	*out = NULL;
	if (!json_object_object_get_ex(obj, key, out) ||
	    json_object_is_type(*out, json_type_null)) {
		*out = NULL;
		return 0;
	}
	if (!json_object_is_type(*out, json_type_object))
		return broker_reply_json_fail(e, where, "not an object");
	return 0;
}
