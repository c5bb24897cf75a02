/* A bounded hash table with least-recently-used eviction.
 *
 * Everything the broker remembers about stations (their state, unknown
 * stations, failed logins) is keyed by data that strangers send, so every
 * table has a hard size cap: when it is full the least recently touched entry
 * makes room, in O(1). Nodes are intrusive (embed a broker_lru_node as the
 * first member); the table never allocates nodes and never frees them except
 * through the destroy callback. Not thread-safe: callers hold their lock. */
#ifndef BROKER_LRU_H
#define BROKER_LRU_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct broker_lru_node {
	uint64_t key;
	struct broker_lru_node *hnext;	     /* bucket chain */
	struct broker_lru_node *prev, *next; /* recency list */
};

struct broker_lru {
	struct broker_lru_node **buckets;
	size_t mask;
	size_t count, cap;
	struct broker_lru_node list; /* sentinel: list.next is the newest */
};

/* For tables whose key is a hash: tells whether a node is really the one. */
typedef bool (*broker_lru_eq_fn)(const struct broker_lru_node *n, const void *arg);

/* cap >= 1. 0 or -1 (out of memory). */
int broker_lru_init(struct broker_lru *t, size_t cap);
/* Calls free_fn (if not NULL) for every node, then releases the table. */
void broker_lru_destroy(struct broker_lru *t, void (*free_fn)(struct broker_lru_node *n));

/* The node with this key (and eq(node, arg) true when eq is given), or NULL.
 * Does not change recency. */
struct broker_lru_node *broker_lru_find(const struct broker_lru *t, uint64_t key,
					broker_lru_eq_fn eq, const void *arg);
/* Marks the node as the most recently used. */
void broker_lru_touch(struct broker_lru *t, struct broker_lru_node *n);
/* Adds n (its key set by the caller) as the newest. When that makes the table
 * exceed its cap, the oldest node is unlinked and returned for the caller to
 * free; otherwise NULL. */
struct broker_lru_node *broker_lru_insert(struct broker_lru *t, struct broker_lru_node *n);
void broker_lru_remove(struct broker_lru *t, struct broker_lru_node *n);

/* Iteration, newest first: for (n = broker_lru_first(t); n; n = broker_lru_next(t, n)).
 * The current node may be removed if the next one was fetched first. */
struct broker_lru_node *broker_lru_first(const struct broker_lru *t);
struct broker_lru_node *broker_lru_next(const struct broker_lru *t,
					const struct broker_lru_node *n);
struct broker_lru_node *broker_lru_oldest(const struct broker_lru *t);

/* 64-bit mixing, for keys made of raw bytes. */
uint64_t broker_lru_hash(const void *data, size_t len, uint64_t seed);

#endif
