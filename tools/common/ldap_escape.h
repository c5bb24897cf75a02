/* Escaping of values that a station sends before they reach an LDAP
 * filter (RFC 4515) or a DN (RFC 4514). Everything a station sends is
 * hostile: a user name of `*)(uid=*` must match nobody, and one of
 * `x,ou=admins` must not move the DN elsewhere in the tree.
 *
 * Both take the value as bytes (it may hold NUL), write a NUL-terminated
 * result into out and return its length, or -1 when it does not fit
 * (out is then an empty string). Every byte that is not printable ASCII is
 * written as a \XX hex pair, which both RFCs allow for any octet; so UTF-8
 * names keep their meaning and no control byte reaches the server raw. */
#ifndef VDI_LDAP_ESCAPE_H
#define VDI_LDAP_ESCAPE_H

#include <stddef.h>

/* RFC 4515 assertion value: * ( ) \ NUL and non-printables as \XX. */
int ldap_escape_filter(const char *in, size_t len, char *out, size_t outlen);
/* RFC 4514 attribute value: the specials " + , ; < > \ = with a backslash,
 * a leading space or #, a trailing space, NUL and non-printables as \XX. */
int ldap_escape_dn(const char *in, size_t len, char *out, size_t outlen);

#endif
