/* The name of a user's personal desktop (a [pool:NAME] with personal =
 * yes): one string that is both the libvirt domain's name and, with
 * ".qcow2", its overlay's file name. User names come from whoever logs
 * in, so they are hostile input: the name must be safe in a file name, a
 * domain name, a log and a shell, and no two users may ever get the same
 * one (that would hand one user another's disk).
 *
 * "<pool>+<user>" when the user name is 1-64 of a-z 0-9 - (readable, the
 * common case); otherwise "<pool>+_" and the user name's bytes in base32
 * (RFC 4648, lower case, no padding). The two forms cannot meet: only the
 * second has a '_'; base32 is one-to-one, and user names are compared
 * byte for byte (the users file's are case-sensitive), so "Alice" and
 * "alice" are two desktops. '+' is in no pool name (A-Z a-z 0-9 . _ -),
 * so a personal desktop is never taken for a one-time VM "<pool>-<N>" of
 * any pool, nor for another pool's personal desktop. */
#ifndef BROKER_POOL_USER_H
#define BROKER_POOL_USER_H

#include <stddef.h>

/* A user name as login passes it: 1 to 64 bytes. */
#define BROKER_POOL_USER_MAX 64
/* "<pool>+_" and base32 of 64 bytes (103 characters), NUL included: a
 * pool name is at most 63, so this fits in 255 bytes with ".qcow2". */
#define BROKER_POOL_USER_NAME_MAX (63 + 2 + 103 + 1)

/* The desktop's name for pool and user into out. 0, or -1 when the user
 * name is empty or longer than BROKER_POOL_USER_MAX or out is too small. */
int broker_pool_user_name(const char *pool, const char *user, char *out, size_t outlen);

#endif
