/*
 * A minimal TAP producer for the C unit tests: plan, ok, is, done.
 * Each test binary prints TAP on stdout, read by prove and by automake's
 * TAP driver alike.
 */
#ifndef OBP_T_TAP_H
#define OBP_T_TAP_H

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int tap_n;
static int tap_failed;

static inline int
tap_ok(int cond, const char *name)
{
    tap_n++;
    printf("%sok %d - %s\n", cond ? "" : "not ", tap_n, name);
    if (!cond)
        tap_failed++;
    fflush(stdout);
    return cond;
}

static inline void
tap_diag(const char *line)
{
    printf("# %s\n", line);
}

static inline int
tap_is_int(int64_t got, int64_t want, const char *name)
{
    if (tap_ok(got == want, name))
        return 1;
    printf("#   got %" PRId64 ", want %" PRId64 "\n", got, want);
    return 0;
}

static inline int
tap_is_str(const char *got, const char *want, const char *name)
{
    int same = got != NULL && want != NULL && strcmp(got, want) == 0;

    if (tap_ok(same, name))
        return 1;
    printf("#   got \"%s\"\n#  want \"%s\"\n", got ? got : "(null)",
           want ? want : "(null)");
    return 0;
}

/* True when <needle> occurs in <hay>; for error messages. */
static inline int
tap_like(const char *hay, const char *needle, const char *name)
{
    if (tap_ok(hay != NULL && strstr(hay, needle) != NULL, name))
        return 1;
    printf("#   \"%s\"\n#   does not contain \"%s\"\n", hay ? hay : "(null)",
           needle);
    return 0;
}

/*
 * Creates a temporary directory $TMPDIR/<name>-XXXXXX (/tmp without
 * TMPDIR) into <buf>; on failure prints "Bail out!" and exits.
 */
static inline void
tap_tmpdir(char *buf, size_t len, const char *name)
{
    const char *tmp = getenv("TMPDIR");

    snprintf(buf, len, "%s/%s-XXXXXX",
             tmp != NULL && *tmp != '\0' ? tmp : "/tmp", name);
    if (mkdtemp(buf) == NULL) {
        printf("Bail out! mkdtemp %s: %s\n", buf, strerror(errno));
        exit(1);
    }
}

/* Prints the plan at the end and returns the exit status. */
static inline int
tap_done(void)
{
    printf("1..%d\n", tap_n);
    return tap_failed ? 1 : 0;
}

#endif
