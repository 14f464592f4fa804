/*
 * The MySQL codec of pkt.h: reader and writer bounds, length-encoded
 * integers, and each packet written, parsed and cut short.  The handshake,
 * handshake response, OK, EOF and ERR samples were captured from a
 * MariaDB 10.11 server and its command-line client.
 */
#include "obp.h"

#include <stdint.h>
#include <stdlib.h>

#include "tap.h"

#define S(lit) (const uint8_t *)(lit), sizeof(lit) - 1

/* MariaDB 10.11.19's initial handshake (connection 3). */
static const char hs_mariadb[] =
    "\x0a" "5.5.5-10.11.19-MariaDB-0+deb12u1" "\0"
    "\x03\0\0\0" "UA%3rd}k" "\0"        /* connection id, scramble 1 */
    "\xfe\xf7" "\x08" "\x02\0" "\xff\x81" "\x15"
    "\0\0\0\0\0\0" "\x1d\0\0\0"         /* MariaDB's extended caps */
    "}VsalzAsA*L\"" "\0" "mysql_native_password" "\0";

/* The MariaDB client's answer: root, no password, database mysql. */
static const char resp_mariadb[] =
    "\x8c\xa2\xbf\0" "\0\0\x10\0" "\x21"
    "\0\0\0\0\0\0\0\0\0\0" "\0\0\0\0\0\0\0\0\0" "\x1d\0\0\0"
    "root\0" "\0" "mysql\0" "mysql_native_password\0" "\x7f"
    "\x03_os" "\x05Linux" "\x0c_client_name" "\x0alibmariadb"
    "\x04_pid" "\x05" "19879" "\x0f_client_version" "\x06" "3.3.20"
    "\x09_platform" "\x06x86_64" "\x0cprogram_name" "\x05mysql"
    "\x0c_server_host" "\x09" "127.0.0.1";

/* OK after "USE mysql", "SET autocommit=0", and a plain OK. */
static const char ok_schema[] =
    "\0\0\0" "\x02\x40" "\0\0" "\0" "\x08" "\x01\x06\x05mysql";
static const char ok_sysvar[] =
    "\0\0\0" "\0\x40" "\0\0" "\0" "\x11" "\0\x0f\x0a" "autocommit"
    "\x03OFF";
static const char ok_plain[] = "\0\0\0\x02\0\0\0";
static const char err_mariadb[] =
    "\xff\x7a\x04#42S02Table 'mysql.nosuch' doesn't exist";

#define CAPS_CLIENT 0x00bfa28cu     /* resp_mariadb's capabilities */

static uint8_t buf[512];

/* True when [p, p+n) lies in [base, base+len); NULL only with n 0. */
static int
inside(const void *p, size_t n, const uint8_t *base, size_t len)
{
    uintptr_t a = (uintptr_t)p, b = (uintptr_t)base;

    if (p == NULL)
        return n == 0;
    return a >= b && n <= len && a - b <= len - n;
}

static void
test_lenenc(void)
{
    static const struct { uint64_t v; size_t size; uint8_t first; } t[] = {
        { 0, 1, 0 }, { 250, 1, 250 }, { 251, 3, 0xfc },
        { 0xffff, 3, 0xfc }, { 0x10000, 4, 0xfd }, { 0xffffff, 4, 0xfd },
        { 0x1000000, 9, 0xfe }, { UINT64_MAX, 9, 0xfe }
    };
    struct obp_wr wr;
    struct obp_rd rd;
    bool          null = true;
    char          name[64];
    size_t        i;

    for (i = 0; i < OBP_NELEMS(t); i++) {
        obp_wr_init(&wr, buf, sizeof(buf));
        obp_wr_lenenc(&wr, t[i].v);
        snprintf(name, sizeof(name), "lenenc %" PRIu64 ": %zu bytes",
                 t[i].v, t[i].size);
        tap_ok(!wr.err && wr.len == t[i].size && buf[0] == t[i].first,
               name);
        obp_rd_init(&rd, buf, wr.len);
        tap_ok(obp_rd_lenenc(&rd, &null) == t[i].v && !null && !rd.err
               && obp_rd_left(&rd) == 0, "  reads back");
        obp_rd_init(&rd, buf, wr.len - 1);
        tap_ok(obp_rd_lenenc(&rd, NULL) == 0 && rd.err, "  cut: err");
    }
    obp_rd_init(&rd, (const uint8_t *)"\xfb\x07", 2);
    tap_ok(obp_rd_lenenc(&rd, &null) == 0 && null && !rd.err
           && obp_rd_u8(&rd) == 7, "0xfb is NULL, one byte");
    obp_rd_init(&rd, (const uint8_t *)"\xff\x01\x02", 3);
    tap_ok(obp_rd_lenenc(&rd, &null) == 0 && !null && rd.err,
           "0xff is invalid: err");
    obp_rd_init(&rd, (const uint8_t *)"\xfb", 1);
    tap_ok(obp_rd_lenenc_str(&rd, &i) == NULL && rd.err && i == 0,
           "lenenc string: NULL marker is an error");
    obp_rd_init(&rd, (const uint8_t *)"\x03" "ab", 3);
    tap_ok(obp_rd_lenenc_str(&rd, &i) == NULL && rd.err,
           "lenenc string longer than the payload: err");
}

static void
test_reader(void)
{
    static const uint8_t d[] = { 1, 2, 3, 4, 5, 6, 7, 8, 'h', 'i', 0 };
    struct obp_rd rd;
    size_t        n = 99;

    obp_rd_init(&rd, d, sizeof(d));
    tap_ok(obp_rd_u8(&rd) == 1 && obp_rd_u16(&rd) == 0x0302
           && obp_rd_u24(&rd) == 0x060504 && !rd.err, "u8 u16 u24");
    obp_rd_init(&rd, d, sizeof(d));
    tap_ok(obp_rd_u32(&rd) == 0x04030201
           && obp_rd_left(&rd) == sizeof(d) - 4, "u32, left");
    obp_rd_init(&rd, d, sizeof(d));
    tap_ok(obp_rd_u64(&rd) == UINT64_C(0x0807060504030201), "u64");
    tap_ok(strcmp(obp_rd_nulstr(&rd, &n), "hi") == 0 && n == 2
           && obp_rd_left(&rd) == 0, "nulstr consumes its NUL");
    tap_ok(obp_rd_rest(&rd, &n) != NULL && n == 0 && !rd.err,
           "rest of nothing: empty, no err");
    tap_ok(obp_rd_u8(&rd) == 0 && rd.err, "u8 past the end: 0, err");
    obp_rd_init(&rd, d, 1);
    tap_ok(obp_rd_u16(&rd) == 0 && rd.err, "u16 past the end");
    obp_rd_init(&rd, d, 2);
    tap_ok(obp_rd_u24(&rd) == 0 && rd.err, "u24 past the end");
    obp_rd_init(&rd, d, 3);
    tap_ok(obp_rd_u32(&rd) == 0 && rd.err, "u32 past the end");
    obp_rd_init(&rd, d, 7);
    tap_ok(obp_rd_u64(&rd) == 0 && rd.err, "u64 past the end");
    obp_rd_init(&rd, d, 7);
    tap_ok(obp_rd_bytes(&rd, 8) == NULL && rd.err
           && obp_rd_left(&rd) == 0, "bytes past the end");
    obp_rd_init(&rd, d, 10);
    tap_ok(obp_rd_nulstr(&rd, &n) == NULL && n == 0 && rd.err,
           "nulstr without a NUL: err");
    tap_ok(obp_rd_u8(&rd) == 0 && obp_rd_bytes(&rd, 0) == NULL
           && obp_rd_rest(&rd, &n) == NULL && n == 0
           && obp_rd_lenenc_str(&rd, &n) == NULL,
           "after err every getter returns 0 or NULL");
    obp_rd_init(&rd, NULL, 0);
    tap_ok(obp_rd_left(&rd) == 0 && obp_rd_rest(&rd, NULL) != NULL
           && obp_rd_u8(&rd) == 0 && rd.err, "a NULL buffer is empty");
}

static void
test_writer(void)
{
    struct obp_wr wr;
    size_t        off;

    obp_wr_init(&wr, buf, sizeof(buf));
    obp_wr_u8(&wr, 1);
    obp_wr_u16(&wr, 0x0302);
    obp_wr_u24(&wr, 0x060504);
    obp_wr_u32(&wr, 0x0a090807);
    obp_wr_u64(&wr, UINT64_C(0x1211100f0e0d0c0b));
    tap_ok(!wr.err && wr.len == 18 && buf[0] == 1 && buf[5] == 6
           && buf[9] == 0x0a && buf[17] == 0x12, "u8..u64 little endian");
    memset(buf, 0xaa, sizeof(buf));
    obp_wr_init(&wr, buf, 6);
    obp_wr_u32(&wr, 0);
    obp_wr_u32(&wr, 0);
    tap_ok(wr.err && wr.len == 4 && buf[4] == 0xaa,
           "u32 that does not fit: err, nothing written");
    obp_wr_u8(&wr, 0);
    tap_ok(wr.len == 4 && buf[4] == 0xaa, "after err nothing is written");
    memset(buf, 0xaa, sizeof(buf));
    obp_wr_init(&wr, buf, 6);
    obp_wr_lenenc_str(&wr, "abcdef", 6);
    tap_ok(wr.err && wr.len == 0 && buf[0] == 0xaa,
           "lenenc string too long: not even its length");
    obp_wr_init(&wr, buf, 6);
    obp_wr_nulstr(&wr, "abcde", 5);
    tap_ok(!wr.err && wr.len == 6 && buf[5] == 0, "nulstr fills cap");
    obp_wr_nulstr(&wr, NULL, 0);
    tap_ok(wr.err && wr.len == 6, "even an empty nulstr needs a byte");
    obp_wr_init(&wr, buf, 8);
    obp_wr_u64(&wr, 1);
    obp_wr_lenenc(&wr, 0);
    obp_wr_zero(&wr, 1);
    obp_wr_bytes(&wr, "x", 1);
    tap_ok(wr.err && wr.len == 8 && buf[8] == 0xaa,
           "lenenc, zero, bytes past cap: err");
    obp_wr_init(&wr, buf, sizeof(buf));
    obp_wr_u8(&wr, 9);
    off = obp_wr_pkt_begin(&wr);
    obp_wr_bytes(&wr, "abc", 3);
    obp_wr_pkt_end(&wr, off, 5);
    tap_ok(!wr.err && off == 1 && wr.len == 8
           && memcmp(buf + 1, "\x03\0\0\x05" "abc", 7) == 0,
           "pkt_begin/end: header at its offset");
    obp_wr_init(&wr, buf, 3);
    obp_wr_pkt_begin(&wr);
    tap_ok(wr.err, "no room for a header: err");
}

static void
test_pkt_max(void)
{
    size_t        cap = OBP_PKT_HDR_LEN + OBP_PKT_MAX_PAYLOAD + 1, off;
    uint8_t      *big = malloc(cap);
    struct obp_wr wr;

    if (!tap_ok(big != NULL, "malloc 16 MiB"))
        return;
    obp_wr_init(&wr, big, cap);
    off = obp_wr_pkt_begin(&wr);
    obp_wr_zero(&wr, OBP_PKT_MAX_PAYLOAD);
    obp_wr_pkt_end(&wr, off, 0);
    tap_ok(!wr.err && obp_pkt_payload_len(big) == OBP_PKT_MAX_PAYLOAD,
           "payload of 0xffffff bytes");
    obp_wr_u8(&wr, 0);
    obp_wr_pkt_end(&wr, off, 0);
    tap_ok(wr.err, "payload of 0x1000000 bytes: err");
    free(big);
}

static void
test_hs_mariadb(void)
{
    struct obp_handshake hs;
    struct obp_wr        wr;
    uint8_t              want[sizeof(hs_mariadb) - 1];

    tap_is_int(sizeof(hs_mariadb) - 1, 100, "captured handshake: 100 B");
    tap_is_int(obp_handshake_parse(&hs, S(hs_mariadb)), OBP_OK,
               "MariaDB 10.11 handshake parses");
    tap_is_str(hs.version, "5.5.5-10.11.19-MariaDB-0+deb12u1", "  version");
    tap_ok(hs.protocol == 10 && hs.conn_id == 3, "  protocol, conn id");
    tap_ok(hs.scramble_len == 20
           && memcmp(hs.scramble, "UA%3rd}k}VsalzAsA*L\"", 20) == 0,
           "  20-byte scramble from both parts");
    tap_is_int(hs.caps, 0x81fff7fe, "  capabilities");
    tap_ok(hs.charset == 8 && hs.status == 2, "  charset, status");
    tap_is_str(hs.plugin, OBP_NATIVE_PLUGIN, "  plugin");
    tap_is_int(hs.ext_caps, 0x1d, "  MariaDB's extended capabilities");
    obp_wr_init(&wr, buf, sizeof(buf));
    memcpy(want, hs_mariadb, sizeof(want));
    tap_ok(obp_handshake_write(&wr, 0, &hs) == OBP_OK && wr.len == 104
           && memcmp(buf, "\x64\0\0\0", 4) == 0
           && memcmp(buf + 4, want, sizeof(want)) == 0,
           "written back: the same bytes, extended capabilities too");
    hs.caps |= OBP_CLIENT_LONG_PASSWORD;
    obp_wr_init(&wr, buf, sizeof(buf));
    tap_ok(obp_handshake_write(&wr, 0, &hs) == OBP_OK
           && memcmp(buf + 4 + 61, "\0\0\0\0", 4) == 0,
           "  none with LONG_PASSWORD (MySQL's layout)");
}

/* Parses <d> after patching byte <at> to <v>. */
static int
hs_patched(size_t at, uint8_t v)
{
    struct obp_handshake hs;
    uint8_t              d[sizeof(hs_mariadb) - 1];

    memcpy(d, hs_mariadb, sizeof(d));
    d[at] = v;
    return obp_handshake_parse(&hs, d, sizeof(d));
}

static void
test_hs_write(void)
{
    struct obp_handshake hs = {
        .version = "5.7.25-OceanBase-v4.2.1.0", .conn_id = 0x12345678,
        .scramble = "abcdefghijklmnopqrst", .scramble_len = 20,
        .caps = 0x000ff7df, .charset = 45, .status = 2,
        .plugin = OBP_NATIVE_PLUGIN
    }, back;
    struct obp_wr wr;

    obp_wr_init(&wr, buf, sizeof(buf));
    tap_ok(obp_handshake_write(&wr, 0, &hs) == OBP_OK
           && obp_pkt_payload_len(buf) == wr.len - 4 && buf[3] == 0,
           "handshake written");
    tap_ok(obp_handshake_parse(&back, buf + 4, wr.len - 4) == OBP_OK
           && back.protocol == 10 && back.conn_id == hs.conn_id
           && back.caps == hs.caps && back.charset == 45
           && back.status == 2 && back.scramble_len == 20
           && memcmp(back.scramble, hs.scramble, 20) == 0
           && strcmp(back.version, hs.version) == 0
           && strcmp(back.plugin, hs.plugin) == 0, "  and parsed back");
    hs.caps &= ~OBP_CLIENT_PLUGIN_AUTH;
    obp_wr_init(&wr, buf, sizeof(buf));
    tap_ok(obp_handshake_write(&wr, 0, &hs) == OBP_OK
           && obp_handshake_parse(&back, buf + 4, wr.len - 4) == OBP_OK
           && back.scramble_len == 20 && back.plugin[0] == '\0',
           "without PLUGIN_AUTH: 20-byte scramble, no plugin");
    hs.caps |= OBP_CLIENT_PLUGIN_AUTH;
    hs.scramble_len = 12;
    obp_wr_init(&wr, buf, sizeof(buf));
    tap_ok(obp_handshake_write(&wr, 0, &hs) == OBP_OK
           && obp_handshake_parse(&back, buf + 4, wr.len - 4) == OBP_OK
           && back.scramble_len == 12, "a 12-byte scramble round trip");
    hs.scramble_len = 7;
    tap_is_int(obp_handshake_write(&wr, 0, &hs), OBP_ERROR,
               "scramble shorter than 8: refused");
    obp_wr_init(&wr, buf, 50);
    hs.scramble_len = 20;
    tap_ok(obp_handshake_write(&wr, 0, &hs) == OBP_ERROR && wr.err,
           "no room: OBP_ERROR, err");
    tap_is_int(hs_patched(0, 9), OBP_ERROR, "protocol 9: refused");
    tap_is_int(hs_patched(46, 1), OBP_ERROR, "filler not 0: refused");
    tap_is_int(hs_patched(54, 40), OBP_ERROR, "40 bytes of auth data");
    tap_is_int(hs_patched(99, 'x'), OBP_ERROR, "plugin without NUL");
    tap_is_int(hs_patched(33, 'x'), OBP_ERROR, "version NUL lost: refused");
}

/* Equal byte strings; NULL equals only NULL. */
static int
same(const void *a, size_t an, const void *b, size_t bn)
{
    if (a == NULL || b == NULL)
        return a == b && an == 0 && bn == 0;
    return an == bn && memcmp(a, b, an) == 0;
}

static void
test_resp_mariadb(void)
{
    struct obp_hs_response r;
    struct obp_wr          wr;
    uint8_t                want[sizeof(resp_mariadb) - 1];
    const uint8_t         *end = (const uint8_t *)resp_mariadb + 194;

    tap_is_int(sizeof(resp_mariadb) - 1, 194, "captured response: 194 B");
    tap_is_int(obp_hs_response_parse(&r, S(resp_mariadb)), OBP_OK,
               "MariaDB client's handshake response parses");
    tap_ok(r.caps == CAPS_CLIENT && r.max_packet == 0x100000
           && r.charset == 33 && !r.ssl_request, "  fixed part");
    tap_ok(same(r.user, r.user_len, "root", 4), "  user");
    tap_ok(r.auth != NULL && r.auth_len == 0, "  empty lenenc auth");
    tap_ok(same(r.db, r.db_len, "mysql", 5), "  db");
    tap_ok(same(r.plugin, r.plugin_len, OBP_NATIVE_PLUGIN, 21), "  plugin");
    tap_ok(r.attrs_len == 127 && memcmp(r.attrs, "\x03_os", 4) == 0
           && r.attrs + r.attrs_len == end, "  raw attrs block");
    memcpy(want, resp_mariadb, sizeof(want));
    obp_wr_init(&wr, buf, sizeof(buf));
    tap_ok(obp_hs_response_write(&wr, 1, &r) == OBP_OK && wr.len == 198
           && memcmp(buf, "\xc2\0\0\x01", 4) == 0
           && memcmp(buf + 4, want, sizeof(want)) == 0,
           "written back: the same bytes, extended capabilities too");
}

/* Writes <in>, parses it into <out>; patches caps with <add> first. */
static int
resp_rt(const struct obp_hs_response *in, struct obp_hs_response *out,
        uint32_t add)
{
    struct obp_wr wr;

    obp_wr_init(&wr, buf, sizeof(buf));
    if (obp_hs_response_write(&wr, 1, in) != OBP_OK)
        return OBP_ERROR;
    buf[4] |= (uint8_t)add;
    buf[6] |= (uint8_t)(add >> 16);
    return obp_hs_response_parse(out, buf + 4, wr.len - 4);
}

static void
test_resp_rt(void)
{
    static const uint8_t tok[300] = { 1, 2, 3, [19] = 20, [299] = 0xee };
    struct obp_hs_response in = {
        .caps = OBP_CLIENT_PROTOCOL_41 | OBP_CLIENT_SECURE_CONNECTION
                | OBP_CLIENT_PLUGIN_AUTH_LENENC_DATA | OBP_CLIENT_PLUGIN_AUTH
                | OBP_CLIENT_CONNECT_WITH_DB | OBP_CLIENT_CONNECT_ATTRS,
        .max_packet = 1 << 24, .charset = 45,
        .user = "alice@t1#c1", .user_len = 11, .auth = tok, .auth_len = 20,
        .db = "test", .db_len = 4, .plugin = OBP_NATIVE_PLUGIN,
        .plugin_len = 21, .attrs = (const uint8_t *)"\x03_os\x05Linux",
        .attrs_len = 10
    }, out;

    tap_ok(resp_rt(&in, &out, 0) == OBP_OK && out.caps == in.caps
           && out.max_packet == in.max_packet && out.charset == 45
           && same(out.user, out.user_len, in.user, 11)
           && same(out.auth, out.auth_len, tok, 20)
           && same(out.db, out.db_len, "test", 4)
           && same(out.plugin, out.plugin_len, in.plugin, 21)
           && same(out.attrs, out.attrs_len, in.attrs, 10),
           "response round trip: db, plugin, attrs, lenenc auth");
    in.auth_len = 300;
    tap_ok(resp_rt(&in, &out, 0) == OBP_OK && buf[4 + 32 + 12] == 0xfc
           && same(out.auth, out.auth_len, tok, 300),
           "300-byte lenenc auth");
    in.caps &= ~OBP_CLIENT_PLUGIN_AUTH_LENENC_DATA;
    tap_is_int(resp_rt(&in, &out, 0), OBP_ERROR,
               "300 bytes with a 1-byte length: refused");
    in.auth_len = 20;
    tap_ok(resp_rt(&in, &out, 0) == OBP_OK && buf[4 + 32 + 12] == 20
           && same(out.auth, out.auth_len, tok, 20), "1-byte auth length");
    in.caps &= ~(OBP_CLIENT_CONNECT_WITH_DB | OBP_CLIENT_PLUGIN_AUTH
                 | OBP_CLIENT_CONNECT_ATTRS);
    tap_ok(resp_rt(&in, &out, 0) == OBP_OK && out.db == NULL
           && out.plugin == NULL && out.attrs == NULL,
           "without db, plugin, attrs: NULL");
    tap_ok(resp_rt(&in, &out, OBP_CLIENT_CONNECT_WITH_DB
                   | OBP_CLIENT_PLUGIN_AUTH | OBP_CLIENT_CONNECT_ATTRS)
           == OBP_OK && out.db == NULL && out.db_len == 0
           && out.plugin == NULL && out.attrs == NULL,
           "flags set, fields missing at the end: NULL");
    in.caps |= OBP_CLIENT_CONNECT_WITH_DB;
    tap_ok(resp_rt(&in, &out, OBP_CLIENT_PLUGIN_AUTH) == OBP_OK
           && same(out.db, out.db_len, "test", 4) && out.plugin == NULL,
           "db without the plugin that is flagged");
    in.caps &= ~OBP_CLIENT_SECURE_CONNECTION;
    in.auth = (const uint8_t *)"abc";
    in.auth_len = 3;
    tap_ok(resp_rt(&in, &out, 0) == OBP_OK
           && same(out.auth, out.auth_len, "abc", 3)
           && same(out.db, out.db_len, "test", 4), "NUL-terminated auth");
    in.user_len = 0;
    tap_ok(resp_rt(&in, &out, 0) == OBP_OK && out.user_len == 0
           && out.user != NULL, "empty user");
}

static void
test_ssl_request(void)
{
    struct obp_hs_response in = {
        .caps = OBP_CLIENT_PROTOCOL_41 | OBP_CLIENT_SSL, .charset = 45,
        .max_packet = 1 << 24, .ssl_request = true
    }, out;
    struct obp_wr          wr;

    obp_wr_init(&wr, buf, sizeof(buf));
    tap_ok(obp_hs_response_write(&wr, 1, &in) == OBP_OK && wr.len == 36,
           "SSL request: 32-byte payload");
    tap_ok(obp_hs_response_parse(&out, buf + 4, 32) == OBP_OK
           && out.ssl_request && out.caps == in.caps && out.user == NULL,
           "  parsed as an SSL request");
    buf[5] &= (uint8_t)~(OBP_CLIENT_SSL >> 8);
    tap_is_int(obp_hs_response_parse(&out, buf + 4, 32), OBP_ERROR,
               "32 bytes without CLIENT_SSL: no user, refused");
    memcpy(buf, resp_mariadb, 194);
    buf[1] &= (uint8_t)~(OBP_CLIENT_PROTOCOL_41 >> 8);
    tap_is_int(obp_hs_response_parse(&out, buf, 194), OBP_ERROR,
               "a pre-4.1 response: refused");
    memcpy(buf, resp_mariadb, 36);
    tap_is_int(obp_hs_response_parse(&out, buf, 36), OBP_ERROR,
               "user without NUL: refused");
}

/* Parses an OK with the client's capabilities; writes it back to buf. */
static int
ok_rt(struct obp_ok *ok, const uint8_t *d, size_t len)
{
    struct obp_wr wr;

    obp_wr_init(&wr, buf, sizeof(buf));
    return obp_ok_parse(ok, d, len, CAPS_CLIENT) == OBP_OK
           && obp_ok_write(&wr, 1, ok, CAPS_CLIENT) == OBP_OK
           && wr.len == len + 4 && memcmp(buf + 4, d, len) == 0;
}

static void
test_ok_captured(void)
{
    struct obp_ok         ok;
    struct obp_rd         rd;
    struct obp_track_item it;
    const uint8_t        *name, *val;
    size_t                nlen, vlen;

    tap_ok(ok_rt(&ok, S(ok_plain)) && ok.status == 2 && ok.info == NULL
           && ok.track == NULL, "plain OK: no info, no track; same bytes");
    tap_ok(ok_rt(&ok, S(ok_schema)) && ok.status == 0x4002
           && ok.info_len == 0 && ok.track_len == 8,
           "OK with a session-track block; same bytes written");
    obp_rd_init(&rd, ok.track, ok.track_len);
    tap_ok(obp_track_next(&rd, &it) == OBP_OK
           && it.type == OBP_SESSION_TRACK_SCHEMA
           && obp_track_schema(&it, &name, &nlen) == OBP_OK
           && same(name, nlen, "mysql", 5), "  SCHEMA item: mysql");
    tap_is_int(obp_track_sysvar(&it, &name, &nlen, &val, &vlen), OBP_ERROR,
               "  not a SYSTEM_VARIABLES item");
    tap_is_int(obp_track_next(&rd, &it), OBP_DONE, "  then DONE");
    tap_ok(ok_rt(&ok, S(ok_sysvar)) && ok.status == 0x4000
           && ok.track_len == 17, "OK after SET autocommit=0");
    obp_rd_init(&rd, ok.track, ok.track_len);
    tap_ok(obp_track_next(&rd, &it) == OBP_OK
           && it.type == OBP_SESSION_TRACK_SYSTEM_VARIABLES
           && obp_track_sysvar(&it, &name, &nlen, &val, &vlen) == OBP_OK
           && same(name, nlen, "autocommit", 10) && same(val, vlen, "OFF", 3),
           "  SYSTEM_VARIABLES item: autocommit=OFF");
    tap_is_int(obp_track_schema(&it, &name, &nlen), OBP_ERROR,
               "  not a SCHEMA item");
    tap_is_int(obp_track_next(&rd, &it), OBP_DONE, "  then DONE");
    obp_rd_init(&rd, (const uint8_t *)"\x01\x05\x04test", 6);
    tap_ok(obp_track_next(&rd, &it) == OBP_ERROR && rd.err,
           "item longer than the block: OBP_ERROR");
    it.type = OBP_SESSION_TRACK_SYSTEM_VARIABLES;
    it.data = (const uint8_t *)"\x03" "ab";
    it.len = 3;
    tap_is_int(obp_track_sysvar(&it, &name, &nlen, &val, &vlen), OBP_ERROR,
               "sysvar name past the item: OBP_ERROR");
    it.type = OBP_SESSION_TRACK_GTIDS;
    it.data = (const uint8_t *)"\x00\x05u:1-2";
    it.len = 7;
    tap_ok(obp_track_gtids(&it, &val, &vlen) == OBP_OK
           && same(val, vlen, "u:1-2", 5), "GTIDS item: the set's text");
    it.len = 6;
    tap_is_int(obp_track_gtids(&it, &val, &vlen), OBP_ERROR,
               "  cut short: OBP_ERROR");
    it.type = OBP_SESSION_TRACK_SCHEMA;
    it.len = 7;
    tap_is_int(obp_track_gtids(&it, &val, &vlen), OBP_ERROR,
               "  not a GTIDS item: OBP_ERROR");
}

/* A track block: time_zone=+08:00, schema db1, state change "1". */
static size_t
track_block(uint8_t *t, size_t cap)
{
    struct obp_wr wr;

    obp_wr_init(&wr, t, cap);
    obp_wr_u8(&wr, OBP_SESSION_TRACK_SYSTEM_VARIABLES);
    obp_wr_lenenc(&wr, 17);
    obp_wr_lenenc_str(&wr, "time_zone", 9);
    obp_wr_lenenc_str(&wr, "+08:00", 6);
    obp_wr_u8(&wr, OBP_SESSION_TRACK_SCHEMA);
    obp_wr_lenenc(&wr, 4);
    obp_wr_lenenc_str(&wr, "db1", 3);
    obp_wr_u8(&wr, OBP_SESSION_TRACK_STATE_CHANGE);
    obp_wr_lenenc_str(&wr, "\x01" "1", 2);
    return wr.err ? 0 : wr.len;
}

static void
test_ok_written(void)
{
    uint8_t               t[64];
    struct obp_ok         in = {
        .affected_rows = 300, .last_insert_id = 0x10000, .warnings = 1,
        .status = OBP_SERVER_SESSION_STATE_CHANGED
                  | OBP_SERVER_STATUS_AUTOCOMMIT,
        .info = (const uint8_t *)"hi", .info_len = 2, .track = t
    }, out;
    struct obp_wr         wr;
    struct obp_rd         rd;
    struct obp_track_item it;
    const uint8_t        *n, *v;
    size_t                nl, vl;
    int                   types = 0, rc;

    in.track_len = track_block(t, sizeof(t));
    obp_wr_init(&wr, buf, sizeof(buf));
    tap_ok(obp_ok_write(&wr, 2, &in, CAPS_CLIENT) == OBP_OK
           && obp_ok_parse(&out, buf + 4, wr.len - 4, CAPS_CLIENT) == OBP_OK
           && out.affected_rows == 300 && out.last_insert_id == 0x10000
           && out.status == in.status && out.warnings == 1
           && same(out.info, out.info_len, "hi", 2)
           && same(out.track, out.track_len, t, in.track_len),
           "OK round trip with info and three track items");
    obp_rd_init(&rd, out.track, out.track_len);
    while ((rc = obp_track_next(&rd, &it)) == OBP_OK)
        types = types * 10 + it.type + 1;
    tap_ok(rc == OBP_DONE && types == 123, "  items in order, then DONE");
    obp_rd_init(&rd, out.track, out.track_len);
    tap_ok(obp_track_next(&rd, &it) == OBP_OK
           && obp_track_sysvar(&it, &n, &nl, &v, &vl) == OBP_OK
           && same(n, nl, "time_zone", 9) && same(v, vl, "+08:00", 6),
           "  time_zone=+08:00");
    tap_ok(obp_ok_parse(&out, S("\0\x01\0\x02\0\0\0" "Rows matched: 1"),
                        OBP_CLIENT_PROTOCOL_41) == OBP_OK
           && out.affected_rows == 1 && out.track == NULL
           && same(out.info, out.info_len, "Rows matched: 1", 15),
           "without SESSION_TRACK the info is the rest");
    in.status = 0;
    in.info_len = 0;
    obp_wr_init(&wr, buf, sizeof(buf));
    tap_ok(obp_ok_write(&wr, 2, &in, OBP_CLIENT_PROTOCOL_41) == OBP_OK
           && wr.len == 4 + 1 + 3 + 4 + 4, "OK written without info");
    tap_ok(obp_ok_parse(&out, S("\xfe\0\0\x02\0\0\0"), CAPS_CLIENT)
           == OBP_OK && out.status == 2, "0xfe OK (DEPRECATE_EOF)");
    tap_is_int(obp_ok_parse(&out, S("\x01\0\0\x02\0\0\0"), CAPS_CLIENT),
               OBP_ERROR, "first byte 0x01: not an OK");
    tap_is_int(obp_ok_parse(&out, S("\0\xfb\0\x02\0\0\0"), CAPS_CLIENT),
               OBP_ERROR, "NULL affected rows: refused");
    obp_wr_init(&wr, buf, 10);
    tap_ok(obp_ok_write(&wr, 2, &in, CAPS_CLIENT) == OBP_ERROR && wr.err,
           "no room: OBP_ERROR");
}

static void
test_err(void)
{
    struct obp_err e;
    static const char msg[] = "Table 'mysql.nosuch' doesn't exist";

    tap_ok(obp_err_parse(&e, S(err_mariadb)) == OBP_OK && e.code == 1146
           && strcmp(e.sqlstate, "42S02") == 0
           && same(e.msg, e.msg_len, msg, sizeof(msg) - 1),
           "captured ERR 1146 (42S02)");
    tap_ok(obp_err_parse(&e, S("\xff\x15\x04" "Access denied")) == OBP_OK
           && e.code == 1045 && strcmp(e.sqlstate, "HY000") == 0
           && same(e.msg, e.msg_len, "Access denied", 13),
           "ERR without SQL state: HY000");
    tap_ok(obp_err_parse(&e, buf + 4, obp_pkt_err(buf, sizeof(buf), 0,
                                                  1040, "08004", "x") - 4)
           == OBP_OK && e.code == 1040 && strcmp(e.sqlstate, "08004") == 0
           && same(e.msg, e.msg_len, "x", 1), "obp_pkt_err parses back");
    tap_is_int(obp_err_parse(&e, S("\xff\x15\x04#")), OBP_ERROR,
               "'#' without a state: refused");
    tap_is_int(obp_err_parse(&e, S("\0\x15\x04")), OBP_ERROR,
               "not 0xff: refused");
    tap_ok(obp_err_parse(&e, S("\xff\x15\x04")) == OBP_OK && e.msg_len == 0,
           "code only: empty message");
}

static void
test_eof(void)
{
    struct obp_wr wr;
    uint16_t      w = 9, st = 9;

    tap_ok(obp_is_eof(S("\xfe\0\0\0\0"))
           && obp_eof_parse(S("\xfe\0\0\0\0"), &w, &st) == OBP_OK
           && w == 0 && st == 0, "captured EOF");
    tap_ok(obp_eof_parse(S("\xfe\x01\0\x22\0"), &w, &st) == OBP_OK
           && w == 1 && st == 0x22, "EOF: warnings, status");
    tap_ok(!obp_is_eof(S("\xfe\0\0\0\0\0\0\0\0"))
           && obp_eof_parse(S("\xfe\0\0\0\0\0\0\0\0"), &w, &st)
              == OBP_ERROR, "a 9-byte 0xfe row is not an EOF");
    tap_ok(obp_is_eof(S("\xfe\0\0\0\0\0\0\0")), "8 bytes: an EOF");
    tap_ok(!obp_is_eof(NULL, 0) && !obp_is_eof(S("\0\0\0\0\0")),
           "empty, or 0x00: not an EOF");
    tap_ok(obp_is_eof(S("\xfe\0"))
           && obp_eof_parse(S("\xfe\0"), NULL, NULL) == OBP_ERROR,
           "a 2-byte EOF has no status: refused");
    obp_wr_init(&wr, buf, sizeof(buf));
    tap_ok(obp_eof_write(&wr, 7, 1, 0x22) == OBP_OK && wr.len == 9
           && memcmp(buf, "\x05\0\0\x07\xfe\x01\0\x22\0", 9) == 0,
           "EOF written byte for byte");
}

static void
test_auth_switch(void)
{
    static const char data[] = "abcdefghijklmnopqrst";  /* and its NUL */
    struct obp_wr     wr;
    const char       *plugin;
    const uint8_t    *d;
    size_t            pl, dl;

    obp_wr_init(&wr, buf, sizeof(buf));
    tap_ok(obp_auth_switch_write(&wr, 2, OBP_NATIVE_PLUGIN,
                                 (const uint8_t *)data, 21) == OBP_OK
           && wr.len == 48 && memcmp(buf, "\x2c\0\0\x02\xfe", 5) == 0
           && memcmp(buf + 5, OBP_NATIVE_PLUGIN, 22) == 0
           && memcmp(buf + 27, data, 21) == 0, "auth switch written");
    tap_ok(obp_auth_switch_parse(buf + 4, 44, &plugin, &pl, &d, &dl)
           == OBP_OK && same(plugin, pl, OBP_NATIVE_PLUGIN, 21)
           && same(d, dl, data, 21), "  parsed back");
    tap_ok(obp_auth_switch_parse(S("\xfe" "p\0"), &plugin, &pl, &d, &dl)
           == OBP_OK && pl == 1 && dl == 0, "plugin, no data");
    tap_is_int(obp_auth_switch_parse(S("\xfe"), &plugin, &pl, &d, &dl),
               OBP_ERROR, "0xfe alone (old switch): refused");
    tap_is_int(obp_auth_switch_parse(S("\xfe" "abc"), &plugin, &pl, &d,
                                     &dl), OBP_ERROR, "no NUL: refused");
    tap_is_int(obp_auth_switch_parse(S("\0p\0"), &plugin, &pl, &d, &dl),
               OBP_ERROR, "not 0xfe: refused");
}

/*
 * Cut-short packets: each parser returns OBP_OK or OBP_ERROR, and on
 * OBP_OK every pointer lies in the bytes it was given.  Each prefix is
 * copied to a buffer of its own size so that the sanitizer sees any read
 * past it.
 */
static int
cut_hs(const uint8_t *p, size_t n)
{
    struct obp_handshake hs;
    int                  rc = obp_handshake_parse(&hs, p, n);

    return rc == OBP_OK && hs.scramble_len > OBP_SCRAMBLE_LEN ? 99 : rc;
}

static int
cut_resp(const uint8_t *p, size_t n)
{
    struct obp_hs_response r;
    int                    rc = obp_hs_response_parse(&r, p, n);

    if (rc == OBP_OK && !(inside(r.user, r.user_len, p, n)
                          && inside(r.auth, r.auth_len, p, n)
                          && inside(r.db, r.db_len, p, n)
                          && inside(r.plugin, r.plugin_len, p, n)
                          && inside(r.attrs, r.attrs_len, p, n)))
        return 99;
    return rc;
}

static int
cut_ok(const uint8_t *p, size_t n)
{
    struct obp_ok         ok;
    struct obp_rd         rd;
    struct obp_track_item it;
    int                   rc = obp_ok_parse(&ok, p, n, CAPS_CLIENT);

    if (rc != OBP_OK)
        return rc;
    if (!inside(ok.info, ok.info_len, p, n)
        || !inside(ok.track, ok.track_len, p, n))
        return 99;
    obp_rd_init(&rd, ok.track, ok.track_len);
    while ((rc = obp_track_next(&rd, &it)) == OBP_OK)
        if (!inside(it.data, it.len, p, n))
            return 99;
    return rc == OBP_DONE ? OBP_OK : 99;
}

static int
cut_err(const uint8_t *p, size_t n)
{
    struct obp_err e;
    int            rc = obp_err_parse(&e, p, n);

    return rc == OBP_OK && !inside(e.msg, e.msg_len, p, n) ? 99 : rc;
}

static int
cut_eof(const uint8_t *p, size_t n)
{
    return obp_eof_parse(p, n, NULL, NULL);
}

static int
cut_switch(const uint8_t *p, size_t n)
{
    const char    *pl;
    const uint8_t *d;
    size_t         pn, dn;
    int            rc = obp_auth_switch_parse(p, n, &pl, &pn, &d, &dn);

    return rc == OBP_OK && !(inside(pl, pn, p, n) && inside(d, dn, p, n))
           ? 99 : rc;
}

/* Runs <fn> on every proper prefix; <want_ok> of them should parse. */
static void
prefixes(const char *name, int (*fn)(const uint8_t *, size_t),
         const void *pkt, size_t len, int want_ok)
{
    size_t   n;
    int      oks = 0, bad = 0, rc;
    uint8_t *copy;

    for (n = 0; n < len; n++) {
        copy = malloc(n > 0 ? n : 1);
        if (copy == NULL)
            return;
        memcpy(copy, pkt, n);
        rc = fn(copy, n);
        oks += rc == OBP_OK;
        bad += rc != OBP_OK && rc != OBP_ERROR;
        free(copy);
    }
    if (!tap_ok(bad == 0 && oks == want_ok, name))
        printf("#   %d inconsistent, %d parsed, want %d\n", bad, oks,
               want_ok);
}

static void
test_prefixes(void)
{
    struct obp_wr wr;

    prefixes("every cut of the handshake: OBP_ERROR", cut_hs,
             S(hs_mariadb), 0);
    prefixes("cuts of the response: only after user+auth, db, plugin",
             cut_resp, S(resp_mariadb), 3);
    prefixes("cuts of the tracked OK: before info, before track",
             cut_ok, S(ok_schema), 2);
    prefixes("cuts of the sysvar OK", cut_ok, S(ok_sysvar), 2);
    prefixes("cuts of ERR: code only, or state and part of the message",
             cut_err, S(err_mariadb), 1 + 34);
    prefixes("every cut of an EOF: OBP_ERROR", cut_eof, S("\xfe\0\0\x02\0"),
             0);
    obp_wr_init(&wr, buf, sizeof(buf));
    obp_auth_switch_write(&wr, 2, OBP_NATIVE_PLUGIN, (const uint8_t *)"x", 1);
    prefixes("cuts of an auth switch: once the plugin name ends", cut_switch,
             buf + 4, wr.len - 4, 1);
}

int
main(void)
{
    test_lenenc();
    test_reader();
    test_writer();
    test_pkt_max();
    test_hs_mariadb();
    test_hs_write();
    test_resp_mariadb();
    test_resp_rt();
    test_ssl_request();
    test_ok_captured();
    test_ok_written();
    test_err();
    test_eof();
    test_auth_switch();
    test_prefixes();
    return tap_done();
}
