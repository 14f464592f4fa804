/*
 * An HTTP/1.x answer as the monitor's client reads it (monitor/httpc.h):
 * status line, head of at most OBP_HTTPRESP_HEAD_MAX bytes, a body
 * delimited by Content-Length, by the chunked transfer coding (decoded)
 * or by the close; another transfer coding, a 1xx answer, conflicting
 * lengths and an answer past OBP_HTTPRESP_MAX bytes are refused.  Pure:
 * the unit tests and t/fuzz/httpresp_fuzz.c call it.
 */
#ifndef OBP_SHARED_HTTPRESP_H
#define OBP_SHARED_HTTPRESP_H

#include <stdbool.h>
#include <stddef.h>

#define OBP_HTTPRESP_MAX       (1024 * 1024)
#define OBP_HTTPRESP_HEAD_MAX  16384

/* An answer parsed: the status and the body (inside the buffer). */
struct obp_httpresp {
    int         status;
    const char *body;
    size_t      len;
};

/*
 * The answer in <buf> (<len> bytes read so far, <eof> when the server
 * closed): OBP_OK with <out> filled (a chunked body decoded in place),
 * OBP_AGAIN when more is needed, OBP_ERROR with a phrase in <err>.
 */
int obp_httpresp_parse(char *buf, size_t len, bool eof,
                       struct obp_httpresp *out, char *err, size_t errlen);

#endif
