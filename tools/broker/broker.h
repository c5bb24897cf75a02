/* The broker as one object: its options, the current stations file, what it
 * knows about stations, and the login checker. Request handlers get a
 * pointer to it; every member is either immutable after start-up or guards
 * itself. */
#ifndef BROKER_H
#define BROKER_H

#include "broker_config.h"
#include "broker_http.h"
#include "broker_libvirt.h"
#include "broker_login.h"
#include "broker_opts.h"
#include "broker_pool.h"
#include "broker_probe.h"
#include "broker_state.h"
#include "broker_workq.h"

struct broker {
	const struct broker_opts *opts;
	struct broker_config *config;
	struct broker_state *state;
	struct broker_login *login;
	struct broker_probe *probe;	/* desktops of wait_ready mappings */
	struct broker_libvirt *libvirt; /* desktops that are libvirt domains */
	struct broker_pool *pool;	/* pools of one-time desktops */
	struct broker_http *api;	/* set once the station API runs; NULL before */
	/* Work kept off the threads that answer lookups (broker_workq.h). */
	struct broker_workq *fetch_q; /* connection_url fetches */
	struct broker_workq *login_q; /* password checks */
	struct broker_workq *pool_q;  /* pool hand-outs, which wait for the disk */
};

/* 0 or -1 (out of memory). */
int broker_init(struct broker *b, const struct broker_opts *opts);
void broker_destroy(struct broker *b);
/* Answers every request waiting in the pools and stops their threads;
 * before the HTTP server stops. */
void broker_stop_pools(struct broker *b);

/* Reloads the stations file (see broker_config_reload) and, when the new
 * file is applied, forgets unknown stations that it now maps. 0 or -1; d is
 * for the caller to free with st_diags_free. */
int broker_reload(struct broker *b, const char *trigger, struct st_diags *d);

#endif
