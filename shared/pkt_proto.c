/*
 * The MySQL packets of pkt.h that the proxy parses or writes: the initial
 * handshake, the client's handshake response, OK, ERR, EOF, the auth
 * switch request and the OK packet's session-track block.  The login
 * path and the server-side session code call these; the bounded reader
 * and writer (pkt_read.c, pkt_write.c) do the byte work.
 */
#include "obp.h"

#include <string.h>

#define HS_PROTOCOL      10
#define HS_PART1_LEN     8      /* first part of the scramble */
#define HS_PART2_MIN     13     /* the second part is never shorter */
#define HS_RESERVED_LEN  10
#define RESP_FILLER_LEN  23
#define ERR_STATE_LEN    5
#define EOF_LEN          5      /* 0xfe, warnings:2, status:2 */
#define EOF_MAX_LEN      9      /* an EOF is shorter; a row is not */

/* A length-encoded integer where SQL NULL makes no sense. */
static uint64_t
rd_len(struct obp_rd *rd)
{
    bool     is_null;
    uint64_t v = obp_rd_lenenc(rd, &is_null);

    if (is_null)
        rd->err = 1;
    return v;
}

static int
wr_done(struct obp_wr *wr, size_t off, uint8_t seq)
{
    obp_wr_pkt_end(wr, off, seq);
    return wr->err ? OBP_ERROR : OBP_OK;
}

/*
 * Reads the second scramble part and joins it to the first.  With
 * PLUGIN_AUTH the announced length counts the data and its NUL; a NUL
 * ending the data is not part of the scramble.
 */
static int
hs_scramble(struct obp_handshake *hs, struct obp_rd *rd,
            const uint8_t *part1, uint8_t auth_len)
{
    const uint8_t *part2 = NULL;
    size_t         n2 = 0, total;

    if (hs->caps & OBP_CLIENT_SECURE_CONNECTION) {
        n2 = auth_len > HS_PART1_LEN + HS_PART2_MIN
             ? (size_t)auth_len - HS_PART1_LEN : HS_PART2_MIN;
        part2 = obp_rd_bytes(rd, n2);
        if (part2 == NULL)
            return OBP_ERROR;
    }
    total = HS_PART1_LEN + n2;
    if ((hs->caps & OBP_CLIENT_PLUGIN_AUTH) && auth_len > HS_PART1_LEN
        && auth_len < total)
        total = auth_len;
    if (part2 != NULL && part2[total - HS_PART1_LEN - 1] == 0)
        total--;
    if (total > sizeof(hs->scramble))
        return OBP_ERROR;
    memcpy(hs->scramble, part1, HS_PART1_LEN);
    if (total > HS_PART1_LEN)
        memcpy(hs->scramble + HS_PART1_LEN, part2, total - HS_PART1_LEN);
    hs->scramble_len = total;
    return OBP_OK;
}

/* Version and plugin name: NUL-terminated, kept to the field's size. */
static int
hs_name(struct obp_rd *rd, char *dst, size_t cap, bool cut)
{
    size_t      n;
    const char *s = obp_rd_nulstr(rd, &n);

    if (s == NULL || (n >= cap && !cut))
        return OBP_ERROR;
    if (n >= cap)
        n = cap - 1;
    memcpy(dst, s, n);
    dst[n] = '\0';
    return OBP_OK;
}

int
obp_handshake_parse(struct obp_handshake *hs, const uint8_t *payload,
                    size_t len)
{
    struct obp_rd  rd;
    const uint8_t *part1;
    uint8_t        auth_len;

    memset(hs, 0, sizeof(*hs));
    obp_rd_init(&rd, payload, len);
    hs->protocol = obp_rd_u8(&rd);
    if (hs->protocol != HS_PROTOCOL
        || hs_name(&rd, hs->version, sizeof(hs->version), true) != OBP_OK)
        return OBP_ERROR;
    hs->conn_id = obp_rd_u32(&rd);
    part1 = obp_rd_bytes(&rd, HS_PART1_LEN);
    if (obp_rd_u8(&rd) != 0)                /* the filler */
        return OBP_ERROR;
    hs->caps = obp_rd_u16(&rd);
    hs->charset = obp_rd_u8(&rd);
    hs->status = obp_rd_u16(&rd);
    hs->caps |= (uint32_t)obp_rd_u16(&rd) << 16;
    auth_len = obp_rd_u8(&rd);
    /* Reserved; MariaDB keeps its extended capabilities in the last 4. */
    obp_rd_bytes(&rd, HS_RESERVED_LEN - 4);
    hs->ext_caps = obp_rd_u32(&rd);
    if (hs->caps & OBP_CLIENT_LONG_PASSWORD)
        hs->ext_caps = 0;
    if (rd.err || hs_scramble(hs, &rd, part1, auth_len) != OBP_OK)
        return OBP_ERROR;
    if ((hs->caps & OBP_CLIENT_PLUGIN_AUTH)
        && hs_name(&rd, hs->plugin, sizeof(hs->plugin), false) != OBP_OK)
        return OBP_ERROR;
    return OBP_OK;
}

int
obp_handshake_write(struct obp_wr *wr, uint8_t seq,
                    const struct obp_handshake *hs)
{
    size_t off, n2;

    if (hs->scramble_len < HS_PART1_LEN
        || hs->scramble_len > sizeof(hs->scramble)) {
        wr->err = 1;
        return OBP_ERROR;
    }
    n2 = hs->scramble_len - HS_PART1_LEN;
    off = obp_wr_pkt_begin(wr);
    obp_wr_u8(wr, HS_PROTOCOL);
    obp_wr_nulstr(wr, hs->version, strnlen(hs->version,
                                           sizeof(hs->version) - 1));
    obp_wr_u32(wr, hs->conn_id);
    obp_wr_bytes(wr, hs->scramble, HS_PART1_LEN);
    obp_wr_u8(wr, 0);
    obp_wr_u16(wr, (uint16_t)hs->caps);
    obp_wr_u8(wr, hs->charset);
    obp_wr_u16(wr, hs->status);
    obp_wr_u16(wr, (uint16_t)(hs->caps >> 16));
    obp_wr_u8(wr, (hs->caps & OBP_CLIENT_PLUGIN_AUTH)
                  ? (uint8_t)(hs->scramble_len + 1) : 0);
    obp_wr_zero(wr, HS_RESERVED_LEN - 4);
    obp_wr_u32(wr, (hs->caps & OBP_CLIENT_LONG_PASSWORD) ? 0 : hs->ext_caps);
    if (hs->caps & OBP_CLIENT_SECURE_CONNECTION) {
        obp_wr_bytes(wr, hs->scramble + HS_PART1_LEN, n2);
        obp_wr_zero(wr, n2 + 1 < HS_PART2_MIN ? HS_PART2_MIN - n2 : 1);
    }
    if (hs->caps & OBP_CLIENT_PLUGIN_AUTH)
        obp_wr_nulstr(wr, hs->plugin, strnlen(hs->plugin,
                                              sizeof(hs->plugin) - 1));
    return wr_done(wr, off, seq);
}

/* The auth response's three encodings, chosen by the capabilities. */
static const uint8_t *
resp_auth(struct obp_rd *rd, uint32_t caps, size_t *len)
{
    const uint8_t *p;
    size_t         n;

    if (caps & OBP_CLIENT_PLUGIN_AUTH_LENENC_DATA)
        return obp_rd_lenenc_str(rd, len);
    if (caps & OBP_CLIENT_SECURE_CONNECTION) {
        n = obp_rd_u8(rd);
        p = obp_rd_bytes(rd, n);
        *len = p != NULL ? n : 0;
        return p;
    }
    return (const uint8_t *)obp_rd_nulstr(rd, len);
}

int
obp_hs_response_parse(struct obp_hs_response *r, const uint8_t *payload,
                      size_t len)
{
    struct obp_rd rd;

    memset(r, 0, sizeof(*r));
    obp_rd_init(&rd, payload, len);
    r->caps = obp_rd_u32(&rd);
    r->max_packet = obp_rd_u32(&rd);
    r->charset = obp_rd_u8(&rd);
    obp_rd_bytes(&rd, RESP_FILLER_LEN - 4);
    r->ext_caps = obp_rd_u32(&rd);
    if (r->caps & OBP_CLIENT_LONG_PASSWORD)
        r->ext_caps = 0;
    /* A pre-4.1 response has another layout; the proxy does not take it. */
    if (rd.err || !(r->caps & OBP_CLIENT_PROTOCOL_41))
        return OBP_ERROR;
    if (obp_rd_left(&rd) == 0 && (r->caps & OBP_CLIENT_SSL)) {
        r->ssl_request = true;
        return OBP_OK;
    }
    r->user = obp_rd_nulstr(&rd, &r->user_len);
    r->auth = resp_auth(&rd, r->caps, &r->auth_len);
    /* Clients may stop before the optional fields. */
    if ((r->caps & OBP_CLIENT_CONNECT_WITH_DB) && obp_rd_left(&rd) > 0)
        r->db = obp_rd_nulstr(&rd, &r->db_len);
    if ((r->caps & OBP_CLIENT_PLUGIN_AUTH) && obp_rd_left(&rd) > 0)
        r->plugin = obp_rd_nulstr(&rd, &r->plugin_len);
    if ((r->caps & OBP_CLIENT_CONNECT_ATTRS) && obp_rd_left(&rd) > 0)
        r->attrs = obp_rd_lenenc_str(&rd, &r->attrs_len);
    return rd.err ? OBP_ERROR : OBP_OK;
}

int
obp_hs_response_write(struct obp_wr *wr, uint8_t seq,
                      const struct obp_hs_response *r)
{
    size_t off = obp_wr_pkt_begin(wr);

    obp_wr_u32(wr, r->caps);
    obp_wr_u32(wr, r->max_packet);
    obp_wr_u8(wr, r->charset);
    obp_wr_zero(wr, RESP_FILLER_LEN - 4);
    obp_wr_u32(wr, (r->caps & OBP_CLIENT_LONG_PASSWORD) ? 0 : r->ext_caps);
    if (r->ssl_request)
        return wr_done(wr, off, seq);
    obp_wr_nulstr(wr, r->user, r->user_len);
    if (r->caps & OBP_CLIENT_PLUGIN_AUTH_LENENC_DATA) {
        obp_wr_lenenc_str(wr, r->auth, r->auth_len);
    } else if (r->caps & OBP_CLIENT_SECURE_CONNECTION) {
        if (r->auth_len > UINT8_MAX)
            wr->err = 1;
        obp_wr_u8(wr, (uint8_t)r->auth_len);
        obp_wr_bytes(wr, r->auth, r->auth_len);
    } else {
        obp_wr_nulstr(wr, (const char *)r->auth, r->auth_len);
    }
    if (r->caps & OBP_CLIENT_CONNECT_WITH_DB)
        obp_wr_nulstr(wr, r->db, r->db_len);
    if (r->caps & OBP_CLIENT_PLUGIN_AUTH)
        obp_wr_nulstr(wr, r->plugin, r->plugin_len);
    if (r->caps & OBP_CLIENT_CONNECT_ATTRS)
        obp_wr_lenenc_str(wr, r->attrs, r->attrs_len);
    return wr_done(wr, off, seq);
}

int
obp_ok_parse(struct obp_ok *ok, const uint8_t *payload, size_t len,
             uint32_t caps)
{
    struct obp_rd rd;
    uint8_t       first;

    memset(ok, 0, sizeof(*ok));
    obp_rd_init(&rd, payload, len);
    first = obp_rd_u8(&rd);
    if (rd.err || (first != OBP_PKT_OK && first != OBP_PKT_EOF))
        return OBP_ERROR;
    ok->affected_rows = rd_len(&rd);
    ok->last_insert_id = rd_len(&rd);
    if (caps & OBP_CLIENT_PROTOCOL_41) {
        ok->status = obp_rd_u16(&rd);
        ok->warnings = obp_rd_u16(&rd);
    } else if (caps & OBP_CLIENT_TRANSACTIONS) {
        ok->status = obp_rd_u16(&rd);
    }
    if (!(caps & OBP_CLIENT_SESSION_TRACK)) {
        ok->info = obp_rd_rest(&rd, &ok->info_len);
    } else if (obp_rd_left(&rd) > 0) {
        /* Servers leave out the info when there is nothing to say. */
        ok->info = obp_rd_lenenc_str(&rd, &ok->info_len);
        if ((ok->status & OBP_SERVER_SESSION_STATE_CHANGED)
            && obp_rd_left(&rd) > 0)
            ok->track = obp_rd_lenenc_str(&rd, &ok->track_len);
    }
    return rd.err ? OBP_ERROR : OBP_OK;
}

int
obp_ok_write(struct obp_wr *wr, uint8_t seq, const struct obp_ok *ok,
             uint32_t caps)
{
    size_t off = obp_wr_pkt_begin(wr);
    bool   changed = ok->status & OBP_SERVER_SESSION_STATE_CHANGED;

    obp_wr_u8(wr, OBP_PKT_OK);
    obp_wr_lenenc(wr, ok->affected_rows);
    obp_wr_lenenc(wr, ok->last_insert_id);
    if (caps & OBP_CLIENT_PROTOCOL_41) {
        obp_wr_u16(wr, ok->status);
        obp_wr_u16(wr, ok->warnings);
    } else if (caps & OBP_CLIENT_TRANSACTIONS) {
        obp_wr_u16(wr, ok->status);
    }
    if (!(caps & OBP_CLIENT_SESSION_TRACK)) {
        obp_wr_bytes(wr, ok->info, ok->info_len);
    } else {
        if (changed || ok->info_len > 0)
            obp_wr_lenenc_str(wr, ok->info, ok->info_len);
        if (changed)
            obp_wr_lenenc_str(wr, ok->track, ok->track_len);
    }
    return wr_done(wr, off, seq);
}

int
obp_err_parse(struct obp_err *e, const uint8_t *payload, size_t len)
{
    struct obp_rd  rd;
    const uint8_t *state = (const uint8_t *)"HY000";

    memset(e, 0, sizeof(*e));
    obp_rd_init(&rd, payload, len);
    if (obp_rd_u8(&rd) != OBP_PKT_ERR)
        return OBP_ERROR;
    e->code = obp_rd_u16(&rd);
    /* Before the 4.1 handshake is agreed the state is left out. */
    if (obp_rd_left(&rd) > 0 && *rd.p == '#') {
        obp_rd_u8(&rd);
        state = obp_rd_bytes(&rd, ERR_STATE_LEN);
    }
    e->msg = (const char *)obp_rd_rest(&rd, &e->msg_len);
    if (rd.err)
        return OBP_ERROR;
    memcpy(e->sqlstate, state, ERR_STATE_LEN);
    e->sqlstate[ERR_STATE_LEN] = '\0';
    return OBP_OK;
}

bool
obp_is_eof(const uint8_t *payload, size_t len)
{
    return len > 0 && len < EOF_MAX_LEN && payload[0] == OBP_PKT_EOF;
}

int
obp_eof_parse(const uint8_t *payload, size_t len, uint16_t *warnings,
              uint16_t *status)
{
    if (!obp_is_eof(payload, len) || len < EOF_LEN)
        return OBP_ERROR;
    if (warnings != NULL)
        *warnings = (uint16_t)(payload[1] | payload[2] << 8);
    if (status != NULL)
        *status = (uint16_t)(payload[3] | payload[4] << 8);
    return OBP_OK;
}

int
obp_eof_write(struct obp_wr *wr, uint8_t seq, uint16_t warnings,
              uint16_t status)
{
    size_t off = obp_wr_pkt_begin(wr);

    obp_wr_u8(wr, OBP_PKT_EOF);
    obp_wr_u16(wr, warnings);
    obp_wr_u16(wr, status);
    return wr_done(wr, off, seq);
}

int
obp_auth_switch_write(struct obp_wr *wr, uint8_t seq, const char *plugin,
                      const uint8_t *data, size_t len)
{
    size_t off = obp_wr_pkt_begin(wr);

    obp_wr_u8(wr, OBP_PKT_EOF);
    obp_wr_nulstr(wr, plugin, strlen(plugin));
    obp_wr_bytes(wr, data, len);
    return wr_done(wr, off, seq);
}

int
obp_auth_switch_parse(const uint8_t *payload, size_t len,
                      const char **plugin, size_t *plugin_len,
                      const uint8_t **data, size_t *data_len)
{
    struct obp_rd rd;

    obp_rd_init(&rd, payload, len);
    if (obp_rd_u8(&rd) != OBP_PKT_EOF)
        rd.err = 1;
    *plugin = obp_rd_nulstr(&rd, plugin_len);
    *data = obp_rd_rest(&rd, data_len);
    return rd.err ? OBP_ERROR : OBP_OK;
}

int
obp_track_next(struct obp_rd *rd, struct obp_track_item *it)
{
    if (rd->err)
        return OBP_ERROR;
    if (obp_rd_left(rd) == 0)
        return OBP_DONE;
    it->type = obp_rd_u8(rd);
    it->data = obp_rd_lenenc_str(rd, &it->len);
    return rd->err ? OBP_ERROR : OBP_OK;
}

/* A reader over <it>'s data, already failed if <it> is not a <type>. */
static void
track_rd(struct obp_rd *rd, const struct obp_track_item *it, uint8_t type)
{
    obp_rd_init(rd, it->data, it->len);
    if (it->type != type)
        rd->err = 1;
}

int
obp_track_sysvar(const struct obp_track_item *it, const uint8_t **name,
                 size_t *name_len, const uint8_t **value,
                 size_t *value_len)
{
    struct obp_rd rd;

    track_rd(&rd, it, OBP_SESSION_TRACK_SYSTEM_VARIABLES);
    *name = obp_rd_lenenc_str(&rd, name_len);
    *value = obp_rd_lenenc_str(&rd, value_len);
    return rd.err ? OBP_ERROR : OBP_OK;
}

int
obp_track_schema(const struct obp_track_item *it, const uint8_t **db,
                 size_t *db_len)
{
    struct obp_rd rd;

    track_rd(&rd, it, OBP_SESSION_TRACK_SCHEMA);
    *db = obp_rd_lenenc_str(&rd, db_len);
    return rd.err ? OBP_ERROR : OBP_OK;
}

int
obp_track_gtids(const struct obp_track_item *it, const uint8_t **gtids,
                size_t *len)
{
    struct obp_rd rd;

    track_rd(&rd, it, OBP_SESSION_TRACK_GTIDS);
    obp_rd_u8(&rd);             /* the encoding: 0, the text */
    *gtids = obp_rd_lenenc_str(&rd, len);
    return rd.err ? OBP_ERROR : OBP_OK;
}

int
obp_text_row_parse(const uint8_t *payload, size_t len, unsigned ncols,
                   const uint8_t **val, size_t *vlen)
{
    struct obp_rd rd;
    bool          null;

    obp_rd_init(&rd, payload, len);
    for (unsigned i = 0; i < ncols; i++) {
        vlen[i] = obp_rd_lenenc(&rd, &null);
        val[i] = null ? NULL : obp_rd_bytes(&rd, vlen[i]);
        if (null)
            vlen[i] = 0;
    }
    return rd.err || obp_rd_left(&rd) != 0 ? OBP_ERROR : OBP_OK;
}
