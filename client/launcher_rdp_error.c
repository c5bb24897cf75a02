/* xfreerdp's exit statuses: see launcher_rdp_error.h. */
#include "launcher_rdp_error.h"

#include <stddef.h>

/* Sorted by code. The texts say what happened, not how FreeRDP calls it:
 * the user reads them on the "Desktop unreachable" screen or after a
 * session, and an admin finds the name in the log. */
static const struct launcher_rdp_error launcher_rdp_errors[] = {
    {0, "success", "server", "server_closed", "The desktop session ended.", true},
    {1, "disconnect", "server", "disconnected",
     "The desktop ended the connection (an administrator or another session took it over).", true},
    {2, "logoff", "server", "logoff", "You logged off from the desktop.", true},
    {3, "idle_timeout", "server", "idle_timeout",
     "The desktop ended the session because it was idle for too long.", true},
    {4, "logon_timeout", "server", "logon_timeout",
     "The desktop ended the session because nobody logged in in time.", true},
    {5, "replaced", "server", "replaced", "The same desktop session was opened from another place.",
     true},
    {6, "server_out_of_memory", "server", "server_error", "The desktop server ran out of memory.",
     false},
    {7, "denied", "auth", "denied", "The desktop server refused the connection.", false},
    {8, "denied_fips", "tls", "denied",
     "The desktop server requires an encryption this station does not offer.", false},
    {9, "user_privileges", "auth", "denied",
     "This user is not allowed to log in to the desktop remotely.", false},
    {10, "fresh_credentials_required", "auth", "denied",
     "The desktop wants the password typed again.", false},
    {11, "disconnect_by_user", "server", "disconnected",
     "The session was disconnected from the desktop's side.", true},
    {16, "license_internal", "license", "license", "The desktop server has a licensing problem.",
     false},
    {17, "license_no_server", "license", "license",
     "The desktop server could not reach its licence server.", false},
    {18, "license_none", "license", "license",
     "The desktop server has no licence left for this station.", false},
    {19, "license_bad_message", "license", "license", "The desktop server's licensing failed.",
     false},
    {20, "license_hwid", "license", "license",
     "The desktop server's licence does not match this station.", false},
    {21, "license_bad_client", "license", "license", "The desktop server's licensing failed.",
     false},
    {22, "license_protocol", "license", "license", "The desktop server's licensing failed.", false},
    {23, "license_client_ended", "license", "license", "The desktop server's licensing failed.",
     false},
    {24, "license_encryption", "license", "license", "The desktop server's licensing failed.",
     false},
    {25, "license_cant_upgrade", "license", "license",
     "The desktop server could not upgrade this station's licence.", false},
    {26, "license_no_remote", "license", "license",
     "The desktop server does not accept remote connections (licence).", false},
    {32, "protocol_error", "server", "connection_lost",
     "The desktop server sent something this station did not understand.", false},
    {128, "bad_arguments", "connect", "station_error",
     "The station could not start its desktop viewer (bad settings).", false},
    {129, "out_of_memory", "connect", "station_error", "The station ran out of memory.", false},
    {130, "protocol", "connect", "connection_lost",
     "The connection to the desktop failed (protocol error).", false},
    {131, "connection_failed", "connect", "connection_lost",
     "The connection to the desktop failed.", false},
    {132, "auth_failure", "auth", "auth_failure", "The desktop refused the user name or password.",
     false},
    {133, "negotiation_failure", "tls", "connect",
     "The station and the desktop could not agree on how to secure the connection.", false},
    {134, "logon_failure", "auth", "auth_failure", "The desktop refused the user name or password.",
     false},
    {135, "account_locked", "account", "auth_failure",
     "Your account is locked. Please call the help desk.", false},
    {136, "pre_connect_failed", "connect", "station_error",
     "The station could not prepare the connection.", false},
    {137, "connect_undefined", "connect", "connect", "The connection to the desktop failed.",
     false},
    {138, "post_connect_failed", "connect", "connect",
     "The connection to the desktop failed after it was set up.", false},
    {139, "dns_error", "connect", "connect", "The desktop's address could not be looked up.",
     false},
    {140, "dns_not_found", "connect", "connect", "The desktop's name is not known.", false},
    {141, "connect_failed", "connect", "connect",
     "The desktop could not be reached (refused or no answer).", false},
    {142, "mcs_error", "connect", "connect", "The desktop server did not accept the connection.",
     false},
    {143, "tls_failed", "tls", "connect",
     "The secure connection to the desktop failed (certificate or encryption).", false},
    {144, "insufficient_privileges", "auth", "auth_failure",
     "This user is not allowed to log in to the desktop remotely.", false},
    {145, "cancelled", "connect", "connect", "The connection to the desktop was cancelled.", false},
    {146, "security_negotiation", "tls", "connect",
     "The station and the desktop could not agree on how to secure the connection.", false},
    {147, "transport_failed", "connect", "connection_lost",
     "The desktop closed the connection while it was being set up (a wrong user name or "
     "password is one cause).",
     false},
    {148, "password_expired", "account", "auth_failure",
     "Your password has expired. Please change it or call the help desk.", false},
    {149, "password_must_change", "account", "auth_failure",
     "You must change your password before you can log in. Please call the help desk.", false},
    {150, "kdc_unreachable", "connect", "connect",
     "The desktop's login server (Kerberos) cannot be reached.", false},
    {151, "account_disabled", "account", "auth_failure",
     "Your account is disabled. Please call the help desk.", false},
    {152, "password_expired", "account", "auth_failure",
     "Your password has expired. Please change it or call the help desk.", false},
    {153, "client_revoked", "account", "auth_failure",
     "This account may not log in. Please call the help desk.", false},
    {154, "wrong_password", "auth", "auth_failure", "The desktop refused the password.", false},
    {155, "access_denied", "auth", "auth_failure", "The desktop denied access to this user.",
     false},
    {156, "account_restriction", "account", "auth_failure",
     "Your account may not log in now (account restriction). Please call the help desk.", false},
    {157, "account_expired", "account", "auth_failure",
     "Your account has expired. Please call the help desk.", false},
    {158, "logon_type_not_granted", "account", "auth_failure",
     "This user is not allowed to log in to the desktop remotely.", false},
    {159, "no_credentials", "auth", "auth_failure",
     "The desktop needs a user name and password, and none were given.", false},
};

static const struct launcher_rdp_error launcher_rdp_unknown = {
    255, "unknown", "connect", "connection_lost", "The connection to the desktop failed.", false,
};

static const struct launcher_rdp_error launcher_rdp_crashed = {
    -1,
    "viewer_died",
    "connect",
    "connection_lost",
    "The station's desktop viewer stopped unexpectedly.",
    false,
};

const struct launcher_rdp_error *launcher_rdp_error_lookup(int code)
{
	size_t lo = 0, hi = sizeof(launcher_rdp_errors) / sizeof(launcher_rdp_errors[0]);

	/* 33-127 are further RDP protocol errors, reported as 32's kind. */
	if (code > 32 && code < 128)
		code = 32;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (launcher_rdp_errors[mid].code == code)
			return &launcher_rdp_errors[mid];
		if (launcher_rdp_errors[mid].code < code)
			lo = mid + 1;
		else
			hi = mid;
	}
	return &launcher_rdp_unknown;
}

const struct launcher_rdp_error *launcher_rdp_error_signal(void)
{
	return &launcher_rdp_crashed;
}
