/*
 * The obproxy command line: ODP's options (-p -l -r -c -n -o -N -V -h),
 * plus -f FILE, -t and --help-params, and the paths derived from the root
 * directory.  Options become key=value overrides applied after the file:
 * every -o item first, then the dedicated options, so -p beats -o
 * listen_port.  Called once by main.c, before anything is opened.
 */
#include "master.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define OPT_HELP_PARAMS 256

static const struct option long_opts[] = {
    { "config",                 required_argument, NULL, 'f' },
    { "listen_port",            required_argument, NULL, 'p' },
    { "prometheus_listen_port", required_argument, NULL, 'l' },
    { "rs_list",                required_argument, NULL, 'r' },
    { "cluster_name",           required_argument, NULL, 'c' },
    { "appname",                required_argument, NULL, 'n' },
    { "optstr",                 required_argument, NULL, 'o' },
    { "nodaemon",               no_argument,       NULL, 'N' },
    { "test",                   no_argument,       NULL, 't' },
    { "version",                no_argument,       NULL, 'V' },
    { "help",                   no_argument,       NULL, 'h' },
    { "help-params",            no_argument,       NULL, OPT_HELP_PARAMS },
    { NULL,                     0,                 NULL, 0 }
};

/* Options that set one parameter each. */
static const struct {
    int         opt;
    const char *param;
} dedicated[] = {
    { 'p', "listen_port" },
    { 'l', "prometheus_listen_port" },
    { 'r', "rootservice_list" },
    { 'c', "rootservice_cluster_name" },
    { 'n', "app_name" },
};

static const char *const type_names[] = {
    [OBP_PT_BOOL] = "bool",     [OBP_PT_INT] = "int",
    [OBP_PT_TIME] = "time",     [OBP_PT_SIZE] = "size",
    [OBP_PT_STRING] = "string", [OBP_PT_LIST] = "list",
    [OBP_PT_ENUM] = "enum",     [OBP_PT_SHA1] = "sha1",
};

static void
usage(FILE *out)
{
    fprintf(out,
"Usage: obproxy [OPTIONS]\n"
"\n"
"  -f, --config FILE              configuration file (YAML or INI);\n"
"                                 default ROOT/etc/obproxy.yaml if present\n"
"  -p, --listen_port PORT         client port (listen_port)\n"
"  -l, --prometheus_listen_port PORT\n"
"                                 metrics port (prometheus_listen_port)\n"
"  -r, --rs_list 'IP:PORT;IP:PORT'\n"
"                                 the servers (rootservice_list)\n"
"  -c, --cluster_name NAME        rootservice_cluster_name\n"
"  -n, --appname NAME             app_name\n"
"  -o, --optstr K=V,K=V           any parameters\n"
"  -N, --nodaemon                 stay in the foreground, log to stderr too\n"
"  -t, --test                     check the configuration and exit\n"
"  -V, --version                  print the version and exit\n"
"  -h, --help                     print this help and exit\n"
"      --help-params              list every parameter and exit\n"
"\n"
"ROOT is $OBPROXY_ROOT (an absolute path) or the working directory\n"
"(/var/lib/obproxy instead of /).\n"
"Command-line values override the file, which overrides the defaults.\n"
"\n"
"Examples:\n"
"  First start, servers given on the command line:\n"
"    obproxy -p2883 -r'127.0.0.1:3306;127.0.0.1:3307' -n test "
"-o syslog_level=INFO\n"
"  Start with a configuration file, in the foreground:\n"
"    obproxy -f etc/obproxy.yaml -N\n"
"  Later starts, everything from ROOT/etc/obproxy.yaml:\n"
"    obproxy\n"
"  Check a configuration file:\n"
"    obproxy -t -f etc/obproxy.yaml\n");
}

static void
version(void)
{
    printf("obproxy (obproxy %s)\n", OBP_VERSION_STRING);
#if defined(__clang__)
    printf("build: clang %s, ", __clang_version__);
#elif defined(__GNUC__)
    printf("build: gcc %s, ", __VERSION__);
#else
    printf("build: ");
#endif
    printf("libev %d.%d", ev_version_major(), ev_version_minor());
#if defined(OBP_DEBUG)
    printf(", debug");
#endif
    printf("\n");
}

static void
help_params(void)
{
    char range[256];

    for (size_t i = 0; i < obp_nparams; i++) {
        const struct obp_param *p = &obp_params[i];
        const char *mode = p->flags & OBP_P_READONLY ? "readonly"
                           : p->flags & OBP_P_RESTART ? "restart"
                           : "reload";

        obp_param_range(p, range, sizeof(range));
        printf("%s\n    %s, default '%s', range %s, %s\n    %s\n",
               p->name, type_names[p->type], p->dflt, range, mode, p->help);
    }
}

/* Keeps a copy of one -o string (the items point into it) and parses it. */
static int
add_optstr(struct obp_cmdline *cl, const char *arg, struct obp_errs *errs)
{
    char **grown;
    char  *copy;

    grown = realloc(cl->optstrs, (cl->noptstrs + 1) * sizeof(*grown));
    if (grown == NULL)
        return OBP_ERROR;
    cl->optstrs = grown;
    copy = strdup(arg);
    if (copy == NULL)
        return OBP_ERROR;
    cl->optstrs[cl->noptstrs++] = copy;
    (void)obp_kvlist_parse_opts(&cl->overrides, copy, errs);
    return OBP_OK;
}

static const char *
dedicated_param(int opt)
{
    for (size_t i = 0; i < OBP_NELEMS(dedicated); i++) {
        if (dedicated[i].opt == opt)
            return dedicated[i].param;
    }
    return NULL;
}

/* One option; OBP_OK, OBP_DONE (printed something) or OBP_ERROR. */
static int
one_option(struct obp_cmdline *cl, struct obp_kvlist *late, int opt,
           struct obp_errs *errs)
{
    const char *param = dedicated_param(opt);

    if (param != NULL)
        return obp_kvlist_add(late, param, optarg);
    switch (opt) {
    case 'f':
        cl->config_arg = optarg;
        return OBP_OK;
    case 'o':
        return add_optstr(cl, optarg, errs);
    case 'N':
        cl->nodaemon = true;
        return OBP_OK;
    case 't':
        cl->test = true;
        return OBP_OK;
    case 'V':
        version();
        return OBP_DONE;
    case 'h':
        usage(stdout);
        return OBP_DONE;
    case OPT_HELP_PARAMS:
        help_params();
        return OBP_DONE;
    default:
        usage(stderr);
        return OBP_ERROR;
    }
}

int
obp_cmdline_parse(struct obp_master *m, int argc, char **argv,
                  struct obp_errs *errs)
{
    struct obp_cmdline *cl = &m->cl;
    struct obp_kvlist   late = { 0 };
    int                 opt, rc = OBP_OK;

    while (rc == OBP_OK
           && (opt = getopt_long(argc, argv, "f:p:l:r:c:n:o:NtVh",
                                 long_opts, NULL)) != -1) {
        rc = one_option(cl, &late, opt, errs);
        if (rc == OBP_ERROR && opt != '?' && opt != ':')
            fprintf(stderr, "obproxy: out of memory\n");
    }
    if (rc == OBP_OK && optind < argc) {
        fprintf(stderr, "obproxy: unexpected argument '%s'\n", argv[optind]);
        usage(stderr);
        rc = OBP_ERROR;
    }
    for (size_t i = 0; rc == OBP_OK && i < late.n; i++) {
        if (obp_kvlist_add(&cl->overrides, late.items[i].key,
                           late.items[i].value) != OBP_OK) {
            fprintf(stderr, "obproxy: out of memory\n");
            rc = OBP_ERROR;
        }
    }
    obp_kvlist_free(&late);
    return rc;
}

/* <a>/<b> into <out>, or an error naming the result. */
static int
join(char *out, size_t len, const char *a, const char *b,
     struct obp_errs *errs)
{
    int n = snprintf(out, len, "%s/%s", a, b);

    if (n < 0 || (size_t)n >= len) {
        obp_errs_add(errs, "path too long: %s/%s", a, b);
        out[0] = '\0';
        return OBP_ERROR;
    }
    return OBP_OK;
}

static int
find_root(struct obp_master *m, char *cwd, size_t cwdlen,
          struct obp_errs *errs)
{
    const char *env = getenv("OBPROXY_ROOT");
    size_t      n;

    if (getcwd(cwd, cwdlen) == NULL) {
        obp_errs_add(errs, "cannot find the working directory: %s",
                     strerror(errno));
        return OBP_ERROR;
    }
    if (env == NULL || env[0] == '\0')
        env = obp_root_default(cwd);
    if (env[0] != '/') {
        obp_errs_add(errs, "OBPROXY_ROOT must be an absolute path: %s", env);
        return OBP_ERROR;
    }
    if (obp_strlcpy(m->root, env, sizeof(m->root)) >= sizeof(m->root)) {
        obp_errs_add(errs, "OBPROXY_ROOT is too long");
        return OBP_ERROR;
    }
    n = strlen(m->root);
    while (n > 1 && m->root[n - 1] == '/')
        m->root[--n] = '\0';
    return OBP_OK;
}

int
obp_cmdline_paths(struct obp_master *m, struct obp_errs *errs)
{
    const char *arg = m->cl.config_arg;
    char        cwd[PATH_MAX];
    int         rc = OBP_OK;

    if (find_root(m, cwd, sizeof(cwd), errs) != OBP_OK)
        return OBP_ERROR;
    if (arg != NULL && arg[0] == '/') {
        if (obp_strlcpy(m->conf_path, arg, sizeof(m->conf_path))
            >= sizeof(m->conf_path)) {
            obp_errs_add(errs, "path too long: %s", arg);
            rc = OBP_ERROR;
        }
    } else if (arg != NULL) {
        rc |= join(m->conf_path, sizeof(m->conf_path), cwd, arg, errs);
    } else {
        rc |= join(m->conf_path, sizeof(m->conf_path), m->root,
                   "etc/obproxy.yaml", errs);
        if (access(m->conf_path, F_OK) == -1)
            m->conf_path[0] = '\0';
    }
    rc |= join(m->pid_path, sizeof(m->pid_path), m->root, "run/obproxy.pid",
               errs);
    rc |= join(m->sock_path, sizeof(m->sock_path), m->root,
               "run/obproxy.sock", errs);
    rc |= join(m->log_dir, sizeof(m->log_dir), m->root, "log", errs);
    rc |= join(m->run_dir, sizeof(m->run_dir), m->root, "run", errs);
    return rc == OBP_OK ? OBP_OK : OBP_ERROR;
}

void
obp_cmdline_free(struct obp_cmdline *cl)
{
    obp_kvlist_free(&cl->overrides);
    for (size_t i = 0; i < cl->noptstrs; i++)
        free(cl->optstrs[i]);
    free(cl->optstrs);
    cl->optstrs = NULL;
    cl->noptstrs = 0;
}
