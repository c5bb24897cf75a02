/* Bounded LRU hash table: see broker_lru.h. */
#include <stdlib.h>
#include <string.h>

#include "broker_lru.h"

/* A finalizer (from splitmix64) so that keys with structure, like MACs that
 * share a vendor prefix, spread over the buckets. */
static uint64_t lru_mix(uint64_t x)
{
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ull;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebull;
	x ^= x >> 31;
	return x;
}

uint64_t broker_lru_hash(const void *data, size_t len, uint64_t seed)
{
	const unsigned char *p = data;
	uint64_t h = seed ^ 0xcbf29ce484222325ull;
	size_t i;

	for (i = 0; i < len; i++) {
		h ^= p[i];
		h *= 0x100000001b3ull;
	}
	return lru_mix(h ^ len);
}

int broker_lru_init(struct broker_lru *t, size_t cap)
{
	size_t nb = 16;

	memset(t, 0, sizeof(*t));
	if (cap == 0)
		cap = 1;
	/* About one node per bucket when full. */
	while (nb < cap && nb < ((size_t)1 << 30))
		nb <<= 1;
	t->buckets = calloc(nb, sizeof(*t->buckets));
	if (!t->buckets)
		return -1;
	t->mask = nb - 1;
	t->cap = cap;
	t->list.next = t->list.prev = &t->list;
	return 0;
}

void broker_lru_destroy(struct broker_lru *t, void (*free_fn)(struct broker_lru_node *n))
{
	struct broker_lru_node *n, *next;

	if (!t->buckets)
		return;
	for (n = t->list.next; n != &t->list; n = next) {
		next = n->next;
		if (free_fn)
			free_fn(n);
	}
	free(t->buckets);
	memset(t, 0, sizeof(*t));
}

static struct broker_lru_node **lru_bucket(const struct broker_lru *t, uint64_t key)
{
	return &t->buckets[lru_mix(key) & t->mask];
}

struct broker_lru_node *broker_lru_find(const struct broker_lru *t, uint64_t key,
					broker_lru_eq_fn eq, const void *arg)
{
	struct broker_lru_node *n;

	for (n = *lru_bucket(t, key); n; n = n->hnext) {
		if (n->key == key && (!eq || eq(n, arg)))
			return n;
	}
	return NULL;
}

static void lru_list_unlink(struct broker_lru_node *n)
{
	n->prev->next = n->next;
	n->next->prev = n->prev;
}

static void lru_list_push_front(struct broker_lru *t, struct broker_lru_node *n)
{
	n->next = t->list.next;
	n->prev = &t->list;
	t->list.next->prev = n;
	t->list.next = n;
}

void broker_lru_touch(struct broker_lru *t, struct broker_lru_node *n)
{
	if (t->list.next == n)
		return;
	lru_list_unlink(n);
	lru_list_push_front(t, n);
}

void broker_lru_remove(struct broker_lru *t, struct broker_lru_node *n)
{
	struct broker_lru_node **pp = lru_bucket(t, n->key);

	while (*pp && *pp != n)
		pp = &(*pp)->hnext;
	if (*pp)
		*pp = n->hnext;
	lru_list_unlink(n);
	n->hnext = n->prev = n->next = NULL;
	t->count--;
}

struct broker_lru_node *broker_lru_insert(struct broker_lru *t, struct broker_lru_node *n)
{
	struct broker_lru_node **b = lru_bucket(t, n->key);
	struct broker_lru_node *old = NULL;

	n->hnext = *b;
	*b = n;
	lru_list_push_front(t, n);
	t->count++;
	if (t->count > t->cap) {
		old = t->list.prev;
		broker_lru_remove(t, old);
	}
	return old;
}

struct broker_lru_node *broker_lru_first(const struct broker_lru *t)
{
	return t->list.next == &t->list ? NULL : t->list.next;
}

struct broker_lru_node *broker_lru_next(const struct broker_lru *t, const struct broker_lru_node *n)
{
	return n->next == &t->list ? NULL : n->next;
}

struct broker_lru_node *broker_lru_oldest(const struct broker_lru *t)
{
	return t->list.prev == &t->list ? NULL : t->list.prev;
}
