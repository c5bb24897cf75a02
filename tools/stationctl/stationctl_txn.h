/* One edit of the stations file, the only way stationctl writes it:
 *
 *   lock (FILE.lock) -> remove temp files of killed editors -> read and
 *   parse -> apply the change to the document -> serialize -> parse and
 *   build the RESULT, refuse it with file:line diagnostics if invalid ->
 *   atomic replace keeping FILE.prev -> unlock
 *
 * The lock serializes concurrent runs (no lost update), the atomic replace
 * means a reader or a kill -9 sees the old or the new file, never a mix, and
 * validating the result means a broken file never replaces a good one. */
#ifndef VDI_STATIONCTL_TXN_H
#define VDI_STATIONCTL_TXN_H

#include <stdbool.h>

#include "stationctl.h"
#include "stations.h"

#define STATIONCTL_TXN_DRY_RUN 1u /* validate the result, write nothing */

/* Applies the change to doc. Returns an exit code; anything but 0 aborts the
 * edit, and the callback has printed why. */
typedef int (*stationctl_txn_fn)(struct st_doc *doc, void *arg);

/* Runs one edit. *changed (may be NULL) tells whether the file text differs
 * (and, unless a dry run, was written). Returns an exit code, after printing
 * the reason of any failure. */
int stationctl_txn_edit(const struct stationctl_ctx *ctx, stationctl_txn_fn fn, void *arg,
			unsigned flags, bool *changed);

/* Puts FILE.prev back in place; the current file becomes FILE.prev. */
int stationctl_txn_revert(const struct stationctl_ctx *ctx, bool *changed);

#endif
