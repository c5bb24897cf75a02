/* Token buckets per address: see broker_bucket.h. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "broker_bucket.h"
#include "broker_lru.h"

#define BUCKET_KIND_MAX 24

struct bucket_rec {
	struct broker_lru_node node; /* first: the table hands us nodes */
	struct ipaddr ip;
	char kind[BUCKET_KIND_MAX];
	double tokens;
	uint64_t last_ms;
	unsigned long dropped;
};

struct broker_bucket {
	pthread_mutex_t lock;
	struct broker_lru table;
	double rate, burst;
	uint64_t seed;
};

struct bucket_key {
	const struct ipaddr *ip;
	const char *kind;
};

static bool bucket_eq(const struct broker_lru_node *n, const void *arg)
{
	const struct bucket_rec *r = (const struct bucket_rec *)n;
	const struct bucket_key *k = arg;

	return memcmp(&r->ip, k->ip, sizeof(r->ip)) == 0 &&
	       strncmp(r->kind, k->kind, sizeof(r->kind)) == 0;
}

static void bucket_rec_free(struct broker_lru_node *n)
{
	free(n);
}

struct broker_bucket *broker_bucket_new(size_t cap, double rate, double burst)
{
	struct broker_bucket *b = calloc(1, sizeof(*b));

	if (!b)
		return NULL;
	if (broker_lru_init(&b->table, cap ? cap : 1) < 0) {
		free(b);
		return NULL;
	}
	pthread_mutex_init(&b->lock, NULL);
	b->rate = rate;
	b->burst = burst < 1 ? 1 : burst;
	/* The key is a hash of what strangers send; a per-run seed keeps them
	 * from choosing addresses that share one chain. */
	if (getrandom(&b->seed, sizeof(b->seed), GRND_NONBLOCK) != sizeof(b->seed))
		b->seed = (uint64_t)(uintptr_t)b ^ 0x9e3779b97f4a7c15ULL;
	return b;
}

void broker_bucket_free(struct broker_bucket *b)
{
	if (!b)
		return;
	broker_lru_destroy(&b->table, bucket_rec_free);
	pthread_mutex_destroy(&b->lock);
	free(b);
}

bool broker_bucket_take(struct broker_bucket *b, const struct ipaddr *ip, const char *kind,
			uint64_t now_ms, unsigned long *dropped)
{
	struct bucket_key k = {ip, kind ? kind : ""};
	struct bucket_rec *r;
	uint64_t key;
	bool ok;

	if (dropped)
		*dropped = 0;
	if (b->rate <= 0)
		return true;
	key = broker_lru_hash(ip->b, sizeof(ip->b), b->seed);
	key = broker_lru_hash(k.kind, strlen(k.kind), key);
	pthread_mutex_lock(&b->lock);
	r = (struct bucket_rec *)broker_lru_find(&b->table, key, bucket_eq, &k);
	if (r) {
		broker_lru_touch(&b->table, &r->node);
		if (now_ms > r->last_ms)
			r->tokens += (double)(now_ms - r->last_ms) * b->rate / 1000.0;
		if (r->tokens > b->burst)
			r->tokens = b->burst;
		r->last_ms = now_ms;
	} else {
		r = calloc(1, sizeof(*r));
		if (!r) {
			/* Out of memory: refuse rather than let a flood through. */
			pthread_mutex_unlock(&b->lock);
			return false;
		}
		r->node.key = key;
		r->ip = *ip;
		strncpy(r->kind, k.kind, sizeof(r->kind) - 1);
		r->tokens = b->burst;
		r->last_ms = now_ms;
		bucket_rec_free(broker_lru_insert(&b->table, &r->node));
	}
	ok = r->tokens >= 1;
	if (ok) {
		r->tokens -= 1;
		if (dropped)
			*dropped = r->dropped;
		r->dropped = 0;
	} else {
		r->dropped++;
	}
	pthread_mutex_unlock(&b->lock);
	return ok;
}
