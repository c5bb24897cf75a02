/* The directory-login benchmark's client (tools/bench/directory.sh): N
 * logins, C at a time, each on its own thread, timed one by one.
 *
 *   directory_login ldap SETTINGS USER PASSWORD N C
 *       the bare libldap peer: per login a new connection with the
 *       settings' TLS (the CA pinned), the service account's bind, the
 *       search for the user and the user's bind: what the broker asks the
 *       directory for a login, without the broker
 *   directory_login broker URL CA MAC-PREFIX USER PASSWORD N C
 *       POST /v1/login to the broker, from MAC-PREFIX:00..ff (stations of
 *       a login = broker mapping), until the answer is ready
 *
 * Prints "ok=N failed=N p50_ms=X p99_ms=X" on one line. */
#include <curl/curl.h>
#include <ldap.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "directory_conf.h"

struct bench {
	const char *mode, *user, *password;
	/* ldap */
	struct directory_conf conf;
	char uris[1024], bind_pw[DIRECTORY_PASSWORD_MAX + 1];
	/* broker */
	const char *url, *ca, *mac_prefix;
	int n;
	atomic_int next, ok, failed;
	double *ms;
};

static double bench_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int bench_bind(LDAP *ld, const char *dn, const char *pw)
{
	struct berval cred = {strlen(pw), (char *)pw};

	return ldap_sasl_bind_s(ld, dn, LDAP_SASL_SIMPLE, &cred, NULL, NULL, NULL);
}

static int bench_ldap_once(struct bench *b)
{
	const struct directory_conf *c = &b->conf;
	int v3 = LDAP_VERSION3, demand = LDAP_OPT_X_TLS_DEMAND, zero = 0, rc = -1;
	char filter[512], *dn = NULL;
	char *attrs[] = {c->user_name_attr, c->group_attr, NULL};
	LDAPMessage *res = NULL, *e;
	LDAP *ld = NULL;

	if (ldap_initialize(&ld, b->uris) != LDAP_SUCCESS)
		return -1;
	ldap_set_option(ld, LDAP_OPT_PROTOCOL_VERSION, &v3);
	ldap_set_option(ld, LDAP_OPT_REFERRALS, LDAP_OPT_OFF);
	if (c->ca) {
		ldap_set_option(ld, LDAP_OPT_X_TLS_CACERTFILE, c->ca);
		ldap_set_option(ld, LDAP_OPT_X_TLS_REQUIRE_CERT, &demand);
		ldap_set_option(ld, LDAP_OPT_X_TLS_NEWCTX, &zero);
	}
	if (c->starttls && ldap_start_tls_s(ld, NULL, NULL) != LDAP_SUCCESS)
		goto out;
	if (c->bind_dn && bench_bind(ld, c->bind_dn, b->bind_pw) != LDAP_SUCCESS)
		goto out;
	/* The plain user name: the benchmark's own, no escaping needed. */
	snprintf(filter, sizeof(filter), "(&(objectClass=*)(uid=%s))", b->user);
	if (ldap_search_ext_s(ld, c->base, LDAP_SCOPE_SUBTREE, filter, attrs, 0, NULL, NULL, NULL,
			      2, &res) != LDAP_SUCCESS)
		goto out;
	e = ldap_first_entry(ld, res);
	dn = e ? ldap_get_dn(ld, e) : NULL;
	if (dn && bench_bind(ld, dn, b->password) == LDAP_SUCCESS)
		rc = 0;
out:
	ldap_memfree(dn);
	if (res)
		ldap_msgfree(res);
	ldap_unbind_ext(ld, NULL, NULL);
	return rc;
}

static size_t bench_sink(char *p, size_t size, size_t n, void *arg)
{
	char **body = arg;
	size_t len = *body ? strlen(*body) : 0;
	char *nb = realloc(*body, len + size * n + 1);

	if (!nb)
		return 0;
	memcpy(nb + len, p, size * n);
	nb[len + size * n] = '\0';
	*body = nb;
	return size * n;
}

static int bench_broker_once(struct bench *b, int i)
{
	char json[512], url[512];
	char *body = NULL;
	long http = 0;
	struct curl_slist *h = curl_slist_append(NULL, "Content-Type: application/json");
	CURL *curl = curl_easy_init();
	int rc = -1;

	snprintf(json, sizeof(json),
		 "{\"mac\":\"%s:%02x\",\"hostname\":\"bench\",\"username\":\"%s\","
		 "\"password\":\"%s\"}",
		 b->mac_prefix, i % 256, b->user, b->password);
	snprintf(url, sizeof(url), "%s/v1/login", b->url);
	curl_easy_setopt(curl, CURLOPT_URL, url);
	curl_easy_setopt(curl, CURLOPT_CAINFO, b->ca);
	curl_easy_setopt(curl, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(curl, CURLOPT_POSTFIELDS, json);
	curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, bench_sink);
	curl_easy_setopt(curl, CURLOPT_WRITEDATA, &body);
	curl_easy_setopt(curl, CURLOPT_TIMEOUT, 30L);
	curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
	if (curl_easy_perform(curl) == CURLE_OK &&
	    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &http) == CURLE_OK && http == 200 &&
	    body && strstr(body, "\"status\":\"ready\""))
		rc = 0;
	free(body);
	curl_slist_free_all(h);
	curl_easy_cleanup(curl);
	return rc;
}

static void *bench_thread(void *arg)
{
	struct bench *b = arg;
	int i;

	while ((i = atomic_fetch_add(&b->next, 1)) < b->n) {
		double t0 = bench_now_ms();
		int r = strcmp(b->mode, "ldap") == 0 ? bench_ldap_once(b) : bench_broker_once(b, i);

		b->ms[i] = bench_now_ms() - t0;
		atomic_fetch_add(r == 0 ? &b->ok : &b->failed, 1);
	}
	return NULL;
}

static int bench_cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	static struct bench b;
	char err[512];
	pthread_t *t;
	int c, i;
	size_t k;

	if (argc == 7 && strcmp(argv[1], "ldap") == 0) {
		b.mode = "ldap";
		if (directory_conf_load(argv[2], &b.conf, err, sizeof(err)) < 0 ||
		    directory_conf_read_password(&b.conf, b.bind_pw, sizeof(b.bind_pw), err,
						 sizeof(err)) < 0) {
			fprintf(stderr, "%s\n", err);
			return 2;
		}
		for (k = 0; k < b.conf.n_uris; k++)
			snprintf(b.uris + strlen(b.uris), sizeof(b.uris) - strlen(b.uris), "%s%s",
				 k ? " " : "", b.conf.uris[k]);
		setenv("LDAPNOINIT", "1", 1);
		b.user = argv[3];
		b.password = argv[4];
		b.n = atoi(argv[5]);
		c = atoi(argv[6]);
	} else if (argc == 9 && strcmp(argv[1], "broker") == 0) {
		b.mode = "broker";
		b.url = argv[2];
		b.ca = argv[3];
		b.mac_prefix = argv[4];
		b.user = argv[5];
		b.password = argv[6];
		b.n = atoi(argv[7]);
		c = atoi(argv[8]);
		curl_global_init(CURL_GLOBAL_DEFAULT);
	} else {
		fprintf(stderr,
			"usage: %s ldap SETTINGS USER PASSWORD N C\n"
			"       %s broker URL CA MAC-PREFIX USER PASSWORD N C\n",
			argv[0], argv[0]);
		return 2;
	}
	if (b.n < 1 || c < 1)
		return 2;
	b.ms = calloc((size_t)b.n, sizeof(double));
	t = calloc((size_t)c, sizeof(*t));
	for (i = 0; i < c; i++)
		pthread_create(&t[i], NULL, bench_thread, &b);
	for (i = 0; i < c; i++)
		pthread_join(t[i], NULL);
	qsort(b.ms, (size_t)b.n, sizeof(double), bench_cmp);
	printf("ok=%d failed=%d p50_ms=%.2f p99_ms=%.2f\n", atomic_load(&b.ok),
	       atomic_load(&b.failed), b.ms[b.n / 2], b.ms[(size_t)((b.n - 1) * 0.99)]);
	return 0;
}
