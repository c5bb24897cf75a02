/* Session tokens: a random value the broker puts in every ready answer that
 * hands out a desktop, and that the station's session reports must carry.
 * Without it, anyone who can reach the broker could end (and so destroy)
 * another station's desktop, or mark it connected to anything, by naming
 * its MAC.
 *
 * A token is BROKER_TOKEN_LEN random bytes from getrandom(), sent as
 * lowercase hex. Comparisons take the same time whatever the bytes, so
 * that a station cannot learn a token by timing wrong guesses. */
#ifndef BROKER_TOKEN_H
#define BROKER_TOKEN_H

#include <stdbool.h>
#include <stdint.h>

#define BROKER_TOKEN_LEN 16
/* Hex digits and the NUL. */
#define BROKER_TOKEN_STR_LEN (2 * BROKER_TOKEN_LEN + 1)

/* A new token. 0, or -1 when the kernel gave no random bytes. */
int broker_token_new(uint8_t tok[BROKER_TOKEN_LEN]);

void broker_token_format(const uint8_t tok[BROKER_TOKEN_LEN], char out[BROKER_TOKEN_STR_LEN]);

/* s as a token: exactly 2 * BROKER_TOKEN_LEN lowercase hex digits. 0, or -1
 * for anything else (which can then never match). */
int broker_token_parse(const char *s, uint8_t out[BROKER_TOKEN_LEN]);

/* Whether a and b are the same token, in constant time. */
bool broker_token_equal(const uint8_t a[BROKER_TOKEN_LEN], const uint8_t b[BROKER_TOKEN_LEN]);

#endif
