/* inotify watch on the stations file's directory: see broker_watch.h. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <unistd.h>

#include "broker_watch.h"
#include "log.h"

struct broker_watch {
	int fd;
	int wd;
	char *name; /* the file's name within the directory */
};

struct broker_watch *broker_watch_new(const char *path)
{
	struct broker_watch *w = calloc(1, sizeof(*w));
	const char *slash = strrchr(path, '/');
	char *dir = NULL;

	if (!w)
		return NULL;
	w->fd = -1;
	if (slash) {
		dir = slash == path ? strdup("/") : strndup(path, (size_t)(slash - path));
		w->name = strdup(slash + 1);
	} else {
		dir = strdup(".");
		w->name = strdup(path);
	}
	if (!dir || !w->name)
		goto fail;
	w->fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (w->fd < 0)
		goto fail;
	/* CLOSE_WRITE: edited in place (also by a writer that was killed:
	 * the kernel closes its file); MOVED_TO: replaced by rename (how
	 * stationctl and most editors save); CREATE: deleted and recreated;
	 * DELETE: so that the log says the file went away. No MODIFY: a file
	 * still open for writing is not looked at before its writer closes
	 * it. */
	w->wd = inotify_add_watch(
	    w->fd, dir, IN_CLOSE_WRITE | IN_MOVED_TO | IN_CREATE | IN_DELETE | IN_ONLYDIR);
	if (w->wd < 0)
		goto fail;
	free(dir);
	return w;
fail:
	log_event(LOG_WARN, "watch", "dir", dir, "error", strerror(errno), "note",
		  "changes are not noticed; reload with SIGHUP", NULL);
	free(dir);
	broker_watch_free(w);
	return NULL;
}

void broker_watch_free(struct broker_watch *w)
{
	if (!w)
		return;
	if (w->fd >= 0)
		close(w->fd);
	free(w->name);
	free(w);
}

int broker_watch_fd(const struct broker_watch *w)
{
	return w->fd;
}

unsigned broker_watch_drain(struct broker_watch *w)
{
	char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
	const struct inotify_event *ev;
	unsigned hit = 0;
	ssize_t n;
	char *p;

	for (;;) {
		n = read(w->fd, buf, sizeof(buf));
		if (n <= 0)
			break;
		for (p = buf; p < buf + n; p += sizeof(*ev) + ev->len) {
			ev = (const struct inotify_event *)p;
			if (ev->mask & IN_Q_OVERFLOW) {
				/* Events were lost: assume ours was one, of
				 * the kind that needs the longer wait. */
				hit |= BROKER_WATCH_WRITTEN;
				continue;
			}
			if (ev->mask & IN_IGNORED) {
				log_event(LOG_WARN, "watch", "error",
					  "the stations directory went away; reload with SIGHUP",
					  NULL);
				continue;
			}
			if (!ev->len || strcmp(ev->name, w->name) != 0)
				continue;
			hit |=
			    (ev->mask & IN_MOVED_TO) ? BROKER_WATCH_REPLACED : BROKER_WATCH_WRITTEN;
		}
	}
	return hit;
}
