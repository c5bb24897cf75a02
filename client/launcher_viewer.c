/* The viewer interface: see launcher_viewer.h. The one place that maps a
 * protocol to its viewer. */
#include "launcher_viewer.h"

struct LauncherViewer {
	const LauncherViewerOps *ops;
	gpointer impl;
};

static const LauncherViewerOps *launcher_viewer_lookup(enum broker_protocol protocol)
{
	static const struct {
		enum broker_protocol protocol;
		const LauncherViewerOps *ops;
	} viewers[] = {
	    {BROKER_PROTO_SPICE, &launcher_spice_viewer},
	    {BROKER_PROTO_RDP, &launcher_rdp_viewer},
	    {BROKER_PROTO_VNC, &launcher_vnc_viewer},
	};

	for (size_t i = 0; i < G_N_ELEMENTS(viewers); i++)
		if (viewers[i].protocol == protocol)
			return viewers[i].ops;
	return NULL;
}

gboolean launcher_viewer_supports(enum broker_protocol protocol)
{
	return launcher_viewer_lookup(protocol) != NULL;
}

LauncherViewer *launcher_viewer_open(const struct broker_endpoint *ep,
				     const LauncherViewerOptions *opt,
				     const LauncherViewerCallbacks *cb, gpointer user_data,
				     GError **error)
{
	const LauncherViewerOps *ops = launcher_viewer_lookup(ep->protocol);
	LauncherViewer *v;
	gpointer impl;

	if (!ops) {
		g_set_error_literal(error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
				    "protocol not supported");
		return NULL;
	}
	impl = ops->open(ep, opt, cb, user_data, error);
	if (!impl)
		return NULL;
	v = g_new0(LauncherViewer, 1);
	v->ops = ops;
	v->impl = impl;
	return v;
}

void launcher_viewer_close(LauncherViewer *v)
{
	if (!v)
		return;
	v->ops->close(v->impl);
	g_free(v);
}

void launcher_viewer_focus(LauncherViewer *v)
{
	if (v && v->ops->focus)
		v->ops->focus(v->impl);
}

gboolean launcher_viewer_is_open(const LauncherViewer *v)
{
	return v && v->ops->is_open(v->impl);
}

gboolean launcher_viewer_sentences(const LauncherViewer *v)
{
	return v && v->ops->sentences;
}
