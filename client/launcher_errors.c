/* The station's words for failures: see launcher_errors.h. */
#include "launcher_errors.h"

#include <string.h>

/* A message that leads back to the login screen waits this long. */
#define BACK_TO_LOGIN_S 8
/* A station set up wrongly looks at its settings again this often. */
#define CONFIG_RECHECK_S 60

#define TRYING	 "Trying again in"
#define CHECKING LAUNCHER_TEXT_CHECKING
#define TO_LOGIN "Back to the login screen in"

static const LauncherScreenText launcher_errors_screens[LAUNCHER_SCREEN_COUNT] = {
    /* the broker's sentence: opened at another station (naming it), or
     * ended by an administrator */
    [LAUNCHER_SCREEN_SESSION_ENDED] = {"session_ended", "Your session has ended", NULL,
				       "Your session was ended by the connection server.", TO_LOGIN,
				       LAUNCHER_THEN_LOGIN, LAUNCHER_WAIT_FIXED, BACK_TO_LOGIN_S,
				       "back", LAUNCHER_BACK_YES, FALSE, FALSE, FALSE},
    /* args: what is wrong, the config file */
    [LAUNCHER_SCREEN_CONFIG] = {"config", "This station is not set up correctly",
				"%s.\nAn administrator must fix the station's settings (kernel "
				"command line or %s).",
				NULL, CHECKING, LAUNCHER_THEN_RETRY_SHOW, LAUNCHER_WAIT_FIXED,
				CONFIG_RECHECK_S, "retry", LAUNCHER_BACK_NO, TRUE, FALSE, TRUE},
    /* the error */
    [LAUNCHER_SCREEN_BROKER_UNEXPECTED] = {"broker_error",
					   "The connection server gave an unexpected answer", NULL,
					   NULL, TRYING, LAUNCHER_THEN_RETRY_SAME,
					   LAUNCHER_WAIT_BROKER_BACKOFF, 0, "retry",
					   LAUNCHER_BACK_IF_MAPPED, TRUE, FALSE, FALSE},
    /* args: the broker's URL, the error */
    [LAUNCHER_SCREEN_UNREACHABLE] = {"unreachable", "The connection server cannot be reached",
				     "The station could not contact %s (%s).\nCheck that the "
				     "network cable is plugged in.",
				     NULL, TRYING, LAUNCHER_THEN_RETRY_SAME,
				     LAUNCHER_WAIT_BROKER_BACKOFF, 0, "retry",
				     LAUNCHER_BACK_IF_MAPPED, TRUE, FALSE, FALSE},
    /* args: the broker's URL, the error */
    [LAUNCHER_SCREEN_TLS] = {"tls", "The connection server could not be verified",
			     "The certificate of %s is not trusted by this station, so nothing "
			     "was sent to it.\nAn administrator must check the broker's "
			     "certificate and the station's CA file (%s).",
			     NULL, TRYING, LAUNCHER_THEN_RETRY_SAME, LAUNCHER_WAIT_BROKER_BACKOFF,
			     0, "retry", LAUNCHER_BACK_IF_MAPPED, TRUE, FALSE, FALSE},
    [LAUNCHER_SCREEN_LOGIN_REFUSED] = {"login_refused", "Login failed",
				       "The user name or password is not correct.", NULL, TO_LOGIN,
				       LAUNCHER_THEN_LOGIN, LAUNCHER_WAIT_FIXED, BACK_TO_LOGIN_S,
				       "back", LAUNCHER_BACK_YES, FALSE, FALSE, FALSE},
    [LAUNCHER_SCREEN_RATE_LIMITED] = {"rate_limited", "Too many login attempts",
				      "Please wait a moment before you try again.", NULL,
				      "You can try again in", LAUNCHER_THEN_LOGIN,
				      LAUNCHER_WAIT_RETRY_AFTER, 0, "back", LAUNCHER_BACK_NO, FALSE,
				      FALSE, FALSE},
    /* the broker's message (with the directory's reason); a new login
     * is the way on, not a retry of this one */
    [LAUNCHER_SCREEN_ACCOUNT_LOCKED] = {"account_locked", "Your account cannot be used", NULL,
					"Your account is locked or expired.", TO_LOGIN,
					LAUNCHER_THEN_LOGIN, LAUNCHER_WAIT_FIXED, BACK_TO_LOGIN_S,
					"back", LAUNCHER_BACK_YES, FALSE, FALSE, FALSE},
    /* the broker's message, else the error */
    [LAUNCHER_SCREEN_BROKER_PROBLEM] = {"broker_error", "The connection server reported a problem",
					NULL, NULL, TRYING, LAUNCHER_THEN_RETRY_SAME,
					LAUNCHER_WAIT_RETRY_AFTER, 0, "retry",
					LAUNCHER_BACK_IF_MAPPED, TRUE, FALSE, FALSE},
    /* the broker's message */
    [LAUNCHER_SCREEN_BROKER_ERROR] = {"broker_error", "The connection server reported a problem",
				      NULL, "No details were given.", TRYING,
				      LAUNCHER_THEN_RETRY_SAME, LAUNCHER_WAIT_RETRY_AFTER, 0,
				      "retry", LAUNCHER_BACK_IF_MAPPED, TRUE, FALSE, FALSE},
    /* the broker's message */
    [LAUNCHER_SCREEN_MAINTENANCE] = {"maintenance", "This station is in maintenance", NULL,
				     "Please try again later.", CHECKING, LAUNCHER_THEN_RETRY_SAME,
				     LAUNCHER_WAIT_RETRY_AFTER, 0, "retry", LAUNCHER_BACK_NO, TRUE,
				     FALSE, FALSE},
    [LAUNCHER_SCREEN_UNKNOWN] = {"unknown", "This station is not set up yet",
				 "Please ask your administrator to add this station. They will "
				 "need the MAC address shown below.",
				 NULL, CHECKING, LAUNCHER_THEN_RETRY_SAME,
				 LAUNCHER_WAIT_RETRY_AFTER, 0, "retry", LAUNCHER_BACK_NO, TRUE,
				 TRUE, FALSE},
    /* args: what was tried, one line each */
    [LAUNCHER_SCREEN_DESKTOP_UNREACHABLE] = {"desktop_unreachable",
					     "Your desktop cannot be reached",
					     "Your desktop did not answer. What was tried:\n%s",
					     NULL, TRYING, LAUNCHER_THEN_RETRY_CONNECT,
					     LAUNCHER_WAIT_DESKTOP_BACKOFF, 0, "retry",
					     LAUNCHER_BACK_YES, TRUE, FALSE, FALSE},
    /* args: what was tried; the desktop passwords came with the login, so
     * a new attempt needs the user again */
    [LAUNCHER_SCREEN_DESKTOP_UNREACHABLE_LOGIN] =
	{"desktop_unreachable", "Your desktop cannot be reached",
	 "Your desktop did not answer. What was tried:\n%s", NULL, TO_LOGIN, LAUNCHER_THEN_LOGIN,
	 LAUNCHER_WAIT_FIXED, BACK_TO_LOGIN_S, "back", LAUNCHER_BACK_YES, FALSE, FALSE, FALSE},
    [LAUNCHER_SCREEN_NO_DESKTOP] = {"no_desktop", "No desktop is assigned to this station",
				    "The connection server knows this station but has no desktop "
				    "for it.",
				    NULL, TRYING, LAUNCHER_THEN_RETRY_CONNECT,
				    LAUNCHER_WAIT_DESKTOP_BACKOFF, 0, "retry", LAUNCHER_BACK_YES,
				    TRUE, FALSE, FALSE},
    /* args: what was tried */
    [LAUNCHER_SCREEN_DIRECT_UNREACHABLE] = {"desktop_unreachable", "Your desktop cannot be reached",
					    "the desktop cannot be reached:\n%s", NULL, NULL,
					    LAUNCHER_THEN_NOTHING, LAUNCHER_WAIT_NONE, 0, NULL,
					    LAUNCHER_BACK_NO, FALSE, FALSE, TRUE},
    /* how it ended */
    [LAUNCHER_SCREEN_DIRECT_ENDED] = {"session_ended", "The session has ended", NULL, NULL, NULL,
				      LAUNCHER_THEN_NOTHING, LAUNCHER_WAIT_NONE, 0, NULL,
				      LAUNCHER_BACK_NO, FALSE, FALSE, FALSE},
};

/* A viewer's failure kinds in words; the last row is for any other. */
static const struct {
	const char *kind, *words;
} launcher_errors_endpoint[] = {
    {"auth", "the desktop refused the password"},
    {"tls", "the desktop's certificate could not be verified"},
    {"link", "the desktop refused the connection"},
    {"timeout", "no answer from the desktop"},
    {NULL, "the desktop could not be reached"},
};

const LauncherScreenText *launcher_errors_screen(LauncherScreen screen)
{
	g_return_val_if_fail(screen < LAUNCHER_SCREEN_COUNT, NULL);
	return &launcher_errors_screens[screen];
}

char *launcher_errors_body(LauncherScreen screen, const char *a, const char *b)
{
	const LauncherScreenText *t = launcher_errors_screen(screen);

	if (!t->body)
		return g_strdup(a ? a : t->default_body);
		/* The formats are the table's own, each with at most two %s. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
	return g_strdup_printf(t->body, a ? a : "", b ? b : "");
#pragma GCC diagnostic pop
}

const char *launcher_errors_endpoint_words(const char *kind)
{
	size_t i;

	for (i = 0; launcher_errors_endpoint[i].kind; i++)
		if (strcmp(kind, launcher_errors_endpoint[i].kind) == 0)
			break;
	return launcher_errors_endpoint[i].words;
}

char *launcher_errors_starting_text(const struct broker_reply *r)
{
	/* A station waiting in a pool's queue learns its place first, so
	 * that a long wait does not look like a hang. */
	const char *message = r->message ? r->message : "This can take a minute.";

	if (r->queue_position == 0)
		return g_strdup(message);
	if (r->queue_position == 1)
		return g_strdup_printf("Your desktop is next in line.\n%s", message);
	return g_strdup_printf("You are number %u in line for a desktop.\n%s", r->queue_position,
			       message);
}

char *launcher_errors_trying_text(const struct broker_endpoint *ep, const char *hp,
				  gboolean fallback)
{
	const char *tls = ep->tls_port ? " (encrypted)" : "";
	g_autofree char *name = NULL;

	if (!fallback)
		return g_strdup_printf("%s%s", hp, tls);
	name = g_ascii_strup(ep->protocol_name, -1);
	return g_strdup_printf("Trying the fallback: %s %s%s", name, hp, tls);
}

char *launcher_errors_unsupported_text(const struct broker_endpoint *ep, const char *hp)
{
	g_autofree char *name = g_ascii_strup(ep->protocol_name, -1);

	return g_strdup_printf("The %s desktop at %s is not supported on this station; trying "
			       "the next one.",
			       name, hp);
}

char *launcher_errors_fallback_text(const char *protocol)
{
	/* The user should know the usual way failed: a fallback may lack USB
	 * or sound, and the admin should hear of it. */
	g_autofree char *name = g_ascii_strup(protocol, -1);

	return g_strdup_printf(
	    "Your usual desktop connection failed; connected through the fallback (%s).", name);
}
