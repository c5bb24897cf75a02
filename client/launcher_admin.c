/* The admin diagnostics overlay (Ctrl+Alt+Shift+D): what the station
 * knows about itself, its broker, its state and its recent errors, and
 * the Reboot and Power off buttons. It lies over the current screen; the
 * session's state does not change while it shows. */
#include "launcher_session_internal.h"

#include <string.h>

#include "launcher_diag.h"
#include "launcher_kiosk.h"
#include "log.h"

void launcher_admin_opened(gpointer user_data)
{
	LauncherSession *s = user_data;
	g_autofree char *identity = NULL, *broker = NULL, *errors = NULL, *network = NULL;
	g_autofree char *versions = NULL, *config = NULL;
	LauncherAdminView v;

	launcher_session_broker_discover(s);
	identity = g_strdup_printf(
	    "MAC %s (from %s), interface %s, link %s\nIP %s\nHost name %s "
	    "(%s)\nMapping: %s",
	    s->id.mac[0] ? s->id.mac : "unknown", s->id.mac_source,
	    s->id.ifname[0] ? s->id.ifname : "none", s->id.carrier ? "up" : "down",
	    s->id.ip[0] ? s->id.ip : "none", s->id.hostname[0] ? s->id.hostname : "(none)",
	    s->id.hostname_source,
	    s->have_policy ? (s->station_name ? s->station_name : "(unnamed)") : "not known yet");
	broker = g_strdup_printf("%s\nCA %s%s\nSession reports waiting: %u",
				 launcher_broker_url(s->broker) ? launcher_broker_url(s->broker)
								: "(none)",
				 s->cfg->ca ? s->cfg->ca : "(system store)",
				 s->cfg->insecure ? "\nInsecure mode: plain http:// allowed" : "",
				 launcher_report_pending(s->report));
	errors = launcher_diag_errors_text();
	network = launcher_diag_network_text(s->cfg->sysroot);
	versions = launcher_diag_versions_text();
	config = launcher_config_describe(s->cfg);
	v.identity = identity;
	v.broker = broker;
	v.state = launcher_status_line(s->status);
	v.errors = errors;
	v.network = network;
	v.versions = versions;
	v.config = config;
	log_event(LOG_INFO, "admin", "action", "open", NULL);
	launcher_ui_show_admin(s->ui, &v);
}

void launcher_admin_closed(gpointer user_data)
{
	log_event(LOG_INFO, "admin", "action", "close", NULL);
}

void launcher_admin_action(gpointer user_data, const char *action)
{
	LauncherSession *s = user_data;
	const char *cmd = strcmp(action, "reboot") == 0 ? s->cfg->reboot_cmd : s->cfg->poweroff_cmd;
	g_autoptr(GError) error = NULL;

	log_event(LOG_INFO, "admin", "action", action, "command", cmd, NULL);
	if (!cmd || !launcher_kiosk_run(cmd, &error)) {
		g_autofree char *text =
		    g_strdup_printf("%s failed: %s", action, error ? error->message : "no command");
		launcher_diag_error("%s", text);
		launcher_ui_notice(s->ui, text);
	}
}
