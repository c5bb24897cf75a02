/* Helpers shared by the stationctl commands. */
#include "stationctl_util.h"

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fileio.h"
#include "utf8.h"
#include "stationctl.h"

void stationctl_util_err(const char *fmt, ...)
{
	va_list ap;

	fputs("stationctl: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

void stationctl_util_print_diags(const struct st_diags *d)
{
	char file[sizeof(d->file) * 4], msg[sizeof(d->v[0].msg) * 4];
	size_t i, shown = d->n < STATIONCTL_UTIL_DIAGS_SHOWN ? d->n : STATIONCTL_UTIL_DIAGS_SHOWN;

	fflush(stdout);
	/* The messages quote the file, which may hold anything; and a file
	 * with a million errors must not print a million lines. */
	stationctl_util_printable(d->file, file, sizeof(file));
	for (i = 0; i < shown; i++) {
		stationctl_util_printable(d->v[i].msg, msg, sizeof(msg));
		if (d->v[i].line)
			fprintf(stderr, "%s:%u: %s\n", file, d->v[i].line, msg);
		else
			fprintf(stderr, "%s: %s\n", file, msg);
	}
	if (d->n > shown)
		fprintf(stderr, "%s: %zu more error%s not shown (%zu in all)\n", file, d->n - shown,
			d->n - shown == 1 ? "" : "s", d->n);
}

void stationctl_util_dirname(const char *path, char *out, size_t outlen)
{
	char *dir = file_dir_absolute(path);

	snprintf(out, outlen, "%s", dir ? dir : ".");
	free(dir);
}

static void stationctl_util_escape(const char *s, bool space, char *out, size_t outlen)
{
	if (outlen == 0)
		return;
	if (!s)
		s = "";
	if (utf8_escape(s, space, out, outlen) < outlen)
		return;
	/* Mark the cut so a truncated value is not mistaken for the whole
	 * one. */
	if (outlen >= 4) {
		utf8_escape(s, space, out, outlen - 3);
		strcat(out, "...");
	}
}

void stationctl_util_printable(const char *s, char *out, size_t outlen)
{
	stationctl_util_escape(s, false, out, outlen);
}

void stationctl_util_word(const char *s, char *out, size_t outlen)
{
	stationctl_util_escape(s, true, out, outlen);
}

int stationctl_util_target(const char *arg, struct st_target *t)
{
	char err[256] = "";
	char shown[128];

	if (st_target_parse(arg, t, err, sizeof(err)) == 0)
		return 0;
	stationctl_util_printable(arg, shown, sizeof(shown));
	stationctl_util_err("invalid MATCH '%s': %s", shown,
			    err[0] ? err
				   : "expected a MAC, an IP, a CIDR, a host name glob, default or "
				     "group:NAME");
	return -1;
}

static void stationctl_util_known_keys(char *out, size_t outlen)
{
	size_t o = 0;

	out[0] = '\0';
	for (int k = 0; k < ST_KEY__COUNT && o < outlen; k++) {
		int n = snprintf(out + o, outlen - o, "%s%s", k ? ", " : "",
				 st_key_name((enum st_key)k));
		if (n < 0)
			break;
		o += (size_t)n;
	}
}

int stationctl_util_check_kvs(char *const *kvs, size_t n, bool allow_empty)
{
	int ret = 0;

	for (size_t i = 0; i < n; i++) {
		const char *eq = strchr(kvs[i], '=');
		char shown[200], key[64], err[256] = "";
		int k;

		stationctl_util_printable(kvs[i], shown, sizeof(shown));
		if (!eq || eq == kvs[i]) {
			stationctl_util_err("'%s': expected key=value", shown);
			ret = -1;
			continue;
		}
		if ((size_t)(eq - kvs[i]) >= sizeof(key)) {
			stationctl_util_err("'%s': unknown key", shown);
			ret = -1;
			continue;
		}
		memcpy(key, kvs[i], (size_t)(eq - kvs[i]));
		key[eq - kvs[i]] = '\0';
		k = st_key_lookup(key);
		if (k < 0) {
			char known[1024];
			char kshown[100];

			stationctl_util_known_keys(known, sizeof(known));
			stationctl_util_printable(key, kshown, sizeof(kshown));
			stationctl_util_err("unknown key '%s' (known keys: %s)", kshown, known);
			ret = -1;
			continue;
		}
		if (eq[1] == '\0') {
			if (!allow_empty) {
				stationctl_util_err("%s: empty value (only set removes a key with "
						    "%s=)",
						    shown, key);
				ret = -1;
			}
			continue;
		}
		if (st_value_check((enum st_key)k, eq + 1, err, sizeof(err)) < 0) {
			size_t kl = strlen(key);

			/* The message may name the key already ("port: ..."). */
			if (strncmp(err, key, kl) == 0 && err[kl] == ':')
				stationctl_util_err("%s", err);
			else
				stationctl_util_err("%s: %s", key, err[0] ? err : "invalid value");
			ret = -1;
		}
	}
	return ret;
}

int stationctl_util_load_config(const char *path, struct st_config **cfg)
{
	/* One diagnostics list for both steps: the build counts the parser's
	 * syntax errors but does not repeat them. */
	struct st_diags d = {0};
	struct st_doc *doc = NULL;
	char base[4096];
	int ret;

	*cfg = NULL;
	if (st_doc_load(path, false, &doc, &d) < 0) {
		stationctl_util_print_diags(&d);
		ret = STATIONCTL_EXIT_IO;
		goto cleanup;
	}
	stationctl_util_dirname(path, base, sizeof(base));
	*cfg = st_config_build(doc, base, &d);
	if (!*cfg) {
		stationctl_util_print_diags(&d);
		stationctl_util_err("%s is not valid (%zu error%s)", path, d.n,
				    d.n == 1 ? "" : "s");
		ret = STATIONCTL_EXIT_INVALID;
		goto cleanup;
	}
	ret = STATIONCTL_EXIT_OK;
cleanup:
	st_diags_free(&d);
	st_doc_free(doc);
	return ret;
}

static void stationctl_util_hostport(const char *proto, const char *host, const char *port,
				     char *out, size_t outlen)
{
	bool v6 = host && strchr(host, ':');

	snprintf(out, outlen, "%s://%s%s%s%s%s", proto ? proto : "?", v6 ? "[" : "",
		 host ? host : "?", v6 ? "]" : "", port ? ":" : "", port ? port : "");
}

void stationctl_util_endpoint(const struct st_endpoint *ep, char *out, size_t outlen)
{
	char port[16];

	snprintf(port, sizeof(port), "%u", ep->port ? ep->port : ep->tls_port);
	stationctl_util_hostport(st_protocol_name(ep->protocol), ep->host, port, out, outlen);
}

void stationctl_util_endpoint_values(const struct st_entry *e, char *out, size_t outlen)
{
	const char *proto = e->values[ST_KEY_PROTOCOL], *host = e->values[ST_KEY_HOST];
	const char *port =
	    e->values[ST_KEY_PORT] ? e->values[ST_KEY_PORT] : e->values[ST_KEY_TLS_PORT];

	/* protocol always has its built-in value; only a set host or port
	 * makes this an endpoint worth showing. */
	if (!host && !port) {
		out[0] = '\0';
		return;
	}
	stationctl_util_hostport(proto, host, port, out, outlen);
}
