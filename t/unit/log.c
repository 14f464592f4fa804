/*
 * The diagnostic log in a temporary directory: level filtering, the error
 * log, the line format, truncation, rotation by size (alone and by several
 * processes at once), max_syslog_file_count, and following a file renamed
 * by hand, with obp_log_reopen() and by inode; the tap that sees WARN
 * and above.
 */
#include "obp.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "tap.h"

static char top[256];           /* the temporary directory */
static char dir[320];           /* top/log, created by obp_log_open */
static char fbuf[1 << 20];      /* the last file read */

#define LINE_SEEN 512           /* bytes of a line the tap test keeps */

static const char *
path_of(const char *name)
{
    static char path[640];

    snprintf(path, sizeof(path), "%s/%s", dir, name);
    return path;
}

/* Reads <name> of the log directory into fbuf; "" when missing. */
static const char *
slurp(const char *name)
{
    int     fd = open(path_of(name), O_RDONLY);
    ssize_t n = 0, r;

    if (fd != -1) {
        while ((r = read(fd, fbuf + n, sizeof(fbuf) - 1 - (size_t)n)) > 0)
            n += r;
        close(fd);
    }
    fbuf[n] = '\0';
    return fbuf;
}

/* The line of <name> holding <needle>, copied into <line>. */
static int
find_line(const char *name, const char *needle, char *line, size_t cap)
{
    const char *hit = strstr(slurp(name), needle), *start, *end;

    if (hit == NULL)
        return 0;
    for (start = hit; start > fbuf && start[-1] != '\n'; start--)
        continue;
    end = strchr(hit, '\n');
    end = end != NULL ? end + 1 : hit + strlen(hit);
    snprintf(line, cap, "%.*s", (int)(end - start), start);
    return 1;
}

/* "<base>.<14 digits>" optionally followed by ".<n>". */
static int
is_rotated_name(const char *base, const char *name)
{
    size_t blen = strlen(base), len = strlen(name);

    return strncmp(name, base, blen) == 0 && name[blen] == '.'
           && len >= blen + 15
           && strspn(name + blen + 1, "0123456789") == 14
           && (len == blen + 15 || name[blen + 15] == '.');
}

static int
count_rotated(const char *base)
{
    DIR           *d = opendir(dir);
    struct dirent *e;
    int            n = 0;

    while (d != NULL && (e = readdir(d)) != NULL)
        n += is_rotated_name(base, e->d_name);
    if (d != NULL)
        closedir(d);
    return n;
}

/* Lines holding <needle> in <base> and its rotated files; -1 if one is
 * not made of whole lines starting with '['. */
static int
count_lines(const char *base, const char *needle)
{
    DIR           *d = opendir(dir);
    struct dirent *e;
    int            n = 0;

    while (d != NULL && (e = readdir(d)) != NULL) {
        const char *p;

        if (strcmp(e->d_name, base) != 0 && !is_rotated_name(base, e->d_name))
            continue;
        for (p = slurp(e->d_name); *p != '\0'; p = strchr(p, '\n') + 1) {
            const char *nl = strchr(p, '\n');

            if (*p != '[' || nl == NULL) {
                n = -1;
                goto done;
            }
            n += memmem(p, (size_t)(nl - p), needle, strlen(needle)) != NULL;
        }
    }
done:
    if (d != NULL)
        closedir(d);
    return n;
}

static off_t
file_size(const char *name)
{
    struct stat st;

    return stat(path_of(name), &st) == 0 ? st.st_size : -1;
}

static void
test_open(void)
{
    char bad[400];

    snprintf(bad, sizeof(bad), "%s/no/such", top);
    tap_ok(obp_log_open(bad) == OBP_ERROR && errno == ENOENT,
           "open under a missing parent fails with errno");
    tap_ok(obp_log_open(dir) == OBP_OK, "open creates the directory");
    tap_ok(file_size("obproxy.log") == 0
           && file_size("obproxy.log.wf") == 0, "  and both files");
}

static void
test_levels(void)
{
    obp_log_set_level(OBP_LOG_INFO);
    tap_is_int(obp_log_get_level(), OBP_LOG_INFO, "get_level");
    obp_log(OBP_LOG_DEBUG, 0, 0, "hidden-debug");
    obp_log(OBP_LOG_WDIAG, 0, 0, "hidden-wdiag");
    obp_log(OBP_LOG_INFO, 0, 0, "shown-info");
    tap_ok(strstr(slurp("obproxy.log"), "shown-info") != NULL
           && strstr(fbuf, "hidden") == NULL, "level filtering");
    tap_ok(strstr(slurp("obproxy.log.wf"), "shown-info") == NULL,
           "INFO stays out of obproxy.log.wf");
    obp_log(OBP_LOG_WARN, 17, ENOENT, "warn-%d", 42);
    obp_log(OBP_LOG_ERROR, 0, 0, "error-line");
    tap_ok(strstr(slurp("obproxy.log"), "warn-42") != NULL
           && strstr(fbuf, "error-line") != NULL, "WARN, ERROR in the log");
    tap_ok(strstr(slurp("obproxy.log.wf"), "warn-42") != NULL
           && strstr(fbuf, "error-line") != NULL,
           "  and in obproxy.log.wf");
    obp_log_set_level(-1);
    obp_log(OBP_LOG_ERROR, 0, 0, "error-filtered");
    obp_log(OBP_LOG_ALERT, 0, 0, "alert-always");
    tap_ok(strstr(slurp("obproxy.log"), "alert-always") != NULL
           && strstr(fbuf, "error-filtered") == NULL, "ALERT always passes");
    obp_log_set_level(OBP_LOG_INFO);
}

/* What the tap saw last, and how often. */
static struct {
    int     calls;
    int     level;
    int64_t at_us;
    char    line[LINE_SEEN];
} seen;

static void
note_line(int level, int64_t at_us, const char *line, size_t len)
{
    seen.calls++;
    seen.level = level;
    seen.at_us = at_us;
    snprintf(seen.line, sizeof(seen.line), "%.*s", (int)len, line);
}

static void
test_tap(void)
{
    char line[LINE_SEEN];

    obp_log_set_tap(note_line);
    obp_log(OBP_LOG_INFO, 0, 0, "tap-info");
    tap_is_int(seen.calls, 0, "the tap does not see INFO");
    obp_log(OBP_LOG_WARN, 3, 0, "tap-warn");
    tap_ok(seen.calls == 1 && seen.level == OBP_LOG_WARN
           && llabs((long long)(seen.at_us / 1000000 - time(NULL))) <= 5,
           "the tap sees a WARN line with its level and time");
    tap_ok(find_line("obproxy.log", "tap-warn", line, sizeof(line))
           && strlen(line) == strlen(seen.line) + 1
           && strncmp(line, seen.line, strlen(seen.line)) == 0,
           "  the line as written, without its newline");
    obp_log_set_tap(NULL);
    obp_log(OBP_LOG_ERROR, 0, 0, "tap-gone");
    tap_is_int(seen.calls, 1, "  and nothing once removed");
}

static void
test_format(void)
{
    char      line[512], level[8];
    struct tm tm = { .tm_isdst = -1 };
    long      usec = -1;
    int       pid = 0, n = 0;

    if (!tap_ok(find_line("obproxy.log", "warn-42", line, sizeof(line)),
                "the WARN line"))
        return;
    sscanf(line, "[%4d-%2d-%2d %2d:%2d:%2d.%6ld] %5s [%d]%n", &tm.tm_year,
           &tm.tm_mon, &tm.tm_mday, &tm.tm_hour, &tm.tm_min, &tm.tm_sec,
           &usec, level, &pid, &n);
    tm.tm_year -= 1900;
    tm.tm_mon -= 1;
    tap_ok(n > 0 && line[5] == '-' && line[11] == ' ' && line[20] == '.'
           && line[27] == ']' && usec >= 0 && usec < 1000000,
           "  [YYYY-MM-DD HH:MM:SS.uuuuuu]");
    tap_ok(llabs((long long)(mktime(&tm) - time(NULL))) <= 5,
           "  in local time, now");
    tap_ok(strncmp(line + 28, " WARN  [", 8) == 0, "  level padded to 5");
    tap_is_int(pid, getpid(), "  pid");
    tap_is_str(line + (n > 0 ? n : 0),
               "[M][S17] warn-42: No such file or directory\n",
               "  role, session, message, strerror");
    obp_log_set_role(3);
    obp_log(OBP_LOG_INFO, 0, 0, "role-line");
    obp_log_set_role(-1);
    tap_ok(find_line("obproxy.log", "role-line", line, sizeof(line))
           && strstr(line, "][W3] role-line\n") != NULL
           && strstr(line, "[S") == NULL,
           "worker role W3, no [S] for session 0");
}

static void
test_long_line(void)
{
    static char big[5000], line[8192];
    size_t      len;

    memset(big, 'x', sizeof(big) - 1);
    obp_log(OBP_LOG_INFO, 0, 0, "long:%s", big);
    find_line("obproxy.log", "long:", line, sizeof(line));
    len = strlen(line);
    tap_is_int((int64_t)len, 4096, "a long line is cut at 4 KiB");
    tap_ok(len > 4 && strcmp(line + len - 4, "...\n") == 0,
           "  ending with ...");
}

/* What a client sends is logged escaped: it can never forge a line. */
static void
test_escaping(void)
{
    static char big[3000], line[8192];
    const char *at;
    size_t      len;

    obp_log(OBP_LOG_WARN, 0, 0, "login of 'x\n[2026-01-01 00:00:00.000000] "
            "ALERT [1][M] forged\r\t\\\001\177' from esc-1");
    find_line("obproxy.log", "esc-1", line, sizeof(line));
    tap_ok(strstr(line, "'x\\n[2026-01-01 00:00:00.000000] ALERT [1][M] "
                  "forged\\r\\t\\\\\\x01\\x7f' from esc-1\n") != NULL,
           "control bytes and backslashes are escaped");
    tap_ok(strstr(slurp("obproxy.log"), "\n[2026-01-01") == NULL,
           "  no forged line");
    obp_log(OBP_LOG_WARN, 0, 0, "user '\xc3\xa9t\xc3\xa9 \xe6\x97\xa5' "
            "'\xff\xc3(\xed\xa0\x80\xc0\xaf' esc-2");
    find_line("obproxy.log", "esc-2", line, sizeof(line));
    tap_ok(strstr(line, "user '\xc3\xa9t\xc3\xa9 \xe6\x97\xa5' "
                  "'\\xff\\xc3(\\xed\\xa0\\x80\\xc0\\xaf' esc-2")
           != NULL, "UTF-8 kept, other bytes as \\xNN (overlong, "
           "surrogate, cut)");
    memset(big, '\n', sizeof(big) - 1);
    obp_log(OBP_LOG_INFO, 0, 0, "esc-3:%s", big);
    find_line("obproxy.log", "esc-3:", line, sizeof(line));
    len = strlen(line);
    tap_ok(len > 4090 && len <= 4096, "an escaped line is still cut at 4 KiB");
    at = strstr(line, "esc-3:");
    tap_ok(at != NULL && strspn(at + 6, "\\n") == len - 4 - (size_t)(at + 6
           - line) && strcmp(line + len - 4, "...\n") == 0,
           "  one line of \\n, ending with ...");
}

/* Copies of lines to stderr, caught in a file. */
static void
test_stderr(void)
{
    int  save = dup(STDERR_FILENO);
    int  fd = open(path_of("stderr.txt"), O_WRONLY | O_CREAT | O_TRUNC,
                   0644);

    if (save == -1 || fd == -1 || dup2(fd, STDERR_FILENO) == -1)
        return;
    obp_log_set_stderr(1);
    obp_log(OBP_LOG_INFO, 0, 0, "copied-line");
    obp_log_set_stderr(0);
    obp_log(OBP_LOG_INFO, 0, 0, "not-copied");
    obp_log_close();
    obp_log(OBP_LOG_INFO, 0, 0, "after-close");
    dup2(save, STDERR_FILENO);
    close(save);
    close(fd);
    tap_ok(strstr(slurp("stderr.txt"), "copied-line") != NULL
           && strstr(fbuf, "not-copied") == NULL,
           "set_stderr(1) copies lines to stderr");
    tap_ok(strstr(fbuf, "after-close") != NULL
           && strstr(slurp("obproxy.log"), "after-close") == NULL,
           "after close, lines go to stderr only");
    unlink(path_of("stderr.txt"));
    tap_ok(obp_log_open(dir) == OBP_OK, "open again");
}

static void
write_lines(const char *tag, int n)
{
    for (int i = 0; i < n; i++)
        obp_log(OBP_LOG_INFO, 0, 0, "%s-%04d padding padding padding "
                "padding padding", tag, i);
}

static void
test_rotation(void)
{
    obp_log_set_rotation(2048, 0);
    write_lines("rot", 200);
    tap_ok(count_rotated("obproxy.log") >= 5,
           "rotation at 2 KiB: obproxy.log.<stamp> files");
    tap_is_int(count_lines("obproxy.log", "] rot-"), 200,
               "  no line lost, every line whole");
    tap_ok(file_size("obproxy.log") < 2048, "  current file under the size");
    tap_is_int(count_rotated("obproxy.log.wf"), 0,
               "  the error log is rotated on its own size");
    obp_log_set_rotation(2048, 2);
    write_lines("keep", 400);
    tap_is_int(count_rotated("obproxy.log"), 2,
               "max_syslog_file_count 2 keeps 2 rotated files");
    tap_ok(count_lines("obproxy.log", "keep-0399") == 1
           && count_lines("obproxy.log", "keep-0000") == 0
           && count_lines("obproxy.log", "] rot-") == 0,
           "  the newest ones");
    obp_log_set_rotation(0, 0);
}

/*
 * The request logs (obp_log_put) rotate by the same size and count, each
 * on its own, and are reopened after a rename.
 */
static void
test_request_logs(void)
{
    static const char *const names[] = {
        "obproxy_error.log", "obproxy_digest.log", "obproxy_slow.log",
        "obproxy_stat.log", "obproxy_diagnosis.log"
    };
    char line[128], moved[PATH_MAX + 16], tag[32];
    DIR           *d;
    struct dirent *e;
    int  n, ok_rot = 0, ok_lines = 0, ok_reopen = 0;

    obp_log_set_rotation(2048, 2);
    for (int f = OBP_LOG_F_ERROR; f < OBP_LOG_F_COUNT; f++) {
        const char *name = names[f - OBP_LOG_F_ERROR];

        for (int i = 0; i < 200; i++) {
            n = snprintf(line, sizeof(line), "[x] req-%d-%04d padding "
                         "padding padding padding\n", f, i);
            obp_log_put((enum obp_log_file)f, line, (size_t)n);
        }
        snprintf(tag, sizeof(tag), "req-%d-0199", f);
        ok_rot += count_rotated(name) == 2 && file_size(name) < 2048;
        ok_lines += count_lines(name, tag) == 1;
        snprintf(moved, sizeof(moved), "%s.moved", path_of(name));
        rename(path_of(name), moved);
    }
    obp_log_set_rotation(0, 0);
    tap_is_int(ok_rot, 5, "each request log rotated, 2 rotated files kept");
    tap_is_int(ok_lines, 5, "  their newest lines whole");
    tap_ok(obp_log_reopen() == OBP_OK, "reopen after they were moved");
    for (int f = OBP_LOG_F_ERROR; f < OBP_LOG_F_COUNT; f++) {
        obp_log_put((enum obp_log_file)f, "[x] after\n", 10);
        ok_reopen += count_lines(names[f - OBP_LOG_F_ERROR], "after") == 1;
    }
    tap_is_int(ok_reopen, 5, "  each written anew");
    /* out of the way of the directory bound's test */
    for (d = opendir(dir); d != NULL && (e = readdir(d)) != NULL;)
        if (strncmp(e->d_name, "obproxy_", 8) == 0)
            unlink(path_of(e->d_name));
    if (d != NULL)
        closedir(d);
}

/*
 * The writer thread (log_async.h): lines put while it runs are written,
 * rotated at the size, all of them once it stopped.
 */
static void
test_writer(void)
{
    char line[128];
    int  n;

    obp_log_set_rotation(2048, 0);
    tap_ok(obp_log_start_writer() == OBP_OK, "the writer thread starts");
    for (int i = 0; i < 100; i++) {
        n = snprintf(line, sizeof(line), "[x] async-%04d padding padding "
                     "padding padding\n", i);
        obp_log_put(OBP_LOG_F_SLOW, line, (size_t)n);
    }
    obp_log_stop_writer();
    obp_log_set_rotation(0, 0);
    tap_is_int(count_lines("obproxy_slow.log", "] async-"), 100,
               "  every line written once it stopped, whole");
    tap_ok(count_rotated("obproxy_slow.log") >= 1,
           "  and rotated by the thread");
}

/* Bytes of all the files in the log directory. */
static off_t
dir_bytes(void)
{
    DIR           *d = opendir(dir);
    struct dirent *e;
    off_t          n = 0;

    while (d != NULL && (e = readdir(d)) != NULL) {
        if (e->d_name[0] != '.')
            n += file_size(e->d_name);
    }
    if (d != NULL)
        closedir(d);
    return n;
}

/* log_dir_size_threshold: the oldest rotated files go, of either log. */
static void
test_dir_limit(void)
{
    obp_log_set_rotation(2048, 0);
    obp_log_set_dir_limit(8192);
    write_lines("dir", 400);
    obp_log(OBP_LOG_WARN, 0, 0, "a line for the error log");
    tap_ok(count_rotated("obproxy.log") >= 2 && dir_bytes() <= 8192 + 2048,
           "log_dir_size_threshold 8 KiB: the directory stays under it and "
           "a file");
    tap_ok(count_lines("obproxy.log", "dir-0399") == 1
           && count_lines("obproxy.log", "dir-0000") == 0,
           "  the oldest rotated files went");
    obp_log_set_dir_limit(0);
    obp_log_set_rotation(0, 0);
}

/* Four processes sharing the files rotate them without losing a line. */
static void
test_rotation_procs(void)
{
    int ok = 1;

    obp_log_set_rotation(4096, 0);
    for (int c = 0; c < 4; c++) {
        pid_t pid = fork();

        if (pid == 0) {
            obp_log_set_role(c);
            write_lines("mp", 300);
            _exit(0);
        }
        ok &= pid > 0;
    }
    for (int c = 0; c < 4; c++) {
        int status = -1;

        ok &= wait(&status) > 0 && status == 0;
    }
    obp_log_set_rotation(0, 0);
    tap_ok(ok, "4 children logged and exited");
    tap_is_int(count_lines("obproxy.log", "] mp-"), 1200,
               "  all 1200 lines kept whole across their rotations");
    tap_ok(obp_log_reopen() == OBP_OK, "  reopen after the children");
}

static void
test_reopen(void)
{
    char moved[700];

    snprintf(moved, sizeof(moved), "%s", path_of("obproxy.log.moved"));
    rename(path_of("obproxy.log"), moved);
    tap_ok(obp_log_reopen() == OBP_OK, "reopen after a rename by hand");
    obp_log(OBP_LOG_INFO, 0, 0, "after-reopen");
    tap_ok(strstr(slurp("obproxy.log"), "after-reopen") != NULL
           && strstr(slurp("obproxy.log.moved"), "after-reopen") == NULL,
           "  writes into a new file");
    rename(path_of("obproxy.log"), moved);
    usleep(1100000);
    obp_log(OBP_LOG_INFO, 0, 0, "followed");
    tap_ok(strstr(slurp("obproxy.log"), "followed") != NULL,
           "a renamed file is followed by inode within a second");
}

static void
cleanup(void)
{
    DIR           *d = opendir(dir);
    struct dirent *e;

    obp_log_close();
    while (d != NULL && (e = readdir(d)) != NULL)
        if (e->d_name[0] != '.')
            unlink(path_of(e->d_name));
    if (d != NULL)
        closedir(d);
    rmdir(dir);
    rmdir(top);
}

int
main(void)
{
    tap_tmpdir(top, sizeof(top), "obp-log");
    snprintf(dir, sizeof(dir), "%s/log", top);
    test_open();
    test_levels();
    test_tap();
    test_format();
    test_long_line();
    test_escaping();
    test_stderr();
    test_rotation();
    test_writer();
    test_request_logs();
    test_dir_limit();
    test_rotation_procs();
    test_reopen();
    cleanup();
    return tap_done();
}
