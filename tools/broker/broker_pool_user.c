/* Personal desktop names: see broker_pool_user.h. */
#include "broker_pool_user.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

static bool pool_user_plain(const char *user, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char c = user[i];

		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'))
			return false;
	}
	return true;
}

int broker_pool_user_name(const char *pool, const char *user, char *out, size_t outlen)
{
	static const char b32[] = "abcdefghijklmnopqrstuvwxyz234567";
	size_t n = strlen(user), plen = strlen(pool), o;
	uint32_t acc = 0;
	unsigned bits = 0;

	if (n == 0 || n > BROKER_POOL_USER_MAX)
		return -1;
	if (pool_user_plain(user, n)) {
		int r = snprintf(out, outlen, "%s+%s", pool, user);

		return r < 0 || (size_t)r >= outlen ? -1 : 0;
	}
	/* pool, '+', '_', at most ceil(8n/5) characters, NUL */
	if (outlen < plen + 2 + (n * 8 + 4) / 5 + 1)
		return -1;
	memcpy(out, pool, plen);
	o = plen;
	out[o++] = '+';
	out[o++] = '_';
	for (size_t i = 0; i < n; i++) {
		acc = (acc << 8) | (unsigned char)user[i];
		bits += 8;
		while (bits >= 5) {
			bits -= 5;
			out[o++] = b32[(acc >> bits) & 31];
		}
	}
	if (bits > 0)
		out[o++] = b32[(acc << (5 - bits)) & 31];
	out[o] = '\0';
	return 0;
}
