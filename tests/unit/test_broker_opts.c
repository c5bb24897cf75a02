/* The vdi-broker command line (tools/broker/broker_opts.c): argument lists
 * → run or refuse, with the reason. */
#include <glib.h>
#include <stdio.h>
#include <string.h>

#include "broker_opts.h"

struct opts_case {
	const char *name;
	const char *args[14]; /* after argv[0], NULL-terminated */
	enum broker_opts_result want;
	const char *err; /* a substring of the message, for refusals */
};

#define RUN(n, ...)                                                                                \
	{                                                                                          \
		(n), {__VA_ARGS__, NULL}, BROKER_OPTS_RUN, NULL                                    \
	}
#define BAD(n, e, ...)                                                                             \
	{                                                                                          \
		(n), {__VA_ARGS__, NULL}, BROKER_OPTS_EXIT_USAGE, (e)                              \
	}

static const struct opts_case opts_cases[] = {
    RUN("tls", "-f", "s.conf", "--listen", "0.0.0.0:443", "--tls-cert", "c", "--tls-key", "k"),
    RUN("insecure loopback", "-f", "s.conf", "--listen", "127.0.0.1:0", "--insecure-http"),
    RUN("insecure loopback 127.1.2.3", "-f", "s", "-l", "127.1.2.3:8080", "--insecure-http"),
    RUN("insecure ::1", "-f", "s", "--listen", "[::1]:8080", "--insecure-http"),
    RUN("all the options", "--stations", "s", "--listen", "[::]:443", "--tls-cert", "c",
	"--tls-key", "k", "--trusted-proxy", "10.0.0.0/8", "--threads", "4"),
    BAD("no tls", "HTTPS needs", "-f", "s", "--listen", "127.0.0.1:0"),
    BAD("cert only", "HTTPS needs", "-f", "s", "--listen", "127.0.0.1:0", "--tls-cert", "c"),
    BAD("insecure any", "only allowed on a loopback", "-f", "s", "--listen", "0.0.0.0:80",
	"--insecure-http"),
    BAD("insecure lan", "only allowed on a loopback", "-f", "s", "--listen", "10.0.0.1:80",
	"--insecure-http"),
    BAD("insecure v6 any", "only allowed on a loopback", "-f", "s", "--listen", "[::]:80",
	"--insecure-http"),
    BAD("insecure and tls", "exclude each other", "-f", "s", "--listen", "127.0.0.1:80",
	"--insecure-http", "--tls-cert", "c", "--tls-key", "k"),
    BAD("no file", "stations file is required", "--listen", "127.0.0.1:0", "--insecure-http"),
    BAD("no listen", "listen address is required", "-f", "s", "--insecure-http"),
    BAD("name", "IP addresses, not names", "-f", "s", "--listen", "localhost:80"),
    BAD("no port", "expected IPv4:PORT", "-f", "s", "--listen", "127.0.0.1"),
    BAD("big port", "0..65535", "-f", "s", "--listen", "127.0.0.1:65536"),
    BAD("neg port", "0..65535", "-f", "s", "--listen", "127.0.0.1:-1"),
    BAD("v6 no brackets", "expected IPv4:PORT", "-f", "s", "--listen", "::1:80"),
    BAD("bad proxy", "--trusted-proxy", "-f", "s", "--listen", "127.0.0.1:0", "--insecure-http",
	"--trusted-proxy", "10.0.0.1/8"),
    BAD("threads 0", "--threads 0", "-f", "s", "--listen", "127.0.0.1:0", "--insecure-http",
	"--threads", "0"),
    BAD("threads text", "--threads x", "-f", "s", "--listen", "127.0.0.1:0", "--insecure-http",
	"--threads", "x"),
    BAD("few connections", "--max-connections", "-f", "s", "--listen", "127.0.0.1:0",
	"--insecure-http", "--max-connections", "3"),
    RUN("flood limits", "-f", "s", "--listen", "127.0.0.1:0", "--insecure-http",
	"--per-address-connections", "64", "--report-rate", "0", "--max-stations", "100"),
    BAD("per address 0", "--per-address-connections 0", "-f", "s", "--listen", "127.0.0.1:0",
	"--insecure-http", "--per-address-connections", "0"),
    BAD("report rate text", "--report-rate x", "-f", "s", "--listen", "127.0.0.1:0",
	"--insecure-http", "--report-rate", "x"),
    BAD("few stations", "--max-stations 3", "-f", "s", "--listen", "127.0.0.1:0", "--insecure-http",
	"--max-stations", "3"),
    BAD("log level", "--log-level", "-f", "s", "--listen", "127.0.0.1:0", "--insecure-http",
	"--log-level", "loud"),
    BAD("missing value", "needs a value", "-f", "s", "--listen", "127.0.0.1:0", "--insecure-http",
	"--timeout"),
    BAD("unknown", "unknown option", "-f", "s", "--listen", "127.0.0.1:0", "--insecure-http",
	"--nope"),
    BAD("extra", "unexpected argument", "-f", "s", "--listen", "127.0.0.1:0", "--insecure-http",
	"extra"),
};

static enum broker_opts_result parse(const char *const *args, struct broker_opts *o, char **err)
{
	char *argv[16];
	int argc = 0;
	char *buf = NULL;
	size_t len = 0;
	FILE *e = open_memstream(&buf, &len);
	FILE *out = fopen("/dev/null", "w");
	enum broker_opts_result r;

	argv[argc++] = (char *)"vdi-broker";
	while (*args && argc < 15)
		argv[argc++] = (char *)*args++;
	argv[argc] = NULL;
	r = broker_opts_parse(argc, argv, o, out, e);
	fclose(e);
	fclose(out);
	*err = buf;
	return r;
}

static void test_opts(gconstpointer data)
{
	const struct opts_case *c = data;
	struct broker_opts o;
	char *err;

	g_assert_cmpint(parse(c->args, &o, &err), ==, c->want);
	if (c->err)
		g_assert_nonnull(strstr(err, c->err));
	else
		g_assert_cmpstr(err, ==, "");
	free(err);
}

static void test_values(void)
{
	static const char *const args[] = {"-f",	  "s.conf",	     "--listen",
					   "[::1]:8443",  "--insecure-http", "--trusted-proxy",
					   "10.1.2.3",	  "--trusted-proxy", "fd00::/8",
					   "--log-level", "debug",	     NULL};
	struct broker_opts o;
	char *err;

	g_assert_cmpint(parse(args, &o, &err), ==, BROKER_OPTS_RUN);
	free(err);
	g_assert_cmpstr(o.stations, ==, "s.conf");
	g_assert_true(o.listen_loopback);
	g_assert_cmpint(o.listen_addr.ss_family, ==, AF_INET6);
	g_assert_cmpuint(o.n_trusted, ==, 2);
	g_assert_cmpuint(o.trusted[0].prefix, ==, 128);
	g_assert_cmpuint(o.trusted[1].prefix, ==, 8);
	g_assert_cmpint(o.log_level, ==, LOG_DEBUG);
	g_assert_cmpstr(o.admin_socket, ==, BROKER_ADMIN_SOCKET_DEFAULT);
	g_assert_cmpuint(o.max_connections, >=, 4000);
	g_assert_cmpuint(o.threads, ==, 0);
	/* The defaults leave most connections to other addresses and limit
	 * reports. */
	g_assert_cmpuint(o.per_address, ==, BROKER_PER_ADDRESS_DEFAULT);
	g_assert_cmpuint(o.per_address, <, o.max_connections / 4);
	g_assert_cmpuint(o.report_rate, ==, BROKER_REPORT_RATE_DEFAULT);
	g_assert_cmpuint(o.max_stations, ==, BROKER_MAX_STATIONS_DEFAULT);
}

int main(int argc, char **argv)
{
	size_t i;
	char *path;

	g_test_init(&argc, &argv, NULL);
	g_test_set_nonfatal_assertions();
	for (i = 0; i < G_N_ELEMENTS(opts_cases); i++) {
		path = g_strdup_printf("/broker/opts/%s", opts_cases[i].name);
		g_test_add_data_func(path, &opts_cases[i], test_opts);
		g_free(path);
	}
	g_test_add_func("/broker/opts/values", test_values);
	return g_test_run();
}
