/* Session limits: see launcher_limits.h. */
#include "launcher_limits.h"

#include <gdk/gdkx.h>
#include <X11/extensions/scrnsaver.h>

#include "log.h"

/* How often the X server is asked: a countdown shown in whole seconds. */
#define LIMITS_POLL_MS 1000

gboolean launcher_limits_active(const LauncherLimitsPolicy *p)
{
	return p && (p->max_seconds > 0 || p->idle_seconds > 0);
}

/* ms from now until a limit of limit_s seconds is reached at used_ms;
 * 0 when it is reached. */
static guint64 limits_left(guint limit_s, guint64 used_ms)
{
	guint64 limit_ms = (guint64)limit_s * 1000;

	return used_ms >= limit_ms ? 0 : limit_ms - used_ms;
}

LauncherLimitsVerdict launcher_limits_check(const LauncherLimitsPolicy *p, guint64 age_ms,
					    guint64 idle_ms)
{
	LauncherLimitsVerdict v = {LAUNCHER_LIMITS_NONE, 0};
	guint64 warn_ms = (guint64)p->warning_seconds * 1000;
	guint64 left_max, left_idle, left;

	/* Idle time counts from the session's start: a station that waited
	 * untouched at its login screen before it connected by itself has
	 * not been idle in this session. */
	if (idle_ms > age_ms)
		idle_ms = age_ms;
	left_max = p->max_seconds ? limits_left(p->max_seconds, age_ms) : G_MAXUINT64;
	left_idle = p->idle_seconds ? limits_left(p->idle_seconds, idle_ms) : G_MAXUINT64;

	/* The length wins a tie: its warning is the one input cannot take
	 * back. */
	if (left_max <= left_idle) {
		left = left_max;
		v.kind = left == 0 ? LAUNCHER_LIMITS_END_MAX : LAUNCHER_LIMITS_WARN_MAX;
	} else {
		left = left_idle;
		v.kind = left == 0 ? LAUNCHER_LIMITS_END_IDLE : LAUNCHER_LIMITS_WARN_IDLE;
	}
	if (left == G_MAXUINT64 || (left > 0 && left > warn_ms)) {
		v.kind = LAUNCHER_LIMITS_NONE;
		return v;
	}
	v.seconds_left = (guint)((left + 999) / 1000);
	return v;
}

char *launcher_limits_clock(guint seconds)
{
	if (seconds >= 3600)
		return g_strdup_printf("%u:%02u:%02u", seconds / 3600, seconds / 60 % 60,
				       seconds % 60);
	return g_strdup_printf("%u:%02u", seconds / 60, seconds % 60);
}

char *launcher_limits_warning_text(const LauncherLimitsVerdict *v)
{
	g_autofree char *clock = NULL;

	switch (v->kind) {
	case LAUNCHER_LIMITS_WARN_MAX:
		clock = launcher_limits_clock(v->seconds_left);
		return g_strdup_printf("Your session ends in %s. Save your work now.", clock);
	case LAUNCHER_LIMITS_WARN_IDLE:
		clock = launcher_limits_clock(v->seconds_left);
		return g_strdup_printf("You will be logged out in %s because nothing was typed or "
				       "clicked.\nMove the mouse or press a key to stay.",
				       clock);
	case LAUNCHER_LIMITS_NONE:
	case LAUNCHER_LIMITS_END_MAX:
	case LAUNCHER_LIMITS_END_IDLE:
	default:
		return NULL;
	}
}

char *launcher_limits_ended_text(const LauncherLimitsPolicy *p, LauncherLimitsKind end)
{
	guint s = p->idle_seconds;

	if (end == LAUNCHER_LIMITS_END_MAX)
		return g_strdup("Your session reached its time limit.");
	/* Whole minutes as the admin will usually have set them; anything
	 * else in seconds, rather than a rounded figure that is not true. */
	if (s % 60 == 0)
		return g_strdup_printf("You were logged out after %u minute%s without input.",
				       s / 60, s == 60 ? "" : "s");
	return g_strdup_printf("You were logged out after %u second%s without input.", s,
			       s == 1 ? "" : "s");
}

const char *launcher_limits_reason(LauncherLimitsKind end)
{
	return end == LAUNCHER_LIMITS_END_MAX ? "max_session" : "idle_logout";
}

/* ---- the watch: the X server's idle time, once a second ---- */

struct LauncherLimits {
	LauncherLimitsPolicy policy;
	LauncherLimitsFn fn;
	gpointer user_data;
	gint64 opened_us; /* monotonic */
	guint timer;
	Display *dpy;		/* NULL: no idle time, so no idle log-out */
	XScreenSaverInfo *info; /* XScreenSaverQueryInfo's buffer */
	LauncherLimitsKind shown;
};

/* The idle time in ms, or 0 when the X server cannot say. */
static guint64 limits_idle_ms(LauncherLimits *l)
{
	if (!l->dpy || !XScreenSaverQueryInfo(l->dpy, DefaultRootWindow(l->dpy), l->info))
		return 0;
	return l->info->idle;
}

static const char *limits_kind_name(LauncherLimitsKind k)
{
	return k == LAUNCHER_LIMITS_WARN_MAX || k == LAUNCHER_LIMITS_END_MAX ? "max_session"
									     : "idle_logout";
}

static gboolean limits_tick(gpointer user_data)
{
	LauncherLimits *l = user_data;
	guint64 age_ms = (guint64)(g_get_monotonic_time() - l->opened_us) / 1000;
	LauncherLimitsVerdict v = launcher_limits_check(&l->policy, age_ms, limits_idle_ms(l));
	char left[16];

	/* Changes only: a countdown would fill the log. */
	if (v.kind != l->shown) {
		g_snprintf(left, sizeof(left), "%u", v.seconds_left);
		if (v.kind == LAUNCHER_LIMITS_WARN_MAX || v.kind == LAUNCHER_LIMITS_WARN_IDLE)
			log_event(LOG_INFO, "limit_warning", "limit", limits_kind_name(v.kind),
				  "seconds", left, NULL);
		else if (v.kind == LAUNCHER_LIMITS_NONE)
			log_event(LOG_INFO, "limit_warning_cancelled", "limit",
				  limits_kind_name(l->shown), NULL);
		else
			log_event(LOG_INFO, "limit_reached", "limit", limits_kind_name(v.kind),
				  NULL);
		l->shown = v.kind;
	}
	/* Last: fn may free l (an end closes the session and its watch). */
	l->fn(l->user_data, &v);
	return G_SOURCE_CONTINUE;
}

LauncherLimits *launcher_limits_new(const LauncherLimitsPolicy *p, LauncherLimitsFn fn,
				    gpointer user_data)
{
	GdkDisplay *display = gdk_display_get_default();
	LauncherLimits *l;
	int ev, err;
	char max[16], idle[16], warn[16];

	if (!launcher_limits_active(p))
		return NULL;
	l = g_new0(LauncherLimits, 1);
	l->policy = *p;
	l->fn = fn;
	l->user_data = user_data;
	l->opened_us = g_get_monotonic_time();
	if (p->idle_seconds) {
		if (display && GDK_IS_X11_DISPLAY(display) &&
		    XScreenSaverQueryExtension(GDK_DISPLAY_XDISPLAY(display), &ev, &err) &&
		    (l->info = XScreenSaverAllocInfo())) {
			l->dpy = GDK_DISPLAY_XDISPLAY(display);
		} else {
			log_event(LOG_WARN, "limit_idle_unavailable", "error",
				  "the X server has no MIT-SCREEN-SAVER extension: no idle log-out",
				  NULL);
		}
	}
	g_snprintf(max, sizeof(max), "%u", p->max_seconds);
	g_snprintf(idle, sizeof(idle), "%u", p->idle_seconds);
	g_snprintf(warn, sizeof(warn), "%u", p->warning_seconds);
	log_event(LOG_INFO, "limits", "max_seconds", max, "idle_seconds", idle, "warning_seconds",
		  warn, NULL);
	l->timer = g_timeout_add(LIMITS_POLL_MS, limits_tick, l);
	return l;
}

void launcher_limits_free(LauncherLimits *l)
{
	if (!l)
		return;
	g_clear_handle_id(&l->timer, g_source_remove);
	if (l->info)
		XFree(l->info);
	g_free(l);
}
