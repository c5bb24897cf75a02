/* The desktop each user chose last, so that the chooser can preselect it.
 *
 * Kept in memory only, in a fixed table of BROKER_USER_LAST_SLOTS slots
 * indexed by the user name's hash: a user whose slot another took since is
 * offered no "last", which costs a keystroke, never a wrong desktop (a
 * "last" is only sent when it is one of the user's desktops). Lost on a
 * restart. Process-wide and thread-safe: the login threads all share it. */
#ifndef BROKER_USER_H
#define BROKER_USER_H

#include <stdbool.h>
#include <stddef.h>

#define BROKER_USER_LAST_SLOTS 8192

/* Remembers that user (compared without case) chose desktop id. */
void broker_user_last_set(const char *user, const char *id);
/* The desktop user chose last into out; false when none is known. */
bool broker_user_last_get(const char *user, char *out, size_t outlen);

#endif
