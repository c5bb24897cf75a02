/* The broker's users file: one "name:crypt-hash" line per user, '#' comments.
 * Written by `stationctl passwd`, read by vdi-broker on each login attempt so
 * that a password change takes effect at once. */
#ifndef VDI_USERS_H
#define VDI_USERS_H

#include <stdbool.h>
#include <stddef.h>

#define USERS_FILE_MAX (4u * 1024 * 1024)
#define USERNAME_MAX   64
#define PASSWORD_MAX   256

/* 1..64 of [A-Za-z0-9._@-], not starting with '-' or '.'. */
bool users_name_valid(const char *name);

/* 1 when path lists name and password hashes to its entry, 0 when not (unknown
 * user, wrong password, or a locked "!" hash), -1 when the file cannot be read
 * or is malformed. Unknown users cost one hash of the default cost (yescrypt),
 * and every check takes at least as long as that hash takes here, so that
 * neither an unknown name nor a user with a cheaper, older hash ($1$, $6$)
 * is told apart by the time the answer takes. */
int users_check(const char *path, const char *name, const char *password);

/* A stored hash of a method much cheaper to guess than yescrypt: MD5-crypt
 * ($1$), SHA-crypt ($5$, $6$), DES and the like. Locked entries are not. */
bool users_hash_weak(const char *hash);
/* The users of path with a weak hash: their count (and their names, comma
 * separated, in out as far as it holds them), or -1 when the file cannot be
 * read or is malformed. */
int users_weak(const char *path, char *out, size_t outlen);

/* Sets (or with password NULL removes) name's entry, hashing with yescrypt,
 * under the file lock and with an atomic replace (an existing file keeps its
 * owner, group and mode, minus any execute or world bits; a new one is 0600). 0, or -1 with
 * err and errno: ETIMEDOUT lock time-out, ENOENT no such user to remove,
 * EINVAL bad name, password or file content, EIO anything else. */
int users_set(const char *path, const char *name, const char *password, char *err, size_t errlen);

#endif
