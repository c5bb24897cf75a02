/* The desktop each user chose last: see broker_user.h. */
#include "broker_user.h"

#include <ctype.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "broker_lru.h"

struct broker_user_slot {
	char user[68];
	char id[68];
};

static struct broker_user_slot broker_user_slots[BROKER_USER_LAST_SLOTS];
static pthread_mutex_t broker_user_lock = PTHREAD_MUTEX_INITIALIZER;

/* The user name lower-cased into key; false when it does not fit. */
static bool broker_user_key(const char *user, char *key, size_t len, size_t *slot)
{
	size_t n = strlen(user);

	if (n == 0 || n >= len)
		return false;
	for (size_t i = 0; i <= n; i++)
		key[i] = (char)tolower((unsigned char)user[i]);
	*slot = (size_t)(broker_lru_hash(key, n, 0) % BROKER_USER_LAST_SLOTS);
	return true;
}

void broker_user_last_set(const char *user, const char *id)
{
	struct broker_user_slot *s;
	char key[sizeof(s->user)];
	size_t i;

	if (!broker_user_key(user, key, sizeof(key), &i) || strlen(id) >= sizeof(s->id))
		return;
	pthread_mutex_lock(&broker_user_lock);
	s = &broker_user_slots[i];
	memcpy(s->user, key, sizeof(key));
	snprintf(s->id, sizeof(s->id), "%s", id);
	pthread_mutex_unlock(&broker_user_lock);
}

bool broker_user_last_get(const char *user, char *out, size_t outlen)
{
	struct broker_user_slot *s;
	char key[sizeof(s->user)];
	bool found = false;
	size_t i;

	if (!broker_user_key(user, key, sizeof(key), &i))
		return false;
	pthread_mutex_lock(&broker_user_lock);
	s = &broker_user_slots[i];
	if (strcmp(s->user, key) == 0 && s->id[0]) {
		snprintf(out, outlen, "%s", s->id);
		found = true;
	}
	pthread_mutex_unlock(&broker_user_lock);
	return found;
}
