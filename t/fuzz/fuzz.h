/*
 * What the libFuzzer targets of t/fuzz share: the entry points, a reader
 * that takes the fuzzer's bytes from the front as choices and lengths,
 * and the checks.  A violated invariant prints what broke and aborts,
 * which libFuzzer reports as a crash with the input saved; reads outside
 * the input, undefined behaviour and leaks are the sanitizers' to report.
 */
#ifndef OBP_T_FUZZ_H
#define OBP_T_FUZZ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

#define FUZZ_CHECK(cond) \
    ((cond) ? (void)0 : fuzz_fail(#cond, __FILE__, __LINE__))

static inline void
fuzz_fail(const char *what, const char *file, int line)
{
    fprintf(stderr, "%s:%d: invariant broken: %s\n", file, line, what);
    abort();
}

/* The input not consumed yet. */
struct fuzz_in {
    const uint8_t *p;
    size_t         n;
};

/* The next byte, or 0 once the input is used up. */
static inline uint8_t
fuzz_u8(struct fuzz_in *in)
{
    if (in->n == 0)
        return 0;
    in->n--;
    return *in->p++;
}

static inline uint16_t
fuzz_u16(struct fuzz_in *in)
{
    uint16_t lo = fuzz_u8(in);

    return (uint16_t)(lo | fuzz_u8(in) << 8);
}

/* Up to <want> bytes (fewer at the end of the input), in *<got>. */
static inline const uint8_t *
fuzz_take(struct fuzz_in *in, size_t want, size_t *got)
{
    const uint8_t *p = in->p;

    *got = want < in->n ? want : in->n;
    in->p += *got;
    in->n -= *got;
    return p;
}

/* <p, n> lies within <base, len>; NULL with n 0 passes too. */
static inline bool
fuzz_inside(const void *p, size_t n, const void *base, size_t len)
{
    const uint8_t *q = p, *b = base;

    if (q == NULL)
        return n == 0;
    return q >= b && n <= len && (size_t)(q - b) <= len - n;
}

/* <s> is NUL-terminated within its <cap> bytes. */
static inline bool
fuzz_terminated(const char *s, size_t cap)
{
    return memchr(s, '\0', cap) != NULL;
}

/* A malloc'd copy of <p, n> with a NUL after it; aborts when out of
 * memory, as libFuzzer's -rss_limit would anyway. */
static inline char *
fuzz_strndup(const void *p, size_t n)
{
    char *s = malloc(n + 1);

    FUZZ_CHECK(s != NULL);
    memcpy(s, p, n);
    s[n] = '\0';
    return s;
}

#endif
