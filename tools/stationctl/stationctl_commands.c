/* The command table and every help text. The stations-file keys in the
 * help of add, set and adopt, and `stationctl keys`, come from the key
 * table (stations_keys.c). */
#include "stationctl_commands.h"

#include <getopt.h>
#include <string.h>

#include "stations_keys.h"
#include "stationctl_util.h"

static int stationctl_commands_keys_main(const struct stationctl_ctx *ctx, int argc, char **argv);

#define STATIONCTL_MATCH_HELP                                                                      \
	"MATCH is a MAC (52:54:00:12:34:56), an IP (10.0.0.7), a CIDR (10.1.0.0/16),\n"            \
	"a host name glob (lab-*), default, or group:NAME for a group.\n"

static const struct stationctl_command stationctl_commands[] = {
    {"list", "[--no-header]", "one line per section: stations and groups",
     "Prints one line per section of the stations file, in file order, with the\n"
     "columns MATCH KIND GROUP ENDPOINT MAINT LINE NAME. ENDPOINT is the effective\n"
     "primary endpoint (protocol://host:port); MAINT is yes or no. Empty cells\n"
     "print as '-'; NAME, the only column that may contain blanks, comes last.\n"
     "\n"
     "  -H, --no-header   leave out the header line\n",
     stationctl_list_main, 0},
    {"show", "MATCH | --resolve ID...", "effective settings of a section and their origin",
     "Prints the effective settings of the section MATCH, each with where it came\n"
     "from: the section itself, its group, or the built-in default, with the line\n"
     "number, followed by the endpoints in the order the station tries them.\n"
     "\n"
     "With --resolve, the arguments are a station's identity (a MAC, an IP and/or a\n"
     "host name, in any order) and show prints the section that wins for it.\n"
     "\n"
     "  -r, --resolve      resolve a station identity instead of naming a section\n"
     "  -s, --show-secrets print passwords instead of ********\n"
     "\n" STATIONCTL_MATCH_HELP,
     stationctl_show_main, 0},
    {"explain", "--user USER [--groups G,...] STATION", "what a user gets at a station, and why",
     "Prints the desktops USER gets after logging in at STATION, in the order the\n"
     "broker offers them, each with the [user:NAME] or [usergroup:NAME] section and\n"
     "the line that gave it; or, at a station with desktop_from = station, its own\n"
     "desktop, with the line that decided that. It asks the same code the broker\n"
     "answers logins with. STATION is a station section's MATCH, or a MAC, an IP or\n"
     "a host name that the broker would match to one.\n"
     "\n"
     "  -u, --user USER      the user name as typed at the login (case does not\n"
     "                       matter)\n"
     "  -g, --groups G,...   the user's directory groups, as the directory names\n"
     "                       them (the users file gives none)\n",
     stationctl_explain_main, 0},
    {"add", "MATCH key=value...", "add a section",
     "Adds the section MATCH with the given keys at the end of the file. Fails if\n"
     "the section exists (use set). The result is validated as a whole before it\n"
     "replaces the file; the previous version is kept as FILE.prev.\n"
     "\n"
     "  -n, --dry-run   validate the change; write nothing\n"
     "\n" STATIONCTL_MATCH_HELP,
     stationctl_edit_add_main, ST_SCOPE_MAPPING},
    {"set", "MATCH key=value...", "change keys of a section",
     "Changes keys of the existing section MATCH in place; every other line and\n"
     "comment stays as it is. key= (empty value) removes the key. fallback=...\n"
     "values given together replace all fallback lines of the section.\n"
     "\n"
     "  -n, --dry-run   validate the change; write nothing\n"
     "\n" STATIONCTL_MATCH_HELP,
     stationctl_edit_set_main, ST_SCOPE_MAPPING},
    {"del", "MATCH", "remove a section",
     "Removes the section MATCH together with the comment lines attached to it.\n"
     "A group that stations still use cannot be removed.\n"
     "\n"
     "  -n, --dry-run   validate the change; write nothing\n"
     "\n" STATIONCTL_MATCH_HELP,
     stationctl_edit_del_main, 0},
    {"revert", "", "go back to the version before the last edit",
     "Replaces the stations file with FILE.prev, the version before the last edit.\n"
     "The current version becomes the new FILE.prev, so running revert twice\n"
     "gets back to where you started. FILE.prev must be valid.\n",
     stationctl_revert_main, 0},
    {"check", "[FILE]", "validate the stations file",
     "Validates the stations file (or FILE) completely: syntax, keys, values,\n"
     "groups, ca files. Prints every problem as file:line: message on stderr and\n"
     "exits 1 if there is any; otherwise prints a one-line summary.\n"
     "\n"
     "  -q, --quiet   print nothing when the file is valid\n",
     stationctl_check_main, 0},
    {"keys", "[--markdown mapping|pool|user] [KEY...]", "the keys of the stations file",
     "Describes each key of the stations file (or each KEY): the values it takes,\n"
     "its limits, its default, the sections it may be written in, whether a\n"
     "station inherits it from its group, and what it does.\n"
     "\n"
     "  -m, --markdown mapping|pool|user   print docs/configuration.md's key table\n"
     "                                for station and group sections, for pools,\n"
     "                                or for user and user group sections\n",
     stationctl_commands_keys_main, 0},
    {"unknown", "[--json] [--no-header]", "stations the broker saw but cannot map",
     "Asks the running broker (admin socket) for the stations that asked for a\n"
     "desktop but match no section: MAC, IP, host name, first and last seen, and\n"
     "how many times they asked.\n"
     "\n"
     "  -j, --json        print the broker's JSON answer\n"
     "  -H, --no-header   leave out the header line\n",
     stationctl_unknown_main, 0},
    {"adopt", "MAC [key=value...]", "add a section for an unknown station",
     "Adds a [MAC] section for a station from the broker's unknown list, with\n"
     "name=<the host name it reported> unless name= is given, plus the given keys.\n"
     "The edit is the same as add: validated, atomic, previous version kept.\n"
     "\n"
     "  -f, --force     add the section even if the broker has not seen the MAC\n"
     "  -n, --dry-run   validate the change; write nothing\n",
     stationctl_adopt_main, ST_SCOPE_STATION},
    {"status", "[--json] [--no-header]", "stations the broker has seen and their state",
     "Asks the running broker (admin socket) for the stations it has seen, with\n"
     "the columns MAC IP HOSTNAME MATCH STATE ENDPOINT USER SINCE LAST_SEEN NAME.\n"
     "\n"
     "  -j, --json        print the broker's JSON answer\n"
     "  -H, --no-header   leave out the header line\n",
     stationctl_status_main, 0},
    {"reload", "[--force] [--json]", "make the running broker read the stations file now",
     "Asks the running broker (admin socket) to read the stations file now instead\n"
     "of when it notices the change, and prints how many mappings it applied.\n"
     "\n"
     "A valid file that would leave the broker no mappings, or fewer than half of\n"
     "those it serves, is held, not applied: a file emptied or cut short by a\n"
     "writer that died half-way is valid too. The broker keeps serving the old\n"
     "mappings, and reload says so and exits 1. If the file is what you want,\n"
     "reload --force (or SIGHUP to the broker) applies it. A file with errors is\n"
     "rejected; reload prints them and exits 1.\n"
     "\n"
     "  -F, --force   apply the file even if it drops most mappings\n"
     "  -j, --json    print the broker's JSON answer (exit codes stay the same)\n",
     stationctl_reload_main, 0},
    {"passwd", "[-d] USER", "set or remove a login user of the broker",
     "Sets USER's password in the users file (-u, yescrypt hash). On a terminal\n"
     "the password is asked twice without echo; otherwise one line is read from\n"
     "standard input (the trailing newline is dropped), for scripts. Passwords\n"
     "are never taken from the command line.\n"
     "\n"
     "  -d, --delete   remove USER\n",
     stationctl_passwd_main, 0},
    {"import-kvm-vdi", "FILE [--group G] [--libvirt-uri URI] [--display-host H] [--dry-run]",
     "import a KVM-VDI clients.xml",
     "Reads the thin-client list of a KVM-VDI dashboard (functions/clients.xml)\n"
     "and adds one [IP] section per client that can be mapped, all in one edit.\n"
     "RDP clients become protocol=rdp with host and port from machine-rdp-address.\n"
     "SPICE clients name a KVM-VDI virtual machine: they become protocol=spice\n"
     "with domain=MACHINE-NAME on the libvirt URI given, whose display the broker\n"
     "looks up when the station asks, as the dashboard did; names that are not\n"
     "valid domain names are refused. vmView clients name a VMware Horizon pool\n"
     "and are reported as not importable, with the line and the reason, as are\n"
     "malformed entries and sections that exist already.\n"
     "\n"
     "  -g, --group G         put every imported station in group G (must exist)\n"
     "  -c, --libvirt-uri URI the hypervisor of the SPICE machines\n"
     "                        (default qemu:///system)\n"
     "      --display-host H  the address stations reach the SPICE machines'\n"
     "                        displays at (default: from the running domain)\n"
     "  -n, --dry-run         report what would be imported; change nothing\n",
     stationctl_import_main, 0},
    {"maintenance", "on|off MATCH [--message TEXT]",
     "put a station, group, pool or domain in maintenance",
     "Sets maintenance=yes (on) or maintenance=no (off) in the section MATCH, the\n"
     "same edit as 'set MATCH maintenance=...': validated, atomic, the previous\n"
     "version kept as FILE.prev. Stations in maintenance show the message instead\n"
     "of connecting; a domain desktop in maintenance is not started.\n"
     "\n"
     "MATCH may also be domain:NAME, a libvirt domain: the same keys are set, in\n"
     "one edit, in every section that names domain=NAME itself, and in every one\n"
     "that inherits it from its group but sets maintenance of its own. The\n"
     "sections changed are listed. (The domain is matched by name, whatever\n"
     "libvirt_uri the sections have.)\n"
     "\n"
     "  -m, --message TEXT   the notice the stations show (message=TEXT); on keeps\n"
     "                       the current message when it is left out\n"
     "      --keep-message   off: keep the message (by default off removes it, so\n"
     "                       a repair notice does not greet users afterwards)\n"
     "  -n, --dry-run        validate the change; write nothing\n"
     "\n" STATIONCTL_MATCH_HELP,
     stationctl_maint_main, 0},
    {"populate", "--uri URI --image IMAGE --template XML --prefix NAME --count N [--dir DIR]",
     "define N desktop domains on overlays of one image",
     "Defines the libvirt domains NAME-1 .. NAME-N at URI from the domain template\n"
     "XML, each with its own qcow2 overlay DIR/NAME-i.qcow2 whose backing file is\n"
     "IMAGE (qemu-img create -f qcow2 -F qcow2 -b IMAGE), so every desktop starts\n"
     "from the same installation and keeps its own changes. Each domain gets a new\n"
     "UUID (from libvirt) and new MAC addresses (52:54:00:..) for its interfaces.\n"
     "The domains are persistent and left shut off: the broker starts one when its\n"
     "station asks for it (map stations with domain=NAME-i, libvirt_uri=URI).\n"
     "\n"
     "The template must have exactly one <disk device='disk'>; it becomes the\n"
     "overlay. Its <name> and <uuid> are replaced. Nothing is overwritten: if a\n"
     "domain NAME-i or an overlay exists, populate changes nothing and exits 7. If\n"
     "a step fails half-way, the overlays and domains made so far are removed.\n"
     "\n"
     "  -c, --uri URI        libvirt connection (qemu:///system, qemu+ssh://kvm1/system)\n"
     "  -i, --image IMAGE    the initial disk image, qcow2\n"
     "  -t, --template XML   a domain definition (virsh dumpxml of a model domain)\n"
     "  -p, --prefix NAME    domain names NAME-1..; A-Z a-z 0-9 . _ + -\n"
     "  -N, --count N        how many, 1 to 1000\n"
     "  -d, --dir DIR        where the overlays go (default: IMAGE's folder)\n",
     stationctl_populate_main, 0},
    {"pool", "create|resize|drain|list ...", "create, resize, drain and list pools of desktops",
     "Pools of one-time desktops ([pool:NAME] sections): the broker keeps SIZE clean\n"
     "VMs ready, makes at most MAX in all, and gives each VM to one station only.\n"
     "\n"
     "  pool create NAME key=value...\n"
     "      the same edit as 'add pool:NAME key=value...', with the keys below.\n"
     "  pool resize NAME SIZE [MAX]\n"
     "      the same edit as 'set pool:NAME size=SIZE [max=MAX]'. MAX may not be\n"
     "      smaller than SIZE.\n"
     "  pool drain NAME\n"
     "      sets size=0: the broker destroys the pool's ready VMs and makes no new\n"
     "      ones; a VM a station holds is destroyed when its session ends. The\n"
     "      stations mapped to the pool get no desktop until it is resized.\n"
     "  pool list [--no-header]\n"
     "      one line per pool: NAME SIZE MAX READY IN-USE QUEUE MAINT. With the\n"
     "      broker running, the figures are the broker's (IN-USE counts the VMs\n"
     "      stations hold); otherwise they come from the file alone and READY,\n"
     "      IN-USE and QUEUE print as '-'. A last line starting with '#' says\n"
     "      which; --no-header leaves out the header and that line.\n"
     "\n"
     "The edits are validated, atomic and keep FILE.prev, like every other edit;\n"
     "the running broker picks them up by itself.\n"
     "\n"
     "  -n, --dry-run       create, resize, drain: validate the change; write nothing\n"
     "  -H, --no-header     list: leave out the header and the footer line\n",
     stationctl_pool_main, ST_SCOPE_POOL},
    {"personal", "list|reset|remove ...", "list, reset and remove personal desktops",
     "Personal desktops (pools with personal = yes): each user's own VM, made at\n"
     "their first login. These commands ask the running broker (its admin socket).\n"
     "\n"
     "  personal list [--json] [--no-header]\n"
     "      one line per desktop: USER POOL DOMAIN STATE VIEWER LAST-USED. STATE is\n"
     "      new, off, starting, running, stopping, resetting or removing.\n"
     "  personal reset POOL USER\n"
     "      discards the desktop's disk: the VM is destroyed if it runs and its\n"
     "      overlay is made anew from the pool's base image; the user keeps the\n"
     "      desktop (same domain), fresh at the next login.\n"
     "  personal remove POOL USER\n"
     "      destroys and undefines the VM and deletes its overlay; the user's next\n"
     "      login makes a new one.\n",
     stationctl_personal_main, 0},
    {"sessions", "[--json] [--no-header]", "open sessions: user, station, desktop, idle",
     "Asks the running broker (admin socket) for the open sessions, one line each:\n"
     "USER STATION MAC DESKTOP SINCE IDLE STATE. IDLE is the time without keyboard\n"
     "or mouse input the station last reported (it reports every few seconds);\n"
     "STATE is open, or ending:REASON for a session the broker ended that the\n"
     "station has not heard of yet.\n"
     "\n"
     "  -j, --json        print the broker's JSON answer\n"
     "  -H, --no-header   leave out the header line\n",
     stationctl_sessions_main, 0},
    {"disconnect", "USER|STATION|MAC", "end a session from the broker's side",
     "Ends the open sessions of USER, or at STATION (its name in the stations file\n"
     "or its host name) or MAC. For a libvirt desktop (a domain mapping or a pool\n"
     "VM with SPICE) the broker drops the viewer at once; the station then says\n"
     "\"Your session was ended by an administrator.\" and returns to its login\n"
     "screen. Any other desktop (fixed endpoints, connection files, VNC) the\n"
     "broker cannot drop: the station ends it at its next report, within a few\n"
     "seconds, and the output says so. Exit status 6 when no session matches.\n",
     stationctl_disconnect_main, 0},
};

#define STATIONCTL_N_COMMANDS (sizeof(stationctl_commands) / sizeof(stationctl_commands[0]))

const struct stationctl_command *stationctl_commands_find(const char *name)
{
	for (size_t i = 0; i < STATIONCTL_N_COMMANDS; i++)
		if (strcmp(stationctl_commands[i].name, name) == 0)
			return &stationctl_commands[i];
	return NULL;
}

void stationctl_commands_usage(FILE *out)
{
	fputs("usage: stationctl [OPTIONS] COMMAND [ARGS...]\n"
	      "\n"
	      "Manages the VDI Station stations file (which desktop each station gets)\n"
	      "and asks the running vdi-broker about the stations it sees.\n"
	      "\n"
	      "Options:\n"
	      "  -f, --file FILE        stations file (default $VDI_STATIONS_FILE or\n"
	      "                         " STATIONCTL_DEFAULT_FILE ")\n"
	      "  -u, --users FILE       broker users file (default $VDI_USERS_FILE or\n"
	      "                         " STATIONCTL_DEFAULT_USERS ")\n"
	      "      --socket PATH      broker admin socket (default $VDI_ADMIN_SOCKET, else the\n"
	      "                         first that answers of " STATIONCTL_DEFAULT_SOCKET ",\n"
	      "                         $XDG_RUNTIME_DIR/vdi-broker/admin.sock and\n"
	      "                         /tmp/vdi-broker-UID/admin.sock)\n"
	      "      --lock-timeout S   wait at most S seconds for another edit (default 10)\n"
	      "  -h, --help             this help; 'stationctl help COMMAND' for a command\n"
	      "  -V, --version          print the version\n"
	      "\n"
	      "Commands:\n",
	      out);
	for (size_t i = 0; i < STATIONCTL_N_COMMANDS; i++)
		fprintf(out, "  %-15s %s\n", stationctl_commands[i].name,
			stationctl_commands[i].summary);
	fputs("\nExit codes: 0 ok, 1 invalid input or file, 2 usage, 3 broker unreachable,\n"
	      "4 lock time-out, 5 I/O error, 6 not found, 7 already exists.\n",
	      out);
}

/* Prints s without the Markdown backticks of the key table's texts. */
static void stationctl_commands_plain(const char *s, FILE *out)
{
	for (; *s; s++)
		if (*s != '`')
			fputc(*s, out);
}

/* "Keys: name, group, protocol (spice|rdp|vnc), ...", wrapped, for the
 * keys that may be written in sections of scope. */
static void stationctl_commands_key_list(unsigned scope, FILE *out)
{
	size_t col = 0;

	fputs("Keys ('stationctl keys' describes each):\n", out);
	for (int i = 0; i < ST_KEY__COUNT; i++) {
		const struct st_keydef *k = st_keydef((enum st_key)i);
		char item[120];
		size_t o;

		if (!(k->scopes & scope))
			continue;
		o = (size_t)snprintf(item, sizeof(item), "%s", k->name);
		if (k->type == ST_TYPE_ENUM) {
			/* The choices as this scope's docs give them ("`spice`,
			 * `vnc`" in a pool), as "(spice|vnc)". */
			char values[200];

			st_keys_doc_values(k, scope, values, sizeof(values));
			item[o++] = ' ';
			item[o++] = '(';
			for (const char *v = values; *v && o + 2 < sizeof(item); v++) {
				if (*v == '`' || (*v == ' ' && v > values && v[-1] == ','))
					continue;
				item[o++] = *v == ',' ? '|' : *v;
			}
			item[o++] = ')';
			item[o] = '\0';
		}
		if ((k->required & scope) && o < sizeof(item))
			snprintf(item + o, sizeof(item) - o, " (required)");
		if (col && col + 2 + strlen(item) > 78) {
			fputs(",\n", out);
			col = 0;
		} else if (col) {
			fputs(", ", out);
			col += 2;
		}
		if (!col) {
			fputs("  ", out);
			col = 2;
		}
		fputs(item, out);
		col += strlen(item);
	}
	fputs(".\n", out);
}

void stationctl_commands_help(const struct stationctl_command *cmd, FILE *out)
{
	fprintf(out, "usage: stationctl [OPTIONS] %s%s%s\n\n%s\n%s", cmd->name,
		cmd->synopsis[0] ? " " : "", cmd->synopsis, cmd->summary, cmd->help[0] ? "\n" : "");
	fputs(cmd->help, out);
	if (cmd->keys) {
		fputs("\n", out);
		stationctl_commands_key_list(cmd->keys, out);
	}
}

static const char *stationctl_commands_scopes(unsigned scopes, char *buf, size_t len)
{
	static const struct {
		unsigned scope;
		const char *name;
	} names[] = {
	    {ST_SCOPE_STATION, "station"},
	    {ST_SCOPE_GROUP, "group"},
	    {ST_SCOPE_POOL, "pool"},
	    {ST_SCOPE_DESKTOP, "desktop"},
	    {ST_SCOPE_USER, "user, usergroup"},
	};
	size_t o = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]) && o < len; i++) {
		int w;

		if (!(scopes & names[i].scope))
			continue;
		w = snprintf(buf + o, len - o, "%s%s", o ? ", " : "", names[i].name);
		if (w > 0)
			o += (size_t)w;
	}
	return buf;
}

static void stationctl_commands_key(const struct st_keydef *k, FILE *out)
{
	static const char *const inherit[] = {
	    [ST_INHERIT_NONE] = "not inherited",
	    [ST_INHERIT_GROUP] = "inherited from the group unless the station sets it",
	    [ST_INHERIT_LIST] = "inherited from the group unless the station sets its own list",
	};
	char values[512], where[80];
	unsigned scope = k->scopes & ST_SCOPE_MAPPING ? ST_SCOPE_MAPPING
			 : k->scopes & ST_SCOPE_USER  ? ST_SCOPE_USER
						      : ST_SCOPE_POOL;

	fprintf(out, "%s (%s): %s\n  values:  ", k->name, st_key_type_name(k->type), k->help);
	st_keys_doc_values(k, scope, values, sizeof(values));
	stationctl_commands_plain(values, out);
	fprintf(out, "\n  in:      %s; %s\n  default: ",
		stationctl_commands_scopes(k->scopes, where, sizeof(where)), inherit[k->inherit]);
	if (k->def)
		fputs(k->def, out);
	else if (k->required)
		fputs("(required)", out);
	else
		stationctl_commands_plain(k->doc.def ? k->doc.def : "(none)", out);
	if (k->policy)
		fprintf(out, "\n  sent to the station as policy.%s", k->policy);
	fputs("\n", out);
}

static int stationctl_commands_keys_main(const struct stationctl_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
	    {"markdown", required_argument, NULL, 'm'},
	    {NULL, 0, NULL, 0},
	};
	unsigned markdown = 0;
	int c;

	(void)ctx;
	while ((c = getopt_long(argc, argv, "m:", opts, NULL)) != -1) {
		if (c != 'm')
			return stationctl_commands_usage_error(argv[0]);
		if (strcmp(optarg, "mapping") == 0) {
			markdown = ST_SCOPE_MAPPING;
		} else if (strcmp(optarg, "pool") == 0) {
			markdown = ST_SCOPE_POOL;
		} else if (strcmp(optarg, "user") == 0) {
			markdown = ST_SCOPE_USER;
		} else {
			stationctl_util_err("--markdown: expected mapping, pool or user");
			return STATIONCTL_EXIT_USAGE;
		}
	}
	if (markdown) {
		if (optind < argc)
			return stationctl_commands_usage_error(argv[0]);
		st_keys_markdown(stdout, markdown);
		return STATIONCTL_EXIT_OK;
	}
	for (int i = optind; i < argc; i++) {
		if (st_key_lookup(argv[i]) >= 0)
			continue;
		char shown[64];

		stationctl_util_printable(argv[i], shown, sizeof(shown));
		stationctl_util_err("no key '%s'; 'stationctl keys' lists them", shown);
		return STATIONCTL_EXIT_NOTFOUND;
	}
	for (int k = 0, first = 1; k < ST_KEY__COUNT; k++) {
		bool wanted = optind == argc;

		for (int i = optind; i < argc && !wanted; i++)
			wanted = st_key_lookup(argv[i]) == k;
		if (!wanted)
			continue;
		if (!first)
			fputs("\n", stdout);
		first = 0;
		stationctl_commands_key(st_keydef((enum st_key)k), stdout);
	}
	return STATIONCTL_EXIT_OK;
}

int stationctl_commands_usage_error(const char *name)
{
	const struct stationctl_command *cmd = stationctl_commands_find(name);

	if (cmd)
		fprintf(stderr, "usage: stationctl [OPTIONS] %s%s%s\n", cmd->name,
			cmd->synopsis[0] ? " " : "", cmd->synopsis);
	fprintf(stderr, "Try 'stationctl %s --help' for more information.\n", name);
	return STATIONCTL_EXIT_USAGE;
}
