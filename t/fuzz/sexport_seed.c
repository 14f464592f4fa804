/*
 * Writes a session export (worker/sexport.h) for the seeds of the
 * session fuzz target: t/fuzz/capture-seeds.py describes a session it
 * captured from a real server, one "key value" line each, on stdin, and
 * this builds the session as a worker holds it and writes its export,
 * exactly as a hot upgrade would, to stdout.  Not a test: built on
 * request (make -C t fuzz/sexport_seed) by the ordinary compiler.
 *
 *   id N | caps N | status N | charset N | max_packet N
 *   user TEXT | tenant TEXT | cluster TEXT | db TEXT
 *   password TEXT          stage1 is SHA1(TEXT)
 *   attrs HEX              the connect attributes
 *   weak N | policy TEXT | idc TEXT | begin TEXT   (the proxy's own)
 *   var user|sys TYPE NAME CHARSET COLLATION VALUE
 *                          TYPE: null int uint decimal double string;
 *                          "-" for an empty character set or collation
 *   stmt ID PARAMS DB TYPES TEXT
 *                          TYPES: 2 * PARAMS bytes in hex, or "-"
 */
#include "worker.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LINE_MAX_LEN 8192

static const char *const type_names[] = {
    "null", "int", "uint", "decimal", "double", "string"
};

/* Decodes <hex> into <out> (at most <cap> bytes); the length, or -1. */
static long
unhex(const char *hex, uint8_t *out, size_t cap)
{
    size_t n = strlen(hex) / 2;
    unsigned v;

    if (strlen(hex) % 2 != 0 || n > cap)
        return -1;
    for (size_t i = 0; i < n; i++) {
        if (sscanf(hex + 2 * i, "%2x", &v) != 1)
            return -1;
        out[i] = (uint8_t)v;
    }
    return (long)n;
}

/* The next space-separated word of *<p>, NUL-terminated in place. */
static char *
word(char **p)
{
    char *w = *p, *sp = strchr(w, ' ');

    if (sp != NULL) {
        *sp = '\0';
        *p = sp + 1;
    } else {
        *p = w + strlen(w);
    }
    return w;
}

static const char *
dash(const char *w)
{
    return strcmp(w, "-") == 0 ? "" : w;
}

static int
add_var(struct obp_session *s, char *rest)
{
    char *kind = word(&rest), *type = word(&rest), *name = word(&rest);
    char *cs = word(&rest), *coll = word(&rest);

    for (size_t t = 0; t < OBP_NELEMS(type_names); t++) {
        if (strcmp(type, type_names[t]) == 0)
            return obp_sstate_import_var(&s->st, strcmp(kind, "user") == 0,
                                         name, (enum obp_sval_type)t,
                                         (const uint8_t *)rest,
                                         strlen(rest), dash(cs), dash(coll));
    }
    return OBP_ERROR;
}

static int
add_stmt(struct obp_session *s, char *rest)
{
    uint32_t id = (uint32_t)strtoul(word(&rest), NULL, 10);
    uint16_t params = (uint16_t)strtoul(word(&rest), NULL, 10);
    char    *db = word(&rest), *hex = word(&rest);
    uint8_t  types[2 * 256];
    bool     typed = strcmp(hex, "-") != 0;

    if (typed && unhex(hex, types, sizeof(types)) != 2 * (long)params)
        return OBP_ERROR;
    if (id >= s->st.next_id)
        s->st.next_id = id + 1;
    return obp_sstate_import_stmt(&s->st, id, params, dash(db), rest,
                                  strlen(rest), typed ? types : NULL);
}

static int
set_blob(uint8_t **dst, size_t *len, const char *hex)
{
    long n;

    free(*dst);
    *dst = malloc(strlen(hex) / 2 + 1);
    n = *dst != NULL ? unhex(hex, *dst, strlen(hex) / 2) : -1;
    *len = n > 0 ? (size_t)n : 0;
    return n >= 0 ? OBP_OK : OBP_ERROR;
}

static int
set_begin(struct obp_session *s, const char *text)
{
    free(s->rt.begin);
    s->rt.begin = strdup(text);
    s->rt.begin_len = strlen(text);
    return s->rt.begin != NULL ? OBP_OK : OBP_ERROR;
}

static void
set_password(struct obp_session *s, const char *password)
{
    obp_sha1(password, strlen(password), NULL, 0, s->stage1);
    s->has_pw = 1;
}

/* One line "key value"; OBP_ERROR for an unknown key or a bad value. */
static int
apply(struct obp_session *s, char *line)
{
    char *rest = line, *key = word(&rest);

    if (strcmp(key, "id") == 0)
        s->id = (uint32_t)strtoul(rest, NULL, 0);
    else if (strcmp(key, "caps") == 0)
        s->caps = (uint32_t)strtoul(rest, NULL, 0);
    else if (strcmp(key, "status") == 0)
        s->status = (uint16_t)strtoul(rest, NULL, 0);
    else if (strcmp(key, "charset") == 0)
        s->charset = (uint8_t)strtoul(rest, NULL, 0);
    else if (strcmp(key, "max_packet") == 0)
        s->max_packet = (uint32_t)strtoul(rest, NULL, 0);
    else if (strcmp(key, "user") == 0)
        obp_strlcpy(s->name.user, rest, sizeof(s->name.user));
    else if (strcmp(key, "tenant") == 0)
        obp_strlcpy(s->name.tenant, rest, sizeof(s->name.tenant));
    else if (strcmp(key, "cluster") == 0)
        obp_strlcpy(s->name.cluster, rest, sizeof(s->name.cluster));
    else if (strcmp(key, "db") == 0)
        obp_strlcpy(s->db, rest, sizeof(s->db));
    else if (strcmp(key, "password") == 0)
        set_password(s, rest);
    else if (strcmp(key, "attrs") == 0)
        return set_blob(&s->attrs, &s->attrs_len, rest);
    else if (strcmp(key, "weak") == 0)
        s->rt.pv.weak = atoi(rest);
    else if (strcmp(key, "policy") == 0)
        obp_strlcpy(s->rt.pv.policy, rest, sizeof(s->rt.pv.policy));
    else if (strcmp(key, "idc") == 0)
        obp_strlcpy(s->rt.pv.idc, rest, sizeof(s->rt.pv.idc));
    else if (strcmp(key, "begin") == 0)
        return set_begin(s, rest);
    else if (strcmp(key, "var") == 0)
        return add_var(s, rest);
    else if (strcmp(key, "stmt") == 0)
        return add_stmt(s, rest);
    else
        return OBP_ERROR;
    return OBP_OK;
}

int
main(void)
{
    static uint8_t     buf[OBP_SEXPORT_MAX];
    static char        line[LINE_MAX_LEN];
    struct obp_session s;
    size_t             n;
    int                rc = 0;

    memset(&s, 0, sizeof(s));
    obp_sstate_init(&s.st, 1);
    obp_proxyvar_init(&s.rt.pv);
    s.max_packet = 1 << 24;
    while (rc == 0 && fgets(line, sizeof(line), stdin) != NULL) {
        line[strcspn(line, "\n")] = '\0';
        if (line[0] != '\0' && apply(&s, line) != OBP_OK) {
            fprintf(stderr, "sexport_seed: bad line: %s\n", line);
            rc = 1;
        }
    }
    n = rc == 0 ? obp_sexport_write(&s, buf, sizeof(buf)) : 0;
    if (rc == 0 && (n == 0 || fwrite(buf, 1, n, stdout) != n))
        rc = 1;
    obp_sstate_free(&s.st);
    free(s.attrs);
    free(s.rt.begin);
    return rc;
}
