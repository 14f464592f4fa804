/*
 * A growable text buffer for the monitor's answers (a /metrics page is a
 * few kilobytes, built whole, then written as the socket takes it).  An
 * allocation failure is sticky: the buffer says so once, at the end.
 */
#ifndef OBP_MONITOR_MBUF_H
#define OBP_MONITOR_MBUF_H

#include <stdbool.h>
#include <stddef.h>

struct obp_mbuf {
    char   *data;
    size_t  len;
    size_t  cap;
    bool    failed;     /* out of memory: the content is incomplete */
};

/* Appends formatted text. */
void obp_mbuf_printf(struct obp_mbuf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

void obp_mbuf_free(struct obp_mbuf *b);

#endif
