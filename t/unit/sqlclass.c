/*
 * The SQL classifier (shared/sqlclass.c): kinds, first tables, key
 * values from WHERE and INSERT, placeholders, hints and ODP's comments,
 * session changes, several statements; then every prefix of the
 * examples and random bytes, each in a buffer of its exact size
 * (AddressSanitizer sees any read past it), with every slice checked to
 * lie in the text.  Ends with the time per statement of a few typical
 * ones, as diagnostics.
 */
#include "obp.h"

#include <stdlib.h>
#include <time.h>

#include "sqlclass_slices.h"
#include "tap.h"

#define OUT_MAX 2048

struct out {
    char   buf[OUT_MAX];
    size_t n;
};

static void OBP_PRINTF(2, 3)
put(struct out *o, const char *fmt, ...)
{
    va_list ap;
    int     k;

    va_start(ap, fmt);
    k = vsnprintf(o->buf + o->n, sizeof(o->buf) - o->n, fmt, ap);
    va_end(ap);
    if (k > 0)
        o->n = o->n + (size_t)k < sizeof(o->buf) ? o->n + (size_t)k
                                                 : sizeof(o->buf) - 1;
}

static void
put_name(struct out *o, const char *pre, const struct obp_sql_name *nm)
{
    if (nm->s != NULL)
        put(o, "%s%.*s", pre, (int)nm->n, nm->s);
}

static void
put_value(struct out *o, const struct obp_sql_value *v)
{
    static const char *const pre[] = {
        "expr", "", "d", "'", "x", "b", "null", "", "?"
    };

    put(o, "%s%s", v->negative ? "-" : "", pre[v->type]);
    put_name(o, "", &v->charset);
    if (v->type == OBP_SQL_V_PARAM)
        put(o, "%u", (unsigned)v->param);
    else if (v->type != OBP_SQL_V_EXPR && v->type != OBP_SQL_V_NULL)
        put(o, "%.*s", (int)v->text.n, v->text.s);
    if (v->text.escaped)
        put(o, "(esc)");
}

static void
put_columns(struct out *o, const struct obp_sql_class *c)
{
    for (unsigned i = 0; i < c->ncolumns; i++) {
        const struct obp_sql_column *col = &c->columns[i];

        put(o, " %.*s", (int)col->name.n, col->name.s);
        if (col->state == OBP_SQL_COL_ABSENT) {
            put(o, "=-");
            continue;
        }
        if (col->state == OBP_SQL_COL_UNUSABLE) {
            put(o, "=!");
            continue;
        }
        for (unsigned k = 0; k < col->nvalues; k++) {
            put(o, "%s", k == 0 ? "=" : ",");
            put_value(o, &col->values[k]);
        }
        if (col->capped)
            put(o, "+");
    }
}

static void
put_flags(struct out *o, const struct obp_sql_class *c)
{
    static const char *const names[] = {
        "more", "forupdate", "dep", "join", "union", "capped", "nocols",
        "insel", "sysvar", "uservar", "names", "autocommit", "trx",
        "global", "ro", "snapshot", "chain", "release", "savepoint", "xa"
    };
    static const char *const cons[] = { "", "weak", "strong", "frozen" };

    for (unsigned i = 0; i < OBP_NELEMS(names); i++) {
        if (c->flags & (1u << i))
            put(o, " %s", names[i]);
        if ((c->flags & (1u << i)) == OBP_SQL_F_SET_AUTOCOMMIT)
            put(o, "=%d", c->autocommit);
    }
    if (c->consistency != OBP_SQL_CONS_NONE)
        put(o, " %s", cons[c->consistency]);
    put_name(o, " target=", &c->target_db_server);
    put_name(o, " route=", &c->route_table);
    put_name(o, ":", &c->route_part_key);
    if (c->nparams > 0)
        put(o, " params=%u", (unsigned)c->nparams);
    if (c->nrows > 1)
        put(o, " rows=%u", c->nrows);
}

/* "kind [db.]table [as alias] col=v,v ... flags" for <c>. */
static const char *
describe(const struct obp_sql_class *c, struct out *o)
{
    static const char *const kinds[] = {
        "other", "select", "insert", "replace", "update", "delete",
        "begin", "commit", "rollback", "set", "use", "show", "call", "ddl"
    };

    o->n = 0;
    o->buf[0] = '\0';
    put(o, "%s", kinds[c->kind]);
    put_name(o, " ", &c->db);
    put_name(o, c->db.s != NULL ? "." : " ", &c->table);
    put_name(o, " as ", &c->alias);
    put_columns(o, c);
    put_flags(o, c);
    return o->buf;
}

/* Classifies a copy of exactly <len> bytes; false if a slice strays. */
static bool
classify(const char *text, size_t len, unsigned flags,
         const struct obp_sql_name *keys, unsigned nkeys, struct out *o)
{
    struct obp_sql_class c;
    char                *copy = malloc(len > 0 ? len : 1);
    bool                 ok;

    memcpy(copy, text, len);
    obp_sql_classify(&c, copy, len, flags, keys, nkeys);
    ok = sqlclass_slices_inside(&c, copy, len, nkeys > 0);
    if (o != NULL)
        describe(&c, o);
    free(copy);
    return ok;
}

struct cls_case {
    const char *text;
    const char *want;
};

static void
run_cases(const struct cls_case *cases, size_t n)
{
    struct out o;
    char       label[160];

    for (size_t i = 0; i < n; i++) {
        classify(cases[i].text, strlen(cases[i].text), OBP_SQL_BACKSLASH,
                 NULL, 0, &o);
        snprintf(label, sizeof(label), "%.150s", cases[i].text);
        for (char *p = label; *p != '\0'; p++)
            *p = *p == '\n' ? ' ' : *p;
        tap_is_str(o.buf, cases[i].want, label);
    }
}

static void
test_kinds(void)
{
    static const struct cls_case cases[] = {
        { "select 1", "select" },
        { "SELECT * FROM t", "select t" },
        { "(SELECT a FROM t) UNION (SELECT a FROM u)", "select t union" },
        { "INSERT INTO t VALUES (1)", "insert t nocols" },
        { "REPLACE t (a) VALUES (1)", "replace t a=1" },
        { "UPDATE LOW_PRIORITY t SET a = 1", "update t" },
        { "DELETE FROM t", "delete t" },
        { "BEGIN", "begin" },
        { "begin work", "begin" },
        { "BEGIN NOT ATOMIC SELECT 1; END", "other" },
        { "START TRANSACTION", "begin" },
        { "START TRANSACTION READ ONLY", "begin ro" },
        { "START TRANSACTION WITH CONSISTENT SNAPSHOT, READ WRITE",
          "begin snapshot" },
        { "START SLAVE", "other" },
        { "XA START 'x'", "begin xa" },
        { "XA COMMIT 'x'", "commit xa" },
        { "XA END 'x'", "other" },
        { "COMMIT", "commit" },
        { "COMMIT WORK AND CHAIN NO RELEASE", "commit chain" },
        { "COMMIT AND NO CHAIN RELEASE", "commit release" },
        { "ROLLBACK", "rollback" },
        { "ROLLBACK WORK TO SAVEPOINT s", "rollback savepoint" },
        { "USE db1", "use db1" },
        { "USE `my``db`", "use my``db" },
        { "SHOW TABLES", "show" },
        { "SHOW TABLES FROM db1", "show db1" },
        { "SHOW FULL COLUMNS FROM t FROM db1", "show db1.t" },
        { "SHOW INDEX IN db1.t", "show db1.t" },
        { "SHOW CREATE TABLE `t`", "show t" },
        { "CALL db1.p(1, ?)", "call db1.p params=1" },
        { "CREATE TABLE IF NOT EXISTS db1.t (a INT)", "ddl db1.t" },
        { "CREATE TEMPORARY TABLE t (a INT)", "ddl t" },
        { "CREATE UNIQUE INDEX i ON t (a)", "ddl t" },
        { "ALTER TABLE t ADD b INT", "ddl t" },
        { "DROP TABLE IF EXISTS t, u", "ddl t" },
        { "TRUNCATE t", "ddl t" },
        { "TRUNCATE TABLE db1.t", "ddl db1.t" },
        { "RENAME TABLE t TO u", "ddl t" },
        { "CREATE PROCEDURE p() BEGIN SELECT 1; SELECT 2; END", "ddl" },
        { "WITH c AS (SELECT 1) SELECT * FROM c", "select" },
        { "WITH c AS (SELECT 1) DELETE FROM t", "delete" },
        { "DO 1", "other" },
        { "EXPLAIN SELECT 1", "other" },
        { "", "other" },
        { "  ;  ", "other" },
        { "42", "other" },
    };

    run_cases(cases, OBP_NELEMS(cases));
}

static void
test_tables(void)
{
    static const struct cls_case cases[] = {
        { "SELECT a FROM db1.t1 WHERE 1", "select db1.t1" },
        { "select a from `d b`.`t``1` x", "select d b.t``1 as x" },
        { "SELECT a FROM t AS x, u", "select t as x join" },
        { "SELECT a FROM t x JOIN u ON x.a = u.a", "select t as x join" },
        { "SELECT a FROM t PARTITION (p0) WHERE id = 1", "select t id=1" },
        { "SELECT a FROM (SELECT 1) d", "select" },
        { "SELECT 1 FROM DUAL", "select" },
        { "SELECT (SELECT b FROM u), a FROM t", "select t" },
        { "SELECT a INTO @x FROM t", "select t" },
        { "SELECT 1 UNION SELECT a FROM t", "select union" },
        { "SELECT a FROM t FORCE INDEX (i) WHERE id = 1", "select t id=1" },
        { "UPDATE t x, u SET x.a = u.a", "update t as x join" },
        { "DELETE t, u FROM t JOIN u", "delete t join" },
        { "DELETE FROM t USING t, u", "delete t join" },
        { "INSERT IGNORE INTO db1.t SELECT * FROM u", "insert db1.t insel" },
        { "INSERT INTO t (a) (SELECT 1)", "insert t a=- insel" },
        { "INSERT INTO t (SELECT 1)", "insert t insel" },
        { "INSERT INTO t TABLE u", "insert t insel" },
    };

    run_cases(cases, OBP_NELEMS(cases));
}

static void
test_where(void)
{
    static const struct cls_case cases[] = {
        { "SELECT * FROM t WHERE id = 5", "select t id=5" },
        { "SELECT * FROM t WHERE 5 = id", "select t id=5" },
        { "SELECT * FROM t WHERE id = -5 AND b = 'x' && c = 1.5e3",
          "select t id=-5 b='x c=d1.5e3" },
        { "SELECT * FROM t WHERE id IN (1, 2, ?) AND k = ?",
          "select t id=1,2,?0 k=?1 params=2" },
        { "SELECT * FROM t x WHERE x.id = 1 AND t.k = 2 AND u.z = 3",
          "select t as x id=1 k=2" },
        { "SELECT * FROM db1.t WHERE db1.t.id = 1 AND db2.t.k = 2",
          "select db1.t id=1" },
        { "SELECT * FROM t WHERE (id = 1 AND (k = 2)) AND z > 3",
          "select t id=1 k=2" },
        { "SELECT * FROM t WHERE id = 1 OR k = 2", "select t id=! k=!" },
        { "SELECT * FROM t WHERE k = 2 AND (id = 1 OR id = 3)",
          "select t k=2 id=!" },
        { "SELECT * FROM t WHERE id = 1 AND (a = 2 OR b = 3)",
          "select t id=1 a=! b=!" },
        { "SELECT * FROM t WHERE NOT id = 1 AND k = 2",
          "select t id=! k=2" },
        { "SELECT * FROM t WHERE NOT (id = 1 AND k = 2) AND z = 3",
          "select t id=! k=! z=3" },
        { "SELECT * FROM t WHERE id NOT IN (1, 2) AND k = 2",
          "select t k=2" },
        { "SELECT * FROM t WHERE id = 1 + 2 AND k = f(1)",
          "select t id=! k=!" },
        { "SELECT * FROM t WHERE id IN (1, f(2)) AND k IN (SELECT 1)",
          "select t id=! k=!" },
        { "SELECT * FROM t WHERE f(id = 1) AND k = 2",
          "select t k=2" },
        { "SELECT * FROM t WHERE (SELECT 1 FROM u WHERE a = 1 AND id = 2)"
          " AND k = 3", "select t id=! k=3" },
        { "SELECT * FROM t WHERE a BETWEEN 1 AND id = 3",
          "select t" },
        { "SELECT * FROM t WHERE a BETWEEN 1 AND 2 AND id = 3",
          "select t id=3" },
        { "SELECT * FROM t WHERE CASE WHEN x = 1 AND id = 2 THEN 1 END = 1"
          " AND k = 3", "select t k=3" },
        { "SELECT * FROM t WHERE id = 1 ORDER BY a LIMIT 1",
          "select t id=1" },
        { "SELECT * FROM t WHERE id = 1 FOR UPDATE",
          "select t id=1 forupdate" },
        { "SELECT * FROM t WHERE id = 1 LOCK IN SHARE MODE",
          "select t id=1 forupdate" },
        { "SELECT * FROM t WHERE id = 1 UNION SELECT * FROM t WHERE id = 2",
          "select t id=! union" },
        { "SELECT * FROM t WHERE id = NULL AND a = TRUE AND b = x'4F'"
          " AND c = _utf8mb4'z' AND d = N'n' AND e = 0x1f AND f = b'01'",
          "select t id=null a=TRUE b=x4F c='utf8mb4z d='Nn e=x1f f=b01" },
        { "SELECT * FROM t WHERE id = 'it''s' AND k = 'a\\'b'",
          "select t id='it''s(esc) k='a\\'b(esc)" },
        { "SELECT * FROM t WHERE id = 1 AND id = 2", "select t id=1" },
        { "SELECT * FROM t WHERE id = 'a' 'b'", "select t id=!" },
        { "SELECT * FROM t WHERE `id` = 1 AND `K``1` = 2",
          "select t id=1 K``1=2" },
        { "UPDATE t SET a = ? WHERE id = ? AND k IN (?, 3)",
          "update t id=?1 k=?2,3 params=3" },
        { "DELETE FROM db1.t WHERE id = 7 LIMIT 1", "delete db1.t id=7" },
        { "SELECT * FROM t JOIN u ON t.a = u.a WHERE t.id = 1 AND u.k = 2",
          "select t id=1 join" },
        { "SELECT * FROM t WHERE last_insert_id() = id",
          "select t dep" },
        { "SELECT found_rows()", "select dep" },
        { "SELECT * FROM t WHERE id = -'x'", "select t id=!" },
    };

    run_cases(cases, OBP_NELEMS(cases));
}

static void
test_insert(void)
{
    static const struct cls_case cases[] = {
        { "INSERT INTO t (id, a, k) VALUES (1, 'x', 2)",
          "insert t id=1 a='x k=2" },
        { "INSERT INTO t (id, a) VALUES (1, NOW()), (?, 'y'), (-3, ?)",
          "insert t id=1,?0,-3 a=! params=2 rows=3" },
        { "INSERT INTO t (`id`, t.k) VALUE (1, 2) ON DUPLICATE KEY UPDATE "
          "k = 5", "insert t id=1 k=2" },
        { "REPLACE INTO db1.t (id) VALUES (1), (2)",
          "replace db1.t id=1,2 rows=2" },
        { "INSERT INTO t (id) VALUES ROW(1), ROW(2)",
          "insert t id=1,2 rows=2" },
        { "INSERT INTO t (id, k) VALUES (1)", "insert t id=1 k=!" },
        { "INSERT INTO t SET id = 1, a = now(), k = 'x'",
          "insert t id=1 a=! k='x" },
        { "INSERT INTO t SET id = 1 ON DUPLICATE KEY UPDATE id = 2",
          "insert t id=1" },
        { "INSERT INTO t PARTITION (p0) (id) VALUES (DEFAULT)",
          "insert t id=!" },
        { "INSERT /*+ x */ t (id) VALUES ('a' /* c */), ((1))",
          "insert t id=! rows=2" },
    };

    run_cases(cases, OBP_NELEMS(cases));
}

static void
test_hints(void)
{
    static const struct cls_case cases[] = {
        { "SELECT /*+ READ_CONSISTENCY(WEAK) */ * FROM t", "select t weak" },
        { "select /*+read_consistency( strong ) query_timeout(5)*/ 1",
          "select strong" },
        { "SELECT /*+ INDEX(t i) READ_CONSISTENCY(FROZEN) */ 1",
          "select frozen" },
        { "SELECT 1 /*+ READ_CONSISTENCY(WEAK) */", "select" },
        { "/*+ READ_CONSISTENCY(WEAK) */ SELECT 1", "select" },
        { "/* target_db_server=127.0.0.1:2881,127.0.0.2:2881;10.0.0.1:1 */"
          " SELECT 1",
          "select target=127.0.0.1:2881,127.0.0.2:2881;10.0.0.1:1" },
        { "/* ODP: target_db_server='1.2.3.4:5', trace_id=x */ select 1",
          "select target=1.2.3.4:5" },
        { "/* table=t1 part_key=42 */ SELECT * FROM t1",
          "select t1 route=t1:42" },
        { "SELECT 1 /* target_db_server=1.2.3.4:5 */", "select" },
        { "-- a\n# b\n/* c */ SELECT 1", "select" },
        { "/*!40101 SELECT */ a FROM t WHERE id = 1", "select t id=1" },
        { "SELECT a FROM t WHERE id = /*!50100 7 */", "select t id=7" },
        { "SELECT a FROM t WHERE id = ? -- ?\n AND k = '?' # ?",
          "select t id=?0 k='? params=1" },
        { "SELECT a FROM t WHERE id = \"?\" AND k = `?`",
          "select t id='? k=!" },
    };

    run_cases(cases, OBP_NELEMS(cases));
}

static void
test_session(void)
{
    static const struct cls_case cases[] = {
        { "SET autocommit = 0", "set sysvar autocommit=0" },
        { "set @@session.autocommit=ON", "set sysvar autocommit=1" },
        { "SET SESSION autocommit = TRUE, sql_mode = ''",
          "set sysvar autocommit=1" },
        { "SET autocommit = @x", "set sysvar autocommit=-1" },
        { "SET GLOBAL autocommit = 0", "set global" },
        { "SET @@global.autocommit = 0, autocommit = 1",
          "set sysvar autocommit=1 global" },
        { "SET @a = 1, @b := (SELECT 1, 2)", "set uservar" },
        { "SET NAMES utf8mb4 COLLATE utf8mb4_bin", "set names" },
        { "SET CHARACTER SET latin1", "set names" },
        { "SET sql_mode = 'a,b', time_zone = '+00:00'", "set sysvar" },
        { "SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED",
          "set trx" },
        { "SET TRANSACTION READ ONLY", "set" },
        { "SET STATEMENT max_statement_time = 1 FOR SELECT a FROM t",
          "select t" },
        { "SET ob_read_consistency = 2", "set sysvar" },
    };

    run_cases(cases, OBP_NELEMS(cases));
}

static void
test_statements(void)
{
    static const struct cls_case cases[] = {
        { "SELECT 1; SELECT 2", "select more" },
        { "SELECT a FROM t WHERE id = ?; SELECT ?", "select t id=?0 more "
          "params=1" },
        { "SELECT 1;", "select" },
        { "SELECT 1; -- end\n", "select" },
        { "SELECT ';' FROM t; ", "select t" },
        { "BEGIN; INSERT INTO t VALUES (1); COMMIT", "begin more" },
    };
    const char          *multi = "SELECT 1 ;  SELECT 2";
    struct obp_sql_class c;

    run_cases(cases, OBP_NELEMS(cases));
    obp_sql_classify(&c, multi, strlen(multi), 0, NULL, 0);
    tap_is_int((int64_t)c.next, 10, "the next statement's offset");
}

static void
test_keys(void)
{
    static const struct obp_sql_name keys[] = {
        { "k2", 2, 0, false }, { "ID", 2, 0, false }
    };
    static const struct cls_case cases[] = {
        { "SELECT * FROM t WHERE a = 1 AND id = 2 AND b = 3 AND K2 IN (4)",
          "select t k2=4 ID=2" },
        { "INSERT INTO t (a, b, c, d, e, f, g, h, i, j, `id`) VALUES "
          "(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11)", "insert t k2=- ID=11" },
        { "UPDATE t SET a = 1 WHERE id = 1 OR a = 2", "update t k2=- ID=!" },
    };
    struct out o;

    for (size_t i = 0; i < OBP_NELEMS(cases); i++) {
        classify(cases[i].text, strlen(cases[i].text), 0, keys, 2, &o);
        tap_is_str(o.buf, cases[i].want, cases[i].text);
    }
}

static void
test_caps(void)
{
    char       text[4096];
    size_t     n = 0;
    struct out o;

    n += (size_t)snprintf(text + n, sizeof(text) - n,
                          "SELECT * FROM t WHERE id IN (0");
    for (int i = 1; i < 70; i++)
        n += (size_t)snprintf(text + n, sizeof(text) - n, ",%d", i);
    snprintf(text + n, sizeof(text) - n, ")");
    classify(text, strlen(text), 0, NULL, 0, &o);
    tap_like(o.buf, ",63+", "an IN list past OBP_SQL_VALUES_MAX is capped");
    n = (size_t)snprintf(text, sizeof(text), "INSERT INTO t (id) VALUES (0)");
    for (int i = 1; i < 70; i++)
        n += (size_t)snprintf(text + n, sizeof(text) - n, ",(%d)", i);
    classify(text, strlen(text), 0, NULL, 0, &o);
    tap_like(o.buf, ",63+ rows=70", "INSERT rows past the cap");
    snprintf(text, sizeof(text), "SELECT * FROM t WHERE a=1 AND b=1 AND "
             "c=1 AND d=1 AND e=1 AND f=1 AND g=1 AND h=1 AND i=1");
    classify(text, strlen(text), 0, NULL, 0, &o);
    tap_like(o.buf, "h=1 capped", "a ninth column is not followed");
    n = (size_t)snprintf(text, sizeof(text), "SELECT * FROM t WHERE ");
    for (int i = 0; i < 70; i++)
        n += (size_t)snprintf(text + n, sizeof(text) - n, "f(%d) AND ", i);
    snprintf(text + n, sizeof(text) - n, "(id = 1)");
    classify(text, strlen(text), 0, NULL, 0, &o);
    tap_is_str(o.buf, "select t id=! capped", "past 64 parentheses");
}

/* Every prefix of long examples, and random bytes, stay inside. */
static void
test_garbage(void)
{
    static const char *const texts[] = {
        "/* ODP: target_db_server='1.2.3.4:5', table=t part_key=\"9\" */ "
        "SELECT /*+ READ_CONSISTENCY(WEAK) */ a, (SELECT 1) FROM `d`.`t` x "
        "JOIN u ON x.a = u.a WHERE x.id IN (1, -2.5e3, ?, _utf8'\\'x') AND "
        "(k = b'01' AND NOT z = 1 OR y BETWEEN 1 AND 2) AND CASE WHEN 1 "
        "THEN 2 END = 3 FOR UPDATE; SELECT 2",
        "INSERT INTO db.t (id, `k``2`, c) VALUES (1, 'a''b', NOW()), "
        "ROW(?, x'4F', -7) ON DUPLICATE KEY UPDATE c = VALUES(c)",
        "SET @@session.autocommit = 1, NAMES utf8 COLLATE utf8_bin, @u := "
        "(1, 2), GLOBAL x = 1; SET STATEMENT a=1 FOR DELETE FROM t WHERE id=1",
        "XA START 'x'; START TRANSACTION READ ONLY; ROLLBACK TO SAVEPOINT s",
        "/*!50100 SELECT */ 1 /*M!1 FROM t WHERE id = ? */ -- x\n#y",
        "((((((", "))))", "'", "`", "\"", "/*", "/*!", "--", "@@", "0x",
        ".5e", "1e+", "_x", "x'", "IN (", "= =", "? ? ?",
    };
    static const char bytes[] = "()'`\"\\;,.=?-+!@*/#_xbN0159 \nSELECTFROMWHE"
                                "RINANDORNOT";
    char     buf[257];
    uint32_t seed = 4242;
    bool     ok = true;

    for (size_t i = 0; i < OBP_NELEMS(texts); i++) {
        for (size_t len = 0; len <= strlen(texts[i]); len++) {
            ok = classify(texts[i], len, 0, NULL, 0, NULL) && ok;
            ok = classify(texts[i], len, OBP_SQL_BACKSLASH, NULL, 0, NULL)
                 && ok;
        }
    }
    tap_ok(ok, "every prefix of the examples: slices inside the text");
    ok = true;
    for (int round = 0; round < 5000; round++) {
        size_t len = (size_t)round % sizeof(buf);

        for (size_t k = 0; k < len; k++) {
            seed = seed * 1103515245u + 12345u;
            buf[k] = bytes[(seed >> 16) % (sizeof(bytes) - 1)];
            if ((seed >> 8) % 13 == 0)
                buf[k] = (char)(seed >> 24);
        }
        ok = classify(buf, len, (unsigned)round & 1, NULL, 0, NULL) && ok;
    }
    tap_ok(ok, "random bytes: slices inside the text");
}

/* Nanoseconds per classification of typical statements (diagnostics). */
static void
bench(void)
{
    static const char *const texts[] = {
        "SELECT c FROM sbtest1 WHERE id=?",
        "SELECT /*+ READ_CONSISTENCY(WEAK) */ a, b, c FROM db1.orders o "
        "WHERE o.tenant_id = 42 AND o.order_id IN (1, 2, 3) ORDER BY a",
        "INSERT INTO orders (tenant_id, order_id, note, created) VALUES "
        "(42, 1001, 'first', NOW()), (42, 1002, 'second', NOW())",
        "UPDATE sbtest1 SET k=k+1 WHERE id=?",
        "SET autocommit=0",
    };
    struct obp_sql_class c;
    struct timespec      t0, t1;
    char                 line[200];
    const int            rounds = 200000;

    for (size_t i = 0; i < OBP_NELEMS(texts); i++) {
        size_t len = strlen(texts[i]);

        clock_gettime(CLOCK_MONOTONIC, &t0);
        for (int r = 0; r < rounds; r++)
            obp_sql_classify(&c, texts[i], len, OBP_SQL_BACKSLASH, NULL, 0);
        clock_gettime(CLOCK_MONOTONIC, &t1);
        snprintf(line, sizeof(line), "%6.0f ns  %.60s",
                 ((double)(t1.tv_sec - t0.tv_sec) * 1e9
                  + (double)(t1.tv_nsec - t0.tv_nsec)) / rounds, texts[i]);
        tap_diag(line);
    }
}

/*
 * The statement's own time limit: obp_sql_time_limit() from the first
 * tokens, and obp_sql_classify() over the whole text, agree.
 */
static void
test_time_limit(void)
{
    static const struct {
        const char *sql;
        int64_t     us;
    } cases[] = {
        { "SET STATEMENT max_statement_time = 10 FOR SELECT 1", 10000000 },
        { "set statement MAX_STATEMENT_TIME=0.25 for update t set a = 1",
          250000 },
        { "SET STATEMENT sql_mode = '', max_statement_time = 1.5 FOR "
          "INSERT INTO t VALUES (1)", 1500000 },
        { "SET STATEMENT max_statement_time = 0 FOR SELECT SLEEP(9)", 0 },
        { "/* c */ SET STATEMENT max_statement_time=2 FOR "
          "SET STATEMENT sql_mode='' FOR SELECT 1", 2000000 },
        { "SET STATEMENT max_statement_time = @x FOR SELECT 1", -1 },
        { "SET STATEMENT max_statement_time = 1e3 FOR SELECT 1", -1 },
        { "SET STATEMENT lock_wait_timeout = 5 FOR SELECT 1", -1 },
        { "SET max_statement_time = 3", -1 },
        { "SELECT /*+ MAX_EXECUTION_TIME(1500) */ * FROM t", 1500000 },
        { "select /*+ BKA(t) max_execution_time( 20 ) */ 1", 20000 },
        { "SELECT 1 /*+ MAX_EXECUTION_TIME(1500) */", -1 },
        { "/*+ MAX_EXECUTION_TIME(1500) */ SELECT 1", -1 },
        { "UPDATE /*+ MAX_EXECUTION_TIME(1500) */ t SET a = 1", -1 },
        { "SELECT /* MAX_EXECUTION_TIME(1500) */ 1", -1 },
        { "SELECT /*+ MAX_EXECUTION_TIME(99999999999999999) */ 1", -1 },
        { "SET STATEMENT max_statement_time = 4 FOR "
          "SELECT /*+ MAX_EXECUTION_TIME(20) */ 1", 20000 },
        { "SET STATEMENT max_statement_time = 4", -1 },
        { "INSERT INTO t VALUES (1)", -1 },
    };
    struct obp_sql_class c;
    char                 name[160];

    for (size_t i = 0; i < OBP_NELEMS(cases); i++) {
        const char *sql = cases[i].sql;

        snprintf(name, sizeof(name), "time limit of %s", sql);
        tap_is_int(obp_sql_time_limit(sql, strlen(sql), 0), cases[i].us,
                   name);
        obp_sql_classify(&c, sql, strlen(sql), 0, NULL, 0);
        snprintf(name, sizeof(name), "  the same classified");
        tap_is_int(c.time_limit_us, cases[i].us, name);
    }
}

int
main(void)
{
    test_kinds();
    test_tables();
    test_where();
    test_insert();
    test_hints();
    test_session();
    test_time_limit();
    test_statements();
    test_keys();
    test_caps();
    test_garbage();
    if (getenv("SQLCLASS_BENCH") != NULL)
        bench();
    return tap_done();
}
