/* The desktop each user chose last, so that the chooser can preselect it.
 *
 * Kept in a fixed table of BROKER_USER_LAST_SLOTS slots indexed by the user
 * name's hash: a user whose slot another took since is offered no "last",
 * which costs a keystroke, never a wrong desktop (a "last" is only sent
 * when it is one of the user's desktops). The table is saved to
 * BROKER_USER_LAST_FILE in the state folder when a user's choice changes
 * (not at every login) and read back at the first login after a start; a
 * folder that cannot be written leaves it in memory only, said once in the
 * log. Process-wide and thread-safe: the login threads all share it. */
#ifndef BROKER_USER_H
#define BROKER_USER_H

#include <stdbool.h>
#include <stddef.h>

#define BROKER_USER_LAST_SLOTS 8192
#define BROKER_USER_LAST_FILE  "user-desktops"

/* Where the table is saved (state_dir/BROKER_USER_LAST_FILE), read now if
 * it is there; only the first call counts. state_dir NULL: memory only. */
void broker_user_last_open(const char *state_dir);

/* Remembers that user (compared without case) chose desktop id. */
void broker_user_last_set(const char *user, const char *id);
/* The desktop user chose last into out; false when none is known. */
bool broker_user_last_get(const char *user, char *out, size_t outlen);

#endif
