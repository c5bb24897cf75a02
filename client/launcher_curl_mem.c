/* libcurl copies what it sends into buffers of its own: the login request,
 * with the user's password in its JSON body, stays in freed heap memory
 * until something else happens to overwrite it. The launcher wipes its
 * own copies (launcher_secret.c); these allocators make libcurl's copies
 * follow the same rule, so that docs/launcher.md's promise ("passwords are
 * wiped from memory after use") holds for the whole process.
 * malloc_usable_size() gives the block's real size, so the wipe covers all
 * of it, whatever libcurl asked for. */
#include "launcher_curl_mem.h"

#include <curl/curl.h>
#include <malloc.h>
#include <stdlib.h>
#include <string.h>

static void *launcher_curl_mem_malloc(size_t n)
{
	return malloc(n);
}

static void *launcher_curl_mem_calloc(size_t count, size_t n)
{
	return calloc(count, n);
}

static void launcher_curl_mem_free(void *p)
{
	if (!p)
		return;
	explicit_bzero(p, malloc_usable_size(p));
	free(p);
}

/* Never realloc() in place: a block that moves would leave its old copy
 * behind unwiped. */
static void *launcher_curl_mem_realloc(void *p, size_t n)
{
	size_t old;
	void *q;

	if (!p)
		return malloc(n);
	old = malloc_usable_size(p);
	q = malloc(n ? n : 1);
	if (!q)
		return NULL;
	memcpy(q, p, old < n ? old : n);
	launcher_curl_mem_free(p);
	return q;
}

static char *launcher_curl_mem_strdup(const char *s)
{
	return strdup(s);
}

int launcher_curl_mem_init(void)
{
	return (int)curl_global_init_mem(CURL_GLOBAL_DEFAULT, launcher_curl_mem_malloc,
					 launcher_curl_mem_free, launcher_curl_mem_realloc,
					 launcher_curl_mem_strdup, launcher_curl_mem_calloc);
}
