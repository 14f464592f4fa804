/*
 * Unit tests of configuration loading (shared/conf.c, conf_yaml.c,
 * conf_ini.c): YAML and INI files written into a temporary directory load
 * the same values, every error names FILE:LINE and the key, and a whole
 * generation is built as defaults < file < command line.
 */
#include "obp.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tap.h"

static char dir[256];
static char path[512];

#define LIST "127.0.0.1:3306;127.0.0.1:3307"

/* Writes <text> to <name> in the test directory; returns its path. */
static const char *
file(const char *name, const char *text)
{
    FILE *fp;

    snprintf(path, sizeof(path), "%s/%s", dir, name);
    fp = fopen(path, "w");
    if (fp == NULL || fputs(text, fp) == EOF || fclose(fp) != 0) {
        printf("Bail out! cannot write %s\n", path);
        exit(1);
    }
    return path;
}

/* Loads <text> as <name> into a default conf; errors go to <errs>. */
static struct obp_conf *
load(const char *name, const char *text, struct obp_errs *errs, int *rc)
{
    struct obp_conf *conf = obp_conf_new();

    if (conf == NULL) {
        printf("Bail out! out of memory\n");
        exit(1);
    }
    *rc = obp_conf_load_file(conf, file(name, text), errs);
    return conf;
}

/* True when every parameter of <a> equals the one of <b>. */
static bool
all_equal(const struct obp_conf *a, const struct obp_conf *b)
{
    size_t i;
    bool same = true;

    for (i = 0; i < obp_nparams; i++) {
        if (!obp_param_equal(a, b, &obp_params[i])) {
            printf("# %s differs\n", obp_params[i].name);
            same = false;
        }
    }
    return same;
}

static const char good_yaml[] =
    "# a comment\n"
    "listen_port: 3307   # another\n"
    "local_bound_ip: \"127.0.0.1\"\n"
    "automatic_match_work_thread: off\n"
    "work_thread_num: 4\n"
    "connect_server_timeout: 2s\n"
    "rootservice_list:\n"
    "  - 127.0.0.1:3306\n"
    "  - 127.0.0.1:3307\n"
    "rootservice_cluster_name: 'c1'\n"
    "routing_cache_mem_limited: 64MB\n"
    "syslog_level: info\n";

static const char good_ini[] =
    "; a comment\n"
    "# another\n"
    "listen_port = 3307\n"
    "local_bound_ip = \"127.0.0.1\"\n"
    "automatic_match_work_thread=off\n"
    "[obproxy]\n"
    "work_thread_num = 4 ; inline comment\n"
    "  connect_server_timeout = 2s\n"
    "rootservice_list = " LIST "\n"
    "rootservice_cluster_name = c1\n"
    "routing_cache_mem_limited = 64MB\n"
    "syslog_level = INFO\n";

static void
test_same_values(void)
{
    struct obp_errs errs = { 0 };
    struct obp_conf *y, *i, *f, *s;
    int rc;

    y = load("good.yaml", good_yaml, &errs, &rc);
    tap_ok(rc == OBP_OK && errs.count == 0, "good YAML loads");
    tap_is_int(y->listen_port, 3307, "YAML: listen_port");
    tap_is_str(y->rootservice_list, LIST, "YAML: block sequence is a list");
    tap_is_int(y->connect_server_timeout, 2000000, "YAML: time");
    tap_is_int(y->syslog_level, OBP_LOG_INFO, "YAML: enum");
    tap_ok(!y->automatic_match_work_thread, "YAML: bool off");
    i = load("good.ini", good_ini, &errs, &rc);
    tap_ok(rc == OBP_OK && errs.count == 0, "good INI loads");
    tap_is_str(i->rootservice_list, LIST, "INI: list with ';' survives");
    tap_is_str(i->local_bound_ip, "127.0.0.1", "INI: quotes removed");
    tap_is_int(i->work_thread_num, 4, "INI: inline comment removed");
    tap_ok(all_equal(y, i), "YAML and INI give the same values");
    f = load("flow.yml", "rootservice_list: [127.0.0.1:3306, "
             "127.0.0.1:3307]\n", &errs, &rc);
    tap_is_str(f->rootservice_list, LIST, "YAML: flow sequence is a list");
    s = load("string.yaml", "rootservice_list: \"" LIST "\"\n", &errs, &rc);
    tap_ok(obp_param_equal(f, s, obp_param_find("rootservice_list")),
           "YAML: a list as a sequence or as a string");
    tap_ok(errs.count == 0, "no errors so far");
    obp_conf_free(y);
    obp_conf_free(i);
    obp_conf_free(f);
    obp_conf_free(s);
    obp_errs_free(&errs);
}

/* Files that hold no key at all leave the defaults. */
static void
test_empty_files(void)
{
    static const struct { const char *name, *text; } files[] = {
        { "empty.yaml", "" },
        { "comments.yaml", "# nothing here\n\n" },
        { "dashes.yaml", "---\n" },
        { "braces.yaml", "{}\n" },
        { "empty.ini", "" },
        { "section.cfg", "[obproxy]\n; nothing\n" },
    };
    struct obp_conf *def = obp_conf_new(), *c;
    struct obp_errs errs = { 0 };
    char label[64];
    size_t i;
    int rc;

    for (i = 0; i < OBP_NELEMS(files); i++) {
        c = load(files[i].name, files[i].text, &errs, &rc);
        snprintf(label, sizeof(label), "%s: no keys, defaults",
                 files[i].name);
        tap_ok(rc == OBP_OK && errs.count == 0 && all_equal(c, def), label);
        obp_conf_free(c);
    }
    c = load("null.yaml", "rootservice_list:\nlisten_port: 3000\n", &errs,
             &rc);
    tap_ok(rc == OBP_OK && strcmp(c->rootservice_list, "") == 0
           && c->listen_port == 3000, "YAML: a key without value is empty");
    obp_conf_free(c);
    obp_conf_free(def);
    obp_errs_free(&errs);
}

static void
test_yaml_errors(void)
{
    struct obp_errs errs = { 0 };
    struct obp_conf *c;
    char want[1024];
    int rc;

    c = load("bad.yaml",
             "listen_port: 70000\n"
             "foo: 1\n"
             "work_thread_num: abc\n"
             "rootservice_list:\n"
             "  a: 1\n"
             "syslog_level: LOUD\n"
             "connect_server_timeout: [1s, {a: 1}]\n"
             "app_name: [a, b]\n"
             "proxy_id: 7\n", &errs, &rc);
    tap_ok(rc == OBP_ERROR, "bad YAML fails");
    tap_is_int(errs.count, 6, "bad YAML: every error reported");
    snprintf(want, sizeof(want), "%s:1: listen_port: \"70000\" is out of "
             "range [1025, 65535]\n", path);
    tap_like(errs.text, want, "YAML: out of range, FILE:LINE key");
    snprintf(want, sizeof(want), "%s:2: unknown parameter \"foo\"\n", path);
    tap_like(errs.text, want, "YAML: unknown key");
    snprintf(want, sizeof(want), "%s:3: work_thread_num: \"abc\" is not an "
             "integer, allowed [1, 128]\n", path);
    tap_like(errs.text, want, "YAML: wrong type");
    snprintf(want, sizeof(want), "%s:5: rootservice_list: expected a value "
             "or a list of values\n", path);
    tap_like(errs.text, want, "YAML: nested mapping");
    snprintf(want, sizeof(want), "%s:6: syslog_level: \"LOUD\" is not a "
             "level", path);
    tap_like(errs.text, want, "YAML: bad enum");
    snprintf(want, sizeof(want), "%s:7: connect_server_timeout: expected a "
             "value or a list of values\n", path);
    tap_like(errs.text, want, "YAML: sequence of a mapping");
    snprintf(want, sizeof(want), "%s:8: app_name: \"a;b\" ", path);
    tap_ok(strstr(errs.text, want) == NULL, "YAML: a list for a string");
    tap_is_str(c->app_name, "a;b", "YAML: sequence joined with ';'");
    tap_is_int(c->proxy_id, 7, "YAML: keys after errors still load");
    tap_is_int(c->listen_port, 2883, "YAML: refused value left default");
    obp_conf_free(c);
    obp_errs_free(&errs);
}

static void
test_yaml_structure(void)
{
    struct obp_errs errs = { 0 };
    struct obp_conf *c;
    char want[1024];
    int rc;

    c = load("syntax.yaml", "foo: 1\nlisten_port: 3000\napp_name: a: b\n"
             "proxy_id: 5\n", &errs, &rc);
    snprintf(want, sizeof(want), "%s:3: YAML syntax error: mapping values "
             "are not allowed in this context\n", path);
    tap_like(errs.text, want, "YAML: syntax error with its line");
    tap_is_int(errs.count, 2, "YAML: errors before a syntax error kept");
    tap_is_int(c->proxy_id, 0, "YAML: a syntax error stops");
    obp_conf_free(c);
    obp_errs_free(&errs);

    c = load("list.yaml", "# top\n- a\n- b\n", &errs, &rc);
    snprintf(want, sizeof(want), "%s:2: expected a mapping of parameter "
             "names to values\n", path);
    tap_ok(rc == OBP_ERROR && errs.count == 1, "YAML: a sequence document");
    tap_like(errs.text, want, "YAML: a sequence document message");
    obp_conf_free(c);
    obp_errs_free(&errs);

    c = load("scalar.yaml", "hello\n", &errs, &rc);
    snprintf(want, sizeof(want), "%s:1: expected a mapping of parameter "
             "names to values\n", path);
    tap_like(errs.text, want, "YAML: a scalar document");
    obp_conf_free(c);
    obp_errs_free(&errs);

    c = load("tab.yaml", "listen_port: 3000\n\tproxy_id: 1\n", &errs, &rc);
    snprintf(want, sizeof(want), "%s:2: YAML syntax error: ", path);
    tap_like(errs.text, want, "YAML: a tab is a syntax error");
    obp_conf_free(c);
    obp_errs_free(&errs);
}

static void
test_ini_errors(void)
{
    struct obp_errs errs = { 0 };
    struct obp_conf *c;
    char want[1024];
    int rc;

    c = load("bad.ini",
             "listen_port = 70000\n"
             "foo = 1\n"
             "[other]\n"
             "listen_port = 1\n"
             "app_name = 2\n"
             "[obproxy]\n"
             "work_thread_num = abc\n"
             "this line is wrong\n"
             "app_name = \"unterminated ; cut by inih\n"
             "proxy_id = 9\n"
             "[other]\n"
             "proxy_id = 1\n", &errs, &rc);
    tap_ok(rc == OBP_ERROR, "bad INI fails");
    tap_is_int(errs.count, 7, "bad INI: every error reported");
    snprintf(want, sizeof(want), "%s:1: listen_port: \"70000\" is out of "
             "range [1025, 65535]\n", path);
    tap_like(errs.text, want, "INI: out of range, FILE:LINE key");
    snprintf(want, sizeof(want), "%s:2: unknown parameter \"foo\"\n", path);
    tap_like(errs.text, want, "INI: unknown key");
    snprintf(want, sizeof(want), "%s:3: unknown section [other]\n", path);
    tap_like(errs.text, want, "INI: unknown section");
    snprintf(want, sizeof(want), "%s:7: work_thread_num: \"abc\" is not an "
             "integer, allowed [1, 128]\n", path);
    tap_like(errs.text, want, "INI: wrong type");
    snprintf(want, sizeof(want), "%s:8: INI syntax error\n", path);
    tap_like(errs.text, want, "INI: syntax error");
    snprintf(want, sizeof(want), "%s:9: app_name: the closing double quote "
             "is missing", path);
    tap_like(errs.text, want, "INI: quoted value cut by a comment");
    snprintf(want, sizeof(want), "%s:11: unknown section [other]\n", path);
    tap_like(errs.text, want, "INI: unknown section, second time");
    tap_is_int(c->proxy_id, 9, "INI: keys of unknown sections ignored");
    tap_is_int(c->listen_port, 2883, "INI: refused value left default");
    obp_conf_free(c);
    obp_errs_free(&errs);
}

static void
test_ini_lines(void)
{
    struct obp_errs errs = { 0 };
    struct obp_conf *c;
    char text[600], want[1024];
    int rc;

    c = load("comment.conf", "rootservice_list = 127.0.0.1:3306 ; old one\n"
             "app_name = \"a;b ; c\"\n"
             "rootservice_cluster_name = x,y\n", &errs, &rc);
    tap_is_str(c->rootservice_list, "127.0.0.1:3306",
               "INI: a blank then ';' starts a comment");
    tap_ok(errs.count == 1 && strstr(errs.text, ":2: app_name:") != NULL,
           "INI: a quoted value holding \" ;\" is refused");
    tap_is_str(c->rootservice_cluster_name, "x,y", "INI: comma kept");
    obp_conf_free(c);
    obp_errs_free(&errs);

    snprintf(text, sizeof(text), "proxy_id = 1\napp_name = %0300d\n"
             "listen_port = 3000\n", 0);
    c = load("long.ini", text, &errs, &rc);
    snprintf(want, sizeof(want), "%s:2: line is longer than", path);
    tap_like(errs.text, want, "INI: a too long line is refused");
    tap_ok(errs.count == 1 && c->listen_port == 3000,
           "INI: lines after a long one keep their numbers");
    obp_conf_free(c);
    obp_errs_free(&errs);
}

static void
test_files(void)
{
    struct obp_errs errs = { 0 };
    struct obp_conf *c = obp_conf_new();
    char want[1024];

    file("x.txt", "listen_port: 3000\n");
    tap_ok(obp_conf_load_file(c, path, &errs) == OBP_ERROR,
           "unknown format fails");
    snprintf(want, sizeof(want), "%s: unknown configuration format, name it "
             ".yaml, .yml, .ini, .conf or .cfg\n", path);
    tap_is_str(errs.text, want, "unknown format message");
    obp_errs_free(&errs);
    snprintf(path, sizeof(path), "%s/missing.yaml", dir);
    tap_ok(obp_conf_load_file(c, path, &errs) == OBP_ERROR, "missing YAML");
    snprintf(want, sizeof(want), "%s: cannot open: No such file or "
             "directory\n", path);
    tap_is_str(errs.text, want, "missing YAML message");
    obp_errs_free(&errs);
    snprintf(path, sizeof(path), "%s/missing.ini", dir);
    obp_conf_load_file(c, path, &errs);
    snprintf(want, sizeof(want), "%s: cannot open: No such file or "
             "directory\n", path);
    tap_is_str(errs.text, want, "missing INI message");
    obp_errs_free(&errs);
    file("upper.YAML", "listen_port: 3001\n");
    tap_ok(obp_conf_load_file(c, path, &errs) == OBP_OK
           && c->listen_port == 3001, "extension case ignored");
    obp_conf_free(c);
}

static void
test_build(void)
{
    struct obp_kvlist over = { 0 };
    struct obp_errs errs = { 0 };
    struct obp_conf *c;
    char opts[] = "listen_port=3310, rootservice_list=" "10.0.0.1:1,"
                  "10.0.0.2:2";

    file("build.yaml", "listen_port: 3307\nwork_thread_num: 4\n");
    tap_ok(obp_kvlist_parse_opts(&over, opts, &errs) == OBP_OK, "-o parsed");
    c = obp_conf_build(path, &over, &errs);
    tap_ok(c != NULL && errs.count == 0, "build succeeds");
    if (c != NULL) {
        tap_is_int(c->listen_port, 3310, "build: override beats file");
        tap_is_int(c->work_thread_num, 4, "build: file beats default");
        tap_is_int(c->client_max_connections, 8192, "build: default");
        tap_is_str(c->rootservice_list, "10.0.0.1:1,10.0.0.2:2",
                   "build: list override keeps its comma");
    }
    obp_conf_free(c);
    obp_kvlist_add(&over, "listen_port", "1");
    obp_kvlist_add(&over, "nope", "1");
    c = obp_conf_build(path, &over, &errs);
    tap_ok(c == NULL && errs.count == 2, "build fails on a bad override");
    tap_like(errs.text, "command line: listen_port: \"1\" is out of range "
             "[1025, 65535]\n", "build: bad override message");
    tap_like(errs.text, "command line: unknown parameter \"nope\"\n",
             "build: unknown override message");
    obp_errs_free(&errs);
    file("build.ini", "listen_port = 1\n");
    c = obp_conf_build(path, NULL, &errs);
    tap_ok(c == NULL && errs.count == 1, "build fails on a bad file");
    obp_errs_free(&errs);
    c = obp_conf_build(NULL, NULL, &errs);
    tap_ok(c != NULL && c->listen_port == 2883, "build: defaults only");
    obp_conf_free(c);
    obp_kvlist_free(&over);
}

static void
test_opts(void)
{
    struct obp_kvlist l = { 0 };
    struct obp_errs errs = { 0 };
    char a[] = " listen_port=3307,rootservice_list=a:1,b:2;c:3 , app_name "
               "= x y ,proxy_id=1";
    char b[] = "foo,listen_port=1";
    char c[] = "   ";
    char d[] = "=5";

    tap_ok(obp_kvlist_parse_opts(&l, a, &errs) == OBP_OK && l.n == 4,
           "-o: four items");
    if (l.n == 4) {
        tap_is_str(l.items[0].key, "listen_port", "-o: first key");
        tap_is_str(l.items[1].value, "a:1,b:2;c:3", "-o: list value");
        tap_is_str(l.items[2].key, "app_name", "-o: key trimmed");
        tap_is_str(l.items[2].value, "x y", "-o: value trimmed");
        tap_is_str(l.items[3].value, "1", "-o: last value");
    }
    obp_kvlist_free(&l);
    tap_ok(obp_kvlist_parse_opts(&l, b, &errs) == OBP_ERROR && l.n == 1,
           "-o: an item without '='");
    tap_is_str(errs.text, "-o: \"foo\" is not key=value\n", "-o: message");
    obp_kvlist_free(&l);
    obp_errs_free(&errs);
    tap_ok(obp_kvlist_parse_opts(&l, c, &errs) == OBP_OK && l.n == 0,
           "-o: blank string");
    tap_ok(obp_kvlist_parse_opts(&l, d, &errs) == OBP_ERROR && l.n == 0,
           "-o: no key");
    obp_kvlist_free(&l);
    obp_errs_free(&errs);
}

static void
test_serialize(void)
{
    struct obp_errs errs = { 0 };
    struct obp_conf *src, *dst, *dup;
    static char buf[16384];
    const char bad[] = "listen_port=1\nfoo=2\nnoequals\n\nproxy_id=3";
    int rc, n;

    src = load("ser.yaml", good_yaml, &errs, &rc);
    n = obp_conf_serialize(src, buf, sizeof(buf));
    tap_ok(n > 0 && (size_t)n == strlen(buf), "serialize");
    tap_like(buf, "listen_port=3307\nprometheus_listen_port=2884\n",
             "serialize: table order");
    tap_like(buf, "rootservice_list=" LIST "\n", "serialize: list");
    dst = obp_conf_new();
    tap_ok(obp_conf_deserialize(dst, buf, (size_t)n, &errs) == OBP_OK,
           "deserialize");
    tap_ok(all_equal(src, dst), "round trip keeps every value");
    tap_ok(obp_conf_serialize(src, buf, 40) == OBP_ERROR,
           "serialize: too small a buffer");
    tap_ok(obp_conf_deserialize(dst, bad, strlen(bad), &errs) == OBP_ERROR
           && errs.count == 3, "deserialize: errors");
    tap_like(errs.text, "master:1: listen_port: \"1\" is out of range",
             "deserialize: origin master");
    tap_like(errs.text, "master:2: unknown parameter \"foo\"\n",
             "deserialize: unknown key");
    tap_like(errs.text, "master:3: \"noequals\" is not key=value\n",
             "deserialize: no '='");
    tap_is_int(dst->proxy_id, 3, "deserialize: last line without newline");
    dup = obp_conf_dup(src);
    tap_ok(dup != NULL && all_equal(src, dup), "dup: equal");
    if (dup != NULL) {
        obp_param_set(dup, obp_param_find("app_name"), "other", buf, 256);
        tap_is_str(src->app_name, "undefined", "dup: strings are copies");
    }
    obp_conf_free(dup);
    obp_conf_free(src);
    obp_conf_free(dst);
    obp_errs_free(&errs);
}

static void
test_worker_count(void)
{
    struct obp_conf *c = obp_conf_new();
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    int n;

    c->automatic_match_work_thread = false;
    c->work_thread_num = 4;
    tap_is_int(obp_conf_worker_count(c), 4, "workers: fixed 4");
    c->automatic_match_work_thread = true;
    n = obp_conf_worker_count(c);
    tap_ok(n >= 1 && n <= 4 && (cpus < 1 || n == (cpus < 4 ? cpus : 4)),
           "workers: automatic, at most work_thread_num");
    c->work_thread_num = 128;
    n = obp_conf_worker_count(c);
    tap_ok(n >= 1 && n <= OBP_SHM_MAX_WORKERS, "workers: automatic, 128");
    c->automatic_match_work_thread = false;
    c->work_thread_num = 0;
    tap_is_int(obp_conf_worker_count(c), 1, "workers: at least 1");
    c->work_thread_num = 100000;
    tap_is_int(obp_conf_worker_count(c), OBP_SHM_MAX_WORKERS,
               "workers: at most OBP_SHM_MAX_WORKERS");
    obp_conf_free(c);
}

static void
test_errs(void)
{
    struct obp_errs errs = { 0 };
    struct obp_conf *c = obp_conf_new();
    unsigned i;

    for (i = 0; i < 1000; i++)
        obp_errs_add(&errs, "line %u of many", i);
    tap_ok(errs.count == 1000 && strstr(errs.text, "line 999 of many\n")
           && strlen(errs.text) == errs.len, "errs: grows");
    obp_errs_free(&errs);
    tap_ok(errs.text == NULL && errs.count == 0, "errs: freed");
    obp_conf_set_kv(c, "ctl", 0, "listen_port", "x", &errs);
    tap_is_str(errs.text, "ctl: listen_port: \"x\" is not an integer, "
               "allowed [1025, 65535]\n", "set_kv: line 0 has no number");
    obp_errs_free(&errs);
    obp_conf_free(c);
}

/*
 * A message quoting a value that spans lines is still one line (found by
 * t/fuzz/conf_fuzz.c: a server address in a multi-line flow scalar).
 */
static void
test_errs_one_line(void)
{
    struct obp_errs errs = { 0 };
    struct obp_conf *c;
    int rc;

    c = load("multiline.yaml", "zones:\n  z1: {}\nservers:\n"
             "  s1: {address: 10.0.\n\n    0.3:3306, zone: z1}\n",
             &errs, &rc);
    tap_ok(rc == OBP_ERROR && errs.count == 1
           && strchr(errs.text, '\n') == errs.text + errs.len - 1,
           "an error quoting a multi-line value is one line");
    tap_like(errs.text, "multiline.yaml:4: server s1: address: "
             "\"10.0.?0.3:3306\"", "  naming the file");
    obp_errs_free(&errs);
    obp_errs_add(&errs, "a\tb\rc%s", "\nd");
    tap_is_str(errs.text, "a?b?c?d\n", "control characters shown as ?");
    obp_errs_free(&errs);
    obp_conf_free(c);
}

/* Removes the files the tests wrote, then the directory. */
static void
cleanup(void)
{
    static const char *const names[] = {
        "good.yaml", "good.ini", "flow.yml", "string.yaml", "empty.yaml",
        "comments.yaml", "dashes.yaml", "braces.yaml", "empty.ini",
        "section.cfg", "null.yaml", "bad.yaml", "syntax.yaml", "list.yaml",
        "scalar.yaml", "tab.yaml", "bad.ini", "comment.conf", "long.ini",
        "x.txt", "upper.YAML", "build.yaml", "build.ini", "ser.yaml",
        "multiline.yaml",
    };
    size_t i;

    for (i = 0; i < OBP_NELEMS(names); i++) {
        snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
        unlink(path);
    }
    tap_ok(rmdir(dir) == 0, "temporary directory removed");
}

int
main(void)
{
    tap_tmpdir(dir, sizeof(dir), "obp-conf");
    test_same_values();
    test_empty_files();
    test_yaml_errors();
    test_yaml_structure();
    test_ini_errors();
    test_ini_lines();
    test_files();
    test_build();
    test_opts();
    test_serialize();
    test_worker_count();
    test_errs();
    test_errs_one_line();
    cleanup();
    return tap_done();
}
