/* adopt MAC [key=value...]: turn a station from the broker's unknown list
 * into a [MAC] section, named after the host name it reported. */
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "netaddr.h"
#include "stationctl.h"
#include "stationctl_admin.h"
#include "stationctl_commands.h"
#include "stationctl_edit.h"
#include "stationctl_txn.h"
#include "stationctl_unknown.h"
#include "stationctl_util.h"

struct stationctl_adopt {
	struct st_target target;
	char **kvs;
	size_t n;
	const char *file;
};

static int stationctl_adopt_apply(struct st_doc *doc, void *arg)
{
	struct stationctl_adopt *a = arg;

	return stationctl_edit_apply_add(doc, &a->target, a->kvs, a->n, a->file);
}

static bool stationctl_adopt_has_name(char *const *kvs, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (strncmp(kvs[i], "name=", 5) == 0)
			return true;
	return false;
}

/* A section that exists is the admin's real problem, whatever the broker's
 * unknown list says (it drops stations once they are mapped): say so first.
 * The edit checks again under the lock. */
static int stationctl_adopt_precheck(const struct stationctl_ctx *ctx, const struct st_target *t)
{
	struct st_diags d = {0};
	struct st_doc *doc = NULL;
	int ret = STATIONCTL_EXIT_OK;

	if (st_doc_load(ctx->stations_file, true, &doc, &d) == 0 && st_doc_has(doc, t)) {
		stationctl_util_err("[%s] exists already in %s (use set to change it)", t->text,
				    ctx->stations_file);
		ret = STATIONCTL_EXIT_EXISTS;
	}
	st_doc_free(doc);
	st_diags_free(&d);
	return ret;
}

int stationctl_adopt_main(const struct stationctl_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
	    {"force", no_argument, NULL, 'f'},
	    {"dry-run", no_argument, NULL, 'n'},
	    {NULL, 0, NULL, 0},
	};
	struct stationctl_adopt a = {.file = ctx->stations_file};
	json_object *reply = NULL, *list = NULL, *entry = NULL;
	const char *hostname = NULL;
	char name_kv[HOSTNAME_MAX + 8], err[256];
	bool force = false, changed = false;
	unsigned flags = 0;
	int c, ret;

	while ((c = getopt_long(argc, argv, "fn", opts, NULL)) != -1) {
		if (c == 'f')
			force = true;
		else if (c == 'n')
			flags |= STATIONCTL_TXN_DRY_RUN;
		else
			return stationctl_commands_usage_error(argv[0]);
	}
	if (optind >= argc)
		return stationctl_commands_usage_error(argv[0]);
	if (stationctl_util_target(argv[optind], &a.target) < 0)
		return STATIONCTL_EXIT_INVALID;
	if (a.target.kind != ST_MAC) {
		stationctl_util_err("adopt: '%s' is not a MAC address", a.target.text);
		return STATIONCTL_EXIT_INVALID;
	}
	if (stationctl_util_check_kvs(argv + optind + 1, (size_t)(argc - optind - 1), false) < 0)
		return STATIONCTL_EXIT_INVALID;

	ret = stationctl_adopt_precheck(ctx, &a.target);
	if (ret)
		return ret;

	/* With --force the broker is only asked for the host name; it may
	 * even be down. */
	ret = stationctl_unknown_fetch(ctx->admin_socket, &reply, &list, force);
	if (ret && !force)
		goto cleanup;
	if (ret)
		stationctl_util_err("warning: cannot ask the broker at %s; adding [%s] without "
				    "its host name",
				    ctx->admin_socket, a.target.text);
	if (!ret)
		entry = stationctl_unknown_find(list, a.target.mac);
	if (!entry && !force) {
		stationctl_util_err("%s is not in the broker's unknown list (see 'stationctl "
				    "unknown'; --force adds it anyway)",
				    a.target.text);
		ret = STATIONCTL_EXIT_NOTFOUND;
		goto cleanup;
	}
	hostname = stationctl_admin_str(entry, "hostname");

	/* The kvs plus, maybe, a name= taken from the reported host name; the
	 * name is only a label, but a host name from the network is still
	 * checked before it goes into the file. */
	a.n = (size_t)(argc - optind - 1);
	a.kvs = calloc(a.n + 1, sizeof(*a.kvs));
	if (!a.kvs) {
		stationctl_util_err("out of memory");
		ret = STATIONCTL_EXIT_IO;
		goto cleanup;
	}
	memcpy(a.kvs, argv + optind + 1, a.n * sizeof(*a.kvs));
	if (hostname && hostname_valid(hostname) && !stationctl_adopt_has_name(a.kvs, a.n)) {
		snprintf(name_kv, sizeof(name_kv), "name=%s", hostname);
		if (st_value_check(ST_KEY_NAME, hostname, err, sizeof(err)) == 0)
			a.kvs[a.n++] = name_kv;
	}

	ret = stationctl_txn_edit(ctx, stationctl_adopt_apply, &a, flags, &changed);
	if (ret)
		goto cleanup;
	if (flags & STATIONCTL_TXN_DRY_RUN) {
		printf("dry run: [%s] would be added; the result is valid; %s not written\n",
		       a.target.text, a.file);
		goto cleanup;
	}
	printf("added [%s] to %s\n", a.target.text, a.file);
	/* The broker notices the new file by itself (inotify); asking it to
	 * reload now just makes the new mapping effective before this command
	 * returns. Failure here changes nothing, so it stays quiet. */
	json_object_put(reply);
	reply = NULL;
	if (stationctl_admin_request(ctx->admin_socket, "POST", "/v1/admin/reload", "{}", &reply,
				     1) == STATIONCTL_EXIT_OK)
		printf("asked the broker to reload %s\n", a.file);
cleanup:
	free(a.kvs);
	json_object_put(reply);
	return ret;
}
