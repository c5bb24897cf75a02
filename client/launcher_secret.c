/* Wiped copies of credentials: see launcher_secret.h. */
#include "launcher_secret.h"

#include <string.h>

char *launcher_secret_dup(const char *s)
{
	return g_strdup(s);
}

void launcher_secret_clear(char **s)
{
	if (*s) {
		/* explicit_bzero is not optimised away, unlike memset
		 * before free. */
		explicit_bzero(*s, strlen(*s));
		g_free(*s);
		*s = NULL;
	}
}

void launcher_secret_free_len(char *s, gsize len)
{
	if (s) {
		explicit_bzero(s, len);
		g_free(s);
	}
}
