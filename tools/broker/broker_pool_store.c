/* The pool manager's state file, pools.json: loaded at start, written as
 * group commits (see broker_pool.h). */
#include "broker_pool_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fileio.h"
#include "log.h"

/* Locked. Writes the table as it is now (write, fsync, rename: see
 * file_replace_atomic). Serializing is cheap and done under the lock; the
 * disk work is done with the lock dropped, so that lookups, hand-outs and
 * libvirt's events go on meanwhile and what they change goes into the next
 * write. With --pool-sync=each the lock stays held, as before. */
static int pool_write(struct broker_pool *p)
{
	uint64_t snap = p->gen;
	size_t len = 0;
	char *text = broker_pool_state_serialize(&p->st, &len);
	int ret = -1, e = ENOMEM;
	const char *what = "file";

	if (text) {
		if (!p->sync_each) {
			p->writing = true;
			pthread_mutex_unlock(&p->lock);
		}
		if (p->write_delay_ms)
			usleep(p->write_delay_ms * 1000u);
		if (mkdir(p->dir, 0700) < 0 && errno != EEXIST) {
			e = errno;
			what = "dir";
		} else if ((ret = file_replace_atomic(p->path, text, len, 0600, 0)) < 0) {
			e = errno;
		}
		explicit_bzero(text, len);
		free(text);
		if (!p->sync_each) {
			pthread_mutex_lock(&p->lock);
			p->writing = false;
		}
		p->writes++;
	}
	if (ret == 0) {
		if (snap > p->durable_gen)
			p->durable_gen = snap;
	} else {
		p->write_errors++;
		if (snap > p->failed_gen)
			p->failed_gen = snap;
		log_event(LOG_ERROR, "pool_state", what, what[0] == 'd' ? p->dir : p->path, "error",
			  strerror(e), NULL);
	}
	pthread_cond_broadcast(&p->saved);
	return ret;
}

/* Locked, and may drop the lock while it waits or writes: returns 0 once
 * change `gen` is on disk, -1 when the write that held it failed. If no
 * write is under way, this thread writes; otherwise it waits, without the
 * lock, for the one under way, and after it one of the threads still
 * waiting writes everything changed meanwhile: hand-outs that arrive
 * together share one fsync. Pointers into p->st are stale afterwards. */
int broker_pool_store_sync(struct broker_pool *p, uint64_t gen)
{
	for (;;) {
		if (p->durable_gen >= gen)
			return 0;
		if (p->failed_gen >= gen)
			return -1;
		if (!p->writing)
			break;
		pthread_cond_wait(&p->saved, &p->lock);
	}
	return pool_write(p) < 0 && p->durable_gen < gen ? -1 : 0;
}

/* Locked: a change to the table that nobody waits for. It reaches the
 * disk with the next write (the manager writes at the end of each round
 * and before it destroys anything). */
uint64_t broker_pool_store_changed(struct broker_pool *p)
{
	uint64_t gen = ++p->gen;

	if (p->sync_each)
		broker_pool_store_sync(p, gen);
	return gen;
}

/* Locked: a change that must be on disk before anyone learns of it. May
 * drop the lock (broker_pool_store_sync). 0 or -1. */
int broker_pool_store_save(struct broker_pool *p)
{
	return broker_pool_store_sync(p, ++p->gen);
}

/* The table as the file has it. A file that cannot be read is set aside
 * (.bad), not overwritten: the admin may want it; the pools then start
 * empty, and reconciliation destroys the VMs nobody knows any more. */
void broker_pool_store_load(struct broker_pool *p)
{
	char *text = NULL, err[300], bad[PATH_MAX + 8];
	size_t len = 0;

	p->loaded = true;
	file_remove_stale_temps(p->path);
	/* The broker writes this file itself (atomically, never through a
	 * link), so a symbolic link here was put by someone else. */
	if (file_read_capped_flags(p->path, O_NOFOLLOW, BROKER_POOL_FILE_MAX, &text, &len) < 0) {
		if (errno != ENOENT)
			log_event(LOG_ERROR, "pool_state", "file", p->path, "error",
				  file_strerror(errno), NULL);
		return;
	}
	if (broker_pool_state_parse(text, len, &p->st, err, sizeof(err)) < 0) {
		snprintf(bad, sizeof(bad), "%s.bad", p->path);
		rename(p->path, bad);
		log_event(LOG_ERROR, "pool_state", "file", p->path, "error", err, "moved_to", bad,
			  NULL);
	} else {
		char n[24];

		snprintf(n, sizeof(n), "%zu", p->st.n);
		log_event(LOG_INFO, "pool_state", "file", p->path, "vms", n, NULL);
	}
	explicit_bzero(text, len);
	free(text);
}

/* Locked: everything changed so far on disk, sharing a write under way;
 * after a failed write, tried once more. 0 or -1. */
int broker_pool_store_flush_locked(struct broker_pool *p)
{
	if (p->durable_gen >= p->gen || broker_pool_store_sync(p, p->gen) == 0)
		return 0;
	return broker_pool_store_save(p);
}

/* What changed without anyone waiting for it goes to disk now; after a
 * failure, again at the next round. */
void broker_pool_store_flush(struct broker_pool *p)
{
	pthread_mutex_lock(&p->lock);
	broker_pool_store_flush_locked(p);
	pthread_mutex_unlock(&p->lock);
}
