/* virt-viewer connection files: files shaped like the ones Proxmox VE and
 * oVirt hand out (proxy, escaped CA, host-subject, an [ovirt] group), a VNC
 * file, what the launcher makes of each (endpoint and USB policy, also when
 * a broker reply carries one), and a table of bad files, each refused with
 * the key and the reason. The CA is a real certificate made by openssl for
 * this run, and must come out of its escapes as one GTlsCertificate accepts. */
#include <gio/gio.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <string.h>

#include "broker_reply_parse.h"
#include "vv_file.h"

static char *test_ca_pem;     /* PEM text with real newlines */
static char *test_ca_escaped; /* the same with \n escapes, as .vv files have it */

/* A self-signed CA made by openssl in a scratch folder. */
static gboolean test_make_ca(void)
{
	g_autofree char *dir = g_dir_make_tmp("vdi-vv-XXXXXX", NULL);
	g_autofree char *key = NULL, *crt = NULL, *out = NULL, *errs = NULL;
	g_autoptr(GError) error = NULL;
	int status = 0;
	GString *esc;

	if (!dir)
		return FALSE;
	key = g_build_filename(dir, "key.pem", NULL);
	crt = g_build_filename(dir, "ca.pem", NULL);
	{
		const char *argv[] = {"openssl",
				      "req",
				      "-x509",
				      "-newkey",
				      "ec",
				      "-pkeyopt",
				      "ec_paramgen_curve:prime256v1",
				      "-nodes",
				      "-days",
				      "2",
				      "-subj",
				      "/CN=Test VV CA",
				      "-keyout",
				      key,
				      "-out",
				      crt,
				      NULL};
		if (!g_spawn_sync(NULL, (char **)argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, &out,
				  &errs, &status, &error) ||
		    !g_spawn_check_wait_status(status, NULL))
			return FALSE;
	}
	if (!g_file_get_contents(crt, &test_ca_pem, NULL, NULL))
		return FALSE;
	g_unlink(key);
	g_unlink(crt);
	g_rmdir(dir);
	esc = g_string_new(NULL);
	for (const char *p = test_ca_pem; *p; p++) {
		if (*p == '\n')
			g_string_append(esc, "\\n");
		else
			g_string_append_c(esc, *p);
	}
	test_ca_escaped = g_string_free(esc, FALSE);
	return TRUE;
}

/* The shape of Proxmox VE's spiceconfig answer: a ticket as host, the
 * node's SPICE proxy, TLS only, the cluster CA with escaped newlines. */
static char *test_proxmox_file(void)
{
	return g_strdup_printf(
	    "[virt-viewer]\n"
	    "secure-attention=Ctrl+Alt+Ins\n"
	    "release-cursor=Ctrl+Alt+R\n"
	    "toggle-fullscreen=Shift+F11\n"
	    "title=VM 100 - win10\n"
	    "delete-this-file=1\n"
	    "host=pvespiceproxy:65f1a2b3:100:pve1::0123456789abcdef0123456789abcdef01234567\n"
	    "tls-port=61000\n"
	    "type=spice\n"
	    "password=f0e1d2c3b4a5\n"
	    "proxy=http://192.0.2.10:3128\n"
	    "host-subject=OU=PVE Cluster Node,O=Proxmox Virtual Environment,CN=pve1.example.org\n"
	    "ca=%s\n",
	    test_ca_escaped);
}

/* The shape of oVirt's console.vv: [virt-viewer] with port=-1 and oVirt's
 * extra keys, then an [ovirt] group for its REST mode. */
static char *test_ovirt_file(void)
{
	return g_strdup_printf(
	    "[virt-viewer]\r\n"
	    "type=spice\r\n"
	    "host=192.0.2.101\r\n"
	    "port=-1\r\n"
	    "password=123456789\r\n"
	    "# seconds the password lives\r\n"
	    "delete-this-file=1\r\n"
	    "fullscreen=0\r\n"
	    "title=myvm:%%d - Press SHIFT+F12 to Release Cursor\r\n"
	    "toggle-fullscreen=shift+f11\r\n"
	    "release-cursor=shift+f12\r\n"
	    "secure-attention=ctrl+alt+end\r\n"
	    "tls-port=5901\r\n"
	    "enable-smartcard=0\r\n"
	    "enable-usb-autoshare=1\r\n"
	    "usb-filter=0x08,-1,-1,-1,1|-1,-1,-1,-1,0\r\n"
	    "tls-ciphers=DEFAULT\r\n"
	    "host-subject=O=example.org,CN=host1.example.org\r\n"
	    "ca=%s\r\n"
	    "secure-channels=main;inputs;cursor;playback;record;display;smartcard;usbredir\r\n"
	    "versions=rhev-win64:2.0-160;rhev-win32:2.0-160;rhel8:7.0-3\r\n"
	    "newer-version-url=http://www.ovirt.org/documentation/console-client-resources\r\n"
	    "\r\n"
	    "[ovirt]\r\n"
	    "host=engine.example.org:443\r\n"
	    "vm-guid=0a1b2c3d-4e5f-6071-8293-a4b5c6d7e8f9\r\n"
	    "jsessionid=abcdef\r\n"
	    "admin=1\r\n"
	    "ca=%s\r\n",
	    test_ca_escaped, test_ca_escaped);
}

static void test_proxmox(void)
{
	g_autofree char *text = test_proxmox_file();
	g_autoptr(GTlsCertificate) cert = NULL;
	g_autoptr(GError) error = NULL;
	struct vv_file f;
	char err[VV_FILE_ERR_MAX];

	g_assert_cmpint(vv_file_parse(text, strlen(text), &f, err, sizeof(err)), ==, 0);
	g_assert_cmpint(f.type, ==, VV_TYPE_SPICE);
	g_assert_cmpstr(
	    f.host, ==,
	    "pvespiceproxy:65f1a2b3:100:pve1::0123456789abcdef0123456789abcdef01234567");
	g_assert_cmpuint(f.port, ==, 0);
	g_assert_cmpuint(f.tls_port, ==, 61000);
	g_assert_cmpstr(f.password, ==, "f0e1d2c3b4a5");
	g_assert_cmpstr(f.proxy, ==, "http://192.0.2.10:3128");
	g_assert_cmpstr(f.host_subject, ==,
			"OU=PVE Cluster Node,O=Proxmox Virtual Environment,CN=pve1.example.org");
	g_assert_cmpstr(f.title, ==, "VM 100 - win10");
	g_assert_true(f.delete_this_file);
	g_assert_false(f.ovirt_group);
	g_assert_cmpint(f.usbredir, ==, -1);
	/* The escapes are undone: the very PEM openssl wrote, usable as is. */
	g_assert_cmpstr(f.ca, ==, test_ca_pem);
	cert = g_tls_certificate_new_from_pem(f.ca, -1, &error);
	g_assert_no_error(error);
	g_assert_nonnull(cert);
	vv_file_clear(&f);
	g_assert_null(f.password);
	vv_file_clear(&f); /* twice is fine */
}

static void test_ovirt(void)
{
	g_autofree char *text = test_ovirt_file();
	struct broker_reply r = {0};
	struct vv_file f;
	char err[VV_FILE_ERR_MAX];
	bool del = false;

	g_assert_cmpint(vv_file_parse(text, strlen(text), &f, err, sizeof(err)), ==, 0);
	g_assert_cmpint(f.type, ==, VV_TYPE_SPICE);
	g_assert_true(f.ovirt_group);
	g_assert_cmpstr(f.host, ==, "192.0.2.101"); /* not the [ovirt] host */
	g_assert_cmpuint(f.port, ==, 0);	    /* port=-1: none */
	g_assert_cmpuint(f.tls_port, ==, 5901);
	g_assert_cmpstr(f.ca, ==, test_ca_pem); /* not the [ovirt] one's line ending */
	g_assert_cmpstr(f.title, ==, "myvm:%d - Press SHIFT+F12 to Release Cursor");
	g_assert_cmpstr(f.usb_filter, ==, "0x08,-1,-1,-1,1|-1,-1,-1,-1,0");
	g_assert_cmpint(f.usb_autoshare, ==, 1);
	vv_file_clear(&f);

	/* What the launcher makes of it. */
	r.retry_after = -1;
	g_assert_cmpint(broker_reply_add_vv(&r, text, strlen(text), &del, err, sizeof(err)), ==, 0);
	g_assert_true(del);
	g_assert_cmpuint(r.n_endpoints, ==, 1);
	g_assert_cmpint(r.endpoints[0].protocol, ==, BROKER_PROTO_SPICE);
	g_assert_cmpstr(r.endpoints[0].protocol_name, ==, "spice");
	g_assert_cmpstr(r.endpoints[0].password, ==, "123456789");
	g_assert_cmpstr(r.endpoints[0].host_subject, ==, "O=example.org,CN=host1.example.org");
	g_assert_cmpstr(r.policy.usb_auto_redirect, ==, "0x08,-1,-1,-1,1|-1,-1,-1,-1,0");
	g_assert_null(r.policy.usb_deny);
	g_assert_cmpstr(r.station.name, ==, "myvm:%d - Press SHIFT+F12 to Release Cursor");
	broker_reply_clear(&r);
}

static void test_vnc(void)
{
	const char *text = "# made by hand\n"
			   "[virt-viewer]\n"
			   "  type = vnc  \n"
			   "host=fd00::7\n"
			   "port=5905\n"
			   "password=pa\\sss\\\\word\n"
			   "enable-usbredir=0\n"
			   "x-vendor-key=whatever\n";
	struct broker_reply r = {0};
	char err[VV_FILE_ERR_MAX];
	bool del = true;

	r.retry_after = -1;
	g_assert_cmpint(broker_reply_add_vv(&r, text, strlen(text), &del, err, sizeof(err)), ==, 0);
	g_assert_false(del);
	g_assert_cmpuint(r.n_endpoints, ==, 1);
	g_assert_cmpint(r.endpoints[0].protocol, ==, BROKER_PROTO_VNC);
	g_assert_cmpstr(r.endpoints[0].host, ==, "fd00::7");
	g_assert_cmpuint(r.endpoints[0].port, ==, 5905);
	g_assert_cmpstr(r.endpoints[0].password, ==, "pa ss\\word");
	/* enable-usbredir=0: nothing is redirected, whatever the broker says. */
	g_assert_cmpstr(r.policy.usb_auto_redirect, ==, BROKER_REPLY_USB_NONE);
	g_assert_cmpstr(r.policy.usb_deny, ==, BROKER_REPLY_USB_NONE);
	broker_reply_clear(&r);
}

/* A broker reply with "connection_file": its desktop comes first, the
 * reply's own endpoints (fallbacks) after it. */
static void test_reply_field(void)
{
	g_autofree char *vv = test_proxmox_file();
	g_autoptr(GString) json = g_string_new(NULL);
	struct broker_reply r;
	char err[256];

	g_string_append(json, "{\"status\":\"ready\",\"station\":{\"name\":\"desk\"},"
			      "\"policy\":{\"login\":\"none\",\"usb\":{\"auto_redirect\":"
			      "\"0x08,-1,-1,-1,1\",\"deny\":\"0x03,-1,-1,-1,0\"}},"
			      "\"endpoints\":[{\"protocol\":\"vnc\",\"host\":\"10.0.0.9\","
			      "\"port\":5900}],\"connection_file\":\"");
	for (const char *p = vv; *p; p++) {
		if (*p == '\n')
			g_string_append(json, "\\n");
		else if (*p == '\\' || *p == '"')
			g_string_append_printf(json, "\\%c", *p);
		else
			g_string_append_c(json, *p);
	}
	g_string_append(json, "\"}");
	g_assert_cmpint(broker_reply_parse(json->str, json->len, &r, err, sizeof(err)), ==, 0);
	g_assert_cmpuint(r.n_endpoints, ==, 2);
	g_assert_cmpint(r.endpoints[0].protocol, ==, BROKER_PROTO_SPICE);
	g_assert_cmpuint(r.endpoints[0].tls_port, ==, 61000);
	g_assert_cmpstr(r.endpoints[0].ca, ==, test_ca_pem);
	g_assert_cmpint(r.endpoints[1].protocol, ==, BROKER_PROTO_VNC);
	g_assert_cmpstr(r.station.name, ==, "desk"); /* the broker's name wins */
	g_assert_cmpstr(r.policy.usb_auto_redirect, ==, "0x08,-1,-1,-1,1");
	broker_reply_clear(&r);

	/* A bad file makes the whole reply bad, naming the field. */
	{
		const char *bad = "{\"status\":\"ready\",\"policy\":{\"login\":\"none\"},"
				  "\"connection_file\":\"[virt-viewer]\\ntype=spice\\n\"}";
		g_assert_cmpint(broker_reply_parse(bad, strlen(bad), &r, err, sizeof(err)), ==, -1);
		g_assert_cmpstr(err, ==,
				"connection_file: vv file: host: missing from [virt-viewer]");
		g_assert_null(r.endpoints);
	}
}

struct bad_case {
	const char *name;
	const char *text; /* NULL: built by the test */
	const char *want; /* the whole message, or its start when it ends in '*' */
};

#define VV_OK_HEAD "[virt-viewer]\ntype=spice\nhost=10.0.0.5\n"

static const struct bad_case bad_cases[] = {
    {"empty", "", "vv file: empty"},
    {"no group at all", "type=spice\nhost=10.0.0.5\nport=5900\n",
     "vv file: line 1: a key before the first [group]"},
    {"only another group", "[ovirt]\nhost=engine:443\n",
     "vv file: no [virt-viewer] group (not a virt-viewer connection file)"},
    {"type missing", "[virt-viewer]\nhost=10.0.0.5\nport=5900\n",
     "vv file: type: missing from [virt-viewer]"},
    {"type unknown", "[virt-viewer]\ntype=rdp\nhost=10.0.0.5\nport=3389\n",
     "vv file: type: 'rdp' is not spice or vnc"},
    {"type ovirt only", "[virt-viewer]\ntype=ovirt\n[ovirt]\nhost=engine:443\n",
     "vv file: type: 'ovirt' (oVirt REST mode) is not supported*"},
    {"tls-port out of range", VV_OK_HEAD "tls-port=70000\n",
     "vv file: tls-port: '70000' is not a port (1-65535)"},
    {"port not a number", VV_OK_HEAD "port=59oo\n",
     "vv file: port: '59oo' is not a port (1-65535)"},
    {"no port", VV_OK_HEAD, "vv file: port: neither port nor tls-port is set"},
    {"vnc without port", "[virt-viewer]\ntype=vnc\nhost=h\ntls-port=5901\n",
     "vv file: port: a vnc connection needs port*"},
    {"no host", "[virt-viewer]\ntype=spice\nport=5900\n",
     "vv file: host: missing from [virt-viewer]"},
    {"host with a blank", "[virt-viewer]\ntype=spice\nhost=a\\sb\nport=5900\n",
     "vv file: host: 'a b' is not a host name or IP address"},
    {"host ticket without proxy",
     "[virt-viewer]\ntype=spice\nhost=pvespiceproxy:1:2:n::3\ntls-port=1\n",
     "vv file: host: 'pvespiceproxy:1:2:n::3' is not a host name or IP address"},
    {"ca not PEM", VV_OK_HEAD "port=5900\nca=MIIBkTCB+wIJAK\\n\n",
     "vv file: ca: not a PEM certificate*"},
    {"proxy with another scheme", VV_OK_HEAD "port=5900\nproxy=socks5://10.0.0.1:1080\n",
     "vv file: proxy: 'socks5://10.0.0.1:1080' is not http://HOST:PORT or https://HOST:PORT"},
    {"proxy with a path", VV_OK_HEAD "port=5900\nproxy=http://p:3128/x\n",
     "vv file: proxy: 'http://p:3128/x' is not*"},
    {"proxy port out of range", VV_OK_HEAD "port=5900\nproxy=http://p:99999\n",
     "vv file: proxy: 'http://p:99999' is not*"},
    {"binary junk with NUL", NULL,
     "vv file: contains a NUL byte (binary data, not a connection file)"},
    {"not UTF-8", "[virt-viewer]\ntype=spice\nhost=\xc3\x28\n",
     "vv file: line 3: not valid UTF-8 text"},
    {"control character", "[virt-viewer]\ntype=spice\x01\n",
     "vv file: line 2: contains control characters"},
    {"escaped control character", VV_OK_HEAD "port=5900\ntitle=a\\nb\n",
     "vv file: title: contains control characters"},
    {"duplicate group", VV_OK_HEAD "port=5900\n[virt-viewer]\nport=5901\n",
     "vv file: line 5: group [virt-viewer] appears twice"},
    {"duplicate key", VV_OK_HEAD "port=5900\nhost=10.6.6.6\n",
     "vv file: line 5: host is set twice in [virt-viewer] (first on line 3)"},
    {"unknown escape", VV_OK_HEAD "port=5900\npassword=a\\qb\n",
     "vv file: line 5: password: unknown escape '\\q'*"},
    {"lone backslash", VV_OK_HEAD "port=5900\ntitle=abc\\\n",
     "vv file: line 5: title: the value ends with a lone backslash"},
    {"open header", "[virt-viewer\ntype=spice\n",
     "vv file: line 1: a group header must end with ']'"},
    {"line without =", VV_OK_HEAD "port 5900\n",
     "vv file: line 4: expected key=value, a [group] or a # comment"},
    {"flag not a number", VV_OK_HEAD "port=5900\nenable-usbredir=yes\n",
     "vv file: enable-usbredir: 'yes' is not 0 or 1"},
    {"host-subject without =", VV_OK_HEAD "port=5900\nhost-subject=desk\n",
     "vv file: host-subject: 'desk' is not a subject*"},
    {"oversized", NULL, "vv file: larger than 64 KiB"},
    {"password too long", NULL, "vv file: password: too long (300 bytes, at most 255)"},
};

static void test_bad(gconstpointer data)
{
	const struct bad_case *c = data;
	g_autofree char *built = NULL;
	const char *text = c->text;
	size_t len;
	struct vv_file f;
	char err[VV_FILE_ERR_MAX];

	if (!text && strcmp(c->name, "binary junk with NUL") == 0) {
		static const char junk[] = "\x7f"
					   "ELF\x02\x01\x01\0\0\0[virt-viewer]\ntype=spice\n";
		text = junk;
		len = sizeof(junk) - 1;
	} else if (!text && strcmp(c->name, "oversized") == 0) {
		GString *s = g_string_new(VV_OK_HEAD "port=5900\n");
		while (s->len <= VV_FILE_MAX)
			g_string_append(s, "# padding padding padding padding padding padding\n");
		len = s->len;
		text = built = g_string_free(s, FALSE);
	} else if (!text) {
		g_autofree char *pw = g_strnfill(300, 'p');
		built = g_strdup_printf(VV_OK_HEAD "port=5900\npassword=%s\n", pw);
		text = built;
		len = strlen(text);
	} else {
		len = strlen(text);
	}
	g_assert_cmpint(vv_file_parse(text, len, &f, err, sizeof(err)), ==, -1);
	if (g_str_has_suffix(c->want, "*")) {
		g_autofree char *prefix = g_strndup(c->want, strlen(c->want) - 1);
		if (!g_str_has_prefix(err, prefix))
			g_error("%s: got '%s', wanted '%s...'", c->name, err, prefix);
	} else {
		g_assert_cmpstr(err, ==, c->want);
	}
	g_assert_null(f.host);
	g_assert_null(f.password);
}

/* Checked by the launcher, not by the file parser: the usbredir syntax. */
static void test_bad_usb_filter(void)
{
	const char *text = VV_OK_HEAD "port=5900\nusb-filter=0x08,-1,-1\n";
	struct broker_reply r = {0};
	char err[VV_FILE_ERR_MAX];

	r.retry_after = -1;
	g_assert_cmpint(broker_reply_add_vv(&r, text, strlen(text), NULL, err, sizeof(err)), ==,
			-1);
	g_assert_true(g_str_has_prefix(err, "vv file: usb-filter: "));
	g_assert_null(r.endpoints);
	g_assert_null(r.policy.usb_auto_redirect);
}

/* vv_file_read: the size cap and a clear error for a missing file. */
static void test_read(void)
{
	g_autofree char *dir = g_dir_make_tmp("vdi-vv-XXXXXX", NULL);
	g_autofree char *path = g_build_filename(dir, "big.vv", NULL);
	g_autofree char *missing = g_build_filename(dir, "missing.vv", NULL);
	g_autofree char *big = g_strnfill(VV_FILE_MAX + 1, '#');
	char *text = NULL, err[VV_FILE_ERR_MAX];
	size_t len = 0;

	g_assert_true(g_file_set_contents(path, big, VV_FILE_MAX + 1, NULL));
	g_assert_cmpint(vv_file_read(path, &text, &len, err, sizeof(err)), ==, -1);
	g_assert_true(g_str_has_suffix(err, "is larger than 64 KiB"));
	g_assert_null(text);
	g_assert_true(g_file_set_contents(path, big, VV_FILE_MAX, NULL));
	g_assert_cmpint(vv_file_read(path, &text, &len, err, sizeof(err)), ==, 0);
	g_assert_cmpuint(len, ==, VV_FILE_MAX);
	g_free(text);
	g_assert_cmpint(vv_file_read(missing, &text, &len, err, sizeof(err)), ==, -1);
	g_assert_true(strstr(err, "No such file or directory") != NULL);
	g_unlink(path);
	g_rmdir(dir);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	if (!test_make_ca()) {
		g_test_skip("openssl cannot make a test certificate");
		return g_test_run();
	}
	g_test_add_func("/client/vv/proxmox", test_proxmox);
	g_test_add_func("/client/vv/ovirt", test_ovirt);
	g_test_add_func("/client/vv/vnc", test_vnc);
	g_test_add_func("/client/vv/reply-field", test_reply_field);
	for (size_t i = 0; i < G_N_ELEMENTS(bad_cases); i++) {
		g_autofree char *path = g_strdup_printf("/client/vv/bad/%s", bad_cases[i].name);
		g_test_add_data_func(path, &bad_cases[i], test_bad);
	}
	g_test_add_func("/client/vv/bad-usb-filter", test_bad_usb_filter);
	g_test_add_func("/client/vv/read", test_read);
	return g_test_run();
}
