/*
 * The OceanBase 2.0 frame codec (shared/ob20.h) against t/ob20_frames.txt,
 * frames built by hand from the specification outside the proxy: each
 * good frame decodes to its fields, each bad one is refused for its own
 * fault, the builder reproduces the fixture byte for byte, and request
 * ids and sequences are checked in turn.
 */
#include "obp.h"

#include "tap.h"

#define MAX_FRAMES 32
#define MAX_BYTES  512

struct fixture {
    char    name[32];
    char    expect[16];
    uint8_t b[MAX_BYTES];
    size_t  len;
};

static struct fixture fx[MAX_FRAMES];
static int            nfx;

static void
load(const char *path)
{
    FILE         *f = fopen(path, "r");
    char          line[256], *p, *end;
    unsigned long v;

    if (f == NULL) {
        printf("Bail out! %s: %s\n", path, strerror(errno));
        exit(1);
    }
    while (fgets(line, sizeof(line), f) != NULL) {
        if (line[0] == '#' || line[0] == '\n')
            continue;
        if (strncmp(line, "frame ", 6) == 0 && nfx < MAX_FRAMES) {
            sscanf(line + 6, "%31s %15s", fx[nfx].name, fx[nfx].expect);
            nfx++;
            continue;
        }
        for (p = line; nfx > 0; p = end) {
            v = strtoul(p, &end, 16);
            if (end == p || fx[nfx - 1].len >= MAX_BYTES)
                break;
            fx[nfx - 1].b[fx[nfx - 1].len++] = (uint8_t)v;
        }
    }
    fclose(f);
}

static const struct fixture *
get(const char *name)
{
    int i;

    for (i = 0; i < nfx; i++)
        if (strcmp(fx[i].name, name) == 0)
            return &fx[i];
    printf("Bail out! no fixture %s\n", name);
    exit(1);
}

static const char *const fault_names[] = {
    "ok", "hdr_crc", "magic", "version", "length", "too_long", "crc",
    "extra", "conn", "request", "seq", "zip", "zlen"
};

/* What the codec makes of one fixture, in the fixture file's words. */
static const char *
verdict(const struct fixture *x, struct obp_ob20_frame *f, uint8_t *scratch,
        size_t room)
{
    int rc = strncmp(x->name, "zip", 3) == 0
             ? obp_ob20_zframe_parse(x->b, x->len, OBP_OB20_MAX_PAYLOAD,
                                     scratch, room, f)
             : obp_ob20_frame_parse(x->b, x->len, OBP_OB20_MAX_PAYLOAD, f);

    if (rc == OBP_AGAIN)
        return "again";
    if (rc == OBP_OK)
        return "ok";
    return fault_names[f->fault];
}

static void
each_fixture(void)
{
    struct obp_ob20_frame f;
    uint8_t               scratch[MAX_BYTES];
    char                  name[80];
    int                   i;

    for (i = 0; i < nfx; i++) {
        snprintf(name, sizeof(name), "%.31s: %.15s", fx[i].name,
                 fx[i].expect);
        tap_is_str(verdict(&fx[i], &f, scratch, sizeof(scratch)),
                   fx[i].expect, name);
    }
}

static const uint8_t query[] = "\x09\x00\x00\x00\x03select 1";

static void
decoded_fields(void)
{
    const struct fixture *x = get("query");
    struct obp_ob20_frame f;

    obp_ob20_frame_parse(x->b, x->len, OBP_OB20_MAX_PAYLOAD, &f);
    tap_is_int(f.hdr.conn_id, 0x11223344, "connection id");
    tap_is_int(f.hdr.req_id, 0x000102, "request id");
    tap_is_int(f.hdr.seq, 0, "packet sequence");
    tap_is_int(f.hdr.flags, OBP_OB20_IS_LAST_PACKET, "flags");
    tap_is_int(f.frame_len, x->len, "frame length");
    tap_ok(f.mysql_len == 13 && memcmp(f.mysql, query, 13) == 0,
           "the MySQL packet it carries");
    tap_ok(f.extra == NULL, "no extra info");
    /* a limit below the payload refuses the frame before it is whole */
    tap_ok(obp_ob20_frame_parse(x->b, 31, 12, &f) == OBP_ERROR
           && f.fault == OBP_OB20_TOO_LONG, "header alone: over a limit");
}

static void
extra_items(void)
{
    const struct fixture *x = get("extra_new");
    struct obp_ob20_frame f;
    struct obp_ob20_item  it;
    size_t                pos = 0;

    obp_ob20_frame_parse(x->b, x->len, OBP_OB20_MAX_PAYLOAD, &f);
    tap_ok(obp_ob20_extra_next(f.extra, f.extra_len, true, &pos, &it)
           == OBP_OK && it.type == OBP_OB20_TRACE_INFO && it.val_len == 5
           && memcmp(it.val, "trace", 5) == 0, "new format item");
    tap_is_int(obp_ob20_extra_next(f.extra, f.extra_len, true, &pos, &it),
               OBP_DONE, "new format: one item");
    tap_ok(f.mysql_len == 13 && memcmp(f.mysql, query, 13) == 0,
           "new format: MySQL bytes after it");
    x = get("extra_old");
    obp_ob20_frame_parse(x->b, x->len, OBP_OB20_MAX_PAYLOAD, &f);
    pos = 0;
    tap_ok(obp_ob20_extra_next(f.extra, f.extra_len, false, &pos, &it)
           == OBP_OK && it.key_len == 1 && it.key[0] == 'k'
           && it.val_len == 1 && it.val[0] == 'v', "old format pair");
    tap_is_int(obp_ob20_extra_next(f.extra, f.extra_len, false, &pos, &it),
               OBP_DONE, "old format: one pair");
    tap_is_int(obp_ob20_extra_next(f.extra, f.extra_len - 1, false,
                                   (pos = 0, &pos), &it),
               OBP_ERROR, "old format cut short");
}

/* The builder reproduces the hand-built bytes. */
static void
built_as_fixture(void)
{
    struct obp_ob20_hdr h = { .conn_id = 0x11223344, .req_id = 0x000102 };
    uint8_t             out[MAX_BYTES], extra[64];
    size_t              n, e;
    const struct fixture *x = get("query");

    h.flags = OBP_OB20_IS_LAST_PACKET;
    n = obp_ob20_frame_build(out, sizeof(out), &h, NULL, 0, query, 13);
    tap_ok(n == x->len && memcmp(out, x->b, n) == 0, "build: query frame");
    h.seq = 1;
    h.flags = OBP_OB20_IS_LAST_PACKET | OBP_OB20_IS_NEW_EXTRA_INFO;
    e = obp_ob20_extra_put_new(extra, sizeof(extra), OBP_OB20_TRACE_INFO,
                               "trace", 5);
    n = obp_ob20_frame_build(out, sizeof(out), &h, extra, e, query, 13);
    x = get("extra_new");
    tap_ok(n == x->len && memcmp(out, x->b, n) == 0,
           "build: new extra info frame");
    h.seq = 2;
    h.flags = OBP_OB20_IS_LAST_PACKET;
    e = obp_ob20_extra_put_old(extra, sizeof(extra), "k", "v", 1);
    n = obp_ob20_frame_build(out, sizeof(out), &h, extra, e, query, 13);
    x = get("extra_old");
    tap_ok(n == x->len && memcmp(out, x->b, n) == 0,
           "build: old extra info frame");
    tap_is_int(obp_ob20_frame_build(out, 40, &h, NULL, 0, query, 13), 0,
               "build: too small a buffer");
}

/* The zlib variant's verdict on <p> (<n> bytes) in the fixtures' words. */
static const char *
zverdict(const uint8_t *p, size_t n, uint8_t *scratch, size_t room)
{
    struct obp_ob20_frame f;
    int                   rc = obp_ob20_zframe_parse(p, n,
                                                     OBP_OB20_MAX_PAYLOAD,
                                                     scratch, room, &f);

    if (rc == OBP_AGAIN)
        return "again";
    return rc == OBP_OK ? "ok" : fault_names[f.fault];
}

/* Hostile variants of the deflated frame <good> (<n> bytes). */
static void
zip_hostile(const uint8_t *good, size_t n, uint8_t *scratch, size_t room)
{
    uint8_t bad[8192];

    memcpy(bad, good, n);
    bad[4] = (uint8_t)(bad[4] - 1);     /* one byte less announced */
    tap_is_str(zverdict(bad, n, scratch, room), "zlen",
               "zip: an inflated length one short of the stream's");
    memcpy(bad, good, n);
    bad[4] = (uint8_t)(bad[4] + 1);
    tap_is_str(zverdict(bad, n, scratch, room), "zlen",
               "zip: an inflated length one beyond the stream's");
    memcpy(bad, good, n);
    bad[n / 2] ^= 0x55;
    tap_ok(strcmp(zverdict(bad, n, scratch, room), "ok") != 0,
           "zip: a corrupt deflate stream refused");
    memcpy(bad, good, n);
    bad[0] = (uint8_t)(bad[0] - 5);     /* the stream cut short */
    tap_is_str(zverdict(bad, n - 5, scratch, room), "zip",
               "zip: a deflate stream cut short");
    memcpy(bad, good, 7);
    bad[0] = 10;
    bad[1] = bad[2] = 0;
    bad[4] = bad[5] = bad[6] = 0xff;    /* 16 MiB out of 10 bytes */
    tap_is_str(zverdict(bad, 7, scratch, room), "length",
               "zip: more than deflate can make of the bytes refused "
               "before they come");
    bad[4] = bad[5] = bad[6] = 0;
    tap_is_str(zverdict(bad, 17, scratch, room), "length",
               "zip: a stored frame shorter than a header");
}

/* The zlib variant stored, with extra info, and its header checksum. */
static void
zip_stored(void)
{
    struct obp_ob20_hdr   h = { .conn_id = 7, .req_id = 9, .seq = 0 };
    struct obp_ob20_frame f;
    uint8_t               out[256], scratch[256], extra[32];
    size_t                n, e;

    e = obp_ob20_extra_put_new(extra, sizeof(extra), OBP_OB20_TRACE_INFO,
                               "t", 1);
    /* level 0 deflates to more than it was: the frame is stored */
    n = obp_ob20_zframe_build(out, sizeof(out), &h, extra, e, query,
                              sizeof(query) - 1, 0);
    tap_ok(n > 0 && out[4] == 0 && out[5] == 0 && out[6] == 0,
           "zip: a frame deflate does not shrink is stored (length 0)");
    tap_ok(obp_ob20_zframe_parse(out, n, OBP_OB20_MAX_PAYLOAD, NULL, 0, &f)
           == OBP_OK && f.extra_len == e && f.mysql_len == sizeof(query) - 1
           && memcmp(f.mysql, query, f.mysql_len) == 0,
           "zip: stored, with extra info, parsed in place");
    out[7 + 22] ^= 1;
    tap_is_str(zverdict(out, n, scratch, sizeof(scratch)), "hdr_crc",
               "zip: the inner header checksum is checked");
    tap_is_str(zverdict(out, n - 1, scratch, sizeof(scratch)), "again",
               "zip: a frame not whole waits");
}

static void
zip_round_trip(void)
{
    struct obp_ob20_hdr   h = { .conn_id = 7, .req_id = 9, .seq = 3 };
    struct obp_ob20_frame f;
    uint8_t               rows[4000], out[8192], scratch[8192];
    size_t                i, n;

    for (i = 0; i < sizeof(rows); i++)
        rows[i] = (uint8_t)("abcdefgh"[i % 8]);
    n = obp_ob20_zframe_build(out, sizeof(out), &h, NULL, 0, rows,
                              sizeof(rows), 6);
    tap_ok(n > 0 && n < sizeof(rows), "zip: 4000 bytes deflate");
    tap_ok(obp_ob20_zframe_parse(out, n, OBP_OB20_MAX_PAYLOAD, scratch,
                                 sizeof(scratch), &f) == OBP_OK
           && f.mysql_len == sizeof(rows) && f.hdr.seq == 3
           && memcmp(f.mysql, rows, sizeof(rows)) == 0,
           "zip: they come back");
    tap_ok(obp_ob20_zframe_parse(out, n, OBP_OB20_MAX_PAYLOAD, scratch,
                                 100, &f) == OBP_ERROR,
           "zip: an inflated size beyond the scratch is refused");
    zip_hostile(out, n, scratch, sizeof(scratch));
}

static void
order(void)
{
    struct obp_ob20_order o = { .conn_id = 5 };
    struct obp_ob20_hdr   h = { .conn_id = 5, .req_id = 77, .seq = 1 };

    tap_is_int(obp_ob20_order_in(&o, &h, true), OBP_OB20_BAD_SEQ,
               "order: a request starts at sequence 0");
    h.seq = 0;
    tap_is_int(obp_ob20_order_in(&o, &h, true), OBP_OB20_OK,
               "order: request 77 seq 0");
    obp_ob20_order_out(&o, &h);
    tap_ok(h.req_id == 77 && h.seq == 1, "order: the answer echoes it, seq 1");
    h.seq = 1;
    tap_is_int(obp_ob20_order_in(&o, &h, true), OBP_OB20_BAD_SEQ,
               "order: the same request must follow the answer (seq 2)");
    h.seq = 2;
    tap_is_int(obp_ob20_order_in(&o, &h, true), OBP_OB20_OK,
               "order: the same request continues at seq 2");
    h.conn_id = 6;
    tap_is_int(obp_ob20_order_in(&o, &h, true), OBP_OB20_BAD_CONN,
               "order: another connection's id");
    h.conn_id = 5;
    h.req_id = 78;
    h.seq = 0;
    tap_is_int(obp_ob20_order_in(&o, &h, false), OBP_OB20_BAD_REQUEST,
               "order: a server's answer to another request");
    tap_is_int(obp_ob20_order_in(&o, &h, true), OBP_OB20_OK,
               "order: the next request");
}

int
main(void)
{
    load(TOP_SRCDIR "/t/ob20_frames.txt");
    tap_ok(nfx >= 14, "fixtures read");
    each_fixture();
    decoded_fields();
    extra_items();
    built_as_fixture();
    zip_round_trip();
    zip_stored();
    order();
    return tap_done();
}
