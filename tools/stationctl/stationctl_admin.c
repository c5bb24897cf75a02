/* The broker admin client. The broker is a separate, possibly older or
 * newer, process: every reply is size-capped and its shape checked before
 * use. */
#include "stationctl_admin.h"

#include <curl/curl.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "stationctl.h"
#include "stationctl_commands.h"
#include "stationctl_util.h"

#define STATIONCTL_ADMIN_CONNECT_TIMEOUT_MS 5000L
#define STATIONCTL_ADMIN_TIMEOUT_MS	    30000L

struct stationctl_admin_buf {
	char *data;
	size_t len, cap;
	int too_big;
};

static size_t stationctl_admin_write(char *ptr, size_t size, size_t nmemb, void *arg)
{
	struct stationctl_admin_buf *b = arg;
	size_t n = size * nmemb;

	if (b->len + n > STATIONCTL_ADMIN_REPLY_MAX) {
		b->too_big = 1;
		return 0; /* makes curl abort the transfer */
	}
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 16384;
		char *p;

		while (b->len + n + 1 > cap)
			cap *= 2;
		p = realloc(b->data, cap);
		if (!p)
			return 0;
		b->data = p;
		b->cap = cap;
	}
	memcpy(b->data + b->len, ptr, n);
	b->len += n;
	b->data[b->len] = '\0';
	return n;
}

/* curl says "Couldn't connect"; find out why, to tell the admin whether the
 * broker is not running or the socket is not theirs to use. */
static void stationctl_admin_explain(const char *socket_path)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	struct stat st;
	int fd, err = 0;

	if (strlen(socket_path) >= sizeof(sa.sun_path)) {
		stationctl_util_err("%s: socket path too long", socket_path);
		return;
	}
	if (stat(socket_path, &st) < 0) {
		stationctl_util_err("cannot reach the broker: %s: %s (is vdi-broker running? "
				    "see --socket)",
				    socket_path, strerror(errno));
		return;
	}
	memcpy(sa.sun_path, socket_path, strlen(socket_path) + 1);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd >= 0 && connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		err = errno;
	if (fd >= 0)
		close(fd);
	if (err == EACCES || err == EPERM)
		stationctl_util_err("cannot reach the broker: %s: permission denied (run as "
				    "root or as a member of the socket's group)",
				    socket_path);
	else
		stationctl_util_err("cannot reach the broker: %s: %s (is vdi-broker running?)",
				    socket_path, err ? strerror(err) : "connection failed");
}

static void stationctl_admin_http_error(long code, json_object *reply, const char *path)
{
	const char *msg = NULL;
	char shown[400];

	if (reply) {
		json_object *e;

		msg = stationctl_admin_str(reply, "message");
		if (!msg)
			msg = stationctl_admin_str(reply, "error");
		if (!msg && json_object_object_get_ex(reply, "error", &e) &&
		    json_object_is_type(e, json_type_object))
			msg = stationctl_admin_str(e, "message");
	}
	stationctl_util_printable(msg ? msg : "", shown, sizeof(shown));
	stationctl_util_err("broker: %s: HTTP %ld%s%s", path, code, msg ? ": " : "", shown);
}

int stationctl_admin_request_status(const char *socket_path, const char *method, const char *path,
				    const char *body, json_object **reply, long *status, int quiet)
{
	struct stationctl_admin_buf buf = {0};
	struct curl_slist *headers = NULL;
	char url[512], errbuf[CURL_ERROR_SIZE] = "";
	json_object *obj = NULL;
	json_tokener *tok = NULL;
	CURL *curl = NULL;
	CURLcode cc;
	long code = 0;
	int ret = STATIONCTL_EXIT_BROKER;

	*reply = NULL;
	*status = 0;
	snprintf(url, sizeof(url), "http://localhost%s", path);
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK || !(curl = curl_easy_init())) {
		stationctl_util_err("cannot initialise libcurl");
		goto cleanup;
	}
	curl_easy_setopt(curl, CURLOPT_UNIX_SOCKET_PATH, socket_path);
	curl_easy_setopt(curl, CURLOPT_URL, url);
	/* Nothing but this one local request: no redirects, no proxies from
	 * the environment, no other protocols. */
	curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http");
	curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(curl, CURLOPT_NOPROXY, "*");
	curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, STATIONCTL_ADMIN_CONNECT_TIMEOUT_MS);
	curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, STATIONCTL_ADMIN_TIMEOUT_MS);
	curl_easy_setopt(curl, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)STATIONCTL_ADMIN_REPLY_MAX);
	curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, stationctl_admin_write);
	curl_easy_setopt(curl, CURLOPT_WRITEDATA, &buf);
	curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(curl, CURLOPT_USERAGENT, "stationctl/" VDI_VERSION);
	headers = curl_slist_append(headers, "Accept: application/json");
	if (strcmp(method, "POST") == 0) {
		headers = curl_slist_append(headers, "Content-Type: application/json");
		curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body ? body : "{}");
	}
	curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);

	cc = curl_easy_perform(curl);
	if (cc != CURLE_OK) {
		if (quiet)
			goto cleanup;
		if (cc == CURLE_COULDNT_CONNECT)
			stationctl_admin_explain(socket_path);
		else if (buf.too_big || cc == CURLE_FILESIZE_EXCEEDED)
			stationctl_util_err("broker: %s: reply larger than %u bytes", path,
					    STATIONCTL_ADMIN_REPLY_MAX);
		else
			stationctl_util_err("cannot talk to the broker at %s: %s", socket_path,
					    errbuf[0] ? errbuf : curl_easy_strerror(cc));
		goto cleanup;
	}
	curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &code);
	*status = code;
	if (buf.len > 0) {
		tok = json_tokener_new();
		if (tok) {
			obj = json_tokener_parse_ex(tok, buf.data, (int)buf.len);
			if (json_tokener_get_error(tok) != json_tokener_success) {
				json_object_put(obj);
				obj = NULL;
			}
		}
	}
	if (code < 200 || code > 299) {
		if (!quiet)
			stationctl_admin_http_error(code, obj, path);
		ret = code == 404 ? STATIONCTL_EXIT_NOTFOUND : STATIONCTL_EXIT_INVALID;
		if (obj && json_object_is_type(obj, json_type_object)) {
			*reply = obj;
			obj = NULL;
		}
		goto cleanup;
	}
	if (!obj || !json_object_is_type(obj, json_type_object)) {
		if (!quiet)
			stationctl_util_err("broker: %s: the reply is not a JSON object", path);
		goto cleanup;
	}
	*reply = obj;
	obj = NULL;
	ret = STATIONCTL_EXIT_OK;
cleanup:
	json_object_put(obj);
	if (tok)
		json_tokener_free(tok);
	curl_slist_free_all(headers);
	if (curl)
		curl_easy_cleanup(curl);
	curl_global_cleanup();
	free(buf.data);
	return ret;
}

int stationctl_admin_request(const char *socket_path, const char *method, const char *path,
			     const char *body, json_object **reply, int quiet)
{
	long status;
	int ret =
	    stationctl_admin_request_status(socket_path, method, path, body, reply, &status, quiet);

	if (ret != STATIONCTL_EXIT_OK) {
		json_object_put(*reply);
		*reply = NULL;
	}
	return ret;
}

const char *stationctl_admin_str(json_object *obj, const char *key)
{
	json_object *v;

	if (!obj || !json_object_object_get_ex(obj, key, &v) ||
	    !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

void stationctl_admin_time(json_object *obj, const char *key, char *out, size_t outlen)
{
	json_object *v;

	out[0] = '\0';
	if (!obj || !json_object_object_get_ex(obj, key, &v))
		return;
	if (json_object_is_type(v, json_type_int) || json_object_is_type(v, json_type_double)) {
		time_t t = (time_t)json_object_get_int64(v);
		struct tm tm;

		if (t > 0 && localtime_r(&t, &tm))
			strftime(out, outlen, "%Y-%m-%dT%H:%M:%S", &tm);
		return;
	}
	if (json_object_is_type(v, json_type_string))
		snprintf(out, outlen, "%s", json_object_get_string(v));
}

int stationctl_admin_get_list(const char *socket_path, const char *path, const char *key,
			      json_object **reply, json_object **list, int quiet)
{
	int ret = stationctl_admin_request(socket_path, "GET", path, NULL, reply, quiet);

	if (ret)
		return ret;
	if (!json_object_object_get_ex(*reply, key, list) ||
	    !json_object_is_type(*list, json_type_array)) {
		if (!quiet)
			stationctl_util_err("broker: %s: no \"%s\" list in the reply", path, key);
		json_object_put(*reply);
		*reply = NULL;
		return STATIONCTL_EXIT_BROKER;
	}
	return STATIONCTL_EXIT_OK;
}

int stationctl_admin_list_opts(int argc, char **argv, int *json, int *no_header)
{
	static const struct option opts[] = {
	    {"json", no_argument, NULL, 'j'},
	    {"no-header", no_argument, NULL, 'H'},
	    {NULL, 0, NULL, 0},
	};
	int c;

	*json = *no_header = 0;
	while ((c = getopt_long(argc, argv, "jH", opts, NULL)) != -1) {
		if (c == 'j')
			*json = 1;
		else if (c == 'H')
			*no_header = 1;
		else
			return stationctl_commands_usage_error(argv[0]);
	}
	if (optind < argc)
		return stationctl_commands_usage_error(argv[0]);
	return 0;
}

/* json-c writes the C1 controls (U+0080-U+009F) and U+2028/U+2029 raw, as
 * JSON allows; a terminal acts on them (U+009B starts an escape sequence).
 * Their UTF-8 forms (C2 80-9F, E2 80 A8/A9) can only be inside strings, so
 * each is replaced by its \u escape, which leaves the same JSON value. */
void stationctl_admin_print_json(json_object *reply)
{
	const unsigned char *s = (const unsigned char *)json_object_to_json_string_ext(
	    reply, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE);

	for (; *s; s++) {
		if (s[0] == 0xc2 && s[1] >= 0x80 && s[1] <= 0x9f) {
			printf("\\u%04x", s[1]);
			s++;
		} else if (s[0] == 0xe2 && s[1] == 0x80 && (s[2] == 0xa8 || s[2] == 0xa9)) {
			printf("\\u%04x", 0x2000u | (s[2] - 0x80u));
			s += 2;
		} else {
			putchar(*s);
		}
	}
	putchar('\n');
}
