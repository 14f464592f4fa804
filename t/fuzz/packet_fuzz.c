/*
 * libFuzzer target for the parsers of single MySQL packets: the initial
 * handshake, the handshake response and the login name in it, OK (with
 * its session-track block), ERR, EOF, the auth switch request, a text
 * row (shared/pkt.h, pkt_proto.c over pkt_read.c), COM_CHANGE_USER
 * (worker/chuser.h) and COM_STMT_EXECUTE's parameters (shared/psparam.h).
 * The first byte picks the parser; the rest is a payload, behind a few
 * more bytes for some (see enum parser).  Packets whose meaning depends
 * on the capabilities are parsed under each set of caps_sets (ERR, EOF,
 * the auth switch and a row do not).
 *
 * Checked: no read outside the payload (AddressSanitizer), every slice
 * of a result inside the payload, names NUL-terminated in their fields,
 * and what a writer of pkt.h makes of a parsed packet parses back the
 * same.  Seeds (t/fuzz/corpus/packet) are packets captured from MariaDB
 * and its clients by t/fuzz/capture-seeds.py.
 */
#include "worker.h"

#include <string.h>

#include "fuzz.h"
#include "psparam.h"

#define WRITE_CAP   (OBP_PKT_HDR_LEN + 70000)   /* any payload written back */
#define ROW_COLS    256
#define EXEC_PARAMS 512

enum parser {
    P_HANDSHAKE,        /* payload */
    P_RESPONSE,         /* payload */
    P_LOGIN,            /* separators '\n' name */
    P_OK,               /* payload */
    P_ERR,              /* payload */
    P_EOF,              /* payload */
    P_SWITCH,           /* payload */
    P_ROW,              /* column count (1), payload */
    P_CHUSER,           /* payload */
    P_EXECUTE,          /* parameters (2), flags (1): 1 types recorded,
                           2 long data sent; [types], [bitmap], payload */
    P_COUNT
};

/*
 * Capabilities: none (pre-4.1), 4.1 alone, those of the clients captured
 * for the seeds (mariadb and mariadb-admin plain, compressed and with
 * TLS, DBD::MariaDB, PyMySQL, MySQLdb, capture-seeds.py's own), and the
 * proxy's handshake's.
 */
static const uint32_t caps_sets[] = {
    0, OBP_CLIENT_PROTOCOL_41,
    0x80bea28e, 0x80bea284, 0x00bfaa84, 0x00bfa2ac, 0x00bfa28c,
    0x00bea28c, 0x003ba20d, 0x01bfa28d, 0x003fa28d, 0x000fa285,
    0x81fff7fe
};

/* The payload's parts, inside it, NUL-terminated where the packet says. */
static void
check_response(const struct obp_hs_response *r, const uint8_t *p,
               size_t len)
{
    FUZZ_CHECK(fuzz_inside(r->user, r->user_len, p, len));
    FUZZ_CHECK(fuzz_inside(r->auth, r->auth_len, p, len));
    FUZZ_CHECK(fuzz_inside(r->db, r->db_len, p, len));
    FUZZ_CHECK(fuzz_inside(r->plugin, r->plugin_len, p, len));
    FUZZ_CHECK(fuzz_inside(r->attrs, r->attrs_len, p, len));
    FUZZ_CHECK(r->user == NULL || fuzz_inside(r->user, r->user_len + 1, p,
                                              len));
    FUZZ_CHECK(r->user == NULL || r->user[r->user_len] == '\0');
    FUZZ_CHECK(r->db == NULL || r->db[r->db_len] == '\0');
    FUZZ_CHECK(r->plugin == NULL || r->plugin[r->plugin_len] == '\0');
}

static bool
same_bytes(const void *a, size_t alen, const void *b, size_t blen)
{
    return alen == blen && (alen == 0 || memcmp(a, b, alen) == 0);
}

/* A parsed response written and parsed again reads the same. */
static void
response_round_trip(const struct obp_hs_response *r)
{
    static uint8_t         buf[WRITE_CAP];
    struct obp_wr          wr;
    struct obp_hs_response back;

    obp_wr_init(&wr, buf, sizeof(buf));
    if (obp_hs_response_write(&wr, 1, r) != OBP_OK)
        return;     /* an auth longer than its one length byte says */
    FUZZ_CHECK(obp_hs_response_parse(&back, buf + OBP_PKT_HDR_LEN,
                                     wr.len - OBP_PKT_HDR_LEN) == OBP_OK);
    FUZZ_CHECK(back.caps == r->caps && back.ssl_request == r->ssl_request);
    FUZZ_CHECK(same_bytes(back.user, back.user_len, r->user, r->user_len));
    FUZZ_CHECK(same_bytes(back.auth, back.auth_len, r->auth, r->auth_len));
    FUZZ_CHECK(same_bytes(back.db, back.db_len, r->db, r->db_len));
    FUZZ_CHECK(same_bytes(back.attrs, back.attrs_len, r->attrs,
                          r->attrs_len));
}

static void
fuzz_response(const uint8_t *p, size_t len)
{
    uint8_t               *copy = malloc(len > 0 ? len : 1);
    struct obp_hs_response r;

    FUZZ_CHECK(copy != NULL);
    if (len > 0)
        memcpy(copy, p, len);
    for (size_t i = 0; i <= OBP_NELEMS(caps_sets); i++) {
        /* as sent first, then under each set of capabilities */
        if (i > 0 && len >= 4) {
            struct obp_wr wr;

            obp_wr_init(&wr, copy, 4);
            obp_wr_u32(&wr, caps_sets[i - 1]);
        }
        if (obp_hs_response_parse(&r, copy, len) != OBP_OK)
            continue;
        check_response(&r, copy, len);
        response_round_trip(&r);
    }
    free(copy);
}

static void
check_handshake(const struct obp_handshake *hs)
{
    FUZZ_CHECK(hs->protocol == 10);
    FUZZ_CHECK(fuzz_terminated(hs->version, sizeof(hs->version)));
    FUZZ_CHECK(fuzz_terminated(hs->plugin, sizeof(hs->plugin)));
    FUZZ_CHECK(hs->scramble_len >= 8
               && hs->scramble_len <= sizeof(hs->scramble));
}

/* What the proxy would send after parsing a server's handshake. */
static void
handshake_round_trip(const struct obp_handshake *hs)
{
    static uint8_t       buf[WRITE_CAP];
    struct obp_wr        wr;
    struct obp_handshake back;

    obp_wr_init(&wr, buf, sizeof(buf));
    FUZZ_CHECK(obp_handshake_write(&wr, 0, hs) == OBP_OK);
    FUZZ_CHECK(obp_handshake_parse(&back, buf + OBP_PKT_HDR_LEN,
                                   wr.len - OBP_PKT_HDR_LEN) == OBP_OK);
    check_handshake(&back);
    FUZZ_CHECK(strcmp(back.version, hs->version) == 0);
    FUZZ_CHECK(back.conn_id == hs->conn_id && back.caps == hs->caps
               && back.charset == hs->charset && back.status == hs->status);
    FUZZ_CHECK(!(hs->caps & OBP_CLIENT_PLUGIN_AUTH)
               || strcmp(back.plugin, hs->plugin) == 0);
    FUZZ_CHECK(memcmp(back.scramble, hs->scramble, 8) == 0);
}

/* Parses <p> and checks what comes out. */
static void
handshake_once(const uint8_t *p, size_t len)
{
    struct obp_handshake hs;

    if (obp_handshake_parse(&hs, p, len) != OBP_OK)
        return;
    check_handshake(&hs);
    handshake_round_trip(&hs);
}

/*
 * As sent, then under each set of capabilities: their two halves sit
 * after the version, the connection id, the scramble's first part and a
 * filler, around the character set and the status.
 */
static void
fuzz_handshake(const uint8_t *p, size_t len)
{
    const uint8_t *nul = len > 1 ? memchr(p + 1, 0, len - 1) : NULL;
    size_t         at = nul != NULL ? (size_t)(nul - p) + 1 + 4 + 8 + 1 : 0;
    uint8_t       *copy;

    handshake_once(p, len);
    if (nul == NULL || at + 7 > len)
        return;
    copy = (uint8_t *)fuzz_strndup(p, len);
    for (size_t i = 0; i < OBP_NELEMS(caps_sets); i++) {
        copy[at] = (uint8_t)caps_sets[i];
        copy[at + 1] = (uint8_t)(caps_sets[i] >> 8);
        copy[at + 5] = (uint8_t)(caps_sets[i] >> 16);
        copy[at + 6] = (uint8_t)(caps_sets[i] >> 24);
        handshake_once(copy, len);
    }
    free(copy);
}

/* The login name: its parts are pieces of it, or all is refused. */
static void
fuzz_login(const uint8_t *p, size_t len)
{
    const uint8_t        *nl = memchr(p, '\n', len < 16 ? len : 16);
    struct obp_login_name out;
    char                 *seps, err[128] = "";
    const char           *name;
    size_t                nlen;

    if (nl == NULL)
        return;
    seps = fuzz_strndup(p, (size_t)(nl - p));
    name = (const char *)nl + 1;
    nlen = len - (size_t)(nl - p) - 1;
    if (obp_login_name_parse(&out, name, nlen, seps, err, sizeof(err))
        == OBP_OK) {
        FUZZ_CHECK(out.user[0] != '\0' && out.cluster_id >= -1);
        FUZZ_CHECK(fuzz_terminated(out.tenant, sizeof(out.tenant))
                   && fuzz_terminated(out.cluster, sizeof(out.cluster)));
        FUZZ_CHECK(memmem(name, nlen, out.user, strlen(out.user)) != NULL);
        FUZZ_CHECK(memmem(name, nlen, out.tenant, strlen(out.tenant))
                   != NULL);
        FUZZ_CHECK(memmem(name, nlen, out.cluster, strlen(out.cluster))
                   != NULL);
    } else {
        FUZZ_CHECK(err[0] != '\0' && out.user[0] == '\0'
                   && out.cluster_id == -1);
    }
    free(seps);
}

/* The session-track block: each item inside it; bounded by its bytes. */
static void
check_track(const struct obp_ok *ok)
{
    struct obp_rd         rd;
    struct obp_track_item it;
    const uint8_t        *a, *b;
    size_t                alen, blen, items = 0;

    obp_rd_init(&rd, ok->track, ok->track_len);
    while (obp_track_next(&rd, &it) == OBP_OK) {
        FUZZ_CHECK(++items <= ok->track_len);
        FUZZ_CHECK(fuzz_inside(it.data, it.len, ok->track, ok->track_len));
        if (obp_track_sysvar(&it, &a, &alen, &b, &blen) == OBP_OK)
            FUZZ_CHECK(fuzz_inside(a, alen, it.data, it.len)
                       && fuzz_inside(b, blen, it.data, it.len));
        if (obp_track_schema(&it, &a, &alen) == OBP_OK)
            FUZZ_CHECK(fuzz_inside(a, alen, it.data, it.len));
    }
}

static void
ok_round_trip(const struct obp_ok *ok, uint32_t caps)
{
    static uint8_t buf[WRITE_CAP];
    struct obp_wr  wr;
    struct obp_ok  back;

    obp_wr_init(&wr, buf, sizeof(buf));
    FUZZ_CHECK(obp_ok_write(&wr, 1, ok, caps) == OBP_OK);
    FUZZ_CHECK(obp_ok_parse(&back, buf + OBP_PKT_HDR_LEN,
                            wr.len - OBP_PKT_HDR_LEN, caps) == OBP_OK);
    FUZZ_CHECK(back.affected_rows == ok->affected_rows
               && back.last_insert_id == ok->last_insert_id
               && back.status == ok->status
               && back.warnings == ok->warnings);
    FUZZ_CHECK(same_bytes(back.info, back.info_len, ok->info,
                          ok->info_len));
    FUZZ_CHECK(same_bytes(back.track, back.track_len, ok->track,
                          ok->track_len));
}

static void
fuzz_ok(const uint8_t *p, size_t len)
{
    struct obp_ok ok;

    for (size_t i = 0; i < OBP_NELEMS(caps_sets); i++) {
        if (obp_ok_parse(&ok, p, len, caps_sets[i]) != OBP_OK)
            continue;
        FUZZ_CHECK(fuzz_inside(ok.info, ok.info_len, p, len)
                   && fuzz_inside(ok.track, ok.track_len, p, len));
        check_track(&ok);
        ok_round_trip(&ok, caps_sets[i]);
    }
}

static void
fuzz_err(const uint8_t *p, size_t len)
{
    struct obp_err e;
    uint8_t        buf[OBP_PKT_HDR_LEN + 600];
    char          *msg;

    if (obp_err_parse(&e, p, len) != OBP_OK)
        return;
    FUZZ_CHECK(fuzz_inside(e.msg, e.msg_len, p, len));
    FUZZ_CHECK(strlen(e.sqlstate) <= 5);
    /* the proxy sends a server's ERR on as its own */
    msg = fuzz_strndup(e.msg != NULL ? e.msg : "", e.msg_len);
    FUZZ_CHECK(obp_pkt_err(buf, sizeof(buf), 2, e.code, e.sqlstate, msg)
               > OBP_PKT_HDR_LEN);
    free(msg);
}

static void
fuzz_eof(const uint8_t *p, size_t len)
{
    uint16_t      warnings, status, w2, s2;
    uint8_t       buf[OBP_PKT_HDR_LEN + 5];
    struct obp_wr wr;

    if (obp_eof_parse(p, len, &warnings, &status) != OBP_OK) {
        FUZZ_CHECK(!obp_is_eof(p, len) || len < 5);
        return;
    }
    obp_wr_init(&wr, buf, sizeof(buf));
    FUZZ_CHECK(obp_eof_write(&wr, 3, warnings, status) == OBP_OK);
    FUZZ_CHECK(obp_eof_parse(buf + OBP_PKT_HDR_LEN, 5, &w2, &s2) == OBP_OK
               && w2 == warnings && s2 == status);
}

static void
fuzz_switch(const uint8_t *p, size_t len)
{
    static uint8_t buf[WRITE_CAP];
    const char    *plugin, *plugin2;
    const uint8_t *data, *data2;
    size_t         plen, dlen, plen2, dlen2;
    struct obp_wr  wr;
    char          *name;

    if (obp_auth_switch_parse(p, len, &plugin, &plen, &data, &dlen)
        != OBP_OK)
        return;
    FUZZ_CHECK(fuzz_inside(plugin, plen + 1, p, len) && plugin[plen] == 0);
    FUZZ_CHECK(fuzz_inside(data, dlen, p, len));
    name = fuzz_strndup(plugin, plen);
    obp_wr_init(&wr, buf, sizeof(buf));
    FUZZ_CHECK(obp_auth_switch_write(&wr, 2, name, data, dlen) == OBP_OK);
    FUZZ_CHECK(obp_auth_switch_parse(buf + OBP_PKT_HDR_LEN,
                                     wr.len - OBP_PKT_HDR_LEN, &plugin2,
                                     &plen2, &data2, &dlen2) == OBP_OK);
    FUZZ_CHECK(same_bytes(plugin2, plen2, plugin, plen)
               && same_bytes(data2, dlen2, data, dlen));
    free(name);
}

static void
fuzz_row(const uint8_t *p, size_t len, unsigned ncols)
{
    static const uint8_t *val[ROW_COLS];
    static size_t         vlen[ROW_COLS];

    if (obp_text_row_parse(p, len, ncols, val, vlen) != OBP_OK)
        return;
    for (unsigned i = 0; i < ncols; i++)
        FUZZ_CHECK(fuzz_inside(val[i], vlen[i], p, len));
}

static void
fuzz_chuser(const uint8_t *p, size_t len)
{
    static struct obp_session s;
    struct obp_hs_response    r;

    for (size_t i = 0; i < OBP_NELEMS(caps_sets); i++) {
        s.caps = caps_sets[i];
        if (obp_chuser_parse(&s, p, len, &r) != OBP_OK)
            continue;
        check_response(&r, p, len);
        FUZZ_CHECK(r.caps == s.caps && r.user != NULL && r.db != NULL);
    }
}

/* A decoded value: its text in the payload or the scratch, or none. */
static void
check_value(const struct obp_part_value *v, const uint8_t *p, size_t len,
            const char *scratch, size_t slen)
{
    switch (v->kind) {
    case OBP_PV_UNKNOWN: case OBP_PV_NULL: case OBP_PV_INT:
    case OBP_PV_UINT:
        break;
    case OBP_PV_DECIMAL: case OBP_PV_STRING:
        FUZZ_CHECK(fuzz_inside(v->str, v->len, p, len));
        break;
    case OBP_PV_FLOAT: case OBP_PV_DATETIME:
        FUZZ_CHECK(fuzz_inside(v->str, v->len, scratch, slen)
                   && v->len < OBP_PSPARAM_TEXT_MAX);
        break;
    default:
        FUZZ_CHECK(!"a value of no known kind");
    }
}

static void
fuzz_execute(struct fuzz_in *in)
{
    static struct obp_part_value out[EXEC_PARAMS];
    static char                  scratch[OBP_PSPARAM_SCRATCH(EXEC_PARAMS)];
    uint16_t                     n = fuzz_u16(in) % (EXEC_PARAMS + 1);
    uint8_t                      flags = fuzz_u8(in);
    const uint8_t               *types = NULL, *bits = NULL, *sent;
    size_t                       got, slen;
    int                          rc;

    if (flags & 1) {
        types = fuzz_take(in, 2u * n, &got);
        if (got < 2u * n)
            return;
    }
    if (flags & 2) {
        bits = fuzz_take(in, (n + 7u) / 8, &got);
        if (got < (n + 7u) / 8)
            return;
    }
    /* the scratch as large as promised, or short (values then unknown) */
    slen = flags & 4 ? (size_t)(flags >> 3) : OBP_PSPARAM_SCRATCH(n);
    rc = obp_psparam_decode(in->p, in->n, n, types, bits, scratch, slen, out);
    for (unsigned i = 0; i < n; i++) {
        if (rc != OBP_OK)
            FUZZ_CHECK(out[i].kind == OBP_PV_UNKNOWN);
        check_value(&out[i], in->p, in->n, scratch, slen);
    }
    sent = obp_psparam_types(in->p, in->n, n);
    FUZZ_CHECK(fuzz_inside(sent, sent != NULL ? 2u * n : 0, in->p, in->n));
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fuzz_in in = { data, size };
    unsigned       which = fuzz_u8(&in) % P_COUNT, ncols;

    switch (which) {
    case P_HANDSHAKE: fuzz_handshake(in.p, in.n); break;
    case P_RESPONSE: fuzz_response(in.p, in.n); break;
    case P_LOGIN: fuzz_login(in.p, in.n); break;
    case P_OK: fuzz_ok(in.p, in.n); break;
    case P_ERR: fuzz_err(in.p, in.n); break;
    case P_EOF: fuzz_eof(in.p, in.n); break;
    case P_SWITCH: fuzz_switch(in.p, in.n); break;
    case P_ROW: ncols = fuzz_u8(&in) % ROW_COLS;
        fuzz_row(in.p, in.n, ncols);
        break;
    case P_CHUSER: fuzz_chuser(in.p, in.n); break;
    default: fuzz_execute(&in); break;
    }
    return 0;
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
    /* the parsers log nothing worth reading at this rate */
    obp_log_set_level(OBP_LOG_ALERT);
    return 0;
}
