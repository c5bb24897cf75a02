/* A fixed-size open-addressing hash index from short byte keys (MACs, IP
 * addresses, prefixes, section names) to entry numbers. Built once per config
 * and then only read, so lookups need no lock.
 *
 * A slot holds only a hash and the entry number (8 bytes): the key itself is
 * the caller's, read back through eq when the hashes agree, so an index of a
 * million sections costs 16 MB at most rather than three times that. */
#ifndef VDI_HASHIDX_H
#define VDI_HASHIDX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define HASHIDX_NONE UINT32_MAX

/* Whether entry value has this key. */
typedef bool (*hashidx_eq_fn)(const void *ctx, uint32_t value, const void *key, uint32_t keylen);

struct hashidx_slot {
	uint32_t hash;
	uint32_t value; /* HASHIDX_NONE marks an empty slot */
};

struct hashidx {
	struct hashidx_slot *slots;
	size_t mask; /* capacity - 1 */
	size_t count;
	hashidx_eq_fn eq;
	const void *ctx;
};

/* Sized for expected entries at a load factor below 1/2. eq(ctx, ...)
 * compares a stored entry's key. 0 or -1. */
int hashidx_init(struct hashidx *h, size_t expected, hashidx_eq_fn eq, const void *ctx);
void hashidx_free(struct hashidx *h);
/* Inserts key → value unless the key exists; returns the existing value in
 * that case, HASHIDX_NONE when inserted. value must not be HASHIDX_NONE,
 * and no more than expected keys may be put. */
uint32_t hashidx_put(struct hashidx *h, const void *key, uint32_t keylen, uint32_t value);
uint32_t hashidx_get(const struct hashidx *h, const void *key, uint32_t keylen);

#endif
