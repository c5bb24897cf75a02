/* Directory logins over libldap: see broker_directory.h. */
#include <lber.h>
#include <ldap.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "broker_directory.h"
#include "broker_directory_pool.h"
#include "broker_directory_watch.h"
#include "ldap_escape.h"
#include "log.h"
#include "utf8.h"

#define DIR_VALUE_MAX  1024 /* an escaped user name or DN */
#define DIR_FILTER_MAX 4096
#define DIR_GROUPS_MAX 256
#define DIR_GROUP_NAME 256

struct broker_directory {
	struct directory_conf conf;
	char *uri_list; /* the URIs, space-separated: libldap tries them in order */
	char password[DIRECTORY_PASSWORD_MAX + 1];
	pthread_mutex_t lock;
	unsigned inflight;
	/* After a check that the directory let run into the time-out, the
	 * next ones are answered "unavailable" at once until this moment
	 * (monotonic seconds): a hanging directory must not hold every
	 * login in the pool's queue for its time-out each, which would also
	 * delay logins that the users file would answer. */
	time_t hold_until;
	/* Kept connections (broker_directory_pool.h): searchers are bound
	 * as the service account (or anonymous without one) and only ever
	 * search; binders only take users' binds (and, with a DN template,
	 * the user's own reads right after their bind). */
	struct broker_directory_pool *searchers, *binders;
};

/* One login's state. */
struct dir_login {
	struct broker_directory *d;
	struct broker_directory_conn *conn; /* the one in use, or NULL */
	struct broker_directory_watch *w;   /* conn's */
	LDAP *ld;			    /* conn's */
	char *dn;			    /* the user's entry */
	char *name;			    /* user_name_attr's value */
	struct broker_login_who *who;
	const char *user;
};

void broker_directory_sanitise(const char *in, char *out, size_t outlen)
{
	size_t i, n = 0;

	if (!outlen)
		return;
	for (i = 0; in && in[i] && n + 1 < outlen; i++) {
		unsigned char c = (unsigned char)in[i];

		out[n++] = c >= 0x20 && c < 0x7f ? (char)c : '?';
	}
	while (n && out[n - 1] == ' ')
		n--;
	out[n] = '\0';
}

const char *broker_directory_result_name(enum broker_directory_result r)
{
	switch (r) {
	case BROKER_DIRECTORY_OK:
		return "ok";
	case BROKER_DIRECTORY_FAILED:
		return "failed";
	case BROKER_DIRECTORY_LOCKED:
		return "locked";
	case BROKER_DIRECTORY_UNAVAILABLE:
		return "unavailable";
	}
	return "unknown";
}

struct broker_directory *broker_directory_new(const char *path, char *err, size_t errlen)
{
	struct broker_directory *d = calloc(1, sizeof(*d));
	size_t i, len = 1;

	if (!d) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	pthread_mutex_init(&d->lock, NULL);
	if (directory_conf_load(path, &d->conf, err, errlen) < 0)
		goto fail;
	if (directory_conf_read_password(&d->conf, d->password, sizeof(d->password), err, errlen) <
	    0)
		goto fail;
	for (i = 0; i < d->conf.n_uris; i++)
		len += strlen(d->conf.uris[i]) + 1;
	d->uri_list = calloc(1, len);
	if (!d->uri_list) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	for (i = 0; i < d->conf.n_uris; i++) {
		if (i)
			strcat(d->uri_list, " ");
		strcat(d->uri_list, d->conf.uris[i]);
	}
	d->searchers = broker_directory_pool_new(d->conf.max_inflight);
	d->binders = broker_directory_pool_new(d->conf.max_inflight);
	if (!d->searchers || !d->binders) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	/* No ldap.conf, no ~/.ldaprc, no LDAP* variables: what the settings
	 * file says is all the broker trusts (a TLS_REQCERT never in a
	 * stray ldaprc must not turn verification off). libldap reads them
	 * once, at its first call, which is after this. */
	setenv("LDAPNOINIT", "1", 1);
	return d;
fail:
	broker_directory_free(d);
	return NULL;
}

void broker_directory_free(struct broker_directory *d)
{
	if (!d)
		return;
	/* The connections made with these settings go with them. */
	broker_directory_pool_free(d->searchers);
	broker_directory_pool_free(d->binders);
	explicit_bzero(d->password, sizeof(d->password));
	directory_conf_free(&d->conf);
	free(d->uri_list);
	pthread_mutex_destroy(&d->lock);
	free(d);
}

const struct directory_conf *broker_directory_conf(const struct broker_directory *d)
{
	return &d->conf;
}

static bool dir_unreachable(int rc)
{
	return rc == LDAP_SERVER_DOWN || rc == LDAP_CONNECT_ERROR || rc == LDAP_TIMEOUT ||
	       rc == LDAP_TIMELIMIT_EXCEEDED || rc == LDAP_UNAVAILABLE || rc == LDAP_BUSY ||
	       rc == LDAP_LOCAL_ERROR || rc == LDAP_NO_MEMORY || rc == LDAP_OTHER;
}

static void dir_log(enum log_level level, const struct dir_login *x, const char *what, int rc)
{
	char diag[256] = "", *msg = NULL;

	if (x->ld && ldap_get_option(x->ld, LDAP_OPT_DIAGNOSTIC_MESSAGE, &msg) == LDAP_SUCCESS &&
	    msg) {
		broker_directory_sanitise(msg, diag, sizeof(diag));
		ldap_memfree(msg);
	}
	log_event(level, "directory", "step", what, "user", x->user, "error", ldap_err2string(rc),
		  "detail", diag, NULL);
}

/* Replaces each %u in tmpl with u and each %d with dn (both already
 * escaped). -1 when it does not fit. */
static int dir_expand(const char *tmpl, const char *u, const char *dn, char *out, size_t outlen)
{
	size_t n = 0, k;
	const char *s;

	for (s = tmpl; *s; s++) {
		const char *put = NULL;

		if (s[0] == '%' && s[1] == 'u')
			put = u;
		else if (s[0] == '%' && s[1] == 'd')
			put = dn;
		if (put) {
			k = strlen(put);
			if (n + k >= outlen)
				return -1;
			memcpy(out + n, put, k);
			n += k;
			s++;
			continue;
		}
		if (n + 1 >= outlen)
			return -1;
		out[n++] = *s;
	}
	out[n] = '\0';
	return 0;
}

static int dir_connect(struct dir_login *x)
{
	const struct directory_conf *c = &x->d->conf;
	struct timeval tv = {(time_t)c->timeout, 0};
	int v3 = LDAP_VERSION3, demand = LDAP_OPT_X_TLS_DEMAND, zero = 0;
	int tls_min = LDAP_OPT_X_TLS_PROTOCOL_TLS1_2, rc;

	rc = ldap_initialize(&x->ld, x->d->uri_list);
	x->conn->ld = x->ld;
	if (rc != LDAP_SUCCESS) {
		dir_log(LOG_ERROR, x, "initialize", rc);
		return rc;
	}
	/* Referrals off: a directory must not send the user's password to
	 * a server the settings do not name. */
	if (ldap_set_option(x->ld, LDAP_OPT_PROTOCOL_VERSION, &v3) != LDAP_OPT_SUCCESS ||
	    ldap_set_option(x->ld, LDAP_OPT_REFERRALS, LDAP_OPT_OFF) != LDAP_OPT_SUCCESS ||
	    ldap_set_option(x->ld, LDAP_OPT_RESTART, LDAP_OPT_OFF) != LDAP_OPT_SUCCESS ||
	    ldap_set_option(x->ld, LDAP_OPT_NETWORK_TIMEOUT, &tv) != LDAP_OPT_SUCCESS ||
	    ldap_set_option(x->ld, LDAP_OPT_TIMEOUT, &tv) != LDAP_OPT_SUCCESS ||
	    ldap_set_option(x->ld, LDAP_OPT_CONNECT_CB, broker_directory_watch_cb(x->w)) !=
		LDAP_OPT_SUCCESS)
		return LDAP_LOCAL_ERROR;
	if (c->ca) {
		/* The pinned CA alone, verified with the host name, in a TLS
		 * context of this connection's own (NEWCTX comes last: it is
		 * built from the options set before it). Connections are
		 * kept (broker_directory_pool.h), so the context and the CA
		 * file's read cost a new connection, not every login. */
		if (ldap_set_option(x->ld, LDAP_OPT_X_TLS_CACERTFILE, c->ca) != LDAP_OPT_SUCCESS ||
		    ldap_set_option(x->ld, LDAP_OPT_X_TLS_CACERTDIR, NULL) != LDAP_OPT_SUCCESS ||
		    ldap_set_option(x->ld, LDAP_OPT_X_TLS_REQUIRE_CERT, &demand) !=
			LDAP_OPT_SUCCESS ||
		    ldap_set_option(x->ld, LDAP_OPT_X_TLS_PROTOCOL_MIN, &tls_min) !=
			LDAP_OPT_SUCCESS ||
		    ldap_set_option(x->ld, LDAP_OPT_X_TLS_NEWCTX, &zero) != LDAP_OPT_SUCCESS) {
			dir_log(LOG_ERROR, x, "tls-setup", LDAP_LOCAL_ERROR);
			return LDAP_LOCAL_ERROR;
		}
	}
	if (c->starttls) {
		broker_directory_watch_arm(x->w);
		rc = ldap_start_tls_s(x->ld, NULL, NULL);
		if (broker_directory_watch_disarm(x->w) && rc != LDAP_SUCCESS)
			rc = LDAP_TIMEOUT;
		if (rc != LDAP_SUCCESS) {
			dir_log(LOG_ERROR, x, "starttls", rc);
			return rc == LDAP_SUCCESS ? LDAP_OTHER : LDAP_CONNECT_ERROR;
		}
	}
	return LDAP_SUCCESS;
}

/* Waits for msgid's result within the time-out; abandons it on time-out. */
static int dir_wait(struct dir_login *x, int msgid, int all, LDAPMessage **res)
{
	struct timeval tv = {(time_t)x->d->conf.timeout, 0};
	int r = ldap_result(x->ld, msgid, all, &tv, res);

	if (r == 0) {
		ldap_abandon_ext(x->ld, msgid, NULL, NULL);
		return LDAP_TIMEOUT;
	}
	if (r < 0) {
		int rc = LDAP_SERVER_DOWN;

		ldap_get_option(x->ld, LDAP_OPT_RESULT_CODE, &rc);
		return rc == LDAP_SUCCESS ? LDAP_SERVER_DOWN : rc;
	}
	return LDAP_SUCCESS;
}

/* Active Directory puts why a bind failed in the diagnostic message:
 * "... AcceptSecurityContext error, data 775, v4563". */
static const char *dir_ad_reason(const char *diag)
{
	static const struct {
		const char *code, *text;
	} codes[] = {
	    {"data 775", "account locked"},
	    {"data 533", "account disabled"},
	    {"data 532", "password expired"},
	    {"data 773", "password must be changed"},
	    {"data 701", "account expired"},
	    {"data 530", "logon not permitted at this time"},
	    {"data 531", "logon not permitted at this station"},
	};
	size_t i;

	for (i = 0; diag && i < sizeof(codes) / sizeof(codes[0]); i++)
		if (strstr(diag, codes[i].code))
			return codes[i].text;
	return NULL;
}

/* A simple bind. The user's bind asks for the password policy control
 * (ppolicy) and maps its locked or expired answer, and AD's sub-codes, to
 * BROKER_DIRECTORY_LOCKED with the reason in who. */
static int dir_bind(struct dir_login *x, const char *dn, const char *pw, bool user,
		    enum broker_directory_result *res)
{
	struct berval cred = {strlen(pw), (char *)pw};
	LDAPControl *pp = NULL, *sctrls[2] = {NULL, NULL}, **rctrls = NULL, *rc_pp;
	LDAPMessage *msg = NULL;
	char *diag = NULL;
	int msgid, rc, err;
	LDAPPasswordPolicyError pperr = PP_noError;
	ber_int_t expire = -1, grace = -1;
	const char *ad;

	*res = BROKER_DIRECTORY_UNAVAILABLE;
	if (user && x->d->conf.ppolicy && ldap_create_passwordpolicy_control(x->ld, &pp) == 0)
		sctrls[0] = pp;
	broker_directory_watch_arm(x->w);
	rc = ldap_sasl_bind(x->ld, dn, LDAP_SASL_SIMPLE, &cred, sctrls, NULL, &msgid);
	if (broker_directory_watch_disarm(x->w) && rc != LDAP_SUCCESS)
		rc = LDAP_TIMEOUT;
	if (pp)
		ldap_control_free(pp);
	if (rc == LDAP_SUCCESS)
		rc = dir_wait(x, msgid, LDAP_MSG_ALL, &msg);
	if (rc != LDAP_SUCCESS)
		goto out;
	err = ldap_parse_result(x->ld, msg, &rc, NULL, &diag, NULL, &rctrls, 1);
	msg = NULL;
	if (err != LDAP_SUCCESS) {
		rc = err;
		goto out;
	}
	/* LDAP_SERVER_DOWN means "no answer" to the caller, which may then
	 * send the password again on a new connection: an answer never
	 * carries it (a server has no business sending it). */
	if (rc == LDAP_SERVER_DOWN)
		rc = LDAP_OTHER;
	if (user && rctrls &&
	    (rc_pp = ldap_control_find(LDAP_CONTROL_PASSWORDPOLICYRESPONSE, rctrls, NULL)))
		ldap_parse_passwordpolicy_control(x->ld, rc_pp, &expire, &grace, &pperr);
	if (rc == LDAP_SUCCESS) {
		*res = BROKER_DIRECTORY_OK;
		goto out;
	}
	if (!user || dir_unreachable(rc))
		goto out;
	*res = BROKER_DIRECTORY_FAILED;
	ad = dir_ad_reason(diag);
	if (ad) {
		*res = BROKER_DIRECTORY_LOCKED;
		broker_directory_sanitise(ad, x->who->reason, sizeof(x->who->reason));
	} else if (pperr == PP_accountLocked || pperr == PP_passwordExpired ||
		   pperr == PP_changeAfterReset) {
		*res = BROKER_DIRECTORY_LOCKED;
		broker_directory_sanitise(diag && diag[0] ? diag
							  : ldap_passwordpolicy_err2txt(pperr),
					  x->who->reason, sizeof(x->who->reason));
	}
out:
	if (rc != LDAP_SUCCESS && *res == BROKER_DIRECTORY_UNAVAILABLE)
		dir_log(LOG_ERROR, x, user ? "bind" : "service-bind", rc);
	if (msg)
		ldap_msgfree(msg);
	if (rctrls)
		ldap_controls_free(rctrls);
	ldap_memfree(diag);
	return rc;
}

static int dir_add_group(struct broker_login_who *who, const char *name, size_t len)
{
	char **g;

	if (who->n_groups == DIR_GROUPS_MAX || len == 0 || len >= DIR_GROUP_NAME ||
	    !utf8_text_clean(name, len))
		return 0;
	g = realloc(who->groups, (who->n_groups + 1) * sizeof(*g));
	if (!g)
		return -1;
	who->groups = g;
	g[who->n_groups] = strndup(name, len);
	if (!g[who->n_groups])
		return -1;
	who->n_groups++;
	return 0;
}

/* A memberOf value is a DN: the group's name is its first RDN's value when
 * that RDN is group_name_attr (cn=staff,ou=groups,... -> staff), else the
 * whole DN. */
static int dir_add_group_dn(struct dir_login *x, const char *dn)
{
	LDAPDN parsed = NULL;
	int r;

	if (ldap_str2dn(dn, &parsed, LDAP_DN_FORMAT_LDAPV3) == LDAP_SUCCESS && parsed &&
	    parsed[0] && parsed[0][0] &&
	    strncasecmp(parsed[0][0]->la_attr.bv_val, x->d->conf.group_name_attr,
			parsed[0][0]->la_attr.bv_len) == 0 &&
	    strlen(x->d->conf.group_name_attr) == parsed[0][0]->la_attr.bv_len)
		r = dir_add_group(x->who, parsed[0][0]->la_value.bv_val,
				  parsed[0][0]->la_value.bv_len);
	else
		r = dir_add_group(x->who, dn, strlen(dn));
	if (parsed)
		ldap_dnfree(parsed);
	return r;
}

/* Runs a search and hands each entry to fn. Returns the LDAP code. */
static int dir_search(struct dir_login *x, const char *base, int scope, const char *filter,
		      char **attrs, int sizelimit,
		      int (*fn)(struct dir_login *, LDAPMessage *, void *), void *arg)
{
	struct timeval tv = {(time_t)x->d->conf.timeout, 0};
	LDAPMessage *res = NULL, *e;
	int msgid, rc, err;

	broker_directory_watch_arm(x->w);
	rc = ldap_search_ext(x->ld, base, scope, filter, attrs, 0, NULL, NULL, &tv, sizelimit,
			     &msgid);
	broker_directory_watch_disarm(x->w);
	if (rc != LDAP_SUCCESS)
		return rc;
	rc = dir_wait(x, msgid, LDAP_MSG_ALL, &res);
	if (rc != LDAP_SUCCESS)
		return rc;
	for (e = ldap_first_entry(x->ld, res); e; e = ldap_next_entry(x->ld, e))
		if (fn(x, e, arg) < 0) {
			ldap_msgfree(res);
			return LDAP_NO_MEMORY;
		}
	err = ldap_parse_result(x->ld, res, &rc, NULL, NULL, NULL, NULL, 1);
	return err != LDAP_SUCCESS ? err : rc;
}

/* The user's entry: its DN, its name and (group_attr) its groups. */
static int dir_user_entry(struct dir_login *x, LDAPMessage *e, void *arg)
{
	const struct directory_conf *c = &x->d->conf;
	unsigned *count = arg;
	struct berval **vals;
	char *dn;
	size_t i;

	if (++*count > 1)
		return 0;
	dn = ldap_get_dn(x->ld, e);
	if (!dn)
		return -1;
	x->dn = strdup(dn);
	ldap_memfree(dn);
	if (!x->dn)
		return -1;
	vals = ldap_get_values_len(x->ld, e, c->user_name_attr);
	if (vals && vals[0] && vals[0]->bv_len < sizeof(x->who->user) &&
	    utf8_text_clean(vals[0]->bv_val, vals[0]->bv_len))
		x->name = strndup(vals[0]->bv_val, vals[0]->bv_len);
	ldap_value_free_len(vals);
	if (!c->group_attr)
		return 0;
	vals = ldap_get_values_len(x->ld, e, c->group_attr);
	for (i = 0; vals && vals[i]; i++) {
		char *v = strndup(vals[i]->bv_val, vals[i]->bv_len);

		if (!v || dir_add_group_dn(x, v) < 0) {
			free(v);
			ldap_value_free_len(vals);
			return -1;
		}
		free(v);
	}
	ldap_value_free_len(vals);
	return 0;
}

static int dir_group_entry(struct dir_login *x, LDAPMessage *e, void *arg)
{
	struct berval **vals = ldap_get_values_len(x->ld, e, x->d->conf.group_name_attr);
	int r = 0;

	if (vals && vals[0])
		r = dir_add_group(x->who, vals[0]->bv_val, vals[0]->bv_len);
	ldap_value_free_len(vals);
	return r;
}

/* Finds the user's entry; *found is 0 for nobody (or more than one). */
static int dir_find_user(struct dir_login *x, const char *user, unsigned *found)
{
	const struct directory_conf *c = &x->d->conf;
	char esc[DIR_VALUE_MAX], filter[DIR_FILTER_MAX];
	char *attrs[3] = {c->user_name_attr, c->group_attr, NULL};
	int rc;

	*found = 0;
	if (ldap_escape_filter(user, strlen(user), esc, sizeof(esc)) < 0 ||
	    dir_expand(c->user_filter, esc, "", filter, sizeof(filter)) < 0)
		return LDAP_SUCCESS;
	rc = dir_search(x, c->base, LDAP_SCOPE_SUBTREE, filter, attrs, 2, dir_user_entry, found);
	if (rc == LDAP_SIZELIMIT_EXCEEDED || *found > 1) {
		log_event(LOG_WARN, "directory", "step", "search", "user", user, "error",
			  "more than one entry matches: refused", NULL);
		*found = 0;
		return LDAP_SUCCESS;
	}
	if (rc == LDAP_NO_SUCH_OBJECT) {
		dir_log(LOG_ERROR, x, "search", rc);
		return LDAP_OTHER; /* the base is wrong: not the user's fault */
	}
	if (rc != LDAP_SUCCESS)
		dir_log(LOG_ERROR, x, "search", rc);
	return rc;
}

/* The group search (group_filter), as whoever the connection is bound as. */
static int dir_find_groups(struct dir_login *x)
{
	const struct directory_conf *c = &x->d->conf;
	char esc_dn[DIR_VALUE_MAX], esc_u[DIR_VALUE_MAX], filter[DIR_FILTER_MAX];
	char *attrs[2] = {c->group_name_attr, NULL};
	const char *name = x->name ? x->name : x->user;
	int rc;

	if (!c->group_filter)
		return LDAP_SUCCESS;
	if (ldap_escape_filter(x->dn, strlen(x->dn), esc_dn, sizeof(esc_dn)) < 0 ||
	    ldap_escape_filter(name, strlen(name), esc_u, sizeof(esc_u)) < 0 ||
	    dir_expand(c->group_filter, esc_u, esc_dn, filter, sizeof(filter)) < 0)
		return LDAP_FILTER_ERROR;
	rc = dir_search(x, c->group_base, LDAP_SCOPE_SUBTREE, filter, attrs, DIR_GROUPS_MAX,
			dir_group_entry, NULL);
	if (rc == LDAP_SIZELIMIT_EXCEEDED)
		rc = LDAP_SUCCESS; /* DIR_GROUPS_MAX are plenty */
	if (rc != LDAP_SUCCESS)
		dir_log(LOG_ERROR, x, "groups", rc);
	return rc;
}

static void dir_drop_groups(struct broker_login_who *who)
{
	size_t i;

	for (i = 0; i < who->n_groups; i++)
		free(who->groups[i]);
	free(who->groups);
	who->groups = NULL;
	who->n_groups = 0;
}

static time_t dir_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec;
}

static bool dir_enter(struct broker_directory *d)
{
	bool ok;

	pthread_mutex_lock(&d->lock);
	ok = d->inflight < d->conf.max_inflight && dir_now() >= d->hold_until;
	if (ok)
		d->inflight++;
	pthread_mutex_unlock(&d->lock);
	return ok;
}

static void dir_leave(struct broker_directory *d)
{
	pthread_mutex_lock(&d->lock);
	d->inflight--;
	pthread_mutex_unlock(&d->lock);
}

/* Opens a new connection for x: StartTLS or LDAPS, and the service
 * account's bind when service is set (and there is one). */
static int dir_open(struct dir_login *x, bool service)
{
	enum broker_directory_result res;
	int rc;

	x->conn = broker_directory_conn_new(x->d->conf.timeout);
	if (!x->conn)
		return LDAP_NO_MEMORY;
	x->w = x->conn->w;
	rc = dir_connect(x);
	if (rc == LDAP_SUCCESS && service && x->d->conf.bind_dn) {
		rc = dir_bind(x, x->d->conf.bind_dn, x->d->password, false, &res);
		if (rc == LDAP_SUCCESS && res != BROKER_DIRECTORY_OK)
			rc = LDAP_OTHER;
	}
	return rc;
}

/* A kept connection from p for x, or a new one. */
static int dir_acquire(struct dir_login *x, struct broker_directory_pool *p, bool service)
{
	x->conn = broker_directory_pool_take(p);
	if (!x->conn)
		return dir_open(x, service);
	x->ld = x->conn->ld;
	x->w = x->conn->w;
	return LDAP_SUCCESS;
}

/* Ends x's use of its connection: back to p when keep (all its steps
 * succeeded), else closed. */
static void dir_release(struct dir_login *x, struct broker_directory_pool *p, bool keep)
{
	if (keep)
		broker_directory_pool_put(p, x->conn);
	else
		broker_directory_conn_close(x->conn);
	x->conn = NULL;
	x->ld = NULL;
	x->w = NULL;
}

/* A kept connection that the directory closed while it was idle (a
 * restart, its idle time-out) fails with LDAP_SERVER_DOWN before any
 * answer: worth one more try on a new connection. */
static bool dir_retry(const struct dir_login *x, int rc, bool reused, unsigned attempt)
{
	if (rc != LDAP_SERVER_DOWN || !reused || attempt)
		return false;
	log_event(LOG_INFO, "directory", "user", x->user, "step", "reuse", "error",
		  "a kept connection was closed: trying a new one", NULL);
	return true;
}

/* The user's entry and groups (search-then-bind), on a searcher. */
static int dir_lookup(struct dir_login *x, unsigned *found)
{
	unsigned attempt;
	bool reused;
	int rc;

	for (attempt = 0;; attempt++) {
		free(x->dn);
		free(x->name);
		x->dn = x->name = NULL;
		dir_drop_groups(x->who);
		*found = 0;
		rc = dir_acquire(x, x->d->searchers, true);
		if (rc != LDAP_SUCCESS) {
			dir_release(x, x->d->searchers, false);
			return rc;
		}
		reused = x->conn->reused;
		rc = dir_find_user(x, x->user, found);
		/* Groups first, with the service account's rights. */
		if (rc == LDAP_SUCCESS && *found)
			rc = dir_find_groups(x);
		dir_release(x, x->d->searchers, rc == LDAP_SUCCESS);
		if (!dir_retry(x, rc, reused, attempt))
			return rc;
	}
}

/* The user's bind on a binder, which x keeps unless it ends
 * unavailable. A bind that got an answer is never sent again: a
 * directory's lockout must count a wrong password once. */
static int dir_user_bind(struct dir_login *x, const char *dn, const char *password,
			 enum broker_directory_result *res)
{
	/* With a DN template and a service account, a new binder binds as
	 * the service account first, as every login did before connections
	 * were kept: a refused service password still means unavailable. */
	bool service = !x->d->conf.user_filter;
	unsigned attempt;
	bool reused;
	int rc;

	for (attempt = 0;; attempt++) {
		*res = BROKER_DIRECTORY_UNAVAILABLE;
		rc = dir_acquire(x, x->d->binders, service);
		if (rc != LDAP_SUCCESS) {
			dir_release(x, x->d->binders, false);
			return rc;
		}
		reused = x->conn->reused;
		rc = dir_bind(x, dn, password, true, res);
		if (*res != BROKER_DIRECTORY_UNAVAILABLE)
			return rc;
		dir_release(x, x->d->binders, false);
		if (!dir_retry(x, rc, reused, attempt))
			return rc;
	}
}

/* The steps of a check. */
static enum broker_directory_result dir_check(struct dir_login *x, const char *password)
{
	const struct directory_conf *c = &x->d->conf;
	enum broker_directory_result res;
	char esc[DIR_VALUE_MAX], dn[DIR_FILTER_MAX];
	unsigned found = 0;
	int rc;

	if (c->user_filter) {
		if (dir_lookup(x, &found) != LDAP_SUCCESS)
			return BROKER_DIRECTORY_UNAVAILABLE;
	} else {
		if (ldap_escape_dn(x->user, strlen(x->user), esc, sizeof(esc)) >= 0 &&
		    dir_expand(c->user_dn, esc, "", dn, sizeof(dn)) == 0)
			x->dn = strdup(dn);
		if (!x->dn)
			return BROKER_DIRECTORY_FAILED;
		found = 1;
	}
	if (!found) {
		/* Nobody by that name: the same bind round trip as a wrong
		 * password, to a DN that cannot exist, so that the answer and
		 * its time do not tell names apart. */
		snprintf(dn, sizeof(dn), "cn=vdi-no-such-user,%s", c->base);
		dir_user_bind(x, dn, password, &res);
		if (res == BROKER_DIRECTORY_UNAVAILABLE)
			return res;
		dir_release(x, x->d->binders, true);
		x->who->reason[0] = '\0';
		return BROKER_DIRECTORY_FAILED;
	}
	dir_user_bind(x, x->dn, password, &res);
	if (res == BROKER_DIRECTORY_UNAVAILABLE)
		return res;
	if (res != BROKER_DIRECTORY_OK || c->user_filter) {
		dir_release(x, x->d->binders, true);
		return res;
	}
	/* DN template: the user's own entry and groups, with their rights,
	 * on the connection they just bound on. */
	found = 0;
	{
		char *attrs[3] = {c->user_name_attr, c->group_attr, NULL};
		char *own = x->dn;

		x->dn = NULL;
		rc = dir_search(x, own, LDAP_SCOPE_BASE, "(objectClass=*)", attrs, 1,
				dir_user_entry, &found);
		if (!x->dn)
			x->dn = own;
		else
			free(own);
	}
	if (rc != LDAP_SUCCESS && rc != LDAP_NO_SUCH_OBJECT) {
		dir_log(LOG_ERROR, x, "read-entry", rc);
		dir_release(x, x->d->binders, false);
		return BROKER_DIRECTORY_UNAVAILABLE;
	}
	if (dir_find_groups(x) != LDAP_SUCCESS) {
		dir_release(x, x->d->binders, false);
		return BROKER_DIRECTORY_UNAVAILABLE;
	}
	dir_release(x, x->d->binders, true);
	return BROKER_DIRECTORY_OK;
}

enum broker_directory_result broker_directory_check(struct broker_directory *d, const char *user,
						    const char *password,
						    struct broker_login_who *who)
{
	struct dir_login x = {d, NULL, NULL, NULL, NULL, NULL, who, user};
	enum broker_directory_result res;
	time_t start;

	/* An empty password is an anonymous bind, which most directories
	 * accept: never a login. */
	if (!user[0] || !password[0])
		return BROKER_DIRECTORY_FAILED;
	if (!dir_enter(d)) {
		log_event(LOG_WARN, "directory", "user", user, "error",
			  "too many directory logins in flight, or it timed out just now", NULL);
		return BROKER_DIRECTORY_UNAVAILABLE;
	}
	start = dir_now();
	res = dir_check(&x, password);
	if (x.conn)
		dir_release(&x, d->binders, false); /* never kept on a path missed */
	if (res == BROKER_DIRECTORY_UNAVAILABLE && dir_now() - start >= (time_t)d->conf.timeout) {
		pthread_mutex_lock(&d->lock);
		d->hold_until = dir_now() + (time_t)d->conf.timeout;
		pthread_mutex_unlock(&d->lock);
	}
	dir_leave(d);
	if (res == BROKER_DIRECTORY_OK)
		snprintf(who->user, sizeof(who->user), "%s", x.name ? x.name : user);
	else
		dir_drop_groups(who);
	free(x.dn);
	free(x.name);
	return res;
}
