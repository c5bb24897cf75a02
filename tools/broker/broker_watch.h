/* Notices when the stations file changes.
 *
 * The directory is watched, not the file: editors and stationctl replace
 * the file by renaming a new one over it, which gives it a new inode that a
 * watch on the old file would never see. Events for other names in the
 * directory are ignored. The caller debounces: one edit is several events. */
#ifndef BROKER_WATCH_H
#define BROKER_WATCH_H

#include <stdbool.h>

struct broker_watch;

/* NULL (with a warning logged) when inotify is not available; SIGHUP and the
 * admin reload still work then. */
struct broker_watch *broker_watch_new(const char *path);
void broker_watch_free(struct broker_watch *w);
/* For poll(): readable when events are waiting. */
int broker_watch_fd(const struct broker_watch *w);
/* Reads all waiting events; true when one concerned the stations file. */
bool broker_watch_drain(struct broker_watch *w);

#endif
