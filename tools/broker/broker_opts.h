/* The vdi-broker command line. Parsing is separate from running so that the
 * daemon starts only with a complete, checked set of options. */
#ifndef BROKER_OPTS_H
#define BROKER_OPTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/socket.h>

#include "admin_path.h"
#include "broker_proxy.h"
#include "log.h"

#define BROKER_ADMIN_SOCKET_DEFAULT    ADMIN_PATH_DEFAULT
#define BROKER_STATE_DIR_DEFAULT       "/var/lib/vdi-broker"
#define BROKER_MAX_CONNECTIONS_DEFAULT 10000
#define BROKER_TIMEOUT_DEFAULT	       15
/* A station's request is a few hundred bytes, sent at once; this is room
 * for a very slow link, not for a client trickling bytes to hold a
 * connection. */
#define BROKER_REQUEST_TIMEOUT_DEFAULT 30
#define BROKER_MAX_UNKNOWN_DEFAULT     10000
#define BROKER_MAX_STATIONS_DEFAULT    200000
/* Room for a few hundred stations behind one NAT booting at once, while one
 * address can hold no more than a small share of --max-connections. */
#define BROKER_PER_ADDRESS_DEFAULT 256
/* A station sends two reports per session; a classroom behind one NAT
 * ending its sessions together sends a burst of a few dozen. */
#define BROKER_REPORT_RATE_DEFAULT 10
#define BROKER_REPORT_BURST_S	   5

struct broker_opts {
	const char *stations;
	const char *listen; /* as given */
	struct sockaddr_storage listen_addr;
	socklen_t listen_len;
	bool listen_loopback;
	const char *tls_cert;
	const char *tls_key;
	bool insecure_http;
	const char *users;
	const char *directory; /* directory settings file (directory_conf.h) */
	const char *admin_socket;
	const char *state_dir; /* pools.json lives here */
	/* Given on the command line: used as they are. Otherwise the daemon
	 * looks for a usable place (broker_paths.h), and the two strings
	 * above only name the first choice. */
	bool admin_socket_given;
	bool state_dir_given;
	/* --pool-sync=each: every change to pools.json written and fsynced on
	 * its own with the pool lock held, as before group commits (for
	 * benchmarks); default group (broker_pool.h). */
	bool pool_sync_each;
	struct broker_cidr trusted[BROKER_PROXY_MAX];
	size_t n_trusted;
	unsigned threads; /* 0: one per CPU */
	unsigned max_connections;
	unsigned timeout;	  /* seconds of silence before a connection is dropped */
	unsigned request_timeout; /* seconds for a whole request, head and body */
	size_t max_unknown;
	size_t max_stations;
	unsigned per_address; /* connections from one client address */
	unsigned report_rate; /* session reports per second per address; 0: no limit */
	enum log_level log_level;
};

enum broker_opts_result {
	BROKER_OPTS_RUN,
	BROKER_OPTS_EXIT_OK,	/* --help or --version was printed */
	BROKER_OPTS_EXIT_USAGE, /* an error was printed to err */
};

/* Parses argv; messages go to out (help, version) and err (mistakes). The
 * strings in o point into argv. */
enum broker_opts_result broker_opts_parse(int argc, char **argv, struct broker_opts *o, FILE *out,
					  FILE *err);

/* "127.0.0.1:8443" or "[::1]:8443" into a socket address; IP literals only,
 * since a broker must not depend on DNS to start. 0 or -1 with err. */
int broker_opts_parse_listen(const char *s, struct sockaddr_storage *ss, socklen_t *len, char *err,
			     size_t errlen);

#endif
