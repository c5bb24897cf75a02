/* Notices when the stations file changes.
 *
 * The directory is watched, not the file: editors and stationctl replace
 * the file by renaming a new one over it, which gives it a new inode that a
 * watch on the old file would never see. Events for other names in the
 * directory are ignored. The caller debounces: one edit is several events,
 * and a file written in place may be written again soon, so drain says
 * which kind of change it saw. */
#ifndef BROKER_WATCH_H
#define BROKER_WATCH_H

struct broker_watch;

/* NULL (with a warning logged) when inotify is not available; SIGHUP and the
 * admin reload still work then. */
struct broker_watch *broker_watch_new(const char *path);
void broker_watch_free(struct broker_watch *w);
/* For poll(): readable when events are waiting. */
int broker_watch_fd(const struct broker_watch *w);
/* What happened to the stations file (flags). */
#define BROKER_WATCH_REPLACED 1u /* a new file was renamed over it: complete */
/* written in place and closed, created or deleted (or events were lost):
 * the writer may write again, as a script appending in steps does */
#define BROKER_WATCH_WRITTEN 2u

/* Reads all waiting events; the BROKER_WATCH_* flags of those that
 * concerned the stations file, 0 when none did. */
unsigned broker_watch_drain(struct broker_watch *w);

#endif
