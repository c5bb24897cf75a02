/* A bump allocator for the strings of one config: everything is freed at
 * once when the config is, so nothing is freed piecemeal. */
#ifndef VDI_ARENA_H
#define VDI_ARENA_H

#include <stddef.h>

struct arena_chunk;
struct arena {
	struct arena_chunk *head;
};

void *arena_alloc(struct arena *a, size_t size);
char *arena_strdup(struct arena *a, const char *s);
void arena_free(struct arena *a);

#endif
