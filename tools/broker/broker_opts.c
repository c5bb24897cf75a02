/* Command line: see broker_opts.h. */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdarg.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "broker_opts.h"
#include "directory_conf.h"
#include "netaddr.h"

#ifndef VDI_VERSION
#define VDI_VERSION "unknown"
#endif

enum {
	OPT_TLS_CERT = 256,
	OPT_TLS_KEY,
	OPT_INSECURE_HTTP,
	OPT_USERS,
	OPT_DIRECTORY,
	OPT_ADMIN_SOCKET,
	OPT_TRUSTED_PROXY,
	OPT_THREADS,
	OPT_MAX_CONNECTIONS,
	OPT_TIMEOUT,
	OPT_MAX_UNKNOWN,
	OPT_LOG_LEVEL,
	OPT_STATE_DIR,
	OPT_PER_ADDRESS,
	OPT_REPORT_RATE,
	OPT_MAX_STATIONS,
	OPT_REQUEST_TIMEOUT,
	OPT_POOL_SYNC,
};

static const struct option opts_long[] = {
    {"stations", required_argument, NULL, 'f'},
    {"listen", required_argument, NULL, 'l'},
    {"tls-cert", required_argument, NULL, OPT_TLS_CERT},
    {"tls-key", required_argument, NULL, OPT_TLS_KEY},
    {"insecure-http", no_argument, NULL, OPT_INSECURE_HTTP},
    {"users", required_argument, NULL, OPT_USERS},
    {"directory", required_argument, NULL, OPT_DIRECTORY},
    {"admin-socket", required_argument, NULL, OPT_ADMIN_SOCKET},
    {"trusted-proxy", required_argument, NULL, OPT_TRUSTED_PROXY},
    {"threads", required_argument, NULL, OPT_THREADS},
    {"max-connections", required_argument, NULL, OPT_MAX_CONNECTIONS},
    {"timeout", required_argument, NULL, OPT_TIMEOUT},
    {"max-unknown", required_argument, NULL, OPT_MAX_UNKNOWN},
    {"log-level", required_argument, NULL, OPT_LOG_LEVEL},
    {"state-dir", required_argument, NULL, OPT_STATE_DIR},
    /* Not in --help: the old way, kept for the benchmark's comparison. */
    {"pool-sync", required_argument, NULL, OPT_POOL_SYNC},
    {"per-address-connections", required_argument, NULL, OPT_PER_ADDRESS},
    {"report-rate", required_argument, NULL, OPT_REPORT_RATE},
    {"max-stations", required_argument, NULL, OPT_MAX_STATIONS},
    {"request-timeout", required_argument, NULL, OPT_REQUEST_TIMEOUT},
    {"help", no_argument, NULL, 'h'},
    {"version", no_argument, NULL, 'V'},
    {NULL, 0, NULL, 0},
};

static void opts_usage(FILE *out)
{
	fprintf(out,
		"Usage: vdi-broker -f STATIONS_FILE --listen ADDR:PORT [OPTION]...\n"
		"\n"
		"Answers VDI Station thin clients: which desktop each station gets (POST\n"
		"/v1/lookup), broker logins (/v1/login) and session reports (/v1/session),\n"
		"over HTTPS. The protocol is described in docs/protocol.md.\n"
		"\n"
		"  -f, --stations FILE      the stations file (required). It is reloaded when\n"
		"                           it changes and on SIGHUP; a file with errors is\n"
		"                           rejected (file:line in the log) and the last good\n"
		"                           one keeps serving.\n"
		"  -l, --listen ADDR:PORT   address to listen on (required): an IPv4 address\n"
		"                           or [IPv6]:PORT; port 0 picks a free port (logged).\n"
		"      --tls-cert FILE      PEM certificate (chain) for HTTPS\n"
		"      --tls-key FILE       PEM private key for HTTPS\n"
		"      --insecure-http      serve plain HTTP instead of HTTPS; refused unless\n"
		"                           the listen address is a loopback address\n"
		"      --users FILE         users file for broker logins (name:crypt-hash\n"
		"                           lines, set with `stationctl passwd`); read on each\n"
		"                           login. Without it (and without --directory),\n"
		"                           logins are unavailable.\n"
		"      --directory FILE     directory settings for broker logins against\n"
		"                           LDAP or Active Directory (docs/configuration.md,\n"
		"                           \"Directory logins\"); its backends key orders the\n"
		"                           directory and the --users file. It and its\n"
		"                           password file are read again when they change.\n"
		"      --admin-socket PATH  unix socket of the admin interface, created mode\n"
		"                           0600 (default " BROKER_ADMIN_SOCKET_DEFAULT ",\n"
		"                           its folder made mode 0700; a user who cannot\n"
		"                           write /run gets $XDG_RUNTIME_DIR/vdi-broker or\n"
		"                           /tmp/vdi-broker-UID instead, as logged)\n"
		"      --trusted-proxy CIDR a reverse proxy whose X-Forwarded-For header is\n"
		"                           believed (IP or CIDR; repeatable, up to %d)\n"
		"      --threads N          worker threads (default: one per CPU)\n"
		"      --max-connections N  concurrent connections (default %d; the open\n"
		"                           file limit is raised to match when possible)\n"
		"      --per-address-connections N\n"
		"                           concurrent connections from one client address\n"
		"                           (default %d, and never more than half of\n"
		"                           --max-connections). Raise it when many stations\n"
		"                           share one address (NAT, a proxy).\n"
		"      --timeout SECONDS    drop a connection silent this long (default %d)\n"
		"      --request-timeout SECONDS\n"
		"                           drop a connection whose request has not wholly\n"
		"                           arrived this long after it began, however\n"
		"                           steadily it trickles in (default %d)\n"
		"      --report-rate N      session reports accepted per second from one\n"
		"                           client address, in bursts of up to %d seconds'\n"
		"                           worth (default %d; 0: no limit); more get 429\n"
		"      --max-stations N     stations whose state is remembered (default %d;\n"
		"                           a station in a session, or handed a desktop in\n"
		"                           the last 2 minutes, is never forgotten to\n"
		"                           make room)\n"
		"      --max-unknown N      unknown stations remembered (default %d; the\n"
		"                           least recently seen is forgotten first)\n"
		"      --log-level LEVEL    debug, info, warn or error (default info); debug\n"
		"                           logs every request\n"
		"      --state-dir DIR      where the broker keeps what must survive a\n"
		"                           restart: the VMs of its pools (default\n"
		"                           " BROKER_STATE_DIR_DEFAULT ", made mode 0700; a\n"
		"                           user who cannot write /var/lib gets\n"
		"                           $XDG_STATE_HOME/vdi-broker or\n"
		"                           ~/.local/state/vdi-broker instead, as logged)\n"
		"  -h, --help               show this help and exit\n"
		"  -V, --version            show the version and exit\n"
		"\n"
		"Logs are key=value lines on standard error. SIGHUP reloads the stations\n"
		"file, SIGTERM and SIGINT stop the broker gracefully.\n",
		BROKER_PROXY_MAX, BROKER_MAX_CONNECTIONS_DEFAULT, BROKER_PER_ADDRESS_DEFAULT,
		BROKER_TIMEOUT_DEFAULT, BROKER_REQUEST_TIMEOUT_DEFAULT, BROKER_REPORT_BURST_S,
		BROKER_REPORT_RATE_DEFAULT, BROKER_MAX_STATIONS_DEFAULT,
		BROKER_MAX_UNKNOWN_DEFAULT);
}

static int opts_number(const char *s, unsigned long min, unsigned long max, unsigned long *out)
{
	char *end;
	unsigned long v;

	if (!s[0] || s[0] == '-' || s[0] == '+')
		return -1;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

int broker_opts_parse_listen(const char *s, struct sockaddr_storage *ss, socklen_t *len, char *err,
			     size_t errlen)
{
	char host[IP_STR_LEN + 2];
	const char *colon, *port_s;
	unsigned long port;
	size_t hlen;

	memset(ss, 0, sizeof(*ss));
	if (s[0] == '[') {
		colon = strstr(s, "]:");
		if (!colon)
			goto bad;
		hlen = (size_t)(colon - (s + 1));
		port_s = colon + 2;
		if (hlen == 0 || hlen >= sizeof(host))
			goto bad;
		memcpy(host, s + 1, hlen);
		host[hlen] = '\0';
	} else {
		colon = strrchr(s, ':');
		if (!colon)
			goto bad;
		hlen = (size_t)(colon - s);
		port_s = colon + 1;
		if (hlen == 0 || hlen >= sizeof(host))
			goto bad;
		memcpy(host, s, hlen);
		host[hlen] = '\0';
	}
	if (opts_number(port_s, 0, 65535, &port) < 0) {
		snprintf(err, errlen, "%s: the port must be a number 0..65535", s);
		return -1;
	}
	if (s[0] == '[') {
		struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)ss;

		if (inet_pton(AF_INET6, host, &a6->sin6_addr) != 1)
			goto bad;
		a6->sin6_family = AF_INET6;
		a6->sin6_port = htons((uint16_t)port);
		*len = sizeof(*a6);
	} else {
		struct sockaddr_in *a4 = (struct sockaddr_in *)ss;

		if (inet_pton(AF_INET, host, &a4->sin_addr) != 1)
			goto bad;
		a4->sin_family = AF_INET;
		a4->sin_port = htons((uint16_t)port);
		*len = sizeof(*a4);
	}
	return 0;
bad:
	snprintf(err, errlen, "%s: expected IPv4:PORT or [IPv6]:PORT (IP addresses, not names)", s);
	return -1;
}

static enum broker_opts_result opts_fail(FILE *err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* The directory settings are checked here, so that a mistake stops the
 * start with its file:line rather than failing every login. */
static int opts_directory(const char *path, char *msg, size_t msglen)
{
	struct directory_conf c;
	char pw[DIRECTORY_PASSWORD_MAX + 1];
	int r;

	if (directory_conf_load(path, &c, msg, msglen) < 0)
		return -1;
	r = directory_conf_read_password(&c, pw, sizeof(pw), msg, msglen);
	explicit_bzero(pw, sizeof(pw));
	directory_conf_free(&c);
	return r < 0 ? -1 : 0;
}

static enum broker_opts_result opts_fail(FILE *err, const char *fmt, ...)
{
	va_list ap;

	fprintf(err, "vdi-broker: ");
	va_start(ap, fmt);
	vfprintf(err, fmt, ap);
	va_end(ap);
	fprintf(err, "\nTry 'vdi-broker --help' for more information.\n");
	return BROKER_OPTS_EXIT_USAGE;
}

enum broker_opts_result broker_opts_parse(int argc, char **argv, struct broker_opts *o, FILE *out,
					  FILE *err)
{
	char msg[256];
	unsigned long n;
	struct ipaddr ip;
	int c, level;

	memset(o, 0, sizeof(*o));
	o->admin_socket = BROKER_ADMIN_SOCKET_DEFAULT;
	o->state_dir = BROKER_STATE_DIR_DEFAULT;
	o->max_connections = BROKER_MAX_CONNECTIONS_DEFAULT;
	o->timeout = BROKER_TIMEOUT_DEFAULT;
	o->request_timeout = BROKER_REQUEST_TIMEOUT_DEFAULT;
	o->max_unknown = BROKER_MAX_UNKNOWN_DEFAULT;
	o->max_stations = BROKER_MAX_STATIONS_DEFAULT;
	o->per_address = BROKER_PER_ADDRESS_DEFAULT;
	o->report_rate = BROKER_REPORT_RATE_DEFAULT;
	o->log_level = LOG_INFO;

	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, ":f:l:hV", opts_long, NULL)) != -1) {
		switch (c) {
		case 'f':
			o->stations = optarg;
			break;
		case 'l':
			o->listen = optarg;
			if (broker_opts_parse_listen(optarg, &o->listen_addr, &o->listen_len, msg,
						     sizeof(msg)) < 0)
				return opts_fail(err, "--listen %s", msg);
			break;
		case OPT_TLS_CERT:
			o->tls_cert = optarg;
			break;
		case OPT_TLS_KEY:
			o->tls_key = optarg;
			break;
		case OPT_INSECURE_HTTP:
			o->insecure_http = true;
			break;
		case OPT_USERS:
			o->users = optarg;
			break;
		case OPT_DIRECTORY:
			if (opts_directory(optarg, msg, sizeof(msg)) < 0)
				return opts_fail(err, "--directory %s", msg);
			o->directory = optarg;
			break;
		case OPT_ADMIN_SOCKET:
			if (!optarg[0] || strlen(optarg) >= 108)
				return opts_fail(err, "--admin-socket %s: empty or too long",
						 optarg);
			o->admin_socket = optarg;
			o->admin_socket_given = true;
			break;
		case OPT_STATE_DIR:
			if (!optarg[0] || strlen(optarg) >= 3000)
				return opts_fail(err, "--state-dir %s: empty or too long", optarg);
			o->state_dir = optarg;
			o->state_dir_given = true;
			break;
		case OPT_POOL_SYNC:
			if (strcmp(optarg, "group") != 0 && strcmp(optarg, "each") != 0)
				return opts_fail(err, "--pool-sync %s: expected group or each",
						 optarg);
			o->pool_sync_each = strcmp(optarg, "each") == 0;
			break;
		case OPT_TRUSTED_PROXY:
			if (o->n_trusted == BROKER_PROXY_MAX)
				return opts_fail(err, "--trusted-proxy %s: too many proxies",
						 optarg);
			if (broker_proxy_parse_cidr(optarg, &o->trusted[o->n_trusted], msg,
						    sizeof(msg)) < 0)
				return opts_fail(err, "--trusted-proxy %s", msg);
			o->n_trusted++;
			break;
		case OPT_THREADS:
			if (opts_number(optarg, 1, 256, &n) < 0)
				return opts_fail(err, "--threads %s: expected 1..256", optarg);
			o->threads = (unsigned)n;
			break;
		case OPT_MAX_CONNECTIONS:
			if (opts_number(optarg, 16, 1000000, &n) < 0)
				return opts_fail(err, "--max-connections %s: expected 16..1000000",
						 optarg);
			o->max_connections = (unsigned)n;
			break;
		case OPT_TIMEOUT:
			if (opts_number(optarg, 1, 3600, &n) < 0)
				return opts_fail(err, "--timeout %s: expected 1..3600 seconds",
						 optarg);
			o->timeout = (unsigned)n;
			break;
		case OPT_REQUEST_TIMEOUT:
			if (opts_number(optarg, 1, 3600, &n) < 0)
				return opts_fail(
				    err, "--request-timeout %s: expected 1..3600 seconds", optarg);
			o->request_timeout = (unsigned)n;
			break;
		case OPT_MAX_UNKNOWN:
			if (opts_number(optarg, 1, 1000000, &n) < 0)
				return opts_fail(err, "--max-unknown %s: expected 1..1000000",
						 optarg);
			o->max_unknown = n;
			break;
		case OPT_PER_ADDRESS:
			if (opts_number(optarg, 1, 1000000, &n) < 0)
				return opts_fail(
				    err, "--per-address-connections %s: expected 1..1000000",
				    optarg);
			o->per_address = (unsigned)n;
			break;
		case OPT_REPORT_RATE:
			if (opts_number(optarg, 0, 100000, &n) < 0)
				return opts_fail(err, "--report-rate %s: expected 0..100000",
						 optarg);
			o->report_rate = (unsigned)n;
			break;
		case OPT_MAX_STATIONS:
			if (opts_number(optarg, 16, 10000000, &n) < 0)
				return opts_fail(err, "--max-stations %s: expected 16..10000000",
						 optarg);
			o->max_stations = n;
			break;
		case OPT_LOG_LEVEL:
			level = log_level_parse(optarg);
			if (level < 0)
				return opts_fail(
				    err, "--log-level %s: expected debug, info, warn or error",
				    optarg);
			o->log_level = (enum log_level)level;
			break;
		case 'h':
			opts_usage(out);
			return BROKER_OPTS_EXIT_OK;
		case 'V':
			fprintf(out, "vdi-broker %s\n", VDI_VERSION);
			return BROKER_OPTS_EXIT_OK;
		case ':':
			return opts_fail(err, "%s needs a value", argv[optind - 1]);
		default:
			return opts_fail(err, "unknown option %s", argv[optind - 1]);
		}
	}
	if (optind < argc)
		return opts_fail(err, "unexpected argument %s", argv[optind]);
	if (!o->stations)
		return opts_fail(err, "%s", "a stations file is required (-f FILE)");
	if (!o->listen)
		return opts_fail(err, "%s", "a listen address is required (--listen ADDR:PORT)");

	if (ip_from_sockaddr((const struct sockaddr *)&o->listen_addr, &ip) < 0)
		return opts_fail(err, "--listen %s: unsupported address", o->listen);
	o->listen_loopback = ip_is_loopback(&ip);

	if (o->insecure_http) {
		if (o->tls_cert || o->tls_key)
			return opts_fail(
			    err, "%s",
			    "--insecure-http and --tls-cert/--tls-key exclude each other");
		/* Station passwords and desktop passwords travel in these
		 * replies: plain HTTP is for tests and a local TLS proxy only. */
		if (!o->listen_loopback)
			return opts_fail(err,
					 "--insecure-http is only allowed on a loopback address, "
					 "not %s",
					 o->listen);
	} else if (!o->tls_cert || !o->tls_key) {
		return opts_fail(err, "%s",
				 "HTTPS needs --tls-cert and --tls-key (plain HTTP only with "
				 "--insecure-http on a loopback address)");
	}
	return BROKER_OPTS_RUN;
}
