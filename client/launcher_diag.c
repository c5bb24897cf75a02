/* Diagnostics texts: see launcher_diag.h. */
#include "launcher_diag.h"

#include <curl/curl.h>
#include <gtk/gtk.h>
#include <json-c/json.h>
#include <spice-client.h>
#include <sys/utsname.h>

#include "launcher_identity.h"

#ifndef VDI_VERSION
#define VDI_VERSION "dev"
#endif

/* Only the main thread records errors (the broker's worker threads report
 * through their tasks), so the ring needs no lock. */
static char *diag_ring[LAUNCHER_DIAG_ERRORS];
static unsigned diag_next;

void launcher_diag_error(const char *fmt, ...)
{
	g_autoptr(GDateTime) now = g_date_time_new_now_local();
	g_autofree char *stamp = g_date_time_format(now, "%H:%M:%S");
	g_autofree char *text = NULL;
	va_list ap;

	va_start(ap, fmt);
	text = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	g_free(diag_ring[diag_next]);
	diag_ring[diag_next] = g_strdup_printf("%s  %s", stamp, text);
	diag_next = (diag_next + 1) % LAUNCHER_DIAG_ERRORS;
}

char *launcher_diag_errors_text(void)
{
	GString *s = g_string_new(NULL);

	for (unsigned i = 0; i < LAUNCHER_DIAG_ERRORS; i++) {
		unsigned k = (diag_next + LAUNCHER_DIAG_ERRORS - 1 - i) % LAUNCHER_DIAG_ERRORS;
		if (!diag_ring[k])
			continue;
		if (s->len)
			g_string_append_c(s, '\n');
		g_string_append(s, diag_ring[k]);
	}
	if (!s->len)
		g_string_append(s, "none");
	return g_string_free(s, FALSE);
}

void launcher_diag_reset(void)
{
	for (unsigned i = 0; i < LAUNCHER_DIAG_ERRORS; i++)
		g_clear_pointer(&diag_ring[i], g_free);
	diag_next = 0;
}

char *launcher_diag_network_text(const char *root)
{
	g_autoptr(GArray) ifs = launcher_identity_interfaces(root);
	GString *s = g_string_new(NULL);

	for (guint i = 0; i < ifs->len; i++) {
		const LauncherInterface *it = &g_array_index(ifs, LauncherInterface, i);
		g_autofree char *addrs = launcher_identity_addresses_of(it->name);

		if (it->loopback)
			continue;
		if (s->len)
			g_string_append_c(s, '\n');
		g_string_append_printf(
		    s, "%s  %s  %s, link %s%s  %s", it->name, it->mac[0] ? it->mac : "-",
		    it->operstate, it->carrier ? "up" : "down", it->physical ? "" : " (virtual)",
		    *addrs ? addrs : "no address");
	}
	if (!s->len)
		g_string_append(s, "no network interface");
	return g_string_free(s, FALSE);
}

char *launcher_diag_versions_text(void)
{
	struct utsname u;
	g_autofree char *kernel = NULL;

	/* Not curl_version(): it asks every library libcurl links for its
	 * version, libldap and librtmp included, and the station image carries
	 * aborting stand-ins for those (initramfs/codec-stubs.list). The
	 * version block names only what was compiled in. */
	const curl_version_info_data *cv = curl_version_info(CURLVERSION_NOW);

	if (uname(&u) == 0)
		kernel = g_strdup_printf("%s %s", u.sysname, u.release);
	return g_strdup_printf(
	    "launcher %s\nGTK %u.%u.%u\nspice-gtk %s\nlibcurl %s%s%s\njson-c %s\nkernel %s",
	    VDI_VERSION, gtk_get_major_version(), gtk_get_minor_version(), gtk_get_micro_version(),
	    spice_util_get_version_string(), cv->version, cv->ssl_version ? " " : "",
	    cv->ssl_version ? cv->ssl_version : "", json_c_version(), kernel ? kernel : "unknown");
}
