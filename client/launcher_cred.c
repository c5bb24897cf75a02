/* The credential life cycle: see launcher_cred.h. */
#include "launcher_cred.h"

#include "launcher_secret.h"

void launcher_cred_set_pending(LauncherCred *c, const char *user, const char *password)
{
	launcher_cred_forget_pending(c);
	c->pending_user = g_strdup(user);
	c->pending_password = launcher_secret_dup(password);
}

gboolean launcher_cred_has_pending(const LauncherCred *c)
{
	return c->pending_user && c->pending_password;
}

void launcher_cred_choose(LauncherCred *c, const char *desktop)
{
	g_free(c->pending_desktop);
	c->pending_desktop = g_strdup(desktop);
}

void launcher_cred_forget_pending(LauncherCred *c)
{
	g_clear_pointer(&c->pending_user, g_free);
	g_clear_pointer(&c->pending_desktop, g_free);
	launcher_secret_clear(&c->pending_password);
}

void launcher_cred_accept(LauncherCred *c)
{
	launcher_cred_forget_sso(c);
	c->sso_user = g_steal_pointer(&c->pending_user);
	c->sso_password = g_steal_pointer(&c->pending_password);
	g_clear_pointer(&c->pending_desktop, g_free);
}

void launcher_cred_forget_sso(LauncherCred *c)
{
	g_clear_pointer(&c->sso_user, g_free);
	launcher_secret_clear(&c->sso_password);
}

void launcher_cred_take_reply(LauncherCred *c, const struct broker_reply *r)
{
	if (r->user) {
		g_free(c->user);
		c->user = g_strdup(r->user);
	}
	launcher_secret_clear(&c->session_token);
	c->session_token = launcher_secret_dup(r->session);
}

void launcher_cred_clear(LauncherCred *c)
{
	launcher_cred_forget_pending(c);
	launcher_cred_forget_sso(c);
	g_clear_pointer(&c->user, g_free);
	launcher_secret_clear(&c->session_token);
}
