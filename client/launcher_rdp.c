/* RDP connections through an embedded xfreerdp: see launcher_rdp.h. */
#include "launcher_rdp.h"

typedef struct LauncherRdp LauncherRdp;

#include <errno.h>
#include <gdk/gdkx.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "launcher_rdp_error.h"
#include "launcher_rdp_login.h"
#include "launcher_rdp_usb.h"
#include "launcher_secret.h"
#include "log.h"

/* A child that ignores SIGTERM this long gets SIGKILL. */
#define RDP_KILL_GRACE_MS 1500
/* Lines of the child's own log kept for the diagnostics. */
#define RDP_LINE_MAX 512

struct LauncherRdp {
	LauncherViewerCallbacks cb;
	gpointer user_data;
	GtkWidget *area; /* the parent of xfreerdp's window */
	Window xid;	 /* the area's X window */
	Window child_xid;
	Window top_xid; /* the launcher's window, for the keyboard afterwards */
	GSubprocess *child;
	GCancellable *cancel; /* the waits on this child */
	GDataInputStream *out;
	char *ca_file;
	LauncherRdpLogin *login; /* the user name, until xfreerdp has read it */
	guint timeout;
	guint pending;
	gboolean opened;
	gboolean done;
};

static GdkFilterReturn launcher_rdp_filter(GdkXEvent *xevent, GdkEvent *event, gpointer data);
static void launcher_rdp_disconnect(LauncherRdp *r);

static LauncherRdp *launcher_rdp_new(const LauncherViewerCallbacks *cb, gpointer user_data)
{
	LauncherRdp *r = g_new0(LauncherRdp, 1);

	r->cb = *cb;
	r->user_data = user_data;
	return r;
}

/* The viewer interface's close: no more callbacks, and freed. */
static void launcher_rdp_close(gpointer viewer)
{
	LauncherRdp *r = viewer;

	if (!r)
		return;
	launcher_rdp_disconnect(r);
	g_free(r);
}

static gboolean launcher_rdp_is_open(gpointer viewer)
{
	LauncherRdp *r = viewer;

	return r->child && r->opened && !r->done;
}

/* xfreerdp's server address: IPv6 literals in brackets. */
static char *launcher_rdp_server(const struct broker_endpoint *ep)
{
	unsigned port = ep->port ? ep->port : 3389;

	if (strchr(ep->host, ':'))
		return g_strdup_printf("/v:[%s]:%u", ep->host, port);
	return g_strdup_printf("/v:%s:%u", ep->host, port);
}

char **launcher_rdp_arguments(const struct broker_endpoint *ep, const LauncherViewerOptions *opt,
			      unsigned long parent, const char *usb_ids, gboolean drives,
			      gboolean verify_ca)
{
	GPtrArray *a = g_ptr_array_new();

	g_ptr_array_add(a, launcher_rdp_server(ep));
	g_ptr_array_add(a, g_strdup_printf("/parent-window:%lu", parent));
	g_ptr_array_add(a,
			g_strdup_printf("/size:%dx%d", MAX(opt->width, 64), MAX(opt->height, 64)));
	/* No window decorations, no floating bar, no full-screen toggle: the
	 * launcher's window is the frame, and nothing may leave it. */
	g_ptr_array_add(a, g_strdup("-decorations"));
	g_ptr_array_add(a, g_strdup("-toggle-fullscreen"));
	/* Nothing of one user may travel through the station to the next. */
	g_ptr_array_add(a, g_strdup("-clipboard"));
	/* With the broker's CA the certificate must chain to it and name the
	 * host; a failure is final (no prompt: nobody could answer it). */
	g_ptr_array_add(a, g_strdup(verify_ca ? "/cert:deny" : "/cert:ignore"));
	g_ptr_array_add(a, g_strdup_printf("/timeout:%d", MAX(opt->connect_timeout, 1) * 1000));
	if (opt->audio)
		g_ptr_array_add(a, g_strdup("/sound"));
	if (drives)
		g_ptr_array_add(a, g_strdup("/drive:hotplug,*"));
	if (usb_ids)
		g_ptr_array_add(a, g_strdup_printf("/usb:id:%s", usb_ids));
	/* The login never goes on the command line (any process can read it
	 * in /proc): the user name comes in a one-shot connection file
	 * (launcher_rdp_login.h), and /from-stdin makes xfreerdp read the
	 * password from the pipe when the server asks for it. */
	if (opt->username && opt->password)
		g_ptr_array_add(a, g_strdup("/from-stdin"));
	g_ptr_array_add(a, g_strdup("/log-level:WARN"));
	g_ptr_array_add(a, NULL);
	return (char **)g_ptr_array_free(a, FALSE);
}

/* ---- outcome ---- */

static gboolean launcher_rdp_timed_out(gpointer user_data)
{
	LauncherRdp *r = user_data;

	r->timeout = 0;
	if (r->opened || r->done)
		return G_SOURCE_REMOVE;
	r->done = TRUE;
	log_event(LOG_WARN, "rdp_timeout", NULL);
	launcher_rdp_disconnect(r);
	r->cb.failed(r->user_data, "timeout", "no answer from the desktop");
	return G_SOURCE_REMOVE;
}

static gboolean launcher_rdp_deliver_opened(gpointer user_data)
{
	LauncherRdp *r = user_data;

	r->pending = 0;
	if (!r->done)
		r->cb.opened(r->user_data);
	return G_SOURCE_REMOVE;
}

static void launcher_rdp_exited(GObject *src, GAsyncResult *res, gpointer user_data)
{
	LauncherRdp *r = user_data;
	GSubprocess *child = G_SUBPROCESS(src);
	const struct launcher_rdp_error *e;
	char code[16];

	if (!g_subprocess_wait_finish(child, res, NULL))
		return; /* cancelled: r may be gone, and nobody waits for this */
	if (child != r->child || r->done)
		return;
	r->done = TRUE;
	if (g_subprocess_get_if_exited(child))
		e = launcher_rdp_error_lookup(g_subprocess_get_exit_status(child));
	else
		e = launcher_rdp_error_signal();
	g_snprintf(code, sizeof(code), "%d",
		   g_subprocess_get_if_exited(child) ? g_subprocess_get_exit_status(child)
						     : -g_subprocess_get_term_sig(child));
	log_event(r->opened ? LOG_INFO : LOG_WARN, "rdp_exit", "status", code, "name", e->name,
		  "opened", r->opened ? "yes" : "no", NULL);
	if (r->opened) {
		r->cb.ended(r->user_data, e->reason, e->normal_end ? NULL : e->text);
		return;
	}
	g_clear_handle_id(&r->timeout, g_source_remove);
	r->cb.failed(r->user_data, e->kind, e->text);
}

/* xfreerdp's own log (it writes to stdout): kept at debug level, and its
 * errors at info, for the admin. It never holds the password: xfreerdp
 * does not print it, and it is not on the command line. */
static void launcher_rdp_read_line(GObject *src, GAsyncResult *res, gpointer user_data)
{
	LauncherRdp *r = user_data;
	g_autofree char *line = NULL;
	gsize len = 0;

	line = g_data_input_stream_read_line_finish_utf8(G_DATA_INPUT_STREAM(src), res, &len, NULL);
	if (!line)
		return; /* end of output, an error, or cancelled */
	if (len > RDP_LINE_MAX)
		line[RDP_LINE_MAX] = '\0';
	g_strstrip(line);
	if (*line)
		log_event(strstr(line, "[ERROR]") ? LOG_INFO : LOG_DEBUG, "rdp_log", "line", line,
			  NULL);
	g_data_input_stream_read_line_async(G_DATA_INPUT_STREAM(src), G_PRIORITY_DEFAULT, r->cancel,
					    launcher_rdp_read_line, r);
}

/* xfreerdp reparents its window into ours and maps it once the session is
 * up: that MapNotify is "opened". */
static GdkFilterReturn launcher_rdp_filter(GdkXEvent *xevent, GdkEvent *event, gpointer data)
{
	LauncherRdp *r = data;
	XEvent *xe = xevent;

	if (xe->type != MapNotify || xe->xmap.event != r->xid || !r->xid || r->opened || r->done)
		return GDK_FILTER_CONTINUE;
	r->opened = TRUE;
	r->child_xid = xe->xmap.window;
	g_clear_handle_id(&r->timeout, g_source_remove);
	log_event(LOG_INFO, "rdp_window", "state", "mapped", NULL);
	if (!r->pending)
		r->pending =
		    g_idle_add_full(G_PRIORITY_HIGH_IDLE, launcher_rdp_deliver_opened, r, NULL);
	return GDK_FILTER_CONTINUE;
}

/* The keyboard goes to xfreerdp's window once the desktop page shows it:
 * X sends keys to the focus window, so every key reaches the desktop. */
static void launcher_rdp_area_mapped(GtkWidget *area, gpointer user_data)
{
	LauncherRdp *r = user_data;
	GdkDisplay *dpy = gtk_widget_get_display(area);

	if (!r->child_xid)
		return;
	gdk_x11_display_error_trap_push(dpy);
	XSetInputFocus(GDK_DISPLAY_XDISPLAY(dpy), r->child_xid, RevertToParent, CurrentTime);
	gdk_x11_display_error_trap_pop_ignored(dpy);
}

static void launcher_rdp_focus(gpointer viewer)
{
	LauncherRdp *r = viewer;

	if (r->area && gtk_widget_get_mapped(r->area))
		launcher_rdp_area_mapped(r->area, r);
}

static gboolean launcher_rdp_draw(GtkWidget *w, cairo_t *cr, gpointer user_data)
{
	cairo_set_source_rgb(cr, 0, 0, 0);
	cairo_paint(cr);
	return TRUE;
}

/* The child dies with the launcher: a station never keeps a session
 * nobody supervises. */
static void launcher_rdp_child_setup(gpointer user_data)
{
	prctl(PR_SET_PDEATHSIG, SIGTERM);
}

/* The broker's CA for this desktop, in a file only this user can read,
 * for OpenSSL's SSL_CERT_FILE in the child. */
static char *launcher_rdp_write_ca(const char *pem, GError **error)
{
	g_autofree char *path = NULL;
	int fd = g_file_open_tmp("vdi-rdp-ca-XXXXXX.pem", &path, error);

	if (fd < 0)
		return NULL;
	if (fchmod(fd, 0600) < 0 || write(fd, pem, strlen(pem)) != (ssize_t)strlen(pem)) {
		g_set_error(error, G_IO_ERROR, g_io_error_from_errno(errno),
			    "cannot write the desktop's CA: %s", g_strerror(errno));
		close(fd);
		g_unlink(path);
		return NULL;
	}
	close(fd);
	return g_steal_pointer(&path);
}

/* The password for xfreerdp's prompt, one line on its stdin. */
static gboolean launcher_rdp_send_password(GSubprocess *child, const char *password, GError **error)
{
	gsize len = strlen(password) + 1;
	char *buf;
	gboolean ok;

	/* The prompt reads one line: a line break would cut the password. */
	if (strpbrk(password, "\r\n")) {
		g_set_error_literal(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
				    "the password holds a line break and cannot be passed on");
		return FALSE;
	}
	buf = g_malloc(len);
	memcpy(buf, password, len - 1);
	buf[len - 1] = '\n';
	/* A few bytes into an empty pipe: this does not block. */
	ok = g_output_stream_write_all(g_subprocess_get_stdin_pipe(child), buf, len, NULL, NULL,
				       error) &&
	     g_output_stream_close(g_subprocess_get_stdin_pipe(child), NULL, error);
	launcher_secret_free_len(buf, len);
	return ok;
}

static gboolean launcher_rdp_connect(LauncherRdp *r, const struct broker_endpoint *ep,
				     const LauncherViewerOptions *opt, GError **error)
{
	g_autoptr(GSubprocessLauncher) sl = NULL;
	g_auto(GStrv) args = NULL;
	g_autoptr(GPtrArray) argv = g_ptr_array_new_with_free_func(g_free);
	const char *program = g_getenv("VDI_XFREERDP");
	g_autoptr(GError) spawn_error = NULL;
	LauncherRdpUsb usb = {0};
	GdkWindow *win;
	g_autofree char *shown = NULL;

	launcher_rdp_disconnect(r);
	r->opened = FALSE;
	r->done = FALSE;

	/* Our window for xfreerdp's: a native X window of its own. */
	r->area = g_object_ref_sink(gtk_drawing_area_new());
	gtk_widget_set_name(r->area, "vdi-display");
	gtk_widget_set_can_focus(r->area, TRUE);
	g_signal_connect(r->area, "draw", G_CALLBACK(launcher_rdp_draw), r);
	g_signal_connect(r->area, "map", G_CALLBACK(launcher_rdp_area_mapped), r);
	r->cb.display_added(r->user_data, r->area, 0);
	gtk_widget_realize(r->area);
	win = gtk_widget_get_window(r->area);
	if (!win || !GDK_IS_X11_WINDOW(win) || !gdk_window_ensure_native(win)) {
		g_set_error_literal(error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
				    "RDP needs an X11 display");
		launcher_rdp_disconnect(r);
		return FALSE;
	}
	gdk_window_set_events(win, gdk_window_get_events(win) | GDK_SUBSTRUCTURE_MASK);
	r->xid = GDK_WINDOW_XID(win);
	r->top_xid = GDK_WINDOW_XID(gtk_widget_get_window(gtk_widget_get_toplevel(r->area)));
	gdk_window_add_filter(NULL, launcher_rdp_filter, r);

	if (ep->ca && !(r->ca_file = launcher_rdp_write_ca(ep->ca, error))) {
		launcher_rdp_disconnect(r);
		return FALSE;
	}
	if (opt->usb)
		launcher_rdp_usb_plan(opt->sysroot, opt->usb_redirect, opt->usb_deny, &usb);
	args = launcher_rdp_arguments(ep, opt, (unsigned long)r->xid, usb.usb_ids, usb.storage,
				      r->ca_file != NULL);
	launcher_rdp_usb_clear(&usb);
	shown = g_strjoinv(" ", args);
	log_event(LOG_INFO, "rdp_start", "args", shown, NULL);
	g_ptr_array_add(argv, g_strdup(program && *program ? program : "xfreerdp"));
	if (opt->username && opt->password) {
		/* xfreerdp takes a connection file only as its first argument. */
		if (!(r->login = launcher_rdp_login_new(opt->username, error))) {
			launcher_rdp_disconnect(r);
			return FALSE;
		}
		g_ptr_array_add(argv, g_strdup(launcher_rdp_login_path(r->login)));
	}
	for (char **a = args; *a; a++)
		g_ptr_array_add(argv, g_strdup(*a));
	g_ptr_array_add(argv, NULL);

	sl = g_subprocess_launcher_new(G_SUBPROCESS_FLAGS_STDIN_PIPE |
				       G_SUBPROCESS_FLAGS_STDOUT_PIPE |
				       G_SUBPROCESS_FLAGS_STDERR_MERGE);
	g_subprocess_launcher_set_child_setup(sl, launcher_rdp_child_setup, NULL, NULL);
	if (r->ca_file)
		g_subprocess_launcher_setenv(sl, "SSL_CERT_FILE", r->ca_file, TRUE);
	r->child = g_subprocess_launcher_spawnv(sl, (const char *const *)argv->pdata, &spawn_error);
	if (!r->child) {
		/* Images built without RDP (PROFILE=spice-only) have no xfreerdp. */
		if (g_error_matches(spawn_error, G_SPAWN_ERROR, G_SPAWN_ERROR_NOENT))
			g_set_error(error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
				    "this station's image has no RDP viewer (%s: not found)",
				    (const char *)argv->pdata[0]);
		else
			g_propagate_error(error, g_steal_pointer(&spawn_error));
		launcher_rdp_disconnect(r);
		return FALSE;
	}
	if (opt->username && opt->password) {
		if (!launcher_rdp_send_password(r->child, opt->password, error)) {
			launcher_rdp_disconnect(r);
			return FALSE;
		}
	} else {
		/* No credentials: a prompt reads end-of-file and fails,
		 * rather than waiting for an answer nobody can give. */
		g_output_stream_close(g_subprocess_get_stdin_pipe(r->child), NULL, NULL);
	}
	r->cancel = g_cancellable_new();
	r->out = g_data_input_stream_new(g_subprocess_get_stdout_pipe(r->child));
	g_data_input_stream_read_line_async(r->out, G_PRIORITY_DEFAULT, r->cancel,
					    launcher_rdp_read_line, r);
	g_subprocess_wait_async(r->child, r->cancel, launcher_rdp_exited, r);
	/* xfreerdp's /timeout covers the TCP connection; this covers the
	 * rest (TLS, login) up to the first picture. */
	r->timeout = g_timeout_add_seconds((guint)MAX(opt->connect_timeout, 1) * 2,
					   launcher_rdp_timed_out, r);
	return TRUE;
}

/* A child being stopped: killed if it lingers, reaped in the background. */
typedef struct {
	GSubprocess *child;
	guint kill_id;
} LauncherRdpReap;

static gboolean launcher_rdp_kill_late(gpointer user_data)
{
	LauncherRdpReap *reap = user_data;

	reap->kill_id = 0;
	g_subprocess_force_exit(reap->child);
	return G_SOURCE_REMOVE;
}

static void launcher_rdp_reaped(GObject *src, GAsyncResult *res, gpointer user_data)
{
	LauncherRdpReap *reap = user_data;

	g_subprocess_wait_finish(G_SUBPROCESS(src), res, NULL);
	g_clear_handle_id(&reap->kill_id, g_source_remove);
	g_object_unref(reap->child);
	g_free(reap);
}

static void launcher_rdp_disconnect(LauncherRdp *r)
{
	g_clear_handle_id(&r->timeout, g_source_remove);
	g_clear_handle_id(&r->pending, g_source_remove);
	if (r->cancel) {
		g_cancellable_cancel(r->cancel);
		g_clear_object(&r->cancel);
	}
	g_clear_object(&r->out);
	if (r->child) {
		GSubprocess *child = g_steal_pointer(&r->child);

		/* Asked to stop, then killed if it lingers; reaped in the
		 * background so that the login screen does not wait. */
		if (!g_subprocess_get_identifier(child)) {
			g_object_unref(child);
		} else {
			LauncherRdpReap *reap = g_new0(LauncherRdpReap, 1);
			reap->child = child;
			g_subprocess_send_signal(child, SIGTERM);
			reap->kill_id =
			    g_timeout_add(RDP_KILL_GRACE_MS, launcher_rdp_kill_late, reap);
			g_subprocess_wait_async(child, NULL, launcher_rdp_reaped, reap);
		}
	}
	if (r->xid) {
		gdk_window_remove_filter(NULL, launcher_rdp_filter, r);
		r->xid = 0;
	}
	if (r->child_xid && r->top_xid) {
		/* The keyboard was xfreerdp's: give it back to the launcher's
		 * window, or the login screen would get no keys. */
		GdkDisplay *dpy = gdk_display_get_default();

		gdk_x11_display_error_trap_push(dpy);
		XSetInputFocus(GDK_DISPLAY_XDISPLAY(dpy), r->top_xid, RevertToParent, CurrentTime);
		gdk_x11_display_error_trap_pop_ignored(dpy);
	}
	r->child_xid = 0;
	if (r->area) {
		g_signal_handlers_disconnect_by_data(r->area, r);
		/* Its X window goes, and xfreerdp's inside it with it. */
		gtk_widget_destroy(r->area);
		g_clear_object(&r->area);
	}
	if (r->ca_file) {
		g_unlink(r->ca_file);
		g_clear_pointer(&r->ca_file, g_free);
	}
	g_clear_pointer(&r->login, launcher_rdp_login_free);
	r->opened = FALSE;
	r->done = FALSE;
}

/* ---- the viewer interface ---- */

static gpointer launcher_rdp_open(const struct broker_endpoint *ep,
				  const LauncherViewerOptions *opt,
				  const LauncherViewerCallbacks *cb, gpointer user_data,
				  GError **error)
{
	LauncherRdp *r = launcher_rdp_new(cb, user_data);

	if (!launcher_rdp_connect(r, ep, opt, error)) {
		launcher_rdp_close(r);
		return NULL;
	}
	return r;
}

const LauncherViewerOps launcher_rdp_viewer = {
    .name = "rdp",
    .sentences = TRUE,
    .open = launcher_rdp_open,
    .close = launcher_rdp_close,
    .focus = launcher_rdp_focus,
    .is_open = launcher_rdp_is_open,
};
