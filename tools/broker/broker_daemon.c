/* Daemon life cycle: see broker_daemon.h. */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "broker.h"
#include "broker_admin.h"
#include "broker_api.h"
#include "broker_daemon.h"
#include "broker_fetch.h"
#include "broker_http.h"
#include "broker_net.h"
#include "broker_paths.h"
#include "broker_time.h"
#include "broker_watch.h"
#include "fileio.h"
#include "log.h"

#ifndef VDI_VERSION
#define VDI_VERSION "unknown"
#endif

#define PEM_MAX (1024 * 1024)
/* One save is several inotify events; wait for quiet before reloading, but
 * never longer than the maximum after the first one. A file renamed into
 * place is complete, so a short wait does. A file written in place may be
 * written again (a script that appends in steps, an editor that writes in
 * pieces): it waits for a whole second without a write; a file that is
 * still cut short then (a writer killed half-way) is caught by the mapping
 * count (broker_config.h). */
#define DEBOUNCE_MS		100
#define DEBOUNCE_MAX_MS		1000
#define DEBOUNCE_WRITTEN_MS	1000
#define DEBOUNCE_WRITTEN_MAX_MS 10000
/* File descriptors kept for everything that is not a connection. */
#define FD_RESERVE 64

struct daemon {
	const struct broker_opts *o;
	/* The options with the admin socket and the state folder resolved
	 * (broker_paths.h); o points here once they are. */
	struct broker_opts opts;
	char admin_socket[ADMIN_PATH_MAX];
	char state_dir[PATH_MAX];
	struct broker b;
	char *cert, *key;
	int tcp_fd, admin_fd, sig_fd;
	dev_t admin_dev;
	ino_t admin_ino;
	struct broker_http *api, *admin;
	struct broker_watch *watch;
	unsigned max_connections;
};

static void daemon_fatal(const char *what, const char *msg)
{
	log_event(LOG_ERROR, "start", "status", "failed", "step", what, "error", msg, NULL);
}

/* A thousand stations booting at once need a thousand descriptors; the
 * usual soft limit is 1024. Raise it to the hard limit and size the
 * connection limit to what we got. */
static unsigned daemon_fd_limit(unsigned want)
{
	struct rlimit rl;
	char have[24], asked[24];
	rlim_t room;

	if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
		return want;
	if (rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
		getrlimit(RLIMIT_NOFILE, &rl);
	}
	room = rl.rlim_cur > FD_RESERVE * 2 ? rl.rlim_cur - FD_RESERVE : FD_RESERVE;
	if (rl.rlim_cur != RLIM_INFINITY && room < want) {
		snprintf(have, sizeof(have), "%llu", (unsigned long long)rl.rlim_cur);
		snprintf(asked, sizeof(asked), "%u", want);
		log_event(LOG_WARN, "limits", "open_files", have, "max_connections_asked", asked,
			  "note", "connection limit lowered to fit the open file limit", NULL);
		return (unsigned)room;
	}
	return want;
}

/* One address never gets more than half of the connections, whatever was
 * asked: the other half stays for the stations elsewhere. */
static unsigned daemon_per_address(unsigned asked, unsigned max_connections)
{
	unsigned half = max_connections / 2 ? max_connections / 2 : 1;

	return asked > half ? half : asked;
}

static unsigned daemon_threads(const struct broker_opts *o)
{
	long n;

	if (o->threads)
		return o->threads;
	n = sysconf(_SC_NPROCESSORS_ONLN);
	return n < 1 ? 1 : n > 64 ? 64 : (unsigned)n;
}

static int daemon_read_pem(const char *path, char **out, const char *what)
{
	size_t len;
	char msg[512];

	if (file_read_capped(path, PEM_MAX, out, &len) < 0) {
		snprintf(msg, sizeof(msg), "%s: %s", path, file_strerror(errno));
		daemon_fatal(what, msg);
		return -1;
	}
	return 0;
}

static int daemon_signals(struct daemon *d)
{
	sigset_t set;

	/* Blocked in every thread (the HTTP threads inherit the mask) and read
	 * from a signalfd in the main loop, so no handler runs in the middle
	 * of a request. */
	sigemptyset(&set);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	if (pthread_sigmask(SIG_BLOCK, &set, NULL) != 0)
		return -1;
	signal(SIGPIPE, SIG_IGN);
	d->sig_fd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	return d->sig_fd < 0 ? -1 : 0;
}

static int daemon_start(struct daemon *d)
{
	struct broker_opts *ro = &d->opts;
	const struct broker_opts *o = ro;
	struct broker_http_params hp;
	const struct broker_http_route *routes;
	struct st_diags diags;
	char bound[IP_STR_LEN + 8], err[512], num[4][16];
	size_t n_routes;
	unsigned threads = daemon_threads(o), hp_per_address;

	if (daemon_signals(d) < 0) {
		daemon_fatal("signals", strerror(errno));
		return -1;
	}
	d->max_connections = daemon_fd_limit(o->max_connections);
	hp_per_address = daemon_per_address(o->per_address, d->max_connections);
	if (!o->insecure_http && (daemon_read_pem(o->tls_cert, &d->cert, "tls-cert") < 0 ||
				  daemon_read_pem(o->tls_key, &d->key, "tls-key") < 0))
		return -1;
	/* A broker run by hand has no systemd to make /var/lib/vdi-broker
	 * (StateDirectory=): find or make it now rather than fail at the
	 * first pool save. */
	if (broker_paths_state_dir(o, d->state_dir, err, sizeof(err)) < 0) {
		daemon_fatal("state-dir", err);
		return -1;
	}
	ro->state_dir = d->state_dir;
	if (broker_init(&d->b, o) < 0 ||
	    broker_state_set_report_rate(d->b.state, o->report_rate, BROKER_REPORT_BURST_S) < 0) {
		daemon_fatal("init", "out of memory");
		return -1;
	}

	/* A broken first file does not stop the broker: it answers "error"
	 * (stations show it and retry) and recovers as soon as the file is
	 * fixed, without anyone having to restart it. */
	if (broker_reload(&d->b, BROKER_TRIGGER_START, &diags) < 0)
		log_event(LOG_ERROR, "start", "status", "degraded", "note",
			  "no valid stations file; answering status=error until it is fixed", NULL);
	st_diags_free(&diags);

	d->tcp_fd = broker_net_listen_tcp((const struct sockaddr *)&o->listen_addr, o->listen_len,
					  bound, sizeof(bound), err, sizeof(err));
	if (d->tcp_fd < 0) {
		daemon_fatal("listen", err);
		return -1;
	}
	/* Nor /run/vdi-broker (RuntimeDirectory=). */
	if (broker_paths_admin_socket(o, d->admin_socket, err, sizeof(err)) < 0) {
		daemon_fatal("admin-socket", err);
		return -1;
	}
	ro->admin_socket = d->admin_socket;
	d->admin_fd =
	    broker_net_listen_unix(o->admin_socket, &d->admin_dev, &d->admin_ino, err, sizeof(err));
	if (d->admin_fd < 0) {
		daemon_fatal("admin-socket", err);
		return -1;
	}

	routes = broker_api_routes(&n_routes);
	hp = (struct broker_http_params){
	    .name = "api",
	    .listen_fd = d->tcp_fd,
	    .tls_cert_pem = d->cert,
	    .tls_key_pem = d->key,
	    .threads = threads,
	    .max_connections = d->max_connections,
	    .per_address = hp_per_address,
	    .timeout = o->timeout,
	    .request_timeout = o->request_timeout,
	    .routes = routes,
	    .n_routes = n_routes,
	    .app = &d->b,
	};
	d->api = broker_http_start(&hp, err, sizeof(err));
	if (!d->api) {
		daemon_fatal("http", err);
		return -1;
	}
	d->b.api = d->api;
	routes = broker_admin_routes(&n_routes);
	hp = (struct broker_http_params){
	    .name = "admin",
	    .listen_fd = d->admin_fd,
	    .threads = 1,
	    .max_connections = 64,
	    .timeout = o->timeout,
	    .peer_cred_check = true,
	    .routes = routes,
	    .n_routes = n_routes,
	    .app = &d->b,
	};
	d->admin = broker_http_start(&hp, err, sizeof(err));
	if (!d->admin) {
		daemon_fatal("admin-http", err);
		return -1;
	}
	d->watch = broker_watch_new(o->stations);

	snprintf(num[0], sizeof(num[0]), "%u", threads);
	snprintf(num[1], sizeof(num[1]), "%u", d->max_connections);
	snprintf(num[2], sizeof(num[2]), "%u", o->timeout);
	snprintf(num[3], sizeof(num[3]), "%u", hp_per_address);
	log_event(LOG_INFO, "listening", "addr", bound, "tls", o->insecure_http ? "off" : "on",
		  "threads", num[0], "max_connections", num[1], "per_address", num[3], "timeout",
		  num[2], "admin_socket", o->admin_socket, "state_dir", o->state_dir, "version",
		  VDI_VERSION, NULL);
	return 0;
}

static void daemon_reload(struct daemon *d, const char *trigger)
{
	struct st_diags diags;

	broker_reload(&d->b, trigger, &diags);
	st_diags_free(&diags);
}

/* Waits for signals and file changes until asked to stop. */
static void daemon_loop(struct daemon *d)
{
	struct signalfd_siginfo si;
	struct pollfd pfd[2];
	long long first = 0, due = 0, now;
	unsigned seen = 0, seen_now;
	int timeout, nfds = 1;

	pfd[0] = (struct pollfd){.fd = d->sig_fd, .events = POLLIN};
	if (d->watch) {
		pfd[1] = (struct pollfd){.fd = broker_watch_fd(d->watch), .events = POLLIN};
		nfds = 2;
	}
	for (;;) {
		timeout = -1;
		if (due) {
			now = broker_time_mono_ms();
			timeout = due > now ? (int)(due - now) : 0;
		}
		if (poll(pfd, (nfds_t)nfds, timeout) < 0 && errno != EINTR)
			break;
		if (pfd[0].revents & POLLIN) {
			while (read(d->sig_fd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
				if (si.ssi_signo == SIGHUP) {
					daemon_reload(d, BROKER_TRIGGER_SIGHUP);
				} else {
					log_event(LOG_INFO, "stop", "signal",
						  si.ssi_signo == SIGINT ? "SIGINT" : "SIGTERM",
						  NULL);
					return;
				}
			}
		}
		if (nfds > 1 && (pfd[1].revents & POLLIN))
			seen_now = broker_watch_drain(d->watch);
		else
			seen_now = 0;
		if (seen_now) {
			now = broker_time_mono_ms();
			if (!first)
				first = now;
			seen |= seen_now;
			if (seen & BROKER_WATCH_WRITTEN) {
				due = now + DEBOUNCE_WRITTEN_MS;
				if (due > first + DEBOUNCE_WRITTEN_MAX_MS)
					due = first + DEBOUNCE_WRITTEN_MAX_MS;
			} else {
				due = now + DEBOUNCE_MS;
				if (due > first + DEBOUNCE_MAX_MS)
					due = first + DEBOUNCE_MAX_MS;
			}
		}
		if (due && broker_time_mono_ms() >= due) {
			first = due = 0;
			seen = 0;
			daemon_reload(d, BROKER_TRIGGER_WATCH);
		}
	}
}

static void daemon_stop(struct daemon *d)
{
	/* Admin first: nothing should reload while the API drains. */
	broker_http_stop(d->admin);
	/* Then the pools, while the API still runs: every suspended request
	 * is answered (queued ones with "stopping") and resumed, which the
	 * HTTP server needs before it can stop. */
	broker_stop_pools(&d->b);
	d->b.api = NULL;
	broker_http_stop(d->api);
	if (d->admin_fd >= 0) {
		close(d->admin_fd);
		broker_net_unlink_unix(d->o->admin_socket, d->admin_dev, d->admin_ino);
	}
	if (d->tcp_fd >= 0)
		close(d->tcp_fd);
	if (d->sig_fd >= 0)
		close(d->sig_fd);
	broker_watch_free(d->watch);
	broker_destroy(&d->b);
	if (d->key) {
		explicit_bzero(d->key, strlen(d->key));
		free(d->key);
	}
	free(d->cert);
}

int broker_daemon_run(const struct broker_opts *o)
{
	struct daemon d;
	int rc = 1;

	memset(&d, 0, sizeof(d));
	d.opts = *o;
	d.o = &d.opts;
	d.tcp_fd = d.admin_fd = d.sig_fd = -1;
	log_init("vdi-broker", o->log_level);
	/* libcurl's global set-up is not thread-safe: before any thread. */
	if (broker_fetch_init() < 0) {
		log_event(LOG_ERROR, "start", "error", "libcurl cannot be initialised", NULL);
		return 1;
	}
	if (daemon_start(&d) == 0) {
		daemon_loop(&d);
		rc = 0;
	}
	daemon_stop(&d);
	broker_fetch_cleanup();
	log_event(LOG_INFO, "stopped", "status", rc == 0 ? "ok" : "failed", NULL);
	return rc;
}
