/* maintenance on|off MATCH [--message TEXT]: the everyday case of `set`
 * (maintenance=yes or no, and the notice) under a name an admin finds. It
 * builds the key=value arguments and hands them to `set`, so the lock,
 * the validation of the whole result, the atomic write and FILE.prev are
 * exactly those of every other edit. MATCH is passed through unparsed:
 * whatever section kinds `set` knows (stations, group:NAME, pool:NAME),
 * this command knows too.
 *
 * domain:NAME is the one MATCH that is not a section: a libvirt domain is
 * in maintenance when every mapping that uses it is, so the same keys are
 * set, in one edit, in each section that names the domain itself and in
 * each that inherits it but sets maintenance of its own (which would
 * otherwise win over its group's). */
#include <getopt.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stationctl.h"
#include "stationctl_commands.h"
#include "stationctl_txn.h"
#include "stationctl_util.h"

#define DOMAIN_PREFIX "domain:"

struct maint_domain {
	const char *domain;
	const char *file;
	char *kvs[2];
	size_t n;
	size_t sections; /* how many were set */
};

/* Whether e's own section wrote key k (not its group, not a default). */
static bool maint_own(const struct st_entry *e, enum st_key k)
{
	return st_entry_origin(e, k).section == e->target.text;
}

static int maint_domain_apply(struct st_doc *doc, void *arg)
{
	struct maint_domain *m = arg;
	struct st_diags d = {0};
	struct st_config *cfg;
	char base[PATH_MAX], err[512] = "";
	struct st_target *hit = NULL;
	size_t n = 0, count;
	int ret = STATIONCTL_EXIT_OK;

	stationctl_util_dirname(m->file, base, sizeof(base));
	cfg = st_config_build(doc, base, &d);
	if (!cfg) {
		stationctl_util_print_diags(&d);
		stationctl_util_err("%s is not valid: fix it before putting a domain in "
				    "maintenance",
				    m->file);
		ret = STATIONCTL_EXIT_INVALID;
		goto cleanup;
	}
	count = st_config_count(cfg);
	hit = calloc(count ? count : 1, sizeof(*hit));
	if (!hit) {
		stationctl_util_err("out of memory");
		ret = STATIONCTL_EXIT_IO;
		goto cleanup;
	}
	for (size_t i = 0; i < count; i++) {
		const struct st_entry *e = st_config_entry(cfg, i);
		const char *dom = e->values[ST_KEY_DOMAIN];

		if (e->target.kind == ST_POOL || !dom || strcmp(dom, m->domain) != 0)
			continue;
		if (maint_own(e, ST_KEY_DOMAIN) || maint_own(e, ST_KEY_MAINTENANCE))
			st_match_target(&e->target, &hit[n++]);
	}
	if (n == 0) {
		stationctl_util_err("no section of %s uses domain %s", m->file, m->domain);
		ret = STATIONCTL_EXIT_NOTFOUND;
		goto cleanup;
	}
	/* The targets' text lives in cfg, which stays until the edits are
	 * done; the edits change only doc. */
	for (size_t i = 0; i < n; i++) {
		if (st_doc_set(doc, &hit[i], m->kvs, m->n, err, sizeof(err)) < 0) {
			stationctl_util_err("cannot change [%s]: %s", hit[i].text, err);
			ret = STATIONCTL_EXIT_INVALID;
			goto cleanup;
		}
		printf("  [%s]\n", hit[i].text);
	}
	m->sections = n;
cleanup:
	free(hit);
	st_config_free(cfg);
	st_diags_free(&d);
	return ret;
}

static int maint_domain(const struct stationctl_ctx *ctx, const char *domain, bool dry_run,
			char *state_kv, char *msg_kv)
{
	struct maint_domain m = {.domain = domain, .file = ctx->stations_file};
	bool changed = false;
	int ret;

	if (!domain[0]) {
		stationctl_util_err("maintenance: domain: needs a domain name");
		return STATIONCTL_EXIT_INVALID;
	}
	m.kvs[m.n++] = state_kv;
	if (msg_kv)
		m.kvs[m.n++] = msg_kv;
	ret = stationctl_txn_edit(ctx, maint_domain_apply, &m, dry_run ? STATIONCTL_TXN_DRY_RUN : 0,
				  &changed);
	if (ret)
		return ret;
	if (!changed)
		printf("domain %s: unchanged in %s\n", domain, m.file);
	else if (dry_run)
		printf("dry run: the %zu section%s above would be changed; the result is "
		       "valid; %s not written\n",
		       m.sections, m.sections == 1 ? "" : "s", m.file);
	else
		printf("domain %s: %zu section%s changed in %s\n", domain, m.sections,
		       m.sections == 1 ? "" : "s", m.file);
	return STATIONCTL_EXIT_OK;
}

int stationctl_maint_main(const struct stationctl_ctx *ctx, int argc, char **argv)
{
	enum { OPT_KEEP = 256 };
	static const struct option opts[] = {
	    {"message", required_argument, NULL, 'm'},
	    {"keep-message", no_argument, NULL, OPT_KEEP},
	    {"dry-run", no_argument, NULL, 'n'},
	    {NULL, 0, NULL, 0},
	};
	const char *message = NULL;
	bool keep = false, dry_run = false, on;
	char *set_argv[6];
	char *msg_kv = NULL;
	int set_argc = 0, c, ret;

	while ((c = getopt_long(argc, argv, "m:n", opts, NULL)) != -1) {
		switch (c) {
		case 'm':
			message = optarg;
			break;
		case OPT_KEEP:
			keep = true;
			break;
		case 'n':
			dry_run = true;
			break;
		default:
			return stationctl_commands_usage_error(argv[0]);
		}
	}
	if (argc - optind != 2) {
		stationctl_util_err("maintenance: expected on or off, then MATCH");
		return stationctl_commands_usage_error(argv[0]);
	}
	if (strcmp(argv[optind], "on") == 0) {
		on = true;
	} else if (strcmp(argv[optind], "off") == 0) {
		on = false;
	} else {
		char shown[64];

		stationctl_util_printable(argv[optind], shown, sizeof(shown));
		stationctl_util_err("maintenance: '%s' is neither on nor off", shown);
		return stationctl_commands_usage_error(argv[0]);
	}
	if (keep && message) {
		stationctl_util_err("maintenance: --message and --keep-message exclude each other");
		return stationctl_commands_usage_error(argv[0]);
	}
	if (on && message && !message[0]) {
		stationctl_util_err("maintenance on: --message is empty (leave it out to keep "
				    "the current message)");
		return STATIONCTL_EXIT_INVALID;
	}

	/* In maintenance the message is the notice on the station's screen;
	 * otherwise it is the login screen's greeting. A repair notice left
	 * behind would greet users after the repair, so "off" removes it
	 * unless told to keep it or given a new one. */
	if (message) {
		if (asprintf(&msg_kv, "message=%s", message) < 0) {
			stationctl_util_err("out of memory");
			return STATIONCTL_EXIT_IO;
		}
	} else if (!on && !keep) {
		msg_kv = strdup("message=");
		if (!msg_kv) {
			stationctl_util_err("out of memory");
			return STATIONCTL_EXIT_IO;
		}
	}
	if (strncmp(argv[optind + 1], DOMAIN_PREFIX, strlen(DOMAIN_PREFIX)) == 0) {
		ret = maint_domain(ctx, argv[optind + 1] + strlen(DOMAIN_PREFIX), dry_run,
				   on ? "maintenance=yes" : "maintenance=no", msg_kv);
		free(msg_kv);
		return ret;
	}
	set_argv[set_argc++] = "set";
	if (dry_run)
		set_argv[set_argc++] = "--dry-run";
	set_argv[set_argc++] = argv[optind + 1];
	set_argv[set_argc++] = on ? "maintenance=yes" : "maintenance=no";
	if (msg_kv)
		set_argv[set_argc++] = msg_kv;
	set_argv[set_argc] = NULL;

	/* `set` parses its own options from the start. */
	optind = 0;
	ret = stationctl_edit_set_main(ctx, set_argc, set_argv);
	free(msg_kv);
	return ret;
}
