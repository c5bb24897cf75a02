#include "hashidx.h"

#include <stdlib.h>

/* FNV-1a, then a final mix so that keys differing only in their last bytes
 * (consecutive MACs and addresses) spread over the whole table. */
static uint32_t hashidx_hash(const void *key, uint32_t len)
{
	const uint8_t *p = key;
	uint64_t h = 0xcbf29ce484222325ULL;
	for (uint32_t i = 0; i < len; i++) {
		h ^= p[i];
		h *= 0x100000001b3ULL;
	}
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	return (uint32_t)h;
}

int hashidx_init(struct hashidx *h, size_t expected, hashidx_eq_fn eq, const void *ctx)
{
	size_t cap = 16;
	while (cap < expected * 2 + 1)
		cap <<= 1;
	h->slots = malloc(cap * sizeof(*h->slots));
	if (!h->slots)
		return -1;
	for (size_t i = 0; i < cap; i++)
		h->slots[i] = (struct hashidx_slot){0, HASHIDX_NONE};
	h->mask = cap - 1;
	h->count = 0;
	h->eq = eq;
	h->ctx = ctx;
	return 0;
}

void hashidx_free(struct hashidx *h)
{
	free(h->slots);
	h->slots = NULL;
	h->count = 0;
}

uint32_t hashidx_put(struct hashidx *h, const void *key, uint32_t keylen, uint32_t value)
{
	uint32_t hv = hashidx_hash(key, keylen);
	for (size_t i = hv & h->mask;; i = (i + 1) & h->mask) {
		struct hashidx_slot *s = &h->slots[i];
		if (s->value == HASHIDX_NONE) {
			s->hash = hv;
			s->value = value;
			h->count++;
			return HASHIDX_NONE;
		}
		if (s->hash == hv && h->eq(h->ctx, s->value, key, keylen))
			return s->value;
	}
}

uint32_t hashidx_get(const struct hashidx *h, const void *key, uint32_t keylen)
{
	if (!h->slots)
		return HASHIDX_NONE;
	uint32_t hv = hashidx_hash(key, keylen);
	for (size_t i = hv & h->mask;; i = (i + 1) & h->mask) {
		const struct hashidx_slot *s = &h->slots[i];
		if (s->value == HASHIDX_NONE)
			return HASHIDX_NONE;
		if (s->hash == hv && h->eq(h->ctx, s->value, key, keylen))
			return s->value;
	}
}
