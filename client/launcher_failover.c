/* Endpoint order and failover: see launcher_failover.h. */
#include "launcher_failover.h"

#include <string.h>

#include "launcher_diag.h"

void launcher_failover_init(LauncherFailover *f)
{
	memset(f, 0, sizeof(*f));
	f->failures = g_string_new(NULL);
}

void launcher_failover_drop_list(LauncherFailover *f)
{
	for (size_t i = 0; i < f->n; i++)
		broker_endpoint_clear(&f->eps[i]);
	g_clear_pointer(&f->eps, g_free);
	f->n = 0;
	f->index = 0;
}

void launcher_failover_clear(LauncherFailover *f)
{
	launcher_failover_drop_list(f);
	broker_endpoint_clear(&f->current);
}

void launcher_failover_free(LauncherFailover *f)
{
	launcher_failover_clear(f);
	if (f->failures)
		g_string_free(f->failures, TRUE);
	f->failures = NULL;
}

void launcher_failover_take(LauncherFailover *f, struct broker_reply *r)
{
	launcher_failover_drop_list(f);
	/* Moved, not copied: the passwords exist once. */
	f->eps = r->endpoints;
	f->n = r->n_endpoints;
	r->endpoints = NULL;
	r->n_endpoints = 0;
	g_string_truncate(f->failures, 0);
}

const struct broker_endpoint *launcher_failover_endpoint(const LauncherFailover *f)
{
	return f->index < f->n ? &f->eps[f->index] : NULL;
}

int launcher_failover_select(LauncherFailover *f)
{
	broker_endpoint_clear(&f->current);
	return broker_endpoint_copy(&f->eps[f->index], &f->current);
}

void launcher_failover_failed(LauncherFailover *f, const char *why)
{
	g_autofree char *ep = launcher_endpoint_text(&f->eps[f->index]);

	g_string_append_printf(f->failures, "%s: %s\n", ep, why);
	launcher_diag_error("desktop %s: %s", ep, why);
	f->index++;
}

void launcher_failover_unsupported(LauncherFailover *f)
{
	g_autofree char *ep = launcher_endpoint_text(&f->eps[f->index]);

	g_string_append_printf(f->failures, "%s: not supported on this station\n", ep);
	f->index++;
}

gboolean launcher_failover_is_fallback(const LauncherFailover *f)
{
	return f->index > 0;
}

void launcher_failover_attempt(const LauncherFailover *f, char *buf, size_t size)
{
	g_snprintf(buf, size, "%zu/%zu", f->index + 1, f->n);
}

const char *launcher_failover_failures(const LauncherFailover *f)
{
	return f->failures->str;
}

unsigned launcher_endpoint_port(const struct broker_endpoint *ep)
{
	return ep->port ? ep->port : ep->tls_port;
}

char *launcher_endpoint_hostport(const struct broker_endpoint *ep)
{
	if (strchr(ep->host, ':'))
		return g_strdup_printf("[%s]:%u", ep->host, launcher_endpoint_port(ep));
	return g_strdup_printf("%s:%u", ep->host, launcher_endpoint_port(ep));
}

char *launcher_endpoint_text(const struct broker_endpoint *ep)
{
	g_autofree char *hp = launcher_endpoint_hostport(ep);

	return g_strdup_printf("%s://%s", ep->protocol_name, hp);
}
