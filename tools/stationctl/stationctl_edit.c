/* add MATCH key=value..., set MATCH key=value..., del MATCH. */
#include "stationctl_edit.h"

#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "stationctl.h"
#include "stationctl_commands.h"
#include "stationctl_txn.h"
#include "stationctl_util.h"

enum stationctl_edit_op { STATIONCTL_EDIT_ADD, STATIONCTL_EDIT_SET, STATIONCTL_EDIT_DEL };

struct stationctl_edit {
	enum stationctl_edit_op op;
	struct st_target target;
	char *const *kvs;
	size_t n;
	const char *file;
};

int stationctl_edit_apply_add(struct st_doc *doc, const struct st_target *t, char *const *kvs,
			      size_t n, const char *file)
{
	char err[512] = "";

	if (st_doc_has(doc, t)) {
		stationctl_util_err("[%s] exists already in %s (use set to change it)", t->text,
				    file);
		return STATIONCTL_EXIT_EXISTS;
	}
	if (st_doc_add(doc, t, kvs, n, err, sizeof(err)) < 0) {
		stationctl_util_err("cannot add [%s]: %s", t->text, err);
		return STATIONCTL_EXIT_INVALID;
	}
	return STATIONCTL_EXIT_OK;
}

static int stationctl_edit_apply(struct st_doc *doc, void *arg)
{
	struct stationctl_edit *e = arg;
	char err[512] = "";
	int rc;

	if (e->op == STATIONCTL_EDIT_ADD)
		return stationctl_edit_apply_add(doc, &e->target, e->kvs, e->n, e->file);
	if (!st_doc_has(doc, &e->target)) {
		stationctl_util_err("no section [%s] in %s%s", e->target.text, e->file,
				    e->op == STATIONCTL_EDIT_SET ? " (use add to create it)" : "");
		return STATIONCTL_EXIT_NOTFOUND;
	}
	if (e->op == STATIONCTL_EDIT_SET)
		rc = st_doc_set(doc, &e->target, e->kvs, e->n, err, sizeof(err));
	else
		rc = st_doc_del(doc, &e->target, err, sizeof(err));
	if (rc < 0) {
		stationctl_util_err("cannot %s [%s]: %s",
				    e->op == STATIONCTL_EDIT_SET ? "change" : "remove",
				    e->target.text, err);
		return STATIONCTL_EXIT_INVALID;
	}
	return STATIONCTL_EXIT_OK;
}

static int stationctl_edit_main(const struct stationctl_ctx *ctx, int argc, char **argv,
				enum stationctl_edit_op op)
{
	static const struct option opts[] = {
	    {"dry-run", no_argument, NULL, 'n'},
	    {NULL, 0, NULL, 0},
	};
	static const char *const done[] = {"added", "changed", "removed"};
	struct stationctl_edit e = {.op = op, .file = ctx->stations_file};
	unsigned flags = 0;
	bool changed = false;
	int c, ret;

	while ((c = getopt_long(argc, argv, "n", opts, NULL)) != -1) {
		if (c != 'n')
			return stationctl_commands_usage_error(argv[0]);
		flags |= STATIONCTL_TXN_DRY_RUN;
	}
	if (optind >= argc) {
		stationctl_util_err("%s: MATCH missing", argv[0]);
		return stationctl_commands_usage_error(argv[0]);
	}
	if (op == STATIONCTL_EDIT_DEL && argc - optind > 1) {
		stationctl_util_err("del: takes only MATCH");
		return stationctl_commands_usage_error(argv[0]);
	}
	if (op == STATIONCTL_EDIT_SET && argc - optind < 2) {
		stationctl_util_err("set: no key=value given");
		return stationctl_commands_usage_error(argv[0]);
	}
	if (stationctl_util_target(argv[optind], &e.target) < 0)
		return STATIONCTL_EXIT_INVALID;
	e.kvs = argv + optind + 1;
	e.n = (size_t)(argc - optind - 1);
	if (stationctl_util_check_kvs(e.kvs, e.n, op == STATIONCTL_EDIT_SET) < 0)
		return STATIONCTL_EXIT_INVALID;

	ret = stationctl_txn_edit(ctx, stationctl_edit_apply, &e, flags, &changed);
	if (ret)
		return ret;
	if (!changed)
		printf("[%s] unchanged in %s\n", e.target.text, e.file);
	else if (flags & STATIONCTL_TXN_DRY_RUN)
		printf("dry run: [%s] would be %s; the result is valid; %s not written\n",
		       e.target.text, done[op], e.file);
	else
		printf("%s [%s] %s %s\n", done[op], e.target.text,
		       op == STATIONCTL_EDIT_ADD ? "to"
						 : (op == STATIONCTL_EDIT_SET ? "in" : "from"),
		       e.file);
	return STATIONCTL_EXIT_OK;
}

int stationctl_edit_add_main(const struct stationctl_ctx *ctx, int argc, char **argv)
{
	return stationctl_edit_main(ctx, argc, argv, STATIONCTL_EDIT_ADD);
}

int stationctl_edit_set_main(const struct stationctl_ctx *ctx, int argc, char **argv)
{
	return stationctl_edit_main(ctx, argc, argv, STATIONCTL_EDIT_SET);
}

int stationctl_edit_del_main(const struct stationctl_ctx *ctx, int argc, char **argv)
{
	return stationctl_edit_main(ctx, argc, argv, STATIONCTL_EDIT_DEL);
}
