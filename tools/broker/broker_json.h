/* A small JSON writer into a growing buffer.
 *
 * The broker writes every reply itself instead of building json-c objects:
 * lookups are the hot path, and most of a reply is precomputed text that only
 * needs splicing. The writer tracks commas so callers cannot produce broken
 * JSON, and escapes every string (invalid UTF-8 becomes U+FFFD), so nothing a
 * station or an admin typed can break out of a string. Out of memory is
 * sticky: later calls do nothing and broker_json_take() returns NULL. */
#ifndef BROKER_JSON_H
#define BROKER_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define BROKER_JSON_DEPTH 32

struct broker_json {
	char *buf;
	size_t len, cap;
	bool failed;
	bool after_key;
	unsigned depth;
	bool first[BROKER_JSON_DEPTH]; /* no member written yet at this level */
};

void broker_json_init(struct broker_json *j, size_t hint);
void broker_json_free(struct broker_json *j);
/* The NUL-terminated text (caller frees), or NULL after a failure. The
 * writer is left empty. */
char *broker_json_take(struct broker_json *j, size_t *len);

/* Structure. A key must be followed by exactly one value or open. */
void broker_json_open(struct broker_json *j);  /* { */
void broker_json_close(struct broker_json *j); /* } */
void broker_json_open_array(struct broker_json *j);
void broker_json_close_array(struct broker_json *j);
void broker_json_key(struct broker_json *j, const char *key);

/* Values. */
void broker_json_str(struct broker_json *j, const char *s); /* NULL writes null */
void broker_json_strn(struct broker_json *j, const char *s, size_t n);
void broker_json_uint(struct broker_json *j, uint64_t v);
void broker_json_bool(struct broker_json *j, bool v);
void broker_json_null(struct broker_json *j);

/* Key and value in one call. The _opt form writes nothing for NULL. */
void broker_json_kv_str(struct broker_json *j, const char *key, const char *s);
void broker_json_kv_str_opt(struct broker_json *j, const char *key, const char *s);
void broker_json_kv_uint(struct broker_json *j, const char *key, uint64_t v);
void broker_json_kv_bool(struct broker_json *j, const char *key, bool v);

/* Raw text, written as is, for precomputed fragments. It does not change
 * the comma state; broker_json_resume() declares that the raw text left us
 * inside an object or array that already has members. */
void broker_json_raw(struct broker_json *j, const char *s, size_t n);
void broker_json_resume(struct broker_json *j);

#endif
