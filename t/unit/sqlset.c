/*
 * The SET scanner (worker/sqlset.c): every SET form, scopes, NAMES and
 * CHARACTER SET, user variables assigned outside SET, comments, strings
 * and quoted names, several statements, what cannot be followed; then
 * every prefix of the examples and random bytes, each in a buffer of its
 * exact size (AddressSanitizer sees any read past it), must end.
 */
#include "obp.h"

#include <stdlib.h>

#include "sqlset.h"
#include "tap.h"

#define ALL (OBP_SQLSET_BACKSLASH | OBP_SQLSET_MULTI)

/* "kind:name@stmt" per item ('=' for DEFAULT), then "." or " ERR". */
static void
scan(const char *text, size_t len, unsigned flags, char *out, size_t cap)
{
    static const char       kinds[] = "suNT";
    struct obp_sqlset       it;
    struct obp_sqlset_item  item;
    size_t                  n = 0;
    int                     rc;
    char                   *copy = malloc(len > 0 ? len : 1);

    memcpy(copy, text, len);
    out[0] = '\0';
    obp_sqlset_init(&it, copy, len, flags);
    for (size_t turn = 0; turn <= len + 2; turn++) {
        rc = obp_sqlset_next(&it, &item);
        if (rc != OBP_OK) {
            snprintf(out + n, cap - n, "%s", rc == OBP_DONE ? "." : "ERR");
            free(copy);
            return;
        }
        n += (size_t)snprintf(out + n, cap - n, "%c:%s%s@%u ",
                              kinds[item.kind], item.name,
                              item.is_default ? "=" : "", item.stmt);
        if (n >= cap)
            break;
    }
    snprintf(out, cap, "no end");
    free(copy);
}

static void
is_scan(const char *text, unsigned flags, const char *want)
{
    char got[1024], label[256];

    scan(text, strlen(text), flags, got, sizeof(got));
    snprintf(label, sizeof(label), "%.200s", text);
    for (char *c = label; *c != '\0'; c++)
        *c = *c == '\n' ? ' ' : *c;    /* one TAP line */
    tap_is_str(got, want, label);
}

struct scan_case {
    const char *text;
    unsigned    flags;
    const char *want;
};

static void
run_cases(const struct scan_case *c, size_t n)
{
    for (size_t i = 0; i < n; i++)
        is_scan(c[i].text, c[i].flags, c[i].want);
}

static void
test_set_forms(void)
{
    static const struct scan_case cases[] = {
        { "SET sql_mode = 'ANSI'", ALL, "s:sql_mode@0 ." },
        { "set SESSION Time_Zone='+02:00'", ALL, "s:time_zone@0 ." },
        { "SET LOCAL a=1", ALL, "s:a@0 ." },
        { "SET GLOBAL max_connections = 10", ALL, "." },
        { "SET PERSIST x = 1", ALL, "." },
        { "SET @@global.a = 1, @@session.b = 2, @@local.c = 3, @@d = 4",
          ALL, "s:b@0 s:c@0 s:d@0 ." },
        { "SET GLOBAL a = 1, b = 2, SESSION c = 3, d = 4", ALL,
          "s:c@0 s:d@0 ." },
        { "SET @a = 1, @`b c` := 2, @'d''e' = 3, @\"F\" = 4", ALL,
          "u:a@0 u:b c@0 u:d'e@0 u:f@0 ." },
        { "SET `group_concat_max_len` = 1 << 20", ALL,
          "s:group_concat_max_len@0 ." },
        { "SET @a = (SELECT 1, 2), @b = CONCAT('x,y', \"z;\")", ALL,
          "u:a@0 u:b@0 ." },
        { "SET @a = @b := 5", ALL, "u:b@0 u:a@0 ." },
        { "SET sql_mode = DEFAULT, @x = 1", ALL, "s:sql_mode=@0 u:x@0 ." },
        { "SET sql_mode = DEFAULT + 1", ALL, "s:sql_mode@0 ." },
        { "SET NAMES latin1", ALL, "N:@0 ." },
        { "SET NAMES 'utf8mb4' COLLATE 'utf8mb4_bin', @a = 1", ALL,
          "N:@0 u:a@0 ." },
        { "SET CHARACTER SET cp1251", ALL, "N:@0 ." },
        { "SET CHARSET DEFAULT", ALL, "N:@0 ." },
        { "SET character_set_results = NULL", ALL,
          "s:character_set_results@0 ." },
        { "SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED, "
          "READ ONLY", ALL, "T:@0 ." },
        { "SET TRANSACTION READ ONLY", ALL, "." },
        { "SET GLOBAL TRANSACTION READ ONLY", ALL, "." },
        { "SET PASSWORD = PASSWORD('x')", ALL, "." },
        { "SET DEFAULT ROLE r FOR u", ALL, "." },
        { "SET STATEMENT max_statement_time = 1 FOR SET @a = 1", ALL,
          "u:a@0 ." },
        { "SET STATEMENT sort_buffer_size = 1 FOR SELECT 1", ALL, "." },
    };

    run_cases(cases, OBP_NELEMS(cases));
}

static void
test_other_statements(void)
{
    static const struct scan_case cases[] = {
        { "SELECT 1", ALL, "." },
        { "SELECT @a, @b = 1, @c >= 2, @d <=> 3", ALL, "." },
        { "SELECT @a := 1, (@b:=2)", ALL, "u:a@0 u:b@0 ." },
        { "SELECT 1, 2 INTO @x, @`y`", ALL, "u:x@0 u:y@0 ." },
        { "SELECT a INTO @x FROM t WHERE b = @z", ALL, "u:x@0 ." },
        { "INSERT INTO t VALUES (@n := @n + 1)", ALL, "u:n@0 ." },
        { "UPDATE t SET a = 1, b = @c", ALL, "." },
        { "CALL p(@out, 1, @inout)", ALL, "u:out@0 u:inout@0 ." },
        { "DO @a := 1", ALL, "u:a@0 ." },
        { "CREATE PROCEDURE p() BEGIN SET x = 1; SET @y = 2; END", ALL,
          "." },
        { "CREATE DEFINER=`u`@`%` TRIGGER t BEFORE INSERT ON t FOR EACH "
          "ROW SET @c := 1", ALL, "." },
        { "CREATE TABLE t AS SELECT @a := 1", ALL, "u:a@0 ." },
        { "CREATE TEMPORARY TABLE t (a INT)", ALL, "ERR" },
        { "BEGIN", ALL, "." },
        { "BEGIN NOT ATOMIC SET @a = 1; END", ALL, "ERR" },
        { "IF 1 THEN SET @a = 1; END IF", ALL, "ERR" },
        { "PREPARE s FROM 'SET @a = 1'", ALL, "ERR" },
        { "EXECUTE IMMEDIATE 'SET @a = 1'", ALL, "ERR" },
        { "SET ROLE admin", ALL, "ERR" },
        { "SET hot_cache.key_buffer_size = 1", ALL, "ERR" },
        { "SET GLOBAL hot_cache.key_buffer_size = 1", ALL, "." },
        { "SET @@x.y = 1", ALL, "ERR" },
    };

    run_cases(cases, OBP_NELEMS(cases));
}

static void
test_lexing(void)
{
    static const struct scan_case cases[] = {
        { "/* SET @a = 1 */ SELECT 1 -- SET @b = 2\n# SET @c = 3", ALL,
          "." },
        { "/*!40101 SET NAMES utf8 */", ALL, "N:@0 ." },
        { "/*M!100100 SET @a = 1 */; /*!SET @b = 2*/", ALL,
          "u:a@0 u:b@1 ." },
        { "SELECT 1--1", ALL, "." },
        { "SELECT '; SET @a = 1', \"@b := 2\", `@c := 3`", ALL, "." },
        { "SELECT 'it''s', 'a\\'b; SET @x = 1'", ALL, "." },
        { "SELECT 'a\\'; SET @x = 1", OBP_SQLSET_MULTI, "u:x@1 ." },
        { "SET @`a``b` = 1", ALL, "u:a`b@0 ." },
        { "SET @'a\\nb' = 1", ALL, "ERR" },
        { "SET @"
          "abcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcde"
          " = 1", ALL, "ERR" },
        { "SET @"
          "abcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcd"
          " = 1", ALL,
          "u:abcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghij"
          "abcd@0 ." },
        { "SET @a.b$c = 1", ALL, "u:a.b$c@0 ." },
    };

    run_cases(cases, OBP_NELEMS(cases));
}

static void
test_statements(void)
{
    static const struct scan_case cases[] = {
        { "SET @a = 1; SELECT @b := 2; SET NAMES latin1;", ALL,
          "u:a@0 u:b@1 N:@2 ." },
        { "SELECT 1; SET @a = 1", OBP_SQLSET_BACKSLASH, "." },
        { "SET @a = 1; SET @b = 2", OBP_SQLSET_BACKSLASH, "u:a@0 ." },
        { "SET GLOBAL a = 1; SET b = 2", ALL, "s:b@1 ." },
        { "SELECT 1; SET ROLE r; SET @a = 1", ALL, "ERR" },
        { "SET @a = 1; SET @b", ALL, "u:a@0 ERR" },
        { "SET @a = 1, @b = 2", ALL | OBP_SQLSET_CUT, "u:a@0 ERR" },
        { "SELECT @a := 1", OBP_SQLSET_BACKSLASH | OBP_SQLSET_CUT,
          "u:a@0 ." },
        { "SELECT 1", ALL | OBP_SQLSET_CUT, "ERR" },
        { "", ALL, "." },
        { ";;;", ALL, "." },
    };

    run_cases(cases, OBP_NELEMS(cases));
}

static void
test_garbage(void)
{
    static const char *const texts[] = {
        "SET @a = 'x', @`b` := (1, 2), NAMES latin1 COLLATE latin1_bin; "
        "/*!40101 SET @@session.x = DEFAULT */ -- c\n SELECT @c := 1 INTO "
        "@d, @'e'; CALL p(@f); SET STATEMENT a=1 FOR SET @g = \"h\\\"\"",
        "SET @@", "SET @", "SET @'", "SET @`x", "@@@", "/*!", "/*M!1234",
        "*/*/", "--", "-- ", "#", ":=:=", "<=>", "SET a.", "SET @@global.",
    };
    static const char bytes[] = "@`'\"\\;:=,()./*!-#M \nsetSET";
    char     out[2048], buf[257];
    uint32_t seed = 12345;
    bool     ended = true;

    for (size_t i = 0; i < OBP_NELEMS(texts); i++) {
        for (size_t len = 0; len <= strlen(texts[i]); len++) {
            for (unsigned f = 0; f < 8; f++) {
                scan(texts[i], len, f, out, sizeof(out));
                ended = ended && strcmp(out, "no end") != 0;
            }
        }
    }
    tap_ok(ended, "every prefix of the examples ends, any flags");
    ended = true;
    for (int round = 0; round < 3000; round++) {
        size_t len = (size_t)round % sizeof(buf);

        for (size_t k = 0; k < len; k++) {
            seed = seed * 1103515245u + 12345u;
            /* mostly SQL punctuation and letters, some any byte */
            buf[k] = bytes[(seed >> 16) % (sizeof(bytes) - 1)];
            if ((seed >> 8) % 11 == 0)
                buf[k] = (char)(seed >> 24);
        }
        scan(buf, len, (unsigned)round % 8, out, sizeof(out));
        ended = ended && strcmp(out, "no end") != 0;
    }
    tap_ok(ended, "random bytes end, any flags");
}

int
main(void)
{
    test_set_forms();
    test_other_statements();
    test_lexing();
    test_statements();
    test_garbage();
    return tap_done();
}
