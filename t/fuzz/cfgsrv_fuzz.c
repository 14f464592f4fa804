/*
 * libFuzzer target for what the monitor reads from a config server: the
 * HTTP answer (shared/httpresp.h), its JSON (shared/json.h) and the
 * config server's answer in it (shared/cfgjson.h), and http:// URLs
 * (shared/url.h).
 *
 * The input: one byte choosing the reader (0 the answer, read in two
 * parts, then whole at the close; 1 the JSON, walked; 2 the config
 * server's answer for cluster "obc"; 3 a URL), then the text.  Checked:
 * a body found lies inside the buffer and is no longer than the answer;
 * every token lies inside the text, ends after itself and inside its
 * parent; strings decoded stay terminated in their buffer; a list read
 * has as many items as it says servers, a URL to fetch is terminated; a
 * URL parsed has a port and a target starting with "/".  Seeds
 * (t/fuzz/corpus/cfgsrv) are answers of the unit test's kinds.
 */
#include "obp.h"

#include "fuzz.h"

static struct obp_json_tok toks[512];

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    return 0;
}

static void
fuzz_resp(char *buf, size_t n, size_t cut)
{
    struct obp_httpresp r;
    char                err[128];
    int                 rc;

    rc = obp_httpresp_parse(buf, cut, false, &r, err, sizeof(err));
    FUZZ_CHECK(rc == OBP_OK || rc == OBP_AGAIN || rc == OBP_ERROR);
    if (rc == OBP_OK)
        FUZZ_CHECK(fuzz_inside(r.body, r.len, buf, cut));
    if (rc == OBP_OK)
        return;             /* a chunked body was decoded in place */
    rc = obp_httpresp_parse(buf, n, true, &r, err, sizeof(err));
    FUZZ_CHECK(rc == OBP_OK || rc == OBP_ERROR);
    if (rc == OBP_OK)
        FUZZ_CHECK(fuzz_inside(r.body, r.len, buf, n) && r.status >= 200
                   && r.status <= 599);
    else
        FUZZ_CHECK(fuzz_terminated(err, sizeof(err)));
}

static void
fuzz_json(const char *text, size_t n)
{
    struct obp_json j;
    char            err[96], s[32];
    int64_t         v;

    if (obp_json_parse(&j, text, n, toks, OBP_NELEMS(toks), err,
                       sizeof(err)) != OBP_OK) {
        FUZZ_CHECK(j.ntok == 0 && fuzz_terminated(err, sizeof(err)));
        return;
    }
    FUZZ_CHECK(j.ntok > 0 && j.tok[0].end == j.ntok);
    for (uint32_t i = 0; i < j.ntok; i++) {
        const struct obp_json_tok *t = &j.tok[i];

        FUZZ_CHECK(fuzz_inside(text + t->start, t->len, text, n));
        FUZZ_CHECK(t->end > i && t->end <= j.ntok);
        if (obp_json_string(&j, (int)i, s, sizeof(s)) == OBP_OK)
            FUZZ_CHECK(fuzz_terminated(s, sizeof(s)));
        (void)obp_json_int(&j, (int)i, &v);
        (void)obp_json_member(&j, (int)i, "RsList");
        for (int e = obp_json_first(&j, (int)i); e >= 0;
             e = obp_json_next(&j, (int)i, e))
            FUZZ_CHECK((uint32_t)e > i && (uint32_t)e < t->end);
    }
}

static void
fuzz_cfgjson(const char *text, size_t n)
{
    struct obp_cfgjson c;
    char               err[200];
    unsigned           items = 1;

    if (obp_cfgjson_read(text, n, "obc", &c, err, sizeof(err)) != OBP_OK) {
        FUZZ_CHECK(fuzz_terminated(err, sizeof(err)));
        return;
    }
    FUZZ_CHECK(fuzz_terminated(c.cluster, sizeof(c.cluster)));
    if (c.kind == OBP_CFGJSON_CLUSTERS) {
        FUZZ_CHECK(fuzz_terminated(c.url, sizeof(c.url)));
        return;
    }
    FUZZ_CHECK(c.kind == OBP_CFGJSON_SERVERS && c.nservers > 0
               && strcmp(c.cluster, "obc") == 0
               && fuzz_terminated(c.rslist, sizeof(c.rslist)));
    for (const char *p = c.rslist; *p != '\0'; p++)
        items += *p == ';';
    FUZZ_CHECK(items == c.nservers);
}

static void
fuzz_url(const char *text)
{
    struct obp_url u;
    char           err[128];

    if (obp_url_parse(text, &u, err, sizeof(err)) != OBP_OK) {
        FUZZ_CHECK(fuzz_terminated(err, sizeof(err)));
        return;
    }
    FUZZ_CHECK(u.port > 0 && u.target[0] == '/' && u.host[0] != '\0'
               && fuzz_terminated(u.host, sizeof(u.host))
               && fuzz_terminated(u.target, sizeof(u.target)));
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fuzz_in in = { data, size };
    uint8_t        kind = fuzz_u8(&in);
    char          *text = fuzz_strndup(in.p, in.n);

    switch (kind % 4) {
    case 0:
        fuzz_resp(text, in.n, in.n / 2 + (kind >> 2) % (in.n / 2 + 1));
        break;
    case 1:
        fuzz_json(text, in.n);
        break;
    case 2:
        fuzz_cfgjson(text, in.n);
        break;
    default:
        fuzz_url(text);
        break;
    }
    free(text);
    return 0;
}
