/* Strict UTF-8 (RFC 3629) and the characters that must not reach a terminal
 * or a log line as they are.
 *
 * Strict means: no overlong forms, no surrogates (U+D800..U+DFFF), nothing
 * above U+10FFFF, no stray continuation bytes. Control characters are C0
 * (U+0000..U+001F), DEL, C1 (U+0080..U+009F, which includes NEL U+0085 and
 * the 8-bit CSI U+009B) and the line and paragraph separators U+2028 and
 * U+2029: each can move a terminal's cursor or start a new line in some
 * reader. */
#ifndef VDI_UTF8_H
#define VDI_UTF8_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Decodes one character at s (n bytes available). Returns its length (1..4)
 * and sets *cp, or 0 when the bytes there are not strict UTF-8. */
size_t utf8_decode(const char *s, size_t n, uint32_t *cp);

bool utf8_valid(const char *s, size_t n);
bool utf8_is_control(uint32_t cp);
/* Strict UTF-8 without a single control character. */
bool utf8_text_clean(const char *s, size_t n);

/* Copies s into out (outlen > 0, always NUL-terminated) with every control
 * character and every byte that is not strict UTF-8 written as an escape:
 * \n \t, \xNN for bytes and the other C0 and DEL, \uNNNN for C1 and U+2028/2029.
 * With escape_space, a space is written \x20 as well (for cells of a
 * table that is split on blanks). Returns the length out would need,
 * without the NUL, like snprintf. */
size_t utf8_escape(const char *s, bool escape_space, char *out, size_t outlen);

#endif
