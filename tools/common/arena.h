/* A bump allocator for the strings of one config: everything is freed at
 * once when the config is, so nothing is freed piecemeal. Strings are packed
 * byte by byte and structures only 8-aligned: with a million mappings, the
 * padding malloc would add to each small string is most of their size. */
#ifndef VDI_ARENA_H
#define VDI_ARENA_H

#include <stddef.h>

struct arena_chunk;
struct arena {
	struct arena_chunk *head;
};

/* 8-aligned: enough for pointers, sizes and 64-bit integers. */
void *arena_alloc(struct arena *a, size_t size);
char *arena_strdup(struct arena *a, const char *s);
void arena_free(struct arena *a);

#endif
