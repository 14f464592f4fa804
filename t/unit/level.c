/*
 * Unit tests of the level rows (shared/level.h): white_list matching
 * (IPv4, IPv6, prefixes, IPv4 clients on IPv6 sockets, 0.0.0.0), the
 * control-socket quoting both ways (ctlarg.h), the checks of a row as
 * ODP makes them, the lookup order tenant > tenant in any cluster >
 * cluster > global with runtime rows before file rows, a session's
 * resolved values, key_info, the bounds, and the rows' way through the
 * channel text to a worker.
 */
#include "obp.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include "tap.h"

static struct sockaddr_storage client;

/* <ip> as a client address: IPv4, IPv6, or "::ffff:a.b.c.d". */
static const struct sockaddr *
addr(const char *ip)
{
    struct sockaddr_in  *v4 = (struct sockaddr_in *)(void *)&client;
    struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)(void *)&client;

    memset(&client, 0, sizeof(client));
    if (inet_pton(AF_INET, ip, &v4->sin_addr) == 1) {
        v4->sin_family = AF_INET;
    } else if (inet_pton(AF_INET6, ip, &v6->sin6_addr) == 1) {
        v6->sin6_family = AF_INET6;
    } else {
        printf("Bail out! bad test address %s\n", ip);
        exit(1);
    }
    return (const struct sockaddr *)&client;
}

static void
test_whitelist(void)
{
    const char *list = "127.0.0.1, 10.1.0.0/16 ,::1,fd00::/8,192.168.1.128/25";
    char        err[160];

    tap_ok(obp_wl_check(list, err, sizeof(err)) == OBP_OK, "a valid list");
    tap_ok(obp_wl_allows(list, addr("127.0.0.1")), "an exact IPv4 address");
    tap_ok(!obp_wl_allows(list, addr("127.0.0.2")), "  another is not");
    tap_ok(obp_wl_allows(list, addr("10.1.255.3")), "an IPv4 /16");
    tap_ok(!obp_wl_allows(list, addr("10.2.0.1")), "  outside it");
    tap_ok(obp_wl_allows(list, addr("192.168.1.200")), "a /25, inside");
    tap_ok(!obp_wl_allows(list, addr("192.168.1.127")), "  just outside");
    tap_ok(obp_wl_allows(list, addr("::ffff:127.0.0.1")),
           "an IPv4 client on an IPv6 socket matches as IPv4");
    tap_ok(!obp_wl_allows(list, addr("::ffff:127.0.0.2")), "  and not");
    tap_ok(obp_wl_allows(list, addr("::1")), "an exact IPv6 address");
    tap_ok(!obp_wl_allows(list, addr("::2")), "  another is not");
    tap_ok(obp_wl_allows(list, addr("fdab::1")), "an IPv6 /8");
    tap_ok(!obp_wl_allows(list, addr("fe80::1")), "  outside it");
    tap_ok(obp_wl_allows("0.0.0.0", addr("203.0.113.9"))
           && obp_wl_allows("0.0.0.0", addr("2001:db8::1")),
           "0.0.0.0 lets everyone in, IPv6 too");
    tap_ok(obp_wl_allows("0.0.0.0/0", addr("203.0.113.9"))
           && !obp_wl_allows("0.0.0.0/0", addr("2001:db8::1")),
           "0.0.0.0/0 is every IPv4 address");
    tap_ok(obp_wl_allows("::ffff:10.0.0.0/104", addr("10.9.9.9")),
           "a mapped IPv6 prefix matches IPv4 clients");
    tap_ok(!obp_wl_allows("", addr("127.0.0.1")), "an empty list: no one");
    tap_ok(obp_wl_check("10.0.0.0/33", err, sizeof(err)) == OBP_ERROR,
           "a prefix longer than 32 bits is refused");
    tap_like(err, "\"10.0.0.0/33\" is not an IPv4 or IPv6 address",
             "  named in the message");
    tap_ok(obp_wl_check("1.2.3.4,,5.6.7.8", err, sizeof(err)) == OBP_ERROR
           && obp_wl_check("host.example", err, sizeof(err)) == OBP_ERROR
           && obp_wl_check("1.2.3.4/", err, sizeof(err)) == OBP_ERROR
           && obp_wl_check("::1/129", err, sizeof(err)) == OBP_ERROR,
           "an empty entry, a name, a bare '/' and ::1/129 are refused");
}

static void
test_ctlarg(void)
{
    char        line[64], out[64];
    const char *p;
    size_t      len = 0;

    line[0] = '\0';
    tap_ok(obp_ctlarg_add(line, sizeof(line), &len, "it's a b") == OBP_OK
           && obp_ctlarg_add(line, sizeof(line), &len, "") == OBP_OK,
           "two arguments added");
    tap_is_str(line, "'it''s a b' ''", "  quoted, a quote doubled");
    p = line;
    tap_ok(obp_ctlarg_next(&p, out, sizeof(out)) == 8
           && strcmp(out, "it's a b") == 0, "read back: the first");
    tap_ok(obp_ctlarg_next(&p, out, sizeof(out)) == 0 && out[0] == '\0',
           "  the empty one");
    tap_is_int(obp_ctlarg_next(&p, out, sizeof(out)), OBP_DONE,
               "  then no more");
    p = "  bare\\word 'x'";
    tap_ok(obp_ctlarg_next(&p, out, sizeof(out)) == 9
           && strcmp(out, "bare\\word") == 0, "a bare word, backslash kept");
    p = "'open";
    tap_is_int(obp_ctlarg_next(&p, out, sizeof(out)), OBP_ERROR,
               "an open quote is refused");
    p = "'a'b";
    tap_is_int(obp_ctlarg_next(&p, out, sizeof(out)), OBP_ERROR,
               "a quote glued to more is refused");
    p = "ab'c";
    tap_is_int(obp_ctlarg_next(&p, out, sizeof(out)), OBP_ERROR,
               "a quote inside a bare word is refused");
    p = "'abcdef'";
    tap_is_int(obp_ctlarg_next(&p, out, 4), OBP_ERROR, "too long");
    len = strlen(line);
    tap_ok(obp_ctlarg_add(line, sizeof(line), &len, "a\nb") == OBP_ERROR
           && obp_ctlarg_add(line, sizeof(line), &len,
                             "0123456789012345678901234567890123456789"
                             "0123456789")
              == OBP_ERROR
           && strcmp(line, "'it''s a b' ''") == 0,
           "a line break or no room: refused, the line unchanged");
}

/* Sets a row into <l>: OBP_OK or the error in <err>. */
static int
set(struct obp_levels *l, int table, const char *cluster, const char *tenant,
    const char *name, const char *value, int source, char *err)
{
    struct obp_level_row r = { (char *)cluster, (char *)tenant,
                               (char *)name, (char *)value, 0,
                               (uint8_t)table, (uint8_t)source };

    return obp_levels_set(l, &r, err, 512);
}

static void
test_checks(void)
{
    struct obp_levels l = { 0 };
    char              err[512];
    const int         pc = OBP_LEVEL_PROXY_CONFIG, rt = OBP_SRC_RUNTIME;

    tap_ok(set(&l, pc, "c1", "t1", "PROXY_ROUTE_POLICY", "follower_first",
               rt, err) == OBP_OK, "a multi-level parameter, any case");
    tap_ok(l.n == 1 && strcmp(l.rows[0].name, "proxy_route_policy") == 0
           && strcmp(l.rows[0].value, "FOLLOWER_FIRST") == 0
           && l.rows[0].num == OBP_POLICY_FOLLOWER_FIRST,
           "  kept as the parameter prints it, parsed");
    tap_ok(set(&l, pc, "C1", "T1", "proxy_route_policy", "FOLLOWER_ONLY",
               rt, err) == OBP_OK && l.n == 1
           && strcmp(l.rows[0].value, "FOLLOWER_ONLY") == 0,
           "the same key without case: replaced");
    tap_ok(set(&l, pc, "c1", "t1", "listen_port", "3000", rt, err)
           == OBP_ERROR, "listen_port is refused");
    tap_like(err, "listen_port: multi level config not supported",
             "  as ODP says");
    tap_ok(set(&l, pc, "c1", "t1", "obproxy_read_consistency", "2", rt, err)
           == OBP_ERROR, "a value out of range is refused");
    tap_like(err, "\"2\" is out of range [0, 1]", "  by the parameter's range");
    tap_ok(set(&l, pc, "", "", "proxy_idc_name", "x", rt, err) == OBP_ERROR,
           "cluster and tenant both empty: refused");
    tap_like(err, "global level is the parameter's own value", "  why");
    tap_ok(set(&l, pc, "c1", "", "ssl_attributes", "{\"using_ssl\": \"X\"}",
               rt, err) == OBP_ERROR, "ssl_attributes checked as JSON");
    tap_ok(set(&l, OBP_LEVEL_WHITE_LIST, "c1", "t1", "ips", "1.2.3.4", rt,
               err) == OBP_ERROR, "white_list rows are named ip_list");
    tap_ok(set(&l, OBP_LEVEL_WHITE_LIST, "c1", "t1", "IP_LIST", "1.2.3.x",
               rt, err) == OBP_ERROR, "  and hold addresses");
    tap_ok(set(&l, OBP_LEVEL_SSL_CONFIG, "c1", "t1", "key_info",
               "{\"sourceType\": \"INLINE\", \"publicKey\": \"a\", "
               "\"privateKey\": \"b\"}", rt, err) == OBP_ERROR,
           "key_info: sourceType other than FILE is refused");
    tap_like(err, "only FILE", "  why");
    tap_ok(set(&l, OBP_LEVEL_SSL_CONFIG, "c1", "t1", "key_info",
               "{\"sourceType\": \"FILE\", \"CA\": \"ca.pem\"}", rt, err)
           == OBP_ERROR, "key_info without publicKey is refused");
    tap_ok(set(&l, OBP_LEVEL_SSL_CONFIG, "c1", "t1", "key_info",
               "{\"sourceType\" : \"FILE\", \"CA\" : \"ca.pem\", "
               "\"publicKey\" : \"c.pem\", \"privateKey\" : \"k.pem\"}",
               rt, err) == OBP_OK, "key_info as ODP's documentation has it");
    tap_is_int(obp_levels_del(&l, pc, "c1", "t1", NULL, rt), 1,
               "delete: the tenant's proxy_config rows");
    tap_is_int(l.n, 1, "  the ssl_config row stays");
    obp_levels_free(&l);
}

static void
test_bounds(void)
{
    struct obp_levels l = { 0 };
    char              err[512], tenant[16], *big = malloc(5000);
    int               rc = OBP_OK, i;

    memset(big, 'x', 4097);
    big[4097] = '\0';
    tap_ok(set(&l, OBP_LEVEL_PROXY_CONFIG, "c", "t", "target_db_server", big,
               OBP_SRC_RUNTIME, err) == OBP_ERROR, "a value of 4097 bytes");
    tap_like(err, "longer than 4096 bytes", "  is refused");
    for (i = 0; i < 1100 && rc == OBP_OK; i++) {
        snprintf(tenant, sizeof(tenant), "t%d", i);
        rc = set(&l, OBP_LEVEL_WHITE_LIST, "c", tenant, "ip_list",
                 "10.0.0.0/8", OBP_SRC_RUNTIME, err);
    }
    tap_ok(rc == OBP_ERROR && l.n == 1024, "at most 1024 rows");
    tap_like(err, "more than 1024 rows", "  said so");
    obp_levels_free(&l);
    memset(big, '\'', 3000);
    big[3000] = '\0';
    for (i = 0, rc = OBP_OK; i < 20 && rc == OBP_OK; i++) {
        snprintf(tenant, sizeof(tenant), "t%d", i);
        rc = set(&l, OBP_LEVEL_PROXY_CONFIG, "c", tenant, "proxy_idc_name",
                 "", OBP_SRC_RUNTIME, err);
        rc = rc == OBP_OK ? set(&l, OBP_LEVEL_PROXY_CONFIG, "c", tenant,
                                "target_db_server", big, OBP_SRC_RUNTIME, err)
                          : rc;
    }
    tap_ok(rc == OBP_ERROR && l.text <= OBP_LEVEL_TEXT_MAX,
           "the rows' text stays within 64 KiB");
    tap_like(err, "more than 65536 bytes", "  said so");
    obp_levels_free(&l);
    free(big);
}

/* A configuration of cluster "c1" with rows at every level. */
static struct obp_conf *
leveled(void)
{
    struct obp_conf *c = obp_conf_new();
    char             err[512];
    int              rc;

    obp_param_set(c, obp_param_find("rootservice_cluster_name"), "c1", err,
                  sizeof(err));
    obp_param_set(c, obp_param_find("target_db_server"), "10.0.0.9:1", err,
                  sizeof(err));
    rc = set(&c->levels, OBP_LEVEL_PROXY_CONFIG, "c1", "", "target_db_server",
             "10.0.0.1:1", OBP_SRC_RUNTIME, err);
    rc |= set(&c->levels, OBP_LEVEL_PROXY_CONFIG, "c1", "t1",
              "target_db_server", "10.0.0.2:1", OBP_SRC_RUNTIME, err);
    rc |= set(&c->levels, OBP_LEVEL_PROXY_CONFIG, "", "t2",
              "target_db_server", "10.0.0.3:1", OBP_SRC_RUNTIME, err);
    /* a file row (the proxy's own cluster) that a runtime row hides */
    rc |= set(&c->levels, OBP_LEVEL_PROXY_CONFIG, NULL, "t3",
              "enable_read_write_split", "true", OBP_SRC_FILE, err);
    rc |= set(&c->levels, OBP_LEVEL_PROXY_CONFIG, "c1", "t3",
              "enable_read_write_split", "false", OBP_SRC_RUNTIME, err);
    rc |= set(&c->levels, OBP_LEVEL_PROXY_CONFIG, NULL, "t4",
              "enable_read_write_split", "on", OBP_SRC_FILE, err);
    rc |= set(&c->levels, OBP_LEVEL_PROXY_CONFIG, "c1", "t1",
              "ob_max_read_stale_time", "2000000", OBP_SRC_RUNTIME, err);
    if (rc != OBP_OK) {
        printf("Bail out! rows: %s\n", err);
        exit(1);
    }
    return c;
}

static const char *
target(const struct obp_conf *c, const char *cluster, const char *tenant)
{
    struct obp_level_vals v;

    obp_level_resolve(c, cluster, tenant, &v);
    return v.target;
}

static void
test_lookup(void)
{
    struct obp_conf      *c = leveled();
    struct obp_level_vals v;

    tap_is_str(target(c, "c1", "t1"), "10.0.0.2:1", "the tenant's row");
    tap_is_str(target(c, "C1", "T1"), "10.0.0.2:1", "  names without case");
    tap_is_str(target(c, "c1", "t9"), "10.0.0.1:1", "else the cluster's");
    tap_is_str(target(c, "c2", "t2"), "10.0.0.3:1",
               "a tenant's row of any cluster ('')");
    tap_is_str(target(c, "c2", "t9"), "10.0.0.9:1", "else the parameter");
    obp_level_resolve(c, "c1", "t3", &v);
    tap_ok(!v.read_write_split, "a runtime row hides the file's");
    tap_ok(obp_level_shadowed(c, &c->levels.rows[3]),
           "  which is shadowed");
    obp_level_resolve(c, "c1", "t4", &v);
    tap_ok(v.read_write_split && v.route_policy == 0
           && v.read_consistency == 0 && v.idc != NULL && v.idc[0] == '\0',
           "a file row of the proxy's own cluster; the rest global");
    tap_ok(v.max_read_stale == -1, "ob_max_read_stale_time: the parameter");
    obp_level_resolve(c, "c1", "t1", &v);
    tap_ok(v.max_read_stale == 2000000, "  the tenant's row");
    tap_ok(obp_level_bool(c, "c1", "t4", "enable_read_write_split")
           && !obp_level_bool(c, "c1", "t3", "enable_read_write_split"),
           "obp_level_bool");
    tap_ok(obp_conf_level_value(c, OBP_LEVEL_WHITE_LIST, "c1", "t1",
                                "ip_list") == NULL,
           "no white_list row: NULL");
    obp_conf_free(c);
}

static void
test_channel(void)
{
    struct obp_conf *src = leveled(), *dst = obp_conf_new();
    struct obp_errs  errs = { 0 };
    static char      buf[OBP_CHAN_MAX_PAYLOAD];
    char             err[512];
    int              n = obp_conf_serialize(src, buf, sizeof(buf));

    tap_like(buf, "\nlevel proxy_config 'c1' 't4' 'enable_read_write_split' "
             "'true'\n", "a file row goes with its cluster");
    tap_ok(strstr(buf, "'t3' 'enable_read_write_split' 'true'") == NULL,
           "  a shadowed one does not");
    set(&dst->levels, OBP_LEVEL_WHITE_LIST, "x", "y", "ip_list", "1.2.3.4",
        OBP_SRC_RUNTIME, err);
    tap_ok(n > 0 && obp_conf_deserialize(dst, buf, (size_t)n, &errs)
           == OBP_OK, "the worker applies the text");
    tap_is_int(dst->levels.n, 6, "  with the rows that apply, its old ones "
               "gone");
    tap_is_str(target(dst, "c1", "t1"), "10.0.0.2:1", "  the same answers");
    obp_errs_free(&errs);
    obp_conf_free(src);
    obp_conf_free(dst);
}

int
main(void)
{
    test_whitelist();
    test_ctlarg();
    test_checks();
    test_bounds();
    test_lookup();
    test_channel();
    printf("1..%d\n", tap_n);
    return tap_failed != 0;
}
