/* The table of stations-file keys: see stations_keys.h.
 *
 * Adding a key is one row here plus its behaviour:
 *   1. its name in enum st_key (stations.h), where the code refers to it;
 *   2. its row in st_keys[] below: type, limits (named constants), default,
 *      scopes, inheritance, check, policy field if the station gets it,
 *      help, and its docs/configuration.md row;
 *   3. what it does (the config builder, the broker, the station);
 *   4. `stationctl keys --markdown mapping` (or `pool`) prints the key
 *      table for docs/configuration.md; tests/stationctl/test-keys-doc.sh
 *      fails until the committed one is the same.
 * Parsing, validation, `stationctl keys` and the help of add and set, and
 * the broker's reply policy then take it from the row; the unit tests
 * (tests/unit/test_stations_keys.c) check that it has help, that its
 * default passes its own check and that its limits are enforced. */
#include "stations_keys.h"
#include "stations_internal.h"
#include "usb_filter.h"

#include <stdarg.h>
#include <string.h>

#define ST_STR_(x) #x
#define ST_STR(x)  ST_STR_(x)

static const char *const st_protocols[] = {"spice", "rdp", "vnc", NULL};
static const char *const st_logins[] = {"none", "broker", NULL};
static const char *const st_methods[] = {"get", "post", NULL};
static const char *const st_domain_passwords[] = {"one-time", "none", NULL};
static const char *const st_desktop_froms[] = {"station", "user", NULL};

/* Where a key may be written: everywhere a mapping is, only in a station
 * section, or only in a pool's. A [desktop:NAME] section takes what a
 * mapping takes but what only the station decides (STATION_ONLY). */
#define MAPPING	     ST_SCOPE_STATION | ST_SCOPE_GROUP | ST_SCOPE_DESKTOP
#define MAPPING_POOL ST_SCOPE_STATION | ST_SCOPE_GROUP | ST_SCOPE_DESKTOP | ST_SCOPE_POOL
#define STATION_ONLY ST_SCOPE_STATION | ST_SCOPE_GROUP

#define FROM_STATIONS_DIR "relative to the stations file's folder"

static const struct st_keydef st_keys[ST_KEY__COUNT] = {
    [ST_KEY_NAME] =
	{
	    .name = "name",
	    .type = ST_TYPE_TEXT,
	    .scopes = MAPPING,
	    .inherit = ST_INHERIT_GROUP,
	    .max = ST_NAME_MAX,
	    .check = st_check_clean_text,
	    .help = "the station's display name on the login screen",
	    .doc = {.meaning = "the station's display name on the login screen"},
	},
    [ST_KEY_GROUP] =
	{
	    .name = "group",
	    .type = ST_TYPE_NAME,
	    .scopes = ST_SCOPE_STATION,
	    .inherit = ST_INHERIT_NONE,
	    .max = ST_GROUP_NAME_MAX,
	    .check = st_check_group_name,
	    .help = "inherit every key not set here from [group:NAME]",
	    .doc = {.values = "a group name (`A-Z a-z 0-9 . _ -`)",
		    .meaning = "inherit from `[group:NAME]`, which must exist"},
	},
    [ST_KEY_PROTOCOL] =
	{
	    .name = "protocol",
	    .type = ST_TYPE_ENUM,
	    .scopes = MAPPING_POOL,
	    .inherit = ST_INHERIT_GROUP,
	    .choices = st_protocols,
	    .def = "spice",
	    .builtin = true,
	    .check = st_check_enum,
	    .help = "protocol of the primary desktop",
	    .doc = {.meaning = "protocol of the primary desktop endpoint"},
	    .pool_doc = {.values = "`spice`, `vnc`", .meaning = "the display stations get"},
	},
    [ST_KEY_HOST] =
	{
	    .name = "host",
	    .type = ST_TYPE_HOST,
	    .scopes = MAPPING,
	    .inherit = ST_INHERIT_GROUP,
	    .max = HOSTNAME_MAX,
	    .check = st_check_host,
	    .help = "the desktop server",
	    .doc = {.def = "(required unless in maintenance, or set `connection_file` / "
			   "`connection_url` instead)",
		    .meaning = "desktop server"},
	},
    [ST_KEY_PORT] =
	{
	    .name = "port",
	    .type = ST_TYPE_PORT,
	    .scopes = MAPPING,
	    .inherit = ST_INHERIT_GROUP,
	    .min = ST_PORT_MIN,
	    .max = ST_PORT_MAX,
	    .check = st_check_port,
	    .help = "the desktop's plain port",
	    .doc = {.def = "rdp 3389, vnc 5900; spice: required unless `tls_port` is set",
		    .meaning = "plain port"},
	},
    [ST_KEY_TLS_PORT] =
	{
	    .name = "tls_port",
	    .type = ST_TYPE_PORT,
	    .scopes = MAPPING,
	    .inherit = ST_INHERIT_GROUP,
	    .min = ST_PORT_MIN,
	    .max = ST_PORT_MAX,
	    .check = st_check_port,
	    .help = "the desktop's TLS port (SPICE)",
	    .doc = {.meaning = "TLS port (SPICE)"},
	},
    [ST_KEY_PASSWORD] =
	{
	    .name = "password",
	    .type = ST_TYPE_TEXT,
	    .scopes = MAPPING,
	    .inherit = ST_INHERIT_GROUP,
	    .max = ST_PASSWORD_MAX,
	    .secret = true,
	    .help = "desktop (graphics) password handed to the station",
	    .doc = {.meaning = "desktop (graphics) password handed to the station"},
	},
    [ST_KEY_CA] =
	{
	    .name = "ca",
	    .type = ST_TYPE_PATH,
	    .scopes = MAPPING,
	    .inherit = ST_INHERIT_GROUP,
	    .max = ST_CA_PATH_MAX,
	    .help = "PEM file of the CA of the desktop's TLS (of connection_url's server)",
	    .doc = {.values = "path to a PEM file, " FROM_STATIONS_DIR,
		    .meaning = "CA certificate for the desktop's TLS; its text is sent to the "
			       "station"},
	},
    [ST_KEY_HOST_SUBJECT] =
	{
	    .name = "host_subject",
	    .type = ST_TYPE_TEXT,
	    .scopes = MAPPING,
	    .inherit = ST_INHERIT_GROUP,
	    .max = ST_HOST_SUBJECT_MAX,
	    .help = "expected TLS subject of the desktop server (SPICE)",
	    .doc = {.meaning = "expected TLS subject of the desktop server (SPICE)"},
	},
    [ST_KEY_PROXY] =
	{
	    .name = "proxy",
	    .type = ST_TYPE_URL,
	    .scopes = MAPPING,
	    .inherit = ST_INHERIT_GROUP,
	    .max = ST_PROXY_MAX,
	    .check = st_check_proxy,
	    .help = "HTTP CONNECT proxy the station uses to reach the desktop",
	    .doc = {.values = "`http://host:port` or `https://…`",
		    .meaning = "HTTP CONNECT proxy the station uses to reach the desktop"},
	},
    [ST_KEY_FALLBACK] =
	{
	    .name = "fallback",
	    .type = ST_TYPE_ENDPOINT,
	    .scopes = MAPPING,
	    .inherit = ST_INHERIT_LIST,
	    .max_lines = ST_FALLBACK_MAX,
	    .check = st_check_endpoint,
	    .help = "an endpoint (proto://host:port) tried if those before it fail",
	    .doc = {.values = "`spice://host:port`, `rdp://host[:port]`, `vnc://host[:port]`; "
			      "`[v6addr]` in brackets",
		    .meaning = "an endpoint tried if those before it fail, in file order"},
	},
    [ST_KEY_LOGIN] =
	{
	    .name = "login",
	    .type = ST_TYPE_ENUM,
	    .scopes = STATION_ONLY,
	    .inherit = ST_INHERIT_GROUP,
	    .choices = st_logins,
	    .def = "none",
	    .builtin = true,
	    .check = st_check_enum,
	    .policy = "login",
	    .policy_pos = 1,
	    .help = "broker: users log in at the station before they get the desktop",
	    .doc = {.meaning = "`broker`: the station asks for a user name and password, "
			       "checked by the broker against its users file, before it gets "
			       "the desktop"},
	},
    [ST_KEY_AUTOCONNECT] =
	{
	    .name = "autoconnect",
	    .type = ST_TYPE_BOOL,
	    .scopes = STATION_ONLY,
	    .inherit = ST_INHERIT_GROUP,
	    .def = "no",
	    .builtin = true,
	    .check = st_check_bool,
	    .policy = "autoconnect",
	    .policy_pos = 2,
	    .help = "connect without waiting for the user to press Connect",
	    .doc = {.meaning = "connect without waiting for the user to press Connect"},
	},
    [ST_KEY_USB_REDIRECT] =
	{
	    .name = "usb_redirect",
	    .type = ST_TYPE_USB_FILTER,
	    .scopes = MAPPING,
	    .inherit = ST_INHERIT_GROUP,
	    .max = ST_USB_FILTER_MAX,
	    .def = ST_USB_REDIRECT_DEFAULT,
	    .builtin = true,
	    .check = st_check_usb_filter,
	    .policy = "usb.auto_redirect",
	    .policy_pos = 4,
	    .help = "USB devices redirected automatically when plugged in",
	    .doc = {.def = "storage, still-image and video classes; never HID",
		    .meaning = "devices redirected automatically when plugged in"},
	},
    [ST_KEY_USB_DENY] =
	{
	    .name = "usb_deny",
	    .type = ST_TYPE_USB_FILTER,
	    .scopes = MAPPING,
	    .inherit = ST_INHERIT_GROUP,
	    .max = ST_USB_FILTER_MAX,
	    .def = ST_USB_DENY_DEFAULT,
	    .builtin = true,
	    .check = st_check_usb_filter,
	    .policy = "usb.deny",
	    .policy_pos = 5,
	    .help = "USB devices that may never be redirected",
	    .doc = {.def = "HID (keyboards, mice) denied, the rest allowed",
		    .meaning = "devices that may never be redirected"},
	},
    [ST_KEY_MAINTENANCE] =
	{
	    .name = "maintenance",
	    .type = ST_TYPE_BOOL,
	    .scopes = MAPPING_POOL,
	    .inherit = ST_INHERIT_GROUP,
	    .def = "no",
	    .builtin = true,
	    .check = st_check_bool,
	    .help = "show the maintenance screen instead of connecting",
	    .doc = {.meaning = "the station shows the maintenance screen instead of connecting"},
	    .pool_doc = {.meaning = "every station of the pool gets the maintenance screen; no "
				    "new VMs are made, ready ones wait"},
	},
    [ST_KEY_MESSAGE] =
	{
	    .name = "message",
	    .type = ST_TYPE_TEXT,
	    .scopes = MAPPING_POOL,
	    .inherit = ST_INHERIT_GROUP,
	    .max = ST_MESSAGE_MAX,
	    .multiline = true,
	    .policy = "screen_text",
	    .policy_pos = 6,
	    .help = "text on the login screen; in maintenance, the maintenance notice",
	    .doc = {.meaning = "shown on the login screen; in maintenance, shown as the "
			       "maintenance notice"},
	    .pool_doc = {.meaning = "the maintenance screen's message for the pool's stations"},
	},
    [ST_KEY_WAIT_READY] =
	{
	    .name = "wait_ready",
	    .type = ST_TYPE_BOOL,
	    .scopes = MAPPING,
	    .inherit = ST_INHERIT_GROUP,
	    .def = "no",
	    .builtin = true,
	    .check = st_check_bool,
	    .help = "answer \"starting\" until the desktop accepts connections",
	    .doc =
		{.meaning =
		     "for desktops that are not always up (started by a schedule, by hand, "
		     "or booting): the broker tries a TCP connection to the primary endpoint "
		     "(`port`, else `tls_port`) before it answers, and while nothing accepts "
		     "it answers `starting` (`retry_after` 2 s) instead of `ready`; the "
		     "station shows \"Starting your desktop\" and asks again. The result is "
		     "kept for one second and shared by every station of that desktop, so a "
		     "room polling a booting desktop costs one connection attempt per "
		     "second. With `login = broker` the check is made after a good login. "
		     "Maintenance wins over it."},
	},
    [ST_KEY_SSO] =
	{
	    .name = "sso",
	    .type = ST_TYPE_BOOL,
	    .scopes = MAPPING,
	    .inherit = ST_INHERIT_GROUP,
	    .def = "no",
	    .builtin = true,
	    .check = st_check_bool,
	    .policy = "sso",
	    .policy_pos = 3,
	    .help = "pass the broker login on to the RDP desktop (single sign-on)",
	    .doc =
		{.meaning =
		     "single sign-on for RDP: with `login = broker`, the user name and "
		     "password typed at the station are passed on to the RDP desktop, so the "
		     "user logs in once. They go to xfreerdp through a pipe, never on a "
		     "command line. Only set it for desktop servers that should see the "
		     "password (the desktop checks it against its own accounts)"},
	},
    [ST_KEY_CONNECTION_FILE] =
	{
	    .name = "connection_file",
	    .type = ST_TYPE_PATH,
	    .scopes = MAPPING,
	    .inherit = ST_INHERIT_GROUP,
	    .max = ST_PATH_MAX,
	    .help = "a virt-viewer (.vv) file naming the desktop, instead of host",
	    .doc =
		{.values = "path to a virt-viewer connection file (`.vv`), " FROM_STATIONS_DIR,
		 .meaning = "instead of `host`/`protocol`: the broker reads the file at every "
			    "lookup (such files carry tickets that live for seconds) and hands its "
			    "text to the station, which connects to the desktop it names; see "
			    "\"Connection files\" in [launcher.md](launcher.md). A missing, "
			    "unreadable, oversized (> 64 KiB) or invalid file makes the lookup "
			    "answer `error` with the reason, and the broker logs "
			    "`event=connection_file` with the file and the reason"},
	},
    [ST_KEY_CONNECTION_URL] =
	{
	    .name = "connection_url",
	    .type = ST_TYPE_URL,
	    .scopes = MAPPING,
	    .inherit = ST_INHERIT_GROUP,
	    .max = ST_URL_MAX,
	    .check = st_check_connection_url,
	    .help = "an https:// URL answering a .vv file, instead of host",
	    .doc =
		{.values = "`https://…` URL (`http://` only to `127.0.0.1`, `::1` or "
			   "`localhost`; no `user@`)",
		 .meaning =
		     "instead of `host`/`protocol`: the broker fetches the connection file "
		     "from this URL at every lookup: 5 s time-out, redirects not followed, "
		     "at most 64 KiB, then checked like `connection_file`. A non-2xx answer, "
		     "a time-out or an invalid file makes the lookup answer `error` with the "
		     "reason. Fetches run on four threads of their own, never on those that "
		     "answer lookups; stations asking for the same URL at the same time "
		     "share one fetch, and a URL that failed is answered with the same error "
		     "for 10 s without being fetched again. The server's certificate must "
		     "chain to the system's CA store, or to `ca` when the mapping sets it "
		     "(with `connection_url`, `ca` is the URL server's CA: the desktop's own "
		     "comes in the file)"},
	},
    [ST_KEY_CONNECTION_AUTH] =
	{
	    .name = "connection_auth",
	    .type = ST_TYPE_PATH,
	    .scopes = MAPPING,
	    .inherit = ST_INHERIT_GROUP,
	    .max = ST_PATH_MAX,
	    .help = "file whose first line is connection_url's Authorization header",
	    .doc =
		{.values = "path to a file, " FROM_STATIONS_DIR,
		 .meaning =
		     "with `connection_url`: the first line of this file is sent as the "
		     "`Authorization:` header (a Proxmox API token is "
		     "`PVEAPIToken=user@pve!tokenid=uuid`). Read at each fetch, so a rotated "
		     "token needs no reload; keep the file readable by the broker only"},
	},
    [ST_KEY_CONNECTION_METHOD] =
	{
	    .name = "connection_method",
	    .type = ST_TYPE_ENUM,
	    .scopes = MAPPING,
	    .inherit = ST_INHERIT_GROUP,
	    .choices = st_methods,
	    .def = "get",
	    .builtin = true,
	    .check = st_check_enum,
	    .help = "HTTP method for connection_url",
	    .doc = {.meaning = "with `connection_url`: the HTTP method (some managers hand out "
			       "tickets only on POST)"},
	},
    [ST_KEY_LIBVIRT_URI] =
	{
	    .name = "libvirt_uri",
	    .type = ST_TYPE_URL,
	    .scopes = MAPPING_POOL,
	    .inherit = ST_INHERIT_GROUP,
	    .max = ST_LIBVIRT_URI_MAX,
	    .def = ST_LIBVIRT_URI_DEFAULT,
	    .check = st_check_libvirt_uri,
	    .help = "the libvirt connection where domain (or the pool's VMs) is",
	    .doc = {.values = "a libvirt connection URI (`qemu:///system`, "
			      "`qemu+ssh://kvm1/system`, …)",
		    .meaning = "where `domain` is; only read for mappings with a `domain`"},
	    .pool_doc = {.meaning = "where the pool's VMs run"},
	},
    [ST_KEY_DOMAIN] =
	{
	    .name = "domain",
	    .type = ST_TYPE_NAME,
	    .scopes = MAPPING,
	    .inherit = ST_INHERIT_GROUP,
	    .max = ST_DOMAIN_MAX,
	    .check = st_check_domain_name,
	    .help = "a libvirt domain as the desktop, instead of host and port",
	    .doc = {.values = "a libvirt domain name (`A-Z a-z 0-9 . _ + -`)",
		    .meaning = "the desktop is this libvirt domain, instead of `host` and "
			       "`port`: see [Desktops that are libvirt "
			       "domains](#desktops-that-are-libvirt-domains)"},
	},
    [ST_KEY_DOMAIN_PASSWORD] =
	{
	    .name = "domain_password",
	    .type = ST_TYPE_ENUM,
	    .scopes = MAPPING,
	    .inherit = ST_INHERIT_GROUP,
	    .choices = st_domain_passwords,
	    .def = "one-time",
	    .check = st_check_enum,
	    .help = "one-time: a new graphics password for domain at every answer",
	    .doc =
		{.meaning = "`one-time`: for every `ready` answer the broker sets a new random "
			    "graphics password on the running domain, valid for 60 seconds, and "
			    "hands it to the station; `none`: no password is set or sent (only for "
			    "desktops whose display is protected otherwise)"},
	},
    [ST_KEY_DISPLAY_HOST] =
	{
	    .name = "display_host",
	    .type = ST_TYPE_HOST,
	    .scopes = MAPPING_POOL,
	    .inherit = ST_INHERIT_GROUP,
	    .max = HOSTNAME_MAX,
	    .check = st_check_host,
	    .help = "the address stations reach a domain's (a pool VM's) display at",
	    .doc = {.def = "(the domain's graphics listen address)",
		    .meaning = "with `domain`: the address stations are given for its display, "
			       "when the XML's is not one they can reach; see [Desktops that "
			       "are libvirt domains](#desktops-that-are-libvirt-domains)"},
	    .pool_doc = {.def = "(the VM's graphics listen address, as for `domain`)",
			 .meaning = "the address stations are given for the VMs' displays (see "
				    "`display_host` above)"},
	},
    [ST_KEY_POOL] =
	{
	    .name = "pool",
	    .type = ST_TYPE_NAME,
	    .scopes = MAPPING,
	    .inherit = ST_INHERIT_GROUP,
	    .max = ST_GROUP_NAME_MAX,
	    .check = st_check_pool_name,
	    .help = "a one-time desktop from [pool:NAME]",
	    .doc = {.values = "a pool name (`A-Z a-z 0-9 . _ -`, not starting with `.`)",
		    .meaning = "the station's desktop is a one-time VM from `[pool:NAME]`, "
			       "which must exist; instead of `host`, `domain` or a connection "
			       "file (see [Pools of one-time "
			       "desktops](#pools-of-one-time-desktops))"},
	},
    [ST_KEY_TEMPLATE] =
	{
	    .name = "template",
	    .type = ST_TYPE_PATH,
	    .scopes = ST_SCOPE_POOL,
	    .required = ST_SCOPE_POOL,
	    .inherit = ST_INHERIT_NONE,
	    .max = ST_PATH_MAX,
	    .check = st_check_pool_path,
	    .help = "the domain XML template of the pool's VMs",
	    .doc = {.meaning = "domain XML template, read each time a VM is made (see below)"},
	},
    [ST_KEY_BASE_IMAGE] =
	{
	    .name = "base_image",
	    .type = ST_TYPE_PATH,
	    .scopes = ST_SCOPE_POOL,
	    .required = ST_SCOPE_POOL,
	    .inherit = ST_INHERIT_NONE,
	    .max = ST_PATH_MAX,
	    .check = st_check_pool_path,
	    .help = "the qcow2 image the VMs' overlays are backed by",
	    .doc = {.meaning = "the qcow2 image every overlay is backed by; the VMs never write "
			       "to it"},
	},
    [ST_KEY_OVERLAY_DIR] =
	{
	    .name = "overlay_dir",
	    .type = ST_TYPE_PATH,
	    .scopes = ST_SCOPE_POOL,
	    .required = ST_SCOPE_POOL,
	    .inherit = ST_INHERIT_NONE,
	    .max = ST_PATH_MAX,
	    .check = st_check_pool_path,
	    .help = "the folder the VMs' overlays go to",
	    .doc = {.meaning = "where overlays go, as `NAME-N.qcow2`; created files are owned "
			       "like the folder"},
	},
    [ST_KEY_SIZE] =
	{
	    .name = "size",
	    .type = ST_TYPE_INT,
	    .scopes = ST_SCOPE_POOL,
	    .inherit = ST_INHERIT_NONE,
	    .min = 0,
	    .max = ST_POOL_MAX_VMS,
	    .def = ST_STR(ST_POOL_SIZE_DEFAULT),
	    .check = st_check_number,
	    .help = "clean VMs kept ready; 0 drains the pool",
	    .doc = {.meaning = "clean VMs kept ready; 0 drains the pool (no new VMs; ready ones "
			       "are destroyed)"},
	},
    [ST_KEY_MAX] =
	{
	    .name = "max",
	    .type = ST_TYPE_INT,
	    .scopes = ST_SCOPE_POOL,
	    .inherit = ST_INHERIT_NONE,
	    .min = 1,
	    .max = ST_POOL_MAX_VMS,
	    .check = st_check_number,
	    .help = "VMs in all, handed-out ones included; not below size",
	    .doc = {.def = "`size` (1 if `size` is 0)",
		    .meaning = "VMs in all, handed-out ones included; not below `size`"},
	},
    [ST_KEY_IDLE_TIMEOUT] =
	{
	    .name = "idle_timeout",
	    .type = ST_TYPE_DURATION,
	    .scopes = ST_SCOPE_POOL,
	    .inherit = ST_INHERIT_NONE,
	    .min = ST_POOL_IDLE_MIN,
	    .max = ST_POOL_IDLE_MAX,
	    .def = ST_STR(ST_POOL_IDLE_DEFAULT),
	    .check = st_check_number,
	    .help = "seconds a handed-out VM may wait for a viewer before it is destroyed",
	    .doc = {.meaning = "a handed-out VM no viewer has connected to for this long is "
			       "destroyed"},
	},
    [ST_KEY_PERSONAL] =
	{
	    .name = "personal",
	    .type = ST_TYPE_BOOL,
	    .scopes = ST_SCOPE_POOL,
	    .inherit = ST_INHERIT_NONE,
	    .def = "no",
	    .check = st_check_bool,
	    .help = "each user who logs in gets a persistent VM of their own",
	    .doc = {.meaning = "a pool of personal desktops: the first login of a user makes "
			       "that user's own VM (a persistent overlay, kept across sessions), "
			       "started at login and shut down after `idle_timeout` seconds with "
			       "no viewer. Needs `login = broker`. See [Personal "
			       "desktops](#personal-desktops)"},
	},
    [ST_KEY_RECONNECT_GRACE] =
	{
	    .name = "reconnect_grace",
	    .type = ST_TYPE_DURATION,
	    .scopes = ST_SCOPE_POOL,
	    .inherit = ST_INHERIT_NONE,
	    .min = 0,
	    .max = ST_POOL_GRACE_MAX,
	    .def = "0",
	    .check = st_check_number,
	    .help = "seconds a one-time VM outlives a viewer disconnect; 0: off",
	    .doc = {.meaning = "a one-time VM whose viewer disconnects is held this long for "
			       "the user who logged in (at any station of the pool) or, without "
			       "a login, for the station, then destroyed; a session end destroys "
			       "it at once; 0 is off. See [Reconnect after a "
			       "failure](#reconnect-after-a-failure)"},
	},
    [ST_KEY_MAX_SESSION] =
	{
	    .name = "max_session",
	    .type = ST_TYPE_DURATION,
	    .scopes = MAPPING_POOL,
	    .inherit = ST_INHERIT_GROUP,
	    .min = 0,
	    .max = ST_SESSION_MAX_MAX,
	    .check = st_check_number,
	    .policy = "session.max_seconds",
	    .policy_pos = 7,
	    .help = "seconds a desktop session may last; 0: no limit",
	    .doc =
		{.def = "(the pool's, else no limit)",
		 .meaning = "the longest a session may last: the station warns `limit_warning` "
			    "seconds before (\"Your session ends in 0:58\"), then ends the session "
			    "as a log-out does; 0 is no limit. See [Session "
			    "limits](#session-limits)"},
	    .pool_doc = {.def = "no limit",
			 .meaning = "`max_session` for the mappings of the pool that do not set "
				    "their own"},
	},
    [ST_KEY_IDLE_LOGOUT] =
	{
	    .name = "idle_logout",
	    .type = ST_TYPE_DURATION,
	    .scopes = MAPPING_POOL,
	    .inherit = ST_INHERIT_GROUP,
	    .min = 0,
	    .max = ST_SESSION_IDLE_MAX,
	    .check = st_check_number,
	    .policy = "session.idle_seconds",
	    .policy_pos = 8,
	    .help = "seconds without keyboard or mouse input before log-out; 0: never",
	    .doc = {.def = "(the pool's, else never)",
		    .meaning = "log the user out after this long without keyboard or mouse input "
			       "at the station (the X server's idle time); the warning comes "
			       "`limit_warning` seconds before, and any input cancels it; 0 is "
			       "never. See [Session limits](#session-limits)"},
	    .pool_doc = {.def = "never",
			 .meaning = "`idle_logout` for the mappings of the pool that do not set "
				    "their own"},
	},
    [ST_KEY_LIMIT_WARNING] =
	{
	    .name = "limit_warning",
	    .type = ST_TYPE_DURATION,
	    .scopes = MAPPING_POOL,
	    .inherit = ST_INHERIT_GROUP,
	    .min = ST_LIMIT_WARNING_MIN,
	    .max = ST_LIMIT_WARNING_MAX,
	    .def = ST_STR(ST_LIMIT_WARNING_DEFAULT),
	    .check = st_check_number,
	    .policy = "session.warning_seconds",
	    .policy_pos = 9,
	    .help = "seconds of warning before max_session or idle_logout ends a session",
	    .doc = {.def = "`60` (the pool's when it sets one)",
		    .meaning = "how long before `max_session` or `idle_logout` ends a session the "
			       "station shows its warning with a countdown"},
	    .pool_doc = {.def = "`60`",
			 .meaning = "`limit_warning` for the mappings of the pool that do not "
				    "set their own"},
	},
    [ST_KEY_DESKTOP_FROM] =
	{
	    .name = "desktop_from",
	    .type = ST_TYPE_ENUM,
	    .scopes = STATION_ONLY,
	    .inherit = ST_INHERIT_GROUP,
	    .choices = st_desktop_froms,
	    .def = "station",
	    .builtin = true,
	    .check = st_check_enum,
	    .help = "user: after the login, the user's desktops instead of the station's",
	    .doc = {.meaning = "`station`: the station's own desktop whoever logs in (a kiosk); "
			       "`user` (needs `login = broker`): the desktops of the user who "
			       "logs in, from `[user:NAME]` and `[usergroup:NAME]` (a hot desk); "
			       "see [Desktops chosen by the user](#desktops-chosen-by-the-user)"},
	},
    [ST_KEY_DESKTOPS] =
	{
	    .name = "desktops",
	    .type = ST_TYPE_TEXT,
	    .scopes = ST_SCOPE_USER,
	    .inherit = ST_INHERIT_NONE,
	    .max = ST_DESKTOPS_LEN_MAX,
	    .check = st_check_desktop_list,
	    .help = "the [desktop:NAME] sections this user or group gets, in order",
	    .doc = {.values = "desktop names separated by `,` (`A-Z a-z 0-9 . _ -`), up to "
			      "32",
		    .meaning = "the desktops, each a `[desktop:NAME]` section that must exist; "
			       "the first is the user's first choice"},
	},
};

const struct st_keydef *st_keydef(enum st_key key)
{
	return (unsigned)key < ST_KEY__COUNT ? &st_keys[key] : NULL;
}

bool st_value_bool(const char *v)
{
	bool b = false;

	if (v)
		st_bool_parse(v, &b);
	return b;
}

const char *st_key_type_name(enum st_key_type type)
{
	switch (type) {
	case ST_TYPE_TEXT:
		return "text";
	case ST_TYPE_NAME:
		return "name";
	case ST_TYPE_ENUM:
		return "enum";
	case ST_TYPE_BOOL:
		return "bool";
	case ST_TYPE_INT:
		return "int";
	case ST_TYPE_DURATION:
		return "duration";
	case ST_TYPE_PORT:
		return "port";
	case ST_TYPE_HOST:
		return "host";
	case ST_TYPE_URL:
		return "url";
	case ST_TYPE_ENDPOINT:
		return "endpoint";
	case ST_TYPE_PATH:
		return "path";
	case ST_TYPE_USB_FILTER:
		return "usb filter";
	}
	return "?";
}

/* Appends to out[*o..len). */
static void st_keys_put(char *out, size_t len, size_t *o, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void st_keys_put(char *out, size_t len, size_t *o, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (*o >= len)
		return;
	va_start(ap, fmt);
	n = vsnprintf(out + *o, len - *o, fmt, ap);
	va_end(ap);
	if (n > 0)
		*o += (size_t)n;
}

void st_keys_doc_values(const struct st_keydef *k, unsigned scope, char *out, size_t len)
{
	const char *given =
	    scope == ST_SCOPE_POOL && k->pool_doc.values ? k->pool_doc.values : k->doc.values;
	size_t o = 0;

	out[0] = '\0';
	switch (k->type) {
	case ST_TYPE_ENUM:
		if (given) {
			st_keys_put(out, len, &o, "%s", given);
			return;
		}
		for (size_t i = 0; k->choices[i]; i++)
			st_keys_put(out, len, &o, "%s`%s`", i ? ", " : "", k->choices[i]);
		return;
	case ST_TYPE_BOOL:
		st_keys_put(out, len, &o, "%s",
			    given ? given : "`yes`/`no` (`true`/`false`, `on`/`off`, `1`/`0`)");
		return;
	case ST_TYPE_INT:
	case ST_TYPE_PORT:
		st_keys_put(out, len, &o, "%ld–%ld", k->min, k->max);
		return;
	case ST_TYPE_DURATION:
		st_keys_put(out, len, &o, "%ld–%ld seconds", k->min, k->max);
		return;
	case ST_TYPE_TEXT:
		st_keys_put(out, len, &o, "%s", given ? given : "text");
		break;
	case ST_TYPE_NAME:
		st_keys_put(out, len, &o, "%s", given ? given : "a name");
		break;
	case ST_TYPE_HOST:
		st_keys_put(out, len, &o, "%s", given ? given : "host name or IP address");
		break;
	case ST_TYPE_URL:
		st_keys_put(out, len, &o, "%s", given ? given : "URL");
		break;
	case ST_TYPE_ENDPOINT:
		st_keys_put(out, len, &o, "%s", given ? given : "`protocol://host:port`");
		break;
	case ST_TYPE_PATH:
		st_keys_put(out, len, &o, "%s", given ? given : "path, " FROM_STATIONS_DIR);
		break;
	case ST_TYPE_USB_FILTER:
		st_keys_put(out, len, &o, "%s",
			    given ? given
				  : "usbredir filter (`class,vendor,product,version,allow` rules)");
		break;
	}
	if (k->max)
		st_keys_put(out, len, &o, ", up to %ld bytes", k->max);
	if (k->check == st_check_pool_path)
		st_keys_put(out, len, &o, "; no `,` `\"` `'` `<` `>` `&`");
	if (k->type == ST_TYPE_USB_FILTER)
		st_keys_put(out, len, &o, " and %d rules", USB_FILTER_MAX_RULES);
	if (k->multiline)
		st_keys_put(out, len, &o, "; `\\n` for line breaks");
	if (k->inherit == ST_INHERIT_LIST)
		st_keys_put(out, len, &o, "; repeatable, up to %u lines", k->max_lines);
}

/* The doc row's text for one scope: a pool's own when the row has one. */
static const char *st_keys_doc_text(const char *pool, const char *mapping, unsigned scope)
{
	return scope == ST_SCOPE_POOL && pool ? pool : mapping;
}

void st_keys_markdown(FILE *out, unsigned scope)
{
	fputs("| key | values | default | meaning |\n| --- | --- | --- | --- |\n", out);
	for (int i = 0; i < ST_KEY__COUNT; i++) {
		const struct st_keydef *k = &st_keys[i];
		const char *def = st_keys_doc_text(k->pool_doc.def, k->doc.def, scope);
		char values[512];

		if (!(k->scopes & scope))
			continue;
		st_keys_doc_values(k, scope, values, sizeof(values));
		fprintf(out, "| `%s` | %s | ", k->name, values);
		if (def)
			fputs(def, out);
		else if (k->required & scope)
			fputs("(required)", out);
		else if (k->def)
			fprintf(out, "`%s`", k->def);
		else
			fputs("(none)", out);
		fprintf(out, " | %s |\n",
			st_keys_doc_text(k->pool_doc.meaning, k->doc.meaning, scope));
	}
}
