/*
 * Unit tests of the parameter table (shared/params.c): every default
 * parses and formats back to itself, and each type accepts and refuses
 * what it should, with phrases that end with the allowed range.
 */
#include "obp.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tap.h"

static char err[256];

static const struct obp_param *
row(const char *name)
{
    const struct obp_param *p = obp_param_find(name);

    if (p == NULL) {
        printf("Bail out! no parameter %s\n", name);
        exit(1);
    }
    return p;
}

/* Sets <name> to <value>; true when accepted. */
static bool
set(struct obp_conf *conf, const char *name, const char *value)
{
    err[0] = '\0';
    return obp_param_set(conf, row(name), value, err, sizeof(err)) == OBP_OK;
}

/* Sets <name> to <value>, which must be refused with the phrase <want>. */
static void
refused(struct obp_conf *conf, const char *name, const char *value,
        const char *want)
{
    char label[160], shown[48];
    size_t i;

    /* A control character must not break the TAP line. */
    for (i = 0; i + 1 < sizeof(shown) && value[i] != '\0'; i++)
        shown[i] = (unsigned char)value[i] < 0x20 ? '?' : value[i];
    shown[i] = '\0';
    snprintf(label, sizeof(label), "%s \"%s\" refused", name, shown);
    if (!tap_ok(!set(conf, name, value), label))
        return;
    snprintf(label, sizeof(label), "%s \"%s\" phrase", name, shown);
    tap_is_str(err, want, label);
}

static const char *
formatted(const struct obp_conf *conf, const char *name)
{
    static char buf[8192];

    if (obp_param_format(conf, row(name), buf, sizeof(buf)) < 0)
        return "(format failed)";
    return buf;
}

static void
test_defaults(void)
{
    struct obp_conf *a = obp_conf_new(), *b = obp_conf_new();
    char buf[8192], label[128];
    size_t i;

    tap_ok(a != NULL && b != NULL, "obp_conf_new");
    if (a == NULL || b == NULL)
        exit(1);
    for (i = 0; i < obp_nparams; i++) {
        const struct obp_param *p = &obp_params[i];

        snprintf(label, sizeof(label), "%s: default \"%s\" accepted",
                 p->name, p->dflt);
        tap_ok(obp_param_set(b, p, p->dflt, err, sizeof(err)) == OBP_OK,
               label);
        snprintf(label, sizeof(label), "%s: formatted default re-parses",
                 p->name);
        tap_ok(obp_param_format(a, p, buf, sizeof(buf)) >= 0
               && obp_param_set(b, p, buf, err, sizeof(err)) == OBP_OK
               && obp_param_equal(a, b, p), label);
        snprintf(label, sizeof(label), "%s: found by name", p->name);
        tap_ok(obp_param_find(p->name) == p, label);
    }
    obp_conf_free(a);
    obp_conf_free(b);
}

static void
test_int(struct obp_conf *c)
{
    tap_ok(set(c, "listen_port", "3307") && c->listen_port == 3307,
           "int: 3307");
    tap_ok(set(c, "listen_port", "  2000 \t") && c->listen_port == 2000,
           "int: blanks trimmed");
    tap_ok(set(c, "listen_port", "+1025") && c->listen_port == 1025,
           "int: plus sign, min");
    tap_ok(set(c, "listen_port", "65535") && c->listen_port == 65535,
           "int: max");
    refused(c, "listen_port", "65536", "\"65536\" is out of range "
            "[1025, 65535]");
    refused(c, "listen_port", "1024", "\"1024\" is out of range "
            "[1025, 65535]");
    refused(c, "listen_port", "70000", "\"70000\" is out of range "
            "[1025, 65535]");
    refused(c, "listen_port", "abc", "\"abc\" is not an integer, allowed "
            "[1025, 65535]");
    refused(c, "listen_port", "12a", "\"12a\" is not an integer, allowed "
            "[1025, 65535]");
    refused(c, "listen_port", "", "\"\" is not an integer, allowed "
            "[1025, 65535]");
    refused(c, "listen_port", "0x50", "\"0x50\" is not an integer, allowed "
            "[1025, 65535]");
    refused(c, "listen_port", "3 307", "\"3 307\" is not an integer, "
            "allowed [1025, 65535]");
    refused(c, "listen_port", "99999999999999999999", "\"99999999999999999999"
            "\" is out of range [1025, 65535]");
    refused(c, "listen_port", "-99999999999999999999",
            "\"-99999999999999999999\" is out of range [1025, 65535]");
    tap_is_int(c->listen_port, 65535, "int: refusals left the value alone");
    tap_ok(set(c, "client_max_connections", "0")
           && c->client_max_connections == 0, "int: 0 when min is 0");
    refused(c, "client_max_connections", "-1", "\"-1\" is out of range "
            "[0, 1000000]");
    refused(c, "client_max_connections", "-", "\"-\" is not an integer, "
            "allowed [0, 1000000]");
    tap_is_str(formatted(c, "client_max_connections"), "0", "int: format");
}

static void
test_time(struct obp_conf *c)
{
    tap_ok(set(c, "connect_server_timeout", "5s")
           && c->connect_server_timeout == 5000000, "time: 5s in us");
    tap_ok(set(c, "connect_server_timeout", "250 MS")
           && c->connect_server_timeout == 250000, "time: 250 MS");
    tap_ok(set(c, "connect_server_timeout", "1000")
           && c->connect_server_timeout == 1000, "time: bare number is us");
    tap_ok(set(c, "connect_server_timeout", "1h")
           && c->connect_server_timeout == INT64_C(3600000000),
           "time: max 1h");
    refused(c, "connect_server_timeout", "3601s", "\"3601s\" is out of "
            "range [1ms, 1h]");
    refused(c, "connect_server_timeout", "999us", "\"999us\" is out of "
            "range [1ms, 1h]");
    refused(c, "connect_server_timeout", "5x", "\"5x\" is not a time (units "
            "us, ms, s, m, h, d), allowed [1ms, 1h]");
    refused(c, "connect_server_timeout", "1.5s", "\"1.5s\" is not a time "
            "(units us, ms, s, m, h, d), allowed [1ms, 1h]");
    refused(c, "connect_server_timeout", "-5s", "\"-5s\" is out of range "
            "[1ms, 1h]");
    refused(c, "connect_server_timeout", "s", "\"s\" is not a time (units "
            "us, ms, s, m, h, d), allowed [1ms, 1h]");
    refused(c, "connect_server_timeout", "9999999999999d", "\"9999999999999d"
            "\" is out of range [1ms, 1h]");
    refused(c, "connect_server_timeout", "99999999999999999999",
            "\"99999999999999999999\" is out of range [1ms, 1h]");
    tap_is_str(formatted(c, "connect_server_timeout"), "1h",
               "time: refusals left 1h");
    tap_ok(set(c, "hot_upgrade_exit_timeout", "1d"), "time: 1d");
    refused(c, "hot_upgrade_exit_timeout", "25h", "\"25h\" is out of range "
            "[0, 1d]");
    refused(c, "delay_exit_time", "50ms", "\"50ms\" is out of range "
            "[100ms, 500ms]");
}

static void
format_time(struct obp_conf *c, const char *in, const char *out)
{
    char label[64];

    snprintf(label, sizeof(label), "time: \"%s\" formats as \"%s\"", in, out);
    if (!set(c, "hot_upgrade_exit_timeout", in))
        tap_ok(0, label);
    else
        tap_is_str(formatted(c, "hot_upgrade_exit_timeout"), out, label);
}

static void
test_time_units(struct obp_conf *c)
{
    static const struct { const char *s; int64_t us; } units[] = {
        { "7us", 7 }, { "7ms", 7000 }, { "7s", 7000000 },
        { "7m", INT64_C(420000000) }, { "7h", INT64_C(25200000000) },
        { "7d", INT64_C(604800000000) }, { "7D", INT64_C(604800000000) },
        { " 7 s ", 7000000 }, { "0", 0 },
    };
    char label[64];
    int64_t us;
    size_t i;

    for (i = 0; i < OBP_NELEMS(units); i++) {
        snprintf(label, sizeof(label), "obp_parse_time(\"%s\")", units[i].s);
        tap_ok(obp_parse_time(units[i].s, &us) == OBP_OK
               && us == units[i].us, label);
    }
    tap_ok(obp_parse_time("", &us) == OBP_ERROR, "obp_parse_time(\"\")");
    tap_ok(obp_parse_time("-1s", &us) == OBP_ERROR, "obp_parse_time(-1s)");
    tap_ok(obp_parse_time("1y", &us) == OBP_ERROR, "obp_parse_time(1y)");
    format_time(c, "30s", "30s");
    format_time(c, "30000ms", "30s");
    format_time(c, "100ms", "100ms");
    format_time(c, "300s", "5m");
    format_time(c, "90s", "90s");
    format_time(c, "1500", "1500us");
    format_time(c, "0s", "0");
    format_time(c, "24h", "1d");
}

static void
test_size(struct obp_conf *c)
{
    tap_ok(set(c, "routing_cache_mem_limited", "128MB")
           && c->routing_cache_mem_limited == 134217728, "size: 128MB");
    tap_ok(set(c, "routing_cache_mem_limited", "1g")
           && c->routing_cache_mem_limited == 1073741824, "size: 1g");
    tap_ok(set(c, "routing_cache_mem_limited", "64GB"), "size: max 64GB");
    tap_ok(set(c, "routing_cache_mem_limited", "1048576")
           && c->routing_cache_mem_limited == 1048576,
           "size: bare number is bytes, min");
    tap_is_str(formatted(c, "routing_cache_mem_limited"), "1MB",
               "size: 1048576 formats as 1MB");
    refused(c, "routing_cache_mem_limited", "1048575", "\"1048575\" is out "
            "of range [1MB, 64GB]");
    refused(c, "routing_cache_mem_limited", "65GB", "\"65GB\" is out of "
            "range [1MB, 64GB]");
    refused(c, "routing_cache_mem_limited", "5X", "\"5X\" is not a size "
            "(units B, KB, MB, GB, TB), allowed [1MB, 64GB]");
    refused(c, "routing_cache_mem_limited", "99999999999T",
            "\"99999999999T\" is out of range [1MB, 64GB]");
    refused(c, "max_log_file_size", "2GB", "\"2GB\" is out of range "
            "[1MB, 1GB]");
}

static void
format_size(struct obp_conf *c, int64_t bytes, const char *out)
{
    char label[64];

    c->max_log_file_size = bytes;
    snprintf(label, sizeof(label), "size: %" PRId64 " formats as \"%s\"",
             bytes, out);
    tap_is_str(formatted(c, "max_log_file_size"), out, label);
}

static void
test_size_units(struct obp_conf *c)
{
    static const struct { const char *s; int64_t b; } units[] = {
        { "3", 3 }, { "3B", 3 }, { "3k", 3072 }, { "3KB", 3072 },
        { "3M", 3145728 }, { "3mb", 3145728 }, { "3G", INT64_C(3221225472) },
        { "3T", INT64_C(3298534883328) }, { "3tb", INT64_C(3298534883328) },
    };
    char label[64];
    int64_t b;
    size_t i;

    for (i = 0; i < OBP_NELEMS(units); i++) {
        snprintf(label, sizeof(label), "obp_parse_size(\"%s\")", units[i].s);
        tap_ok(obp_parse_size(units[i].s, &b) == OBP_OK && b == units[i].b,
               label);
    }
    tap_ok(obp_parse_size("3PB", &b) == OBP_ERROR, "obp_parse_size(3PB)");
    tap_ok(obp_parse_size("KB", &b) == OBP_ERROR, "obp_parse_size(KB)");
    format_size(c, 268435456, "256MB");
    format_size(c, 4096, "4KB");
    format_size(c, 0, "0");
    format_size(c, 1000, "1000B");
    format_size(c, 1572864, "1536KB");
    format_size(c, INT64_C(2199023255552), "2TB");
}

static void
test_bool(struct obp_conf *c)
{
    static const struct { const char *s; bool b; } words[] = {
        { "true", true }, { "On", true }, { "YES", true }, { "1", true },
        { "false", false }, { "off", false }, { "No", false }, { "0", false },
    };
    char label[64];
    size_t i;

    for (i = 0; i < OBP_NELEMS(words); i++) {
        snprintf(label, sizeof(label), "bool: \"%s\"", words[i].s);
        tap_ok(set(c, "automatic_match_work_thread", words[i].s)
               && c->automatic_match_work_thread == words[i].b, label);
    }
    tap_is_str(formatted(c, "automatic_match_work_thread"), "false",
               "bool: formats as false");
    refused(c, "automatic_match_work_thread", "maybe", "\"maybe\" is not a "
            "boolean, allowed true or false");
    refused(c, "automatic_match_work_thread", "", "\"\" is not a boolean, "
            "allowed true or false");
}

static void
test_enum(struct obp_conf *c)
{
    tap_ok(set(c, "syslog_level", "warn") && c->syslog_level == OBP_LOG_WARN,
           "enum: warn");
    tap_ok(set(c, "syslog_level", "Debug")
           && c->syslog_level == OBP_LOG_DEBUG, "enum: Debug");
    tap_ok(set(c, "syslog_level", "user_err")
           && c->syslog_level == OBP_LOG_ERROR, "enum: user_err is ERROR");
    tap_is_str(formatted(c, "syslog_level"), "ERROR", "enum: prints ERROR");
    tap_ok(set(c, "syslog_level", " wdiag "), "enum: blanks trimmed");
    tap_is_str(formatted(c, "syslog_level"), "WDIAG",
               "enum: prints upper case");
    refused(c, "syslog_level", "LOUD", "\"LOUD\" is not a level, allowed one "
            "of ERROR, USER_ERR, WARN, INFO, EDIAG, WDIAG, TRACE, DEBUG");
    refused(c, "syslog_level", "WARNING", "\"WARNING\" is not a level, "
            "allowed one of ERROR, USER_ERR, WARN, INFO, EDIAG, WDIAG, "
            "TRACE, DEBUG");
    tap_is_int(c->syslog_level, OBP_LOG_WDIAG, "enum: refusals kept WDIAG");
    tap_is_int(c->proxy_route_policy, OBP_POLICY_MERGE_IDC_ORDER,
               "proxy_route_policy: \"\" by default");
    tap_ok(set(c, "proxy_route_policy", "follower_only")
           && c->proxy_route_policy == OBP_POLICY_FOLLOWER_ONLY,
           "proxy_route_policy: follower_only");
    tap_is_str(formatted(c, "proxy_route_policy"), "FOLLOWER_ONLY",
               "proxy_route_policy: prints FOLLOWER_ONLY");
    tap_ok(set(c, "proxy_route_policy", ""), "proxy_route_policy: \"\"");
    refused(c, "proxy_route_policy", "LEADER_FIRST", "\"LEADER_FIRST\" is "
            "not a name, allowed one of \"\", FOLLOWER_FIRST, "
            "UNMERGE_FOLLOWER_FIRST, FOLLOWER_ONLY");
}

static void
test_string(struct obp_conf *c)
{
    char s64[65], s65[66];

    memset(s64, 'a', 64);
    s64[64] = '\0';
    memset(s65, 'b', 65);
    s65[65] = '\0';
    tap_ok(set(c, "local_bound_ip", "  127.0.0.1 "), "string: set");
    tap_is_str(c->local_bound_ip, "127.0.0.1", "string: blanks trimmed");
    tap_ok(set(c, "local_bound_ip", s64), "string: 64 characters");
    refused(c, "local_bound_ip", s65, "is longer than 64 characters, "
            "allowed length [1, 64]");
    refused(c, "local_bound_ip", "", "is empty, allowed length [1, 64]");
    refused(c, "local_bound_ip", "  ", "is empty, allowed length [1, 64]");
    refused(c, "local_bound_ip", "a\tb", "contains a control character, "
            "allowed length [1, 64]");
    refused(c, "app_name", "a\nb", "contains a control character, allowed "
            "length [1, 128]");
    tap_is_str(c->local_bound_ip, s64, "string: refusals kept the value");
}

static void
test_list(struct obp_conf *c)
{
    static char big[4100];

    tap_ok(set(c, "rootservice_list", "127.0.0.1:3306;127.0.0.1:3307"),
           "list: two servers");
    tap_is_str(c->rootservice_list, "127.0.0.1:3306;127.0.0.1:3307",
               "list: stored as given");
    tap_ok(set(c, "rootservice_list", " a ; b ,\tc "), "list: blanks");
    tap_is_str(c->rootservice_list, "a;b,c", "list: blanks around items go");
    refused(c, "rootservice_list", "a;;b", "\"a;;b\" has an empty item, "
            "allowed items separated by ';' or ',', length [0, 4096]");
    refused(c, "rootservice_list", "a;", "\"a;\" has an empty item, allowed "
            "items separated by ';' or ',', length [0, 4096]");
    refused(c, "rootservice_list", ", a", "\", a\" has an empty item, allowed "
            "items separated by ';' or ',', length [0, 4096]");
    refused(c, "rootservice_list", "a\rb", "contains a control character, "
            "allowed length [0, 4096]");
    memset(big, 'x', 4097);
    refused(c, "rootservice_list", big, "is longer than 4096 characters, "
            "allowed length [0, 4096]");
    tap_is_str(c->rootservice_list, "a;b,c", "list: refusals kept value");
    tap_ok(set(c, "rootservice_list", ""), "list: empty");
    tap_is_str(c->rootservice_list, "", "list: empty stored");
}

static void
test_ranges(void)
{
    char buf[256];

    obp_param_range(row("listen_port"), buf, sizeof(buf));
    tap_is_str(buf, "[1025, 65535]", "range: int");
    obp_param_range(row("hot_upgrade_exit_timeout"), buf, sizeof(buf));
    tap_is_str(buf, "[0, 1d]", "range: time");
    obp_param_range(row("routing_cache_mem_limited"), buf, sizeof(buf));
    tap_is_str(buf, "[1MB, 64GB]", "range: size");
    obp_param_range(row("automatic_match_work_thread"), buf, sizeof(buf));
    tap_is_str(buf, "true or false", "range: bool");
    obp_param_range(row("app_name"), buf, sizeof(buf));
    tap_is_str(buf, "length [1, 128]", "range: string");
    obp_param_range(row("listen_port"), buf, 5);
    tap_is_str(buf, "[102", "range: cut to the buffer");
}

/* Rows the table does not have yet: unlimited and read-only. */
static void
test_fake_rows(struct obp_conf *c)
{
    const struct obp_param big = {
        "big", OBP_PT_INT, offsetof(struct obp_conf, proxy_id), "0", 0,
        OBP_INT_UNLIMITED, OBP_P_RELOAD, NULL, "test row"
    };
    const struct obp_param ro = {
        "ro", OBP_PT_INT, offsetof(struct obp_conf, proxy_id), "42", 0,
        100, OBP_P_READONLY, NULL, "test row"
    };
    char buf[64];

    obp_param_range(&big, buf, sizeof(buf));
    tap_is_str(buf, "[0, unlimited]", "range: unlimited");
    tap_ok(obp_param_set(c, &big, "9223372036854775807", err, sizeof(err))
           == OBP_OK && c->proxy_id == INT64_MAX, "unlimited: INT64_MAX");
    tap_ok(obp_param_set(c, &big, "9223372036854775808", err, sizeof(err))
           == OBP_ERROR, "unlimited: INT64_MAX + 1 refused");
    tap_is_str(err, "\"9223372036854775808\" is out of range [0, unlimited]",
               "unlimited: phrase");
    tap_ok(obp_param_set(c, &ro, "1", err, sizeof(err)) == OBP_ERROR,
           "read-only: refused");
    tap_is_str(err, "is read-only", "read-only: phrase");
    tap_ok(obp_param_set_default(c, &ro, err, sizeof(err)) == OBP_OK
           && c->proxy_id == 42, "read-only: default is set");
}

static void
test_misc(struct obp_conf *c)
{
    char tiny[8], buf[4];
    const char *long_value = "this value is much longer than sixty "
                             "characters, so the phrase shortens it";

    tap_ok(obp_param_find("LISTEN_PORT") == NULL, "find: case-sensitive");
    tap_ok(obp_param_find("no_such_param") == NULL, "find: unknown");
    tap_ok(obp_param_find("") == NULL, "find: empty");
    tap_ok(obp_param_set(c, row("listen_port"), "x", tiny, sizeof(tiny))
           == OBP_ERROR && strlen(tiny) == 7, "phrase cut to a small err");
    tap_ok(set(c, "app_name", "0123456789"), "format: set app_name");
    tap_ok(obp_param_format(c, row("app_name"), buf, sizeof(buf))
           == OBP_ERROR, "format: too small a buffer");
    set(c, "listen_port", long_value);
    tap_like(err, "so the phra...\" is not an integer, allowed [1025, 65535]",
             "long values are shortened in phrases");
    set(c, "listen_port", "12\n34");
    tap_is_str(err, "\"12?34\" is not an integer, allowed [1025, 65535]",
               "control characters hidden in phrases");
}

int
main(void)
{
    struct obp_conf *c;

    test_defaults();
    c = obp_conf_new();
    if (c == NULL)
        return 1;
    test_int(c);
    test_time(c);
    test_time_units(c);
    test_size(c);
    test_size_units(c);
    test_bool(c);
    test_enum(c);
    test_string(c);
    test_list(c);
    test_ranges();
    test_fake_rows(c);
    test_misc(c);
    obp_conf_free(c);
    return tap_done();
}
