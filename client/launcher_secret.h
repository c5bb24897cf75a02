/* Credentials in memory: copies that are wiped before they are freed, so
 * that the next user of the station finds nothing of the previous one. */
#ifndef LAUNCHER_SECRET_H
#define LAUNCHER_SECRET_H

#include <glib.h>

char *launcher_secret_dup(const char *s);
/* Wipes and frees *s, and sets it to NULL. */
void launcher_secret_clear(char **s);
/* Wipes len bytes and frees. */
void launcher_secret_free_len(char *s, gsize len);

#endif
