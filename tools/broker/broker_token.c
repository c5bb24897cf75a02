/* Session tokens: see broker_token.h. */
#include <errno.h>
#include <string.h>
#include <sys/random.h>

#include "broker_token.h"

int broker_token_new(uint8_t tok[BROKER_TOKEN_LEN])
{
	size_t got = 0;
	ssize_t r;

	/* Blocking is right here: the pool is ready long before a broker
	 * serves, and a token from a weak source is no token. */
	while (got < BROKER_TOKEN_LEN) {
		r = getrandom(tok + got, BROKER_TOKEN_LEN - got, 0);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		got += (size_t)r;
	}
	return 0;
}

void broker_token_format(const uint8_t tok[BROKER_TOKEN_LEN], char out[BROKER_TOKEN_STR_LEN])
{
	static const char hex[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < BROKER_TOKEN_LEN; i++) {
		out[2 * i] = hex[tok[i] >> 4];
		out[2 * i + 1] = hex[tok[i] & 0xf];
	}
	out[2 * BROKER_TOKEN_LEN] = '\0';
}

static int token_nibble(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

int broker_token_parse(const char *s, uint8_t out[BROKER_TOKEN_LEN])
{
	int hi, lo;
	size_t i;

	/* The length and the alphabet are public: only the value is secret,
	 * so leaving early here tells a guesser nothing. */
	if (!s || strlen(s) != 2 * BROKER_TOKEN_LEN)
		return -1;
	for (i = 0; i < BROKER_TOKEN_LEN; i++) {
		hi = token_nibble(s[2 * i]);
		lo = token_nibble(s[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return -1;
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	return 0;
}

bool broker_token_equal(const uint8_t a[BROKER_TOKEN_LEN], const uint8_t b[BROKER_TOKEN_LEN])
{
	volatile uint8_t diff = 0;
	size_t i;

	for (i = 0; i < BROKER_TOKEN_LEN; i++)
		diff |= a[i] ^ b[i];
	return diff == 0;
}
