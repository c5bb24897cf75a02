/* Strict UTF-8 and control characters: see utf8.h. */
#include "utf8.h"

#include <stdio.h>
#include <string.h>

size_t utf8_decode(const char *s, size_t n, uint32_t *cp)
{
	const unsigned char *p = (const unsigned char *)s;
	uint32_t c, min;
	size_t len, i;

	if (n == 0)
		return 0;
	if (p[0] < 0x80) {
		*cp = p[0];
		return 1;
	}
	if (p[0] >= 0xc2 && p[0] <= 0xdf) {
		len = 2;
		c = p[0] & 0x1f;
		min = 0x80;
	} else if (p[0] >= 0xe0 && p[0] <= 0xef) {
		len = 3;
		c = p[0] & 0x0f;
		min = 0x800;
	} else if (p[0] >= 0xf0 && p[0] <= 0xf4) {
		len = 4;
		c = p[0] & 0x07;
		min = 0x10000;
	} else {
		/* 0x80..0xc1 (continuation or overlong lead), 0xf5..0xff. */
		return 0;
	}
	if (n < len)
		return 0;
	for (i = 1; i < len; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		c = (c << 6) | (p[i] & 0x3f);
	}
	if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*cp = c;
	return len;
}

bool utf8_valid(const char *s, size_t n)
{
	uint32_t cp;
	size_t i = 0, l;

	while (i < n) {
		l = utf8_decode(s + i, n - i, &cp);
		if (l == 0)
			return false;
		i += l;
	}
	return true;
}

bool utf8_is_control(uint32_t cp)
{
	return cp < 0x20 || (cp >= 0x7f && cp <= 0x9f) || cp == 0x2028 || cp == 0x2029;
}

bool utf8_text_clean(const char *s, size_t n)
{
	uint32_t cp;
	size_t i = 0, l;

	while (i < n) {
		l = utf8_decode(s + i, n - i, &cp);
		if (l == 0 || utf8_is_control(cp))
			return false;
		i += l;
	}
	return true;
}

size_t utf8_escape(const char *s, bool escape_space, char *out, size_t outlen)
{
	size_t n = strlen(s), i = 0, need = 0, written = 0, l, plen;
	bool full = outlen == 0;
	char tmp[12];
	uint32_t cp;

	while (i < n) {
		l = utf8_decode(s + i, n - i, &cp);
		if (l == 0) {
			snprintf(tmp, sizeof(tmp), "\\x%02x", (unsigned char)s[i]);
			l = 1;
		} else if (cp == '\n') {
			snprintf(tmp, sizeof(tmp), "\\n");
		} else if (cp == '\t') {
			snprintf(tmp, sizeof(tmp), "\\t");
		} else if (cp < 0x20 || cp == 0x7f || (escape_space && cp == ' ')) {
			snprintf(tmp, sizeof(tmp), "\\x%02x", (unsigned)cp);
		} else if (utf8_is_control(cp)) {
			snprintf(tmp, sizeof(tmp), "\\u%04x", (unsigned)cp);
		} else {
			memcpy(tmp, s + i, l);
			tmp[l] = '\0';
		}
		plen = strlen(tmp);
		/* Whole pieces only: half an escape or half a character is
		 * worse than a clean cut. */
		if (!full && written + plen < outlen) {
			memcpy(out + written, tmp, plen);
			written += plen;
		} else {
			full = true;
		}
		need += plen;
		i += l;
	}
	if (outlen)
		out[written] = '\0';
	return need;
}
