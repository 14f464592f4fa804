/*
 * A client of the proxy built on OceanBase's own C connector (built
 * statically by t/ob20.t from ../shared/obconnector-c, test-only): text
 * and prepared statements, a result and a row larger than one OceanBase
 * 2.0 frame, a statement text larger than the proxy's buffer, LOAD DATA
 * LOCAL.  Prints TAP lines for the test to read, each check once.
 *
 *   ob20_client HOST PORT USER PASSWORD DB COMPRESS(0|1) INFILE
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mysql.h>

#define ROWS      2000          /* about 2 MB: many frames */
#define ROW_BYTES 1000
#define BIG_VALUE 40000         /* one row over two frames */
#define BIG_QUERY 60000         /* one request frame beyond a buffer */

static int n_checks;

static void
check(int ok, const char *name, MYSQL *m)
{
    n_checks++;
    printf("%sok %d - %s", ok ? "" : "not ", n_checks, name);
    if (!ok && m != NULL)
        printf(" (%u: %s)", mysql_errno(m), mysql_error(m));
    printf("\n");
    fflush(stdout);
}

static void
text_queries(MYSQL *m)
{
    MYSQL_RES *res;
    MYSQL_ROW  row;
    long       n = 0, bad = 0;
    char      *q;

    check(mysql_query(m, "SELECT 1 + 1") == 0
          && (res = mysql_store_result(m)) != NULL
          && (row = mysql_fetch_row(res)) != NULL
          && strcmp(row[0], "2") == 0, "text: SELECT 1 + 1", m);
    q = "SELECT seq, REPEAT(CHAR(65 + seq % 26), 1000) FROM seq_1_to_2000";
    res = mysql_query(m, q) == 0 ? mysql_use_result(m) : NULL;
    while (res != NULL && (row = mysql_fetch_row(res)) != NULL) {
        n++;
        if (strlen(row[1]) != ROW_BYTES
            || row[1][0] != 'A' + (char)(atol(row[0]) % 26))
            bad++;
    }
    check(res != NULL && n == ROWS && bad == 0,
          "text: 2000 rows of 1000 bytes, row by row", m);
    if (res != NULL)
        mysql_free_result(res);
    q = malloc(BIG_QUERY + 64);
    strcpy(q, "SELECT LENGTH('");
    memset(q + strlen(q), 'q', BIG_QUERY);
    strcpy(q + 15 + BIG_QUERY, "')");
    check(mysql_query(m, q) == 0 && (res = mysql_store_result(m)) != NULL
          && (row = mysql_fetch_row(res)) != NULL
          && atol(row[0]) == BIG_QUERY, "text: a 60 KB statement", m);
    free(q);
}

static void
prepared(MYSQL *m)
{
    MYSQL_STMT   *st = mysql_stmt_init(m);
    MYSQL_BIND    in[2], out[2];
    long long     a = 41, b = BIG_VALUE, sum = 0;
    static char   val[BIG_VALUE + 1];
    unsigned long len = 0;
    const char   *q = "SELECT ? + 1, REPEAT('y', ?)";

    memset(in, 0, sizeof(in));
    memset(out, 0, sizeof(out));
    in[0].buffer_type = MYSQL_TYPE_LONGLONG;
    in[0].buffer = &a;
    in[1].buffer_type = MYSQL_TYPE_LONGLONG;
    in[1].buffer = &b;
    out[0].buffer_type = MYSQL_TYPE_LONGLONG;
    out[0].buffer = &sum;
    out[1].buffer_type = MYSQL_TYPE_STRING;
    out[1].buffer = val;
    out[1].buffer_length = sizeof(val);
    out[1].length = &len;
    check(st != NULL && mysql_stmt_prepare(st, q, strlen(q)) == 0
          && mysql_stmt_bind_param(st, in) == 0
          && mysql_stmt_execute(st) == 0
          && mysql_stmt_bind_result(st, out) == 0
          && mysql_stmt_fetch(st) == 0 && sum == 42 && len == BIG_VALUE
          && val[0] == 'y' && val[BIG_VALUE - 1] == 'y',
          "prepared: a 40 KB value", m);
    if (st != NULL)
        mysql_stmt_close(st);
}

static void
load_local(MYSQL *m, const char *path)
{
    char       q[512];
    MYSQL_RES *res;
    MYSQL_ROW  row;

    snprintf(q, sizeof(q), "LOAD DATA LOCAL INFILE '%s' INTO TABLE ob20_load",
             path);
    check(mysql_query(m, "DROP TABLE IF EXISTS ob20_load") == 0
          && mysql_query(m, "CREATE TABLE ob20_load (id INT, v TEXT)") == 0
          && mysql_query(m, q) == 0
          && mysql_query(m, "SELECT COUNT(*), SUM(id) FROM ob20_load") == 0
          && (res = mysql_store_result(m)) != NULL
          && (row = mysql_fetch_row(res)) != NULL
          && strcmp(row[0], "3000") == 0 && strcmp(row[1], "4501500") == 0,
          "LOAD DATA LOCAL INFILE: 3000 rows", m);
}

static void
change_user(MYSQL *m, const char *user, const char *password,
            const char *db)
{
    MYSQL_RES *res;
    MYSQL_ROW  row;

    check(mysql_change_user(m, user, password, db) == 0
          && mysql_query(m, "SELECT DATABASE()") == 0
          && (res = mysql_store_result(m)) != NULL
          && (row = mysql_fetch_row(res)) != NULL && row[0] != NULL
          && strcmp(row[0], db) == 0, "COM_CHANGE_USER, then a query", m);
}

int
main(int argc, char **argv)
{
    MYSQL       *m;
    unsigned int one = 1;
    my_bool      no = 0;

    if (argc != 8 && argc != 9) {
        fprintf(stderr, "usage: ob20_client host port user password db "
                "compress infile [tls]\n");
        return 2;
    }
    mysql_library_init(0, NULL, NULL);
    m = mysql_init(NULL);
    if (atoi(argv[6]))
        mysql_options(m, MYSQL_OPT_COMPRESS, NULL);
    mysql_options(m, MYSQL_OPT_LOCAL_INFILE, &one);
    if (argc == 9) {
        mysql_ssl_set(m, NULL, NULL, NULL, NULL, NULL);
        mysql_options(m, MYSQL_OPT_SSL_VERIFY_SERVER_CERT, &no);
    }
    if (mysql_real_connect(m, argv[1], argv[3], argv[4], argv[5],
                           (unsigned)atoi(argv[2]), NULL, 0) == NULL) {
        printf("not ok 1 - connect (%u: %s)\n", mysql_errno(m),
               mysql_error(m));
        return 1;
    }
    printf("# ob20=%d compress=%d capability=%lu thread_id=%lu tls=%s\n",
           m->net.use_ob20protocol, m->net.compress, m->capability,
           m->thread_id, mysql_get_ssl_cipher(m) != NULL ? "on" : "off");
    check(1, "connect", m);
    text_queries(m);
    prepared(m);
    load_local(m, argv[7]);
    change_user(m, argv[3], argv[4], argv[5]);
    mysql_close(m);
    printf("1..%d\n", n_checks);
    return 0;
}
