#include "log.h"

#include <pthread.h>
#include <stdint.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "utf8.h"

static const char *log_program = "vdi";
static enum log_level log_min = LOG_INFO;

static const char *const log_names[] = {"debug", "info", "warn", "error"};

void log_init(const char *program, enum log_level min_level)
{
	log_program = program;
	log_min = min_level;
}

enum log_level log_get_level(void)
{
	return log_min;
}

int log_level_parse(const char *s)
{
	for (size_t i = 0; i < sizeof(log_names) / sizeof(log_names[0]); i++)
		if (strcmp(s, log_names[i]) == 0)
			return (int)i;
	return -1;
}

/* Appends value, quoted when it holds anything but plain word characters.
 * Control characters become \xNN (C0, DEL) or \uNNNN (C1, U+2028, U+2029),
 * and bytes that are not strict UTF-8 become \xNN, so a hostile value can
 * neither start a new line nor reach a terminal reading the log as an
 * escape sequence. */
static size_t log_append_value(char *buf, size_t pos, size_t cap, const char *v)
{
	int plain = *v != '\0';
	for (const char *p = v; *p; p++) {
		unsigned char c = (unsigned char)*p;
		if (c <= ' ' || c == '"' || c == '=' || c == '\\' || c >= 0x7f) {
			plain = 0;
			break;
		}
	}
	if (plain) {
		int n = snprintf(buf + pos, cap - pos, "%s", v);
		return n < 0 ? pos : pos + (size_t)n;
	}
	if (pos < cap - 1)
		buf[pos++] = '"';
	size_t left = strlen(v);
	for (const char *p = v; *p && pos + 8 < cap;) {
		unsigned char c = (unsigned char)*p;
		uint32_t cp;
		size_t l = utf8_decode(p, left, &cp);

		if (c == '"' || c == '\\') {
			buf[pos++] = '\\';
			buf[pos++] = (char)c;
		} else if (l == 0 || c < ' ' || c == 0x7f) {
			pos += (size_t)snprintf(buf + pos, cap - pos, "\\x%02x", c);
		} else if (utf8_is_control(cp)) {
			pos += (size_t)snprintf(buf + pos, cap - pos, "\\u%04x", (unsigned)cp);
		} else {
			memcpy(buf + pos, p, l);
			pos += l;
		}
		if (l == 0)
			l = 1;
		p += l;
		left -= l;
	}
	if (pos < cap - 1)
		buf[pos++] = '"';
	buf[pos] = '\0';
	return pos;
}

void log_event(enum log_level level, const char *event, ...)
{
	if (level < log_min)
		return;

	char buf[4096];
	struct timespec ts;
	struct tm tm;
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	size_t pos = strftime(buf, sizeof(buf), "ts=%Y-%m-%dT%H:%M:%S", &tm);
	pos += (size_t)snprintf(buf + pos, sizeof(buf) - pos,
				".%03ldZ prog=%s level=%s event=", ts.tv_nsec / 1000000,
				log_program, log_names[level]);
	pos = log_append_value(buf, pos, sizeof(buf), event);

	va_list ap;
	va_start(ap, event);
	for (;;) {
		const char *key = va_arg(ap, const char *);
		if (!key)
			break;
		const char *val = va_arg(ap, const char *);
		if (pos >= sizeof(buf) - 16)
			continue;
		pos += (size_t)snprintf(buf + pos, sizeof(buf) - pos, " %s=", key);
		if (pos >= sizeof(buf) - 16)
			continue;
		pos = log_append_value(buf, pos, sizeof(buf), val ? val : "-");
	}
	va_end(ap);
	if (pos > sizeof(buf) - 2)
		pos = sizeof(buf) - 2;
	buf[pos++] = '\n';
	/* One write per line keeps lines whole when threads log at once. */
	fwrite(buf, 1, pos, stderr);
	fflush(stderr);
}
