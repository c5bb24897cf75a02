/* The desktop each user chose last: see broker_user.h. */
#include "broker_user.h"

#include <ctype.h>
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "broker_lru.h"
#include "fileio.h"
#include "log.h"

struct broker_user_slot {
	char user[68];
	char id[68];
};

static struct broker_user_slot broker_user_slots[BROKER_USER_LAST_SLOTS];
static pthread_mutex_t broker_user_lock = PTHREAD_MUTEX_INITIALIZER;
static char broker_user_dir[4000];  /* the state folder */
static char broker_user_path[4096]; /* "" until opened, or memory only */
static bool broker_user_opened, broker_user_warned;

static bool broker_user_key(const char *user, char *key, size_t len, size_t *slot);

/* "user id" lines: both are names without blanks (a user name as the users
 * file or a directory login gives it, a stations file desktop name). A
 * line that is not two such words is skipped. Under the lock. */
static void broker_user_load(const char *text)
{
	const char *p = text;

	while (*p) {
		const char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p) : strlen(p);
		char line[160], user[68], id[68], key[68];
		size_t slot;

		if (n < sizeof(line)) {
			memcpy(line, p, n);
			line[n] = '\0';
			if (sscanf(line, "%67s %67s", user, id) == 2 &&
			    broker_user_key(user, key, sizeof(key), &slot)) {
				memcpy(broker_user_slots[slot].user, key, sizeof(key));
				snprintf(broker_user_slots[slot].id,
					 sizeof(broker_user_slots[slot].id), "%s", id);
			}
		}
		p += n + (nl ? 1 : 0);
	}
}

void broker_user_last_open(const char *state_dir)
{
	char *text = NULL;
	size_t len = 0;

	pthread_mutex_lock(&broker_user_lock);
	if (!broker_user_opened && state_dir) {
		snprintf(broker_user_dir, sizeof(broker_user_dir), "%s", state_dir);
		snprintf(broker_user_path, sizeof(broker_user_path), "%s/%s", broker_user_dir,
			 BROKER_USER_LAST_FILE);
		if (file_read_capped(broker_user_path, (size_t)BROKER_USER_LAST_SLOTS * 160, &text,
				     &len) == 0) {
			broker_user_load(text);
			free(text);
		}
	}
	broker_user_opened = true;
	pthread_mutex_unlock(&broker_user_lock);
}

/* The table to its file, replaced atomically. Under the lock: changes are
 * rare (a user who picks another desktop than last time). */
static void broker_user_save(void)
{
	size_t cap = 4096, len = 0;
	char *buf = malloc(cap);

	if (!buf || !broker_user_path[0])
		goto done;
	for (size_t i = 0; i < BROKER_USER_LAST_SLOTS; i++) {
		const struct broker_user_slot *s = &broker_user_slots[i];
		size_t need = strlen(s->user) + strlen(s->id) + 2;

		if (!s->user[0] || !s->id[0])
			continue;
		if (len + need + 1 > cap) {
			char *nb = realloc(buf, cap * 2);

			if (!nb)
				goto done;
			buf = nb;
			cap *= 2;
		}
		len += (size_t)snprintf(buf + len, cap - len, "%s %s\n", s->user, s->id);
	}
	/* The folder is made as the pools' state makes it, when first needed. */
	if ((mkdir(broker_user_dir, 0700) < 0 && errno != EEXIST) ||
	    file_replace_atomic(broker_user_path, buf, len, 0600, 0) < 0) {
		if (broker_user_warned)
			goto done;
		broker_user_warned = true;
		log_event(LOG_WARN, "user_desktops", "file", broker_user_path, "error",
			  file_strerror(errno), "note", "the last desktops are kept in memory only",
			  NULL);
	}
done:
	free(buf);
}

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
	if (strcmp(s->user, key) != 0 || strcmp(s->id, id) != 0) {
		memcpy(s->user, key, sizeof(key));
		snprintf(s->id, sizeof(s->id), "%s", id);
		broker_user_save();
	}
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
