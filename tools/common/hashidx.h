/* A fixed-size open-addressing hash index from short byte keys (MACs, IP
 * addresses, prefixes, section names) to entry numbers. Built once per config
 * and then only read, so lookups need no lock. */
#ifndef VDI_HASHIDX_H
#define VDI_HASHIDX_H

#include <stddef.h>
#include <stdint.h>

#define HASHIDX_NONE UINT32_MAX

struct hashidx_slot {
	uint64_t hash; /* 0 marks an empty slot */
	const void *key;
	uint32_t keylen;
	uint32_t value;
};

struct hashidx {
	struct hashidx_slot *slots;
	size_t mask; /* capacity - 1 */
	size_t count;
};

/* Sized for expected entries at a load factor below 1/2. Keys are not
 * copied: they must outlive the index. 0 or -1. */
int hashidx_init(struct hashidx *h, size_t expected);
void hashidx_free(struct hashidx *h);
/* Inserts key → value unless the key exists; returns the existing value in
 * that case, HASHIDX_NONE when inserted. */
uint32_t hashidx_put(struct hashidx *h, const void *key, uint32_t keylen, uint32_t value);
uint32_t hashidx_get(const struct hashidx *h, const void *key, uint32_t keylen);

#endif
