#include "arena.h"

#include <stdlib.h>
#include <string.h>

/* Few chunks even for a million mappings, each a run of whole pages: when
 * a config is freed, they go back to the system (munmap, or the broker's
 * malloc_trim after a reload) instead of staying as holes in the heap. */
#define ARENA_CHUNK (256 * 1024)

struct arena_chunk {
	struct arena_chunk *next;
	size_t used, cap;
	char data[];
};

static void *arena_take(struct arena *a, size_t size, size_t align)
{
	struct arena_chunk *c = a->head;
	size_t at = c ? (c->used + align - 1) & ~(align - 1) : 0;

	if (!c || at > c->cap || c->cap - at < size) {
		size_t cap = size > ARENA_CHUNK ? size : ARENA_CHUNK;
		c = malloc(sizeof(*c) + cap);
		if (!c)
			return NULL;
		c->used = 0;
		c->cap = cap;
		c->next = a->head;
		a->head = c;
		at = 0;
	}
	c->used = at + size;
	return c->data + at;
}

void *arena_alloc(struct arena *a, size_t size)
{
	_Static_assert(sizeof(struct arena_chunk) % 8 == 0, "chunk data stays 8-aligned");
	return arena_take(a, size, 8);
}

char *arena_strdup(struct arena *a, const char *s)
{
	if (!s)
		return NULL;
	size_t n = strlen(s) + 1;
	char *p = arena_take(a, n, 1);
	if (p)
		memcpy(p, s, n);
	return p;
}

void arena_free(struct arena *a)
{
	struct arena_chunk *c = a->head;
	while (c) {
		struct arena_chunk *n = c->next;
		free(c);
		c = n;
	}
	a->head = NULL;
}
