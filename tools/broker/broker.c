/* The broker object: see broker.h. */
#include <string.h>
#include <unistd.h>

#include "broker.h"
#include "directory_conf.h"
#include "log.h"

/* A hanging connection URL holds a fetch thread for its whole time-out
 * (BROKER_FETCH_TIMEOUT_MS); stations asking for the same URL share one
 * fetch, so a few threads serve many stations. */
#define FETCH_THREADS 4
#define FETCH_QUEUE   128
/* A password check costs tens of ms of CPU: half the CPUs at most, at a
 * lower priority than lookups, and a short queue (a class logging in at
 * once waits well under a second; a flood is refused with 429). */
#define LOGIN_QUEUE 32
#define LOGIN_NICE  5
/* A directory login mostly waits for the directory: with --directory the
 * pool gets a thread for each check the directory settings let be in
 * flight (max_inflight, read once at start), and a queue that holds a
 * whole building logging in at nine: 500 logins at a few ms of directory
 * time each, spread over those threads, wait well under a second. (With
 * one thread and 32 places, 100 logins at once had 164 of 200 refused.) */
#define LOGIN_QUEUE_DIRECTORY	1024
#define LOGIN_THREADS_DIRECTORY 64
/* A pool hand-out waits for pools.json to reach the disk (broker_pool.h):
 * on these threads, so that the threads that answer lookups go on, and
 * hand-outs that arrive together share one write of the file. */
#define POOL_THREADS 32
#define POOL_QUEUE   1024

static unsigned broker_login_threads(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN) / 2;

	return n < 1 ? 1 : n > 16 ? 16 : (unsigned)n;
}

/* The login pool's threads and queue: for password hashing, or, with a
 * directory, for logins that wait on it. A directory file that cannot be
 * read here fails later in broker_login_set_directory, which says why. */
static void broker_login_pool(const struct broker_opts *opts, struct broker_workq_params *p)
{
	struct directory_conf dc;
	char err[256];
	unsigned n;

	if (!opts->directory || directory_conf_load(opts->directory, &dc, err, sizeof(err)) < 0)
		return;
	n = p->threads + dc.max_inflight;
	p->threads = n > LOGIN_THREADS_DIRECTORY ? LOGIN_THREADS_DIRECTORY : n;
	p->max_queued = LOGIN_QUEUE_DIRECTORY;
	directory_conf_free(&dc);
}

int broker_init(struct broker *b, const struct broker_opts *opts)
{
	struct broker_ratelimit_params rl = BROKER_RATELIMIT_DEFAULTS;
	const struct broker_workq_params fq = {"fetch", FETCH_THREADS, FETCH_QUEUE, 0, 503};
	struct broker_workq_params lq = {"login", broker_login_threads(), LOGIN_QUEUE, LOGIN_NICE,
					 429};
	const struct broker_workq_params pq = {"pool", POOL_THREADS, POOL_QUEUE, 0, 503};
	char err[512];

	memset(b, 0, sizeof(*b));
	b->opts = opts;
	b->config = broker_config_new(opts->stations);
	b->state = broker_state_new(opts->max_stations, opts->max_unknown);
	b->login = broker_login_new(opts->users, &rl);
	/* --directory was checked with the options: what fails here is the
	 * password file gone since, or memory. */
	if (b->login && opts->directory &&
	    broker_login_set_directory(b->login, opts->directory, err, sizeof(err)) < 0) {
		log_event(LOG_ERROR, "directory", "file", opts->directory, "error", err, NULL);
		broker_login_free(b->login);
		b->login = NULL;
	}
	b->probe = broker_probe_new();
	b->libvirt = broker_libvirt_new();
	/* After libvirt: its event loop must exist before the pool manager
	 * opens connections that want graphics events. */
	b->pool = b->libvirt && b->config
		      ? broker_pool_new(b->config, opts->state_dir, opts->pool_sync_each)
		      : NULL;
	b->fetch_q = broker_workq_new(&fq);
	broker_login_pool(opts, &lq);
	b->login_q = broker_workq_new(&lq);
	b->pool_q = broker_workq_new(&pq);
	if (!b->config || !b->state || !b->login || !b->probe || !b->libvirt || !b->pool ||
	    !b->fetch_q || !b->login_q || !b->pool_q) {
		broker_destroy(b);
		return -1;
	}
	return 0;
}

void broker_stop_pools(struct broker *b)
{
	broker_workq_stop(b->fetch_q);
	broker_workq_stop(b->login_q);
	broker_workq_stop(b->pool_q);
}

void broker_destroy(struct broker *b)
{
	broker_workq_free(b->fetch_q);
	broker_workq_free(b->login_q);
	broker_workq_free(b->pool_q);
	broker_pool_free(b->pool);
	broker_libvirt_free(b->libvirt);
	broker_probe_free(b->probe);
	broker_login_free(b->login);
	broker_state_free(b->state);
	broker_config_free(b->config);
	memset(b, 0, sizeof(*b));
}

static bool broker_now_known(const uint8_t mac[6], const struct ipaddr *ip, const char *hostname,
			     void *arg)
{
	const struct broker_frag *frag;

	return broker_snapshot_match(arg, mac, ip, hostname, &frag) != NULL;
}

int broker_reload(struct broker *b, const char *trigger, struct st_diags *d)
{
	struct broker_snapshot *s;

	if (broker_config_reload(b->config, trigger, d) < 0)
		return -1;
	/* A station the new file maps is no longer unknown, even if it has not
	 * asked again yet: the admin's "unknown" list must not show it. */
	s = broker_config_acquire(b->config);
	if (s) {
		broker_state_prune_unknown(b->state, broker_now_known, s);
		broker_config_release(s);
	}
	return 0;
}
