/* USB redirection: see launcher_spice_usb.h. */
#include "launcher_spice_usb.h"

#include "launcher_spice_usb_notice.h"
#include "log.h"
#include "usb_filter.h"

struct LauncherSpiceUsb {
	SpiceSession *session;
	SpiceUsbDeviceManager *manager; /* owned by the session */
	LauncherSpiceUsbNotice notice;
	gpointer user_data;
	GHashTable *connected; /* descriptions of the redirected devices */
	guint watch;
};

char *launcher_spice_usb_effective_filter(const char *redirect_filter, const char *deny_filter)
{
	struct usb_filter redirect, deny, combined;
	char err[96], out[USB_FILTER_MAX_LEN + 1];

	if (usb_filter_parse(redirect_filter ? redirect_filter : LAUNCHER_USB_DEFAULT_REDIRECT,
			     &redirect, err, sizeof(err)) < 0 ||
	    usb_filter_parse(deny_filter ? deny_filter : LAUNCHER_USB_DEFAULT_DENY, &deny, err,
			     sizeof(err)) < 0 ||
	    usb_filter_combine(&deny, &redirect, &combined) < 0 ||
	    usb_filter_format(&combined, out, sizeof(out)) < 0)
		return NULL;
	return g_strdup(out);
}

/* The shared CD is a USB mass storage device (interface class 0x08) with
 * spice-gtk's own IDs. */
#define USB_CD_CLASS   0x08
#define USB_CD_VENDOR  0x2b23
#define USB_CD_PRODUCT 0xcdcd

static gboolean launcher_spice_usb_cd_allowed(const char *filter)
{
	struct usb_filter f;
	char err[96];

	return usb_filter_parse(filter, &f, err, sizeof(err)) == 0 &&
	       usb_filter_check(&f, USB_CD_CLASS, USB_CD_VENDOR, USB_CD_PRODUCT, -1, FALSE);
}

static char *usb_describe(SpiceUsbDevice *dev)
{
	/* "%s %s %s at %d-%d": manufacturer, product, vid:pid, bus, address */
	return spice_usb_device_get_description(dev, "%s %s (%s)");
}

/* The raw error (a path, libusb's or the ACL helper's words) goes to the
 * log only; the user gets one plain sentence naming the device. */
static void usb_failed(LauncherSpiceUsb *u, SpiceUsbDevice *dev, const GError *error)
{
	g_autofree char *desc = usb_describe(dev);
	g_autofree char *name = spice_usb_device_get_description(dev, "%s %s");
	g_autofree char *text = launcher_spice_usb_notice_text(name, error);

	/* No text: cancelled, the session is going away. */
	if (!text)
		return;
	log_event(LOG_WARN, "usb_failed", "device", desc, "error", error->message, NULL);
	u->notice(u->user_data, text);
}

static void usb_auto_connect_failed(SpiceUsbDeviceManager *m, SpiceUsbDevice *dev, GError *error,
				    gpointer user_data)
{
	usb_failed(user_data, dev, error);
}

static void usb_device_error(SpiceUsbDeviceManager *m, SpiceUsbDevice *dev, GError *error,
			     gpointer user_data)
{
	usb_failed(user_data, dev, error);
}

static void usb_device_added(SpiceUsbDeviceManager *m, SpiceUsbDevice *dev, gpointer user_data)
{
	g_autofree char *desc = usb_describe(dev);
	log_event(LOG_INFO, "usb_device", "event", "added", "device", desc, NULL);
}

static void usb_device_removed(SpiceUsbDeviceManager *m, SpiceUsbDevice *dev, gpointer user_data)
{
	g_autofree char *desc = usb_describe(dev);
	log_event(LOG_INFO, "usb_device", "event", "removed", "device", desc, NULL);
}

/* spice-gtk has no signal for a successful auto-connect: a slow poll of
 * the devices' state logs each device that reaches the desktop or leaves
 * it, which is what an admin reading the log wants to know. */
static gboolean usb_watch(gpointer user_data)
{
	LauncherSpiceUsb *u = user_data;
	GPtrArray *devs = spice_usb_device_manager_get_devices(u->manager);
	GHashTable *now = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	GHashTableIter it;
	gpointer key;

	for (guint i = 0; devs && i < devs->len; i++) {
		SpiceUsbDevice *dev = g_ptr_array_index(devs, i);
		if (spice_usb_device_manager_is_device_connected(u->manager, dev))
			g_hash_table_add(now, usb_describe(dev));
	}
	if (devs)
		g_ptr_array_unref(devs);
	g_hash_table_iter_init(&it, now);
	while (g_hash_table_iter_next(&it, &key, NULL))
		if (!g_hash_table_contains(u->connected, key))
			log_event(LOG_INFO, "usb_device", "event", "redirected", "device", key,
				  NULL);
	g_hash_table_iter_init(&it, u->connected);
	while (g_hash_table_iter_next(&it, &key, NULL))
		if (!g_hash_table_contains(now, key))
			log_event(LOG_INFO, "usb_device", "event", "released", "device", key, NULL);
	g_hash_table_unref(u->connected);
	u->connected = now;
	return G_SOURCE_CONTINUE;
}

static void usb_channel_new(SpiceSession *s, SpiceChannel *channel, gpointer user_data)
{
	int id = 0;
	char idtext[16];

	if (!SPICE_IS_USBREDIR_CHANNEL(channel))
		return;
	g_object_get(channel, "channel-id", &id, NULL);
	g_snprintf(idtext, sizeof(idtext), "%d", id);
	log_event(LOG_INFO, "usb_channel", "id", idtext, NULL);
}

LauncherSpiceUsb *launcher_spice_usb_new(SpiceSession *session, const char *redirect_filter,
					 const char *deny_filter, const char *share_cd,
					 LauncherSpiceUsbNotice notice, gpointer user_data,
					 GError **error)
{
	g_autofree char *filter = launcher_spice_usb_effective_filter(redirect_filter, deny_filter);
	SpiceUsbDeviceManager *manager;
	LauncherSpiceUsb *u;

	if (!filter) {
		g_set_error_literal(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
				    "the USB filters are malformed");
		return NULL;
	}
	manager = spice_usb_device_manager_get(session, error);
	if (!manager)
		return NULL;
	u = g_new0(LauncherSpiceUsb, 1);
	u->session = session;
	u->manager = manager;
	u->notice = notice;
	u->user_data = user_data;
	/* The same filter for devices present at the start and for devices
	 * plugged in later; auto-connect stays on whatever has the focus,
	 * since this window is the only one. */
	g_object_set(manager, "auto-connect-filter", filter, "redirect-on-connect", filter,
		     "auto-connect", TRUE, NULL);
	log_event(LOG_INFO, "usb_policy", "filter", filter, NULL);
	g_signal_connect(manager, "auto-connect-failed", G_CALLBACK(usb_auto_connect_failed), u);
	g_signal_connect(manager, "device-error", G_CALLBACK(usb_device_error), u);
	g_signal_connect(manager, "device-added", G_CALLBACK(usb_device_added), u);
	g_signal_connect(manager, "device-removed", G_CALLBACK(usb_device_removed), u);
	g_signal_connect(session, "channel-new", G_CALLBACK(usb_channel_new), u);
	u->connected = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	u->watch = g_timeout_add(500, usb_watch, u);
	if (share_cd && !launcher_spice_usb_cd_allowed(filter)) {
		/* spice-gtk always redirects a shared CD, whatever the
		 * filters: the policy is applied here instead. */
		log_event(LOG_WARN, "usb_denied", "device", "shared CD", "file", share_cd, NULL);
		notice(user_data, "The CD image is not shared: USB storage is not allowed on "
				  "this desktop.");
	} else if (share_cd) {
		g_autoptr(GError) cd_error = NULL;
		g_autofree char *name = g_strdup(share_cd);

		if (!spice_usb_device_manager_create_shared_cd_device(manager, name, &cd_error)) {
			/* The file's name and the error stay in the log. */
			log_event(LOG_WARN, "usb_share_cd", "file", share_cd, "error",
				  cd_error->message, NULL);
			notice(user_data, "The CD image could not be shared with the desktop.");
		} else {
			log_event(LOG_INFO, "usb_share_cd", "file", share_cd, NULL);
		}
	}
	return u;
}

void launcher_spice_usb_free(LauncherSpiceUsb *u)
{
	if (!u)
		return;
	g_clear_handle_id(&u->watch, g_source_remove);
	g_hash_table_unref(u->connected);
	g_signal_handlers_disconnect_by_data(u->manager, u);
	g_signal_handlers_disconnect_by_data(u->session, u);
	g_free(u);
}
