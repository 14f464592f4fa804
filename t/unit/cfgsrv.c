/*
 * Unit tests for what the config server's fetches read: the JSON reader
 * (json.h), http:// URLs (url.h), HTTP answers (httpresp.h) and the
 * config server's JSON (cfgjson.h), with hostile inputs: truncations,
 * bad escapes, deep nesting, too many values, bad lengths and chunks,
 * oversized answers, another cluster, wrong types.
 */
#include "obp.h"

#include <stdlib.h>

#include "tap.h"

#define ENV_OK "{\"Code\":200,\"Message\":\"successful\",\"Success\":true,"

static struct obp_json_tok toks[256];

static int
parse(struct obp_json *j, const char *text, char *err, size_t errlen)
{
    return obp_json_parse(j, text, strlen(text), toks, OBP_NELEMS(toks), err,
                          errlen);
}

static void
test_json(void)
{
    struct obp_json j;
    char            err[96], s[64];
    int64_t         v = 0;
    int             a, e;

    tap_ok(parse(&j, " {\"a\": [1, -2.5e3, true, null, \"x\\u00e9\\n\"],"
                 " \"b\": {\"c\": 42}} ", err, sizeof(err)) == OBP_OK,
           "json: a document parses");
    a = obp_json_member(&j, 0, "a");
    tap_ok(obp_json_is(&j, a, OBP_JSON_ARRAY) && j.tok[a].n == 5,
           "json: an array of five");
    e = obp_json_first(&j, a);
    tap_ok(obp_json_int(&j, e, &v) == OBP_OK && v == 1, "json: 1");
    e = obp_json_next(&j, a, e);
    tap_ok(obp_json_int(&j, e, &v) == OBP_ERROR, "json: -2.5e3 is no int");
    e = obp_json_next(&j, a, obp_json_next(&j, a, obp_json_next(&j, a, e)));
    tap_ok(obp_json_string(&j, e, s, sizeof(s)) == OBP_OK
           && strcmp(s, "x\xc3\xa9\n") == 0, "json: escapes decoded");
    tap_ok(obp_json_next(&j, a, e) == -1, "json: the array ends");
    tap_ok(obp_json_int(&j, obp_json_member(&j, obp_json_member(&j, 0, "b"),
                                            "c"), &v) == OBP_OK && v == 42,
           "json: a nested member");
    tap_ok(obp_json_member(&j, 0, "zz") == -1
           && obp_json_member(&j, a, "a") == -1, "json: absent, not object");
    tap_ok(parse(&j, "\"\\ud83d\\ude00\"", err, sizeof(err)) == OBP_OK
           && obp_json_string(&j, 0, s, sizeof(s)) == OBP_OK
           && strcmp(s, "\xf0\x9f\x98\x80") == 0, "json: a surrogate pair");
    tap_ok(obp_json_string(&j, 0, s, 4) == OBP_ERROR,
           "json: a string that does not fit");
}

static void
test_json_hostile(void)
{
    static const char *const bad[] = {
        "", "{", "{\"a\"}", "{\"a\":}", "{\"a\":1,}", "[1,]", "[1 2]",
        "\"abc", "\"a\\", "\"\\x\"", "\"\\u12g4\"", "\"a\nb\"", "01", "-",
        "1.", "1e", "tru", "nul", "{1:2}", "{} {}", "[1]x", "\"\\u12\"",
    };
    struct obp_json j;
    char            err[96], deep[200];
    int             refused = 0;

    for (size_t i = 0; i < OBP_NELEMS(bad); i++)
        refused += parse(&j, bad[i], err, sizeof(err)) == OBP_ERROR
                   && j.ntok == 0;
    tap_is_int(refused, (int64_t)OBP_NELEMS(bad), "json: malformed refused");
    memset(deep, '[', 100);
    memset(deep + 100, ']', 99);
    deep[199] = '\0';
    tap_ok(parse(&j, deep, err, sizeof(err)) == OBP_ERROR
           && strstr(err, "nested too deep") != NULL, "json: depth bounded");
    tap_ok(obp_json_parse(&j, "[1,2,3,4]", 9, toks, 4, err, sizeof(err))
           == OBP_ERROR && strstr(err, "too many values") != NULL,
           "json: tokens bounded");
    tap_ok(obp_json_parse(&j, "[1]\0[", 5, toks, 8, err, sizeof(err))
           == OBP_ERROR, "json: a NUL inside is text after the value");
}

static void
test_url(void)
{
    struct obp_url u;
    char           err[128];

    tap_ok(obp_url_parse("http://cs.example:8080/services?Action=A&b=1#f",
                         &u, err, sizeof(err)) == OBP_OK
           && strcmp(u.host, "cs.example") == 0 && u.port == 8080
           && strcmp(u.target, "/services?Action=A&b=1") == 0,
           "url: host, port, target without the fragment");
    tap_ok(obp_url_parse("HTTP://[::1]?x", &u, err, sizeof(err)) == OBP_OK
           && strcmp(u.host, "::1") == 0 && u.port == 80
           && strcmp(u.target, "/?x") == 0, "url: IPv6, port 80, \"/?\"");
    tap_ok(obp_url_parse("HTTPS://cs.example/x", &u, err, sizeof(err))
           == OBP_OK && u.tls && u.port == 443
           && strcmp(u.target, "/x") == 0, "url: https, port 443");
    tap_ok(obp_url_parse("https://h:8443", &u, err, sizeof(err)) == OBP_OK
           && u.tls && u.port == 8443, "url: https with a port");
    tap_ok(obp_url_parse("http://h/", &u, err, sizeof(err)) == OBP_OK
           && !u.tls, "url: http is not TLS");
    tap_ok(obp_url_parse("ftp://h/", &u, err, sizeof(err)) == OBP_ERROR
           && strstr(err, "not an http:// or https:// URL") != NULL,
           "url: another scheme refused");
    tap_ok(obp_url_parse("http://h:0/", &u, err, sizeof(err)) == OBP_ERROR
           && obp_url_parse("http://h:65536/", &u, err, sizeof(err))
              == OBP_ERROR
           && obp_url_parse("http://h:/", &u, err, sizeof(err)) == OBP_ERROR
           && obp_url_parse("http:///x", &u, err, sizeof(err)) == OBP_ERROR
           && obp_url_parse("http://a b/", &u, err, sizeof(err)) == OBP_ERROR
           && obp_url_parse("http://h/a b", &u, err, sizeof(err))
              == OBP_ERROR
           && obp_url_parse("http://[::1/", &u, err, sizeof(err))
              == OBP_ERROR
           && obp_url_parse("http://u:p@h/", &u, err, sizeof(err))
              == OBP_ERROR, "url: bad ports, hosts, paths refused");
}

static int
resp(const char *text, bool eof, struct obp_httpresp *r, char *err)
{
    static char buf[4096];
    size_t      n = strlen(text);

    memcpy(buf, text, n);
    return obp_httpresp_parse(buf, n, eof, r, err, 128);
}

static void
test_httpresp(void)
{
    struct obp_httpresp r;
    char                err[128];
    char               *big;

    tap_ok(resp("HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nabcdXX", false,
                &r, err) == OBP_OK && r.status == 200 && r.len == 4
           && memcmp(r.body, "abcd", 4) == 0, "http: Content-Length");
    tap_ok(resp("HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nab", false, &r,
                err) == OBP_AGAIN, "http: more wanted");
    tap_ok(resp("HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nab", true, &r,
                err) == OBP_ERROR, "http: a body cut short");
    tap_ok(resp("HTTP/1.0 500 Oops\r\n\r\nsorry", true, &r, err) == OBP_OK
           && r.status == 500 && r.len == 5, "http: a body to the close");
    tap_ok(resp("HTTP/1.1 200 OK\r\nTransfer-Encoding: Chunked\r\n\r\n"
                "3;x=1\r\nabc\r\n02\r\nde\r\n0\r\nT: 1\r\n\r\n", false, &r,
                err) == OBP_OK && r.len == 5
           && memcmp(r.body, "abcde", 5) == 0, "http: chunked decoded");
    tap_ok(resp("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                "3\r\nabc\r\n", false, &r, err) == OBP_AGAIN
           && resp("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                   "3\r\nabc\r\n", true, &r, err) == OBP_ERROR,
           "http: chunks cut short");
    tap_ok(resp("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                "3\r\nabcd\r\n0\r\n\r\n", true, &r, err) == OBP_ERROR
           && resp("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                   "zz\r\n", true, &r, err) == OBP_ERROR
           && resp("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                   "fffffffffffffffff\r\n", false, &r, err) == OBP_ERROR,
           "http: bad chunk sizes and CRLFs refused");
    tap_ok(resp("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n", false,
                &r, err) == OBP_ERROR
           && resp("HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length:"
                   " 2\r\n\r\nab", false, &r, err) == OBP_ERROR
           && resp("HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n", false,
                   &r, err) == OBP_ERROR
           && resp("HTTP/1.1 200 OK\r\nContent-Length: 99999999999\r\n\r\n",
                   false, &r, err) == OBP_ERROR
           && resp("HTTP/1.1 200 OK\r\nContent-Length: 1\r\nTransfer-"
                   "Encoding: chunked\r\n\r\n", false, &r, err) == OBP_ERROR,
           "http: other codings, bad and conflicting lengths refused");
    tap_ok(resp("HTTP/1.1 100 Continue\r\n\r\n", false, &r, err) == OBP_ERROR
           && resp("HTTP/2 200\r\n\r\n", true, &r, err) == OBP_ERROR
           && resp("HTTP/1.1 200 OK\r\n bad\r\n\r\n", true, &r, err)
              == OBP_ERROR
           && resp("HTTP/1.1 200 OK\r\nNoColon\r\n\r\n", true, &r, err)
              == OBP_ERROR
           && resp("HTTP/1.1 200 OK\r\nA\nB: 1\r\n\r\n", true, &r, err)
              == OBP_ERROR
           && resp("", true, &r, err) == OBP_ERROR
           && resp("HTTP/1.1 200", true, &r, err) == OBP_ERROR,
           "http: bad status lines and heads refused");
    big = calloc(1, OBP_HTTPRESP_MAX + 2);
    memset(big, 'a', OBP_HTTPRESP_HEAD_MAX);
    tap_ok(big != NULL
           && obp_httpresp_parse(big, OBP_HTTPRESP_HEAD_MAX, false, &r, err,
                                 sizeof(err)) == OBP_ERROR
           && obp_httpresp_parse(big, OBP_HTTPRESP_MAX + 1, false, &r, err,
                                 sizeof(err)) == OBP_ERROR,
           "http: head and answer sizes bounded");
    free(big);
}

static int
cfg(const char *data, struct obp_cfgjson *out, char *err)
{
    char text[2048];

    snprintf(text, sizeof(text), ENV_OK "\"Data\":%s}", data);
    return obp_cfgjson_read(text, strlen(text), "obc", out, err, 200);
}

static void
test_cfgjson(void)
{
    struct obp_cfgjson c;
    char               err[200];
    const char        *bad_env = "{\"Code\":500,\"Message\":\"boom\","
                                 "\"Success\":false}";

    tap_ok(cfg("{\"ObCluster\":\"obc\",\"ObClusterId\":7,\"RsList\":["
               "{\"address\":\"10.0.0.1:2882\",\"role\":\"LEADER\","
               "\"sql_port\":2881},{\"address\":\"[::1]:2882\",\"role\":"
               "\"FOLLOWER\",\"sql_port\":3881},{\"address\":\"x\"},"
               "{\"address\":\"1.1.1.1;2.2.2.2:1\",\"sql_port\":1},"
               "{\"address\":\"h.example:1\",\"sql_port\":1}],"
               "\"ReadonlyRsList\":[{\"address\":\"10.0.0.9:2882\","
               "\"sql_port\":2881}]}", &c, err) == OBP_OK
           && c.kind == OBP_CFGJSON_SERVERS && c.cluster_id == 7
           && c.nservers == 3, "cfgjson: a cluster's servers");
    tap_is_str(c.rslist, "10.0.0.1:2881;[::1]:3881;10.0.0.9:2881",
               "cfgjson: host and sql_port, RsList first, bad ones (names, "
               "a ';') skipped");
    tap_ok(cfg("{\"ObRegion\":\"obc\",\"ObRegionId\":1,\"RsList\":[{\""
               "address\":\"1.2.3.4:1\",\"sql_port\":2}]}", &c, err) == OBP_OK
           && strcmp(c.rslist, "1.2.3.4:2") == 0,
           "cfgjson: ObRegion, ODP's older names");
    tap_ok(cfg("{\"ObCluster\":\"other\",\"RsList\":[{\"address\":\"1.2.3.4:1"
               "\",\"sql_port\":2}]}", &c, err) == OBP_ERROR
           && strstr(err, "\"other\", not rootservice_cluster_name \"obc\"")
              != NULL, "cfgjson: another cluster refused");
    tap_ok(cfg("{\"ObCluster\":\"obc\",\"RsList\":[]}", &c, err) == OBP_ERROR
           && cfg("{\"ObCluster\":\"obc\",\"RsList\":{}}", &c, err)
              == OBP_ERROR
           && cfg("{\"ObCluster\":\"obc\",\"RsList\":[{\"address\":\"1.2.3."
                  "4:1\",\"sql_port\":\"2\"}]}", &c, err) == OBP_ERROR
           && cfg("{\"ObCluster\":\"obc\",\"RsList\":[{\"address\":\"1.2.3."
                  "4:1\",\"sql_port\":70000}]}", &c, err) == OBP_ERROR
           && cfg("{\"ObCluster\":5,\"RsList\":[]}", &c, err) == OBP_ERROR,
           "cfgjson: empty lists and wrong types refused");
    tap_ok(cfg("{\"ObRootServiceInfoUrlList\":[{\"ObRegion\":\"a\","
               "\"ObRootServiceInfoUrl\":\"http://x/a\"},{\"ObRegion\":"
               "\"obc\",\"ObRootServiceInfoUrl\":\"http://x/obc\"}]}", &c,
               err)
           == OBP_OK && c.kind == OBP_CFGJSON_CLUSTERS
           && strcmp(c.url, "http://x/obc") == 0,
           "cfgjson: the cluster's URL from the list");
    tap_ok(cfg("{\"ObRootServiceInfoUrlList\":[],\"ObRootServiceInfoUrl"
               "Template\":\"http://x/s?ObRegion=${ObRegion}&v=1\"}", &c, err)
           == OBP_OK && strcmp(c.url, "http://x/s?ObRegion=obc&v=1") == 0,
           "cfgjson: the template");
    tap_ok(cfg("{\"ObRootServiceInfoUrlList\":[{\"ObRegion\":\"a\"}]}", &c,
               err) == OBP_ERROR && strstr(err, "not in") != NULL,
           "cfgjson: a cluster not listed");
    tap_ok(obp_cfgjson_read(bad_env, strlen(bad_env), "obc", &c, err,
                            sizeof(err)) == OBP_ERROR
           && strstr(err, "Code 500, Message \"boom\"") != NULL,
           "cfgjson: a failure envelope");
    tap_ok(obp_cfgjson_read("<html>", 6, "obc", &c, err, sizeof(err))
           == OBP_ERROR && strncmp(err, "not JSON", 8) == 0
           && cfg("[]", &c, err) == OBP_ERROR && cfg("{}", &c, err)
              == OBP_ERROR, "cfgjson: not JSON, no Data object, no list");
}

int
main(void)
{
    test_json();
    test_json_hostile();
    test_url();
    test_httpresp();
    test_cfgjson();
    return tap_done();
}
