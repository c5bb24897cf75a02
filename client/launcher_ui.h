/* The launcher's one window: it covers every monitor (or is a normal window
 * with --windowed) and shows one page at a time: login, progress, message or
 * the desktop itself, plus the admin diagnostics overlay and short notices.
 *
 * The UI only shows things and reports what the user did; every decision is
 * the session's (launcher_session.c). */
#ifndef LAUNCHER_UI_H
#define LAUNCHER_UI_H

#include <gtk/gtk.h>

#include "launcher_config.h"

typedef struct LauncherUi LauncherUi;

typedef struct {
	/* Connect on the login screen; username/password are NULL when the
	 * mapping has no login. The strings are the entries' own: copy them. */
	void (*connect)(gpointer user_data, const char *username, const char *password);
	/* progress: Cancel; message: Back; chooser: Log out (or Escape) */
	void (*cancel)(gpointer user_data);
	void (*retry_now)(gpointer user_data); /* message: Try now */
	void (*admin_opened)(gpointer user_data);
	void (*admin_closed)(gpointer user_data);
	void (*admin_action)(gpointer user_data, const char *action); /* reboot, poweroff */
	/* chooser: the desktop picked (its id; copy it). */
	void (*choose)(gpointer user_data, const char *desktop);
} LauncherUiCallbacks;

typedef struct {
	const char *station_name;
	const char *screen_text;   /* the broker's text for this screen, or NULL */
	gboolean login;		   /* ask for a user name and password */
	const char *identity_line; /* small print: MAC, IP, host name, version */
	const char *warning;	   /* e.g. the insecure-broker warning, or NULL */
} LauncherLoginView;

typedef struct {
	const char *kind;	 /* maintenance, unknown, unreachable, tls, ... (CSS class) */
	const char *title;	 /* one line, large */
	const char *body;	 /* what happened, in plain words */
	gboolean identity_large; /* show MAC, IP and host name across-the-room large */
	const char *mac, *ip, *hostname;
	gboolean can_retry; /* a "Try now" button */
	gboolean can_back;  /* a "Back" button to the login screen */
} LauncherMessageView;

/* One desktop on the chooser. */
typedef struct {
	const char *id;	   /* what the choice sends back */
	const char *name;  /* the label */
	const char *state; /* running, off, starting, unknown */
} LauncherChooserItem;

typedef struct {
	const char *user; /* who logged in, or NULL */
	const LauncherChooserItem *desktops;
	size_t n_desktops;
	const char *last; /* preselected (an id), or NULL: the first */
} LauncherChooserView;

/* What the diagnostics screen shows, already as text. */
typedef struct {
	const char *identity;
	const char *broker;
	const char *state;
	const char *errors;
	const char *network;
	const char *versions;
	const char *config;
} LauncherAdminView;

LauncherUi *launcher_ui_new(const LauncherConfig *cfg, const LauncherUiCallbacks *cb,
			    gpointer user_data);
void launcher_ui_free(LauncherUi *ui);

void launcher_ui_show_login(LauncherUi *ui, const LauncherLoginView *view);
/* Empties the user name and password fields (GTK wipes the old text). */
void launcher_ui_clear_login(LauncherUi *ui);
/* Empties the password field only. */
void launcher_ui_clear_password(LauncherUi *ui);
/* TRUE when someone has started typing into the login fields. */
gboolean launcher_ui_is_typing(LauncherUi *ui);
void launcher_ui_show_progress(LauncherUi *ui, const char *title, const char *detail,
			       gboolean can_cancel);
void launcher_ui_show_message(LauncherUi *ui, const LauncherMessageView *view);
/* The desktop chooser, the last desktop (else the first) selected and
 * focused. */
void launcher_ui_show_chooser(LauncherUi *ui, const LauncherChooserView *view);
/* Empties the chooser's list. */
void launcher_ui_clear_chooser(LauncherUi *ui);
/* The "what happens next" line of the current page ("Trying again in 8 s"),
 * or NULL to hide it. */
void launcher_ui_set_next(LauncherUi *ui, const char *text);

/* The desktop page, with the displays added so far. */
void launcher_ui_show_desktop(LauncherUi *ui);
/* Adds a desktop display; displays are laid out over the local monitors by
 * order (lowest first). */
void launcher_ui_add_display(LauncherUi *ui, GtkWidget *display, guint order);
void launcher_ui_remove_display(LauncherUi *ui, GtkWidget *display);
void launcher_ui_clear_displays(LauncherUi *ui);
guint launcher_ui_n_displays(LauncherUi *ui);
/* The size of the first monitor (of the window, when windowed): where a
 * single-display desktop goes. */
void launcher_ui_first_monitor_size(LauncherUi *ui, int *width, int *height);

/* A short notice at the bottom that takes no focus and goes away by
 * itself. */
void launcher_ui_notice(LauncherUi *ui, const char *text);

void launcher_ui_show_admin(LauncherUi *ui, const LauncherAdminView *view);
gboolean launcher_ui_admin_visible(LauncherUi *ui);
void launcher_ui_hide_admin(LauncherUi *ui);

/* Logs event=painted page=NAME (with a monotonic time stamp) once the next
 * frame has been drawn: when the user can see it, for the benchmarks. */
void launcher_ui_log_next_paint(LauncherUi *ui, const char *page);

GtkWindow *launcher_ui_window(LauncherUi *ui);

#endif
