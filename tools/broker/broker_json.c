/* JSON writer: see broker_json.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "broker_json.h"

static bool json_reserve(struct broker_json *j, size_t more)
{
	size_t need, cap;
	char *p;

	if (j->failed)
		return false;
	if (more > SIZE_MAX / 2 - j->len - 1)
		goto fail;
	need = j->len + more + 1;
	if (need <= j->cap)
		return true;
	cap = j->cap ? j->cap : 256;
	while (cap < need)
		cap *= 2;
	p = realloc(j->buf, cap);
	if (!p)
		goto fail;
	j->buf = p;
	j->cap = cap;
	return true;
fail:
	j->failed = true;
	return false;
}

static void json_put(struct broker_json *j, const char *s, size_t n)
{
	if (!json_reserve(j, n))
		return;
	memcpy(j->buf + j->len, s, n);
	j->len += n;
	j->buf[j->len] = '\0';
}

static void json_putc(struct broker_json *j, char c)
{
	json_put(j, &c, 1);
}

/* Called before every value, key or open: writes the separating comma. */
static void json_sep(struct broker_json *j)
{
	if (j->after_key) {
		j->after_key = false;
		return;
	}
	if (j->depth == 0)
		return;
	if (!j->first[j->depth - 1])
		json_putc(j, ',');
	j->first[j->depth - 1] = false;
}

void broker_json_init(struct broker_json *j, size_t hint)
{
	memset(j, 0, sizeof(*j));
	if (hint)
		json_reserve(j, hint);
}

void broker_json_free(struct broker_json *j)
{
	free(j->buf);
	memset(j, 0, sizeof(*j));
}

char *broker_json_take(struct broker_json *j, size_t *len)
{
	char *out = NULL;

	if (!j->failed && json_reserve(j, 0)) {
		out = j->buf;
		j->buf[j->len] = '\0';
		if (len)
			*len = j->len;
		j->buf = NULL;
	}
	broker_json_free(j);
	return out;
}

static void json_push(struct broker_json *j, char c, bool first)
{
	json_putc(j, c);
	if (j->depth >= BROKER_JSON_DEPTH) {
		/* A programming error, not input: fail loudly in tests. */
		j->failed = true;
		return;
	}
	j->first[j->depth++] = first;
}

static void json_pop(struct broker_json *j, char c)
{
	if (j->depth == 0) {
		j->failed = true;
		return;
	}
	j->depth--;
	j->after_key = false;
	json_putc(j, c);
}

void broker_json_open(struct broker_json *j)
{
	json_sep(j);
	json_push(j, '{', true);
}

void broker_json_close(struct broker_json *j)
{
	json_pop(j, '}');
}

void broker_json_open_array(struct broker_json *j)
{
	json_sep(j);
	json_push(j, '[', true);
}

void broker_json_close_array(struct broker_json *j)
{
	json_pop(j, ']');
}

void broker_json_resume(struct broker_json *j)
{
	if (j->depth >= BROKER_JSON_DEPTH) {
		j->failed = true;
		return;
	}
	j->first[j->depth++] = false;
}

void broker_json_raw(struct broker_json *j, const char *s, size_t n)
{
	json_put(j, s, n);
}

/* Length of the valid UTF-8 sequence at s (at most n bytes), 0 if invalid.
 * Rejects overlong forms, surrogates and code points above U+10FFFF. */
static size_t utf8_seq(const unsigned char *s, size_t n)
{
	unsigned c = s[0];
	size_t len, i;
	uint32_t cp;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf) {
		len = 2;
		cp = c & 0x1f;
	} else if (c >= 0xe0 && c <= 0xef) {
		len = 3;
		cp = c & 0x0f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		len = 4;
		cp = c & 0x07;
	} else {
		return 0;
	}
	if (n < len)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) || cp > 0x10ffff ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return len;
}

/* The code point of the valid sequence s (len bytes) when a terminal or a
 * JavaScript parser would act on it rather than show it: the C1 controls
 * U+0080-U+009F (U+009B is CSI, the start of an escape sequence) and the
 * line and paragraph separators U+2028/U+2029. JSON allows them raw; an
 * admin reading the answer on a terminal must not get them raw. 0 for
 * anything else. */
static uint32_t json_terminal_control(const unsigned char *s, size_t len)
{
	if (len == 2 && s[0] == 0xc2 && s[1] >= 0x80 && s[1] <= 0x9f)
		return s[1];
	if (len == 3 && s[0] == 0xe2 && s[1] == 0x80 && (s[2] == 0xa8 || s[2] == 0xa9))
		return 0x2000u | (s[2] - 0x80u);
	return 0;
}

void broker_json_strn(struct broker_json *j, const char *str, size_t n)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0, run;
	char esc[8];

	json_sep(j);
	/* Worst case is 6 bytes per input byte; reserve per chunk instead. */
	json_putc(j, '"');
	while (i < n && !j->failed) {
		/* Copy the longest run that needs no escaping in one go. */
		run = i;
		while (run < n && s[run] >= 0x20 && s[run] < 0x80 && s[run] != '"' &&
		       s[run] != '\\')
			run++;
		if (run > i) {
			json_put(j, str + i, run - i);
			i = run;
			continue;
		}
		unsigned char c = s[i];
		if (c >= 0x80) {
			size_t len = utf8_seq(s + i, n - i);
			uint32_t cp = json_terminal_control(s + i, len);
			if (len == 0) {
				json_put(j, "\\ufffd", 6);
				i++;
			} else if (cp) {
				snprintf(esc, sizeof(esc), "\\u%04x", (unsigned)cp);
				json_put(j, esc, 6);
				i += len;
			} else {
				json_put(j, str + i, len);
				i += len;
			}
			continue;
		}
		switch (c) {
		case '"':
			json_put(j, "\\\"", 2);
			break;
		case '\\':
			json_put(j, "\\\\", 2);
			break;
		case '\n':
			json_put(j, "\\n", 2);
			break;
		case '\r':
			json_put(j, "\\r", 2);
			break;
		case '\t':
			json_put(j, "\\t", 2);
			break;
		default:
			snprintf(esc, sizeof(esc), "\\u%04x", c);
			json_put(j, esc, 6);
			break;
		}
		i++;
	}
	json_putc(j, '"');
}

void broker_json_str(struct broker_json *j, const char *s)
{
	if (!s) {
		broker_json_null(j);
		return;
	}
	broker_json_strn(j, s, strlen(s));
}

void broker_json_uint(struct broker_json *j, uint64_t v)
{
	char num[24];
	int n = snprintf(num, sizeof(num), "%llu", (unsigned long long)v);

	json_sep(j);
	json_put(j, num, (size_t)n);
}

void broker_json_bool(struct broker_json *j, bool v)
{
	json_sep(j);
	if (v)
		json_put(j, "true", 4);
	else
		json_put(j, "false", 5);
}

void broker_json_null(struct broker_json *j)
{
	json_sep(j);
	json_put(j, "null", 4);
}

void broker_json_key(struct broker_json *j, const char *key)
{
	broker_json_str(j, key);
	json_putc(j, ':');
	j->after_key = true;
}

void broker_json_kv_str(struct broker_json *j, const char *key, const char *s)
{
	broker_json_key(j, key);
	broker_json_str(j, s);
}

void broker_json_kv_str_opt(struct broker_json *j, const char *key, const char *s)
{
	if (s)
		broker_json_kv_str(j, key, s);
}

void broker_json_kv_uint(struct broker_json *j, const char *key, uint64_t v)
{
	broker_json_key(j, key);
	broker_json_uint(j, v);
}

void broker_json_kv_bool(struct broker_json *j, const char *key, bool v)
{
	broker_json_key(j, key);
	broker_json_bool(j, v);
}
