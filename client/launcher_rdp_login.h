/* The user name and domain for xfreerdp, without the command line.
 *
 * A command line is readable by every process in /proc, so the login goes
 * another way: the user name and domain in a connection file (mode 0600, in
 * a private 0700 folder) that is removed as soon as xfreerdp has read it,
 * and the password through the child's stdin. The file holds no password.
 *
 * Why a file for the name at all: xfreerdp's prompts read the user name
 * and domain through stdio, which swallows the whole pipe in one read, and
 * the password with plain read()s, which then find nothing left. */
#ifndef LAUNCHER_RDP_LOGIN_H
#define LAUNCHER_RDP_LOGIN_H

#include <glib.h>

typedef struct LauncherRdpLogin LauncherRdpLogin;

/* Writes the file for username ("user", "DOMAIN\user" or "user@domain")
 * and starts watching it. NULL with error when it cannot be written or the
 * name holds a line break. */
LauncherRdpLogin *launcher_rdp_login_new(const char *username, GError **error);
/* The file's path, for xfreerdp's first argument (it ends in ".rdp"). */
const char *launcher_rdp_login_path(LauncherRdpLogin *l);
/* TRUE once the file is gone. */
gboolean launcher_rdp_login_removed(LauncherRdpLogin *l);
/* Removes what is left and frees l. Safe with NULL. */
void launcher_rdp_login_free(LauncherRdpLogin *l);

/* The file's text for username, for tests: "username:s:...\ndomain:s:...\n".
 * NULL when the name holds a line break. */
char *launcher_rdp_login_text(const char *username);

#endif
