/* rules_cmd.c - `wirespec rules list | show | check | match`, and loading
 * the packs and site file that every command asks for (doc/rules.md). */
#include "cmd.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "common/limits.h"
#include "dpi/dpi.h"

bool ws_rules_args_add(const char ***list, size_t *n, size_t *cap, const char *s)
{
    if (*n == *cap) {
        size_t c = *cap ? *cap * 2 : 8;
        const char **l = realloc(*list, c * sizeof(*l));
        if (!l)
            return false;
        *list = l;
        *cap = c;
    }
    (*list)[(*n)++] = s;
    return true;
}

void ws_rules_args_free(ws_rules_args *a)
{
    free(a->packs);
    free(a->features);
    memset(a, 0, sizeof(*a));
}

const char *ws_rules_dir(void)
{
    const char *env = getenv("WIRESPEC_RULES_DIR");
    return env && *env ? env : WS_RULES_DIR;
}

void ws_diag_print(const ws_diag *d)
{
    for (size_t i = 0; i < d->n; i++)
        fprintf(stderr, "%s: %s\n", ws_prog, d->msg[i]);
    if (d->n < d->errors + d->warnings)
        fprintf(stderr, "%s: %zu more messages (out of memory)\n", ws_prog,
                d->errors + d->warnings - d->n);
}

/* nDPI knows the application names; it lives as long as the ruleset. */
static struct {
    ws_limits limits;
    ws_stats stats;
    ws_dpi *dpi;
} apps;

ws_ruleset *ws_rules_open(const char *cmd, const ws_rules_args *a, ws_site **site)
{
    *site = NULL;
    ws_limits_default(&apps.limits);
    if (!apps.dpi)
        apps.dpi = ws_dpi_new(&apps.limits, &apps.stats);
    ws_ruleset *rs = ws_ruleset_new(apps.dpi ? ws_dpi_app_known : NULL, apps.dpi);
    if (!rs) {
        fprintf(stderr, "%s %s: out of memory\n", ws_prog, cmd);
        return NULL;
    }
    ws_diag d;
    ws_diag_init(&d);
    bool ok = true;
    if (a->n_packs == 0)
        ok = ws_ruleset_load_dir(rs, ws_rules_dir(), &d);
    for (size_t i = 0; i < a->n_packs; i++)
        ok = ws_ruleset_load_arg(rs, a->packs[i], ws_rules_dir(), &d) && ok;
    if (ok)
        ok = ws_ruleset_finish(rs, &d);
    if (ok && a->site) {
        *site = ws_site_load(a->site, rs, &d);
        ok = *site != NULL;
    }
    for (size_t i = 0; ok && i < a->n_features; i++)
        if (!ws_ruleset_enable_feature(rs, a->features[i])) {
            ws_diag_add(&d, true, "--feature %s: no loaded pack declares this feature",
                        a->features[i]);
            ok = false;
        }
    if (ok)
        ok = ws_ruleset_finish(rs, &d);
    ws_diag_print(&d);
    ws_diag_free(&d);
    if (!ok) {
        ws_rules_close(rs, *site);
        *site = NULL;
        return NULL;
    }
    return rs;
}

void ws_rules_close(ws_ruleset *rs, ws_site *site)
{
    ws_site_free(site);
    ws_ruleset_free(rs);
    ws_dpi_free(apps.dpi);
    apps.dpi = NULL;
}

/* ---- show ---------------------------------------------------------------- */

static void print_roles(FILE *out, const ws_ruleset *rs, const ws_roleset *s)
{
    bool first = true;
    for (size_t i = 0; i < ws_ruleset_nroles(rs); i++)
        if (ws_roleset_has(s, (unsigned)i)) {
            fprintf(out, "%s%s", first ? "" : ", ", ws_ruleset_role_name(rs, (unsigned)i));
            first = false;
        }
}

static void print_source(FILE *out, const ws_source_ref *s)
{
    fprintf(out, "%s", s->section ? s->section : "");
    if (s->table)
        fprintf(out, " / %s", s->table);
    if (s->row)
        fprintf(out, " / %s", s->row);
}

static void show_pack(FILE *out, const ws_ruleset *rs, const ws_pack *p)
{
    fprintf(out, "%s: %s %s\n", p->id, p->vendor, p->product);
    fprintf(out, "  document: %s", p->doc_title);
    if (p->doc_revision || p->doc_date)
        fprintf(out, " (%s%s%s)", p->doc_revision ? p->doc_revision : "",
                p->doc_revision && p->doc_date ? ", " : "", p->doc_date ? p->doc_date : "");
    if (p->doc_file)
        fprintf(out, " [%s]", p->doc_file);
    fprintf(out, "\n  file: %s\n", p->path);
    if (p->description)
        fprintf(out, "  %s\n", p->description);

    fprintf(out, "\nRoles (%zu):\n", p->n_roles);
    for (size_t i = 0; i < p->n_roles; i++)
        fprintf(out, "  %-36s %s\n", ws_ruleset_role_name(rs, p->roles[i]),
                ws_ruleset_role_description(rs, p->roles[i]));
    if (p->n_vars) {
        fprintf(out, "\nVariables (a site overrides them in \"settings\"):\n");
        for (size_t i = 0; i < p->n_vars; i++) {
            char buf[256];
            fprintf(out, "  %-22s %-18s %s%s\n", p->vars[i].name,
                    ws_portset_str(&p->vars[i].ports, buf, sizeof(buf)),
                    p->vars[i].description, p->vars[i].overridden ? " (set by the site)" : "");
        }
    }
    if (p->n_features) {
        fprintf(out, "\nFeatures (a site turns them on in \"features\"):\n");
        for (size_t i = 0; i < p->n_features; i++)
            fprintf(out, "  %-28s %s%s\n", p->features[i].name, p->features[i].description,
                    p->features[i].enabled ? " (on)" : "");
    }
    fprintf(out, "\nRules (%zu):\n", p->n_rules);
    for (size_t i = 0; i < p->n_rules; i++) {
        const ws_rule *r = &p->rules[i];
        char tb[16], ports[512];
        fprintf(out, "  %s  [%s", r->id, ws_requirement_name(r->requirement));
        if (r->feature >= 0)
            fprintf(out, ", feature %s%s", p->features[r->feature].name,
                    r->active ? " on" : "");
        fprintf(out, "]\n    ");
        print_roles(out, rs, &r->from);
        fprintf(out, " %s ", r->reverse ? "<->" : "->");
        print_roles(out, rs, &r->to);
        fprintf(out, "\n    %s", ws_rule_transport(r, tb, sizeof(tb)));
        if (r->has_ports) {
            fprintf(out, " dport %s", ws_portset_str(&r->dport, ports, sizeof(ports)));
            if (r->n_sport_items)
                fprintf(out, " sport %s", ws_portset_str(&r->sport, ports, sizeof(ports)));
        }
        for (size_t j = 0; j < r->n_names; j++)
            fprintf(out, "%s%s", j ? ", " : "  to ", r->names[j]);
        for (size_t j = 0; j < r->n_apps; j++)
            fprintf(out, "%s%s", j ? ", " : "  app ", r->apps[j]);
        if (r->expect_reply)
            fprintf(out, "  (expects a reply)");
        fprintf(out, "\n    %s\n    source: ", r->description);
        print_source(out, &r->source);
        fprintf(out, "\n");
    }
    if (p->n_constraints) {
        fprintf(out, "\nConstraints:\n");
        for (size_t i = 0; i < p->n_constraints; i++) {
            const ws_constraint *k = &p->constraints[i];
            fprintf(out, "  %s  %s between ", k->id,
                    k->kind == WS_CONSTRAINT_NO_NAT ? "no-nat" : "full-mesh");
            print_roles(out, rs, &k->roles);
            for (size_t j = 0; j < k->n_rules; j++)
                fprintf(out, "%s%s", j ? ", " : "\n    over ", k->rules[j]->id);
            for (size_t j = 0; j < k->n_except; j++)
                fprintf(out, "\n    except %s and %s in different locations",
                        ws_ruleset_role_name(rs, k->except[j].role_a),
                        ws_ruleset_role_name(rs, k->except[j].role_b));
            fprintf(out, "\n    %s\n    source: ", k->description);
            print_source(out, &k->source);
            fprintf(out, "\n");
        }
    }
}

/* ---- match --------------------------------------------------------------- */

static bool parse_port(const char *opt, const char *s, uint16_t *out)
{
    char *end;
    long v = strtol(s, &end, 10);
    if (*s == '\0' || *end || v < 0 || v > 65535) {
        fprintf(stderr, "%s rules match: %s: \"%s\" is not a port (0-65535)\n", ws_prog,
                opt, s);
        return false;
    }
    *out = (uint16_t)v;
    return true;
}

static bool role_arg(const ws_ruleset *rs, const char *opt, const char *name, ws_roleset *out)
{
    memset(out, 0, sizeof(*out));
    ws_roleset_add(out, WS_ROLE_ANY);
    int id = ws_ruleset_role_id(rs, name);
    if (id < 0) {
        fprintf(stderr, "%s rules match: %s: unknown role \"%s\" (wirespec rules show "
                        "PACK lists a pack's roles)\n", ws_prog, opt, name);
        return false;
    }
    ws_roleset_add(out, (unsigned)id);
    return true;
}

static void usage_rules(FILE *out)
{
    fprintf(out,
            "Usage: %s rules list\n"
            "       %s rules show PACK...\n"
            "       %s rules check [--site FILE] [FILE...]\n"
            "       %s rules match [--rules P]... [--site FILE] --from ROLE --to ROLE\n"
            "                      --transport T [--dport N] [--sport N] [--name FQDN]...\n"
            "                      [--feature F]...\n"
            "\n"
            "list   the shipped packs (in %s, or $WIRESPEC_RULES_DIR)\n"
            "show   a pack's roles, variables, features, rules and constraints\n"
            "check  check pack files (default: the shipped packs) and a site file;\n"
            "       exit 0 when valid, 1 when not\n"
            "match  would a flow from a host with role --from to one with role --to\n"
            "       be allowed, and by which rule? exit 0 allowed, 1 not\n"
            "\n"
            "Options:\n"
            "  -r, --rules PACK|FILE  load only this pack (repeatable)\n"
            "  -s, --site FILE        apply a site file's settings and features\n"
            "  -h, --help             this help\n"
            "See doc/rules.md and wirespec(1).\n",
            ws_prog, ws_prog, ws_prog, ws_prog, ws_rules_dir());
}

static int rules_match(ws_ruleset *rs, const char *from, const char *to,
                       const char *transport, const char *dport, const char *sport,
                       const char **names, size_t n_names)
{
    ws_roleset src, dst;
    ws_match_query q;
    memset(&q, 0, sizeof(q));
    if (!from || !to || !transport) {
        fprintf(stderr, "%s rules match: --from, --to and --transport are required\n",
                ws_prog);
        return EXIT_USAGE;
    }
    if (!role_arg(rs, "--from", from, &src) || !role_arg(rs, "--to", to, &dst))
        return EXIT_USAGE;
    uint8_t protos[2], n;
    if (!ws_transport_parse(transport, protos, &n) || n != 1) {
        fprintf(stderr, "%s rules match: --transport: \"%s\" is not one of tcp, udp, esp, "
                        "icmp, icmpv6, ip-N\n", ws_prog, transport);
        return EXIT_USAGE;
    }
    q.proto = protos[0];
    bool ports = q.proto == 6 || q.proto == 17;
    if (ports && !dport) {
        fprintf(stderr, "%s rules match: --dport is required for %s\n", ws_prog, transport);
        return EXIT_USAGE;
    }
    if (!ports && (dport || sport)) {
        fprintf(stderr, "%s rules match: %s has no ports\n", ws_prog, transport);
        return EXIT_USAGE;
    }
    if (dport && !parse_port("--dport", dport, &q.dport))
        return EXIT_USAGE;
    if (sport && !parse_port("--sport", sport, &q.sport))
        return EXIT_USAGE;
    q.any_sport = !sport;
    q.src_roles = &src;
    q.dst_roles = &dst;
    q.dst_names = names;
    q.n_dst_names = n_names;

    ws_match m;
    if (ws_rules_match(rs, &q, &m)) {
        printf("allowed by %s (%s): %s\n", m.rule->id, m.rule->pack->id,
               m.rule->description);
        const ws_rule *all[64];
        size_t k = ws_rules_match_all(rs, &q, all, 64);
        for (size_t i = 0; i < k; i++)
            if (all[i] != m.rule)
                printf("also allowed by %s (%s)\n", all[i]->id, all[i]->pack->id);
        if (!sport && m.rule->n_sport_items)
            printf("(source port not given: the rule's source ports were not checked)\n");
        return 0;
    }
    printf("not allowed\n");
    if (m.near)
        printf("nearest: %s (%s): %s\n", m.near->id, m.near->pack->id, ws_miss_text(m.miss));
    return 1;
}

int ws_cmd_rules(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"rules", required_argument, NULL, 'r'},
        {"pack", required_argument, NULL, 'r'},
        {"site", required_argument, NULL, 's'},
        {"from", required_argument, NULL, 'F'},
        {"to", required_argument, NULL, 'T'},
        {"transport", required_argument, NULL, 'P'},
        {"dport", required_argument, NULL, 'D'},
        {"sport", required_argument, NULL, 'S'},
        {"name", required_argument, NULL, 'N'},
        {"feature", required_argument, NULL, 'E'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    if (argc < 2) {
        usage_rules(stderr);
        return EXIT_USAGE;
    }
    const char *sub = argv[1];
    if (!strcmp(sub, "-h") || !strcmp(sub, "--help")) {
        usage_rules(stdout);
        return 0;
    }
    ws_rules_args a;
    memset(&a, 0, sizeof(a));
    const char *from = NULL, *to = NULL, *transport = NULL, *dport = NULL, *sport = NULL;
    const char **names = NULL;
    size_t n_names = 0, cap_names = 0;
    int rc = EXIT_USAGE, c;
    bool oom = false;
    optind = 1;
    while ((c = getopt_long(argc - 1, argv + 1, "r:s:h", longopts, NULL)) != -1) {
        switch (c) {
        case 'r': oom |= !ws_rules_args_add(&a.packs, &a.n_packs, &a.cap_packs, optarg); break;
        case 's': a.site = optarg; break;
        case 'F': from = optarg; break;
        case 'T': to = optarg; break;
        case 'P': transport = optarg; break;
        case 'D': dport = optarg; break;
        case 'S': sport = optarg; break;
        case 'N': oom |= !ws_rules_args_add(&names, &n_names, &cap_names, optarg); break;
        case 'E':
            oom |= !ws_rules_args_add(&a.features, &a.n_features, &a.cap_features, optarg);
            break;
        case 'h':
            usage_rules(stdout);
            rc = 0;
            goto done;
        default:
            fprintf(stderr, "Try '%s rules --help'.\n", ws_prog);
            goto done;
        }
    }
    if (oom) {
        fprintf(stderr, "%s rules: out of memory\n", ws_prog);
        goto done;
    }
    char **rest = argv + 1 + optind;
    size_t n_rest = (size_t)(argc - 1 - optind);
    bool is_match = !strcmp(sub, "match");
    if (!is_match && (from || to || transport || dport || sport || n_names || a.n_features)) {
        fprintf(stderr, "%s rules %s: --from, --to, --transport, --dport, --sport, --name "
                        "and --feature belong to rules match\n", ws_prog, sub);
        goto done;
    }

    ws_site *site = NULL;
    ws_ruleset *rs = NULL;
    if (!strcmp(sub, "list")) {
        if (n_rest || a.n_packs || a.site) {
            fprintf(stderr, "%s rules list takes no arguments\n", ws_prog);
            goto done;
        }
        if (!(rs = ws_rules_open("rules list", &a, &site)))
            goto done;
        const ws_pack *const *packs;
        size_t n = ws_ruleset_packs(rs, &packs);
        if (!n)
            printf("no packs in %s\n", ws_rules_dir());
        for (size_t i = 0; i < n; i++)
            printf("%-30s %3zu rules  %s %s (%s)\n", packs[i]->id, packs[i]->n_rules,
                   packs[i]->vendor, packs[i]->product, packs[i]->path);
        rc = 0;
    } else if (!strcmp(sub, "show")) {
        if (!n_rest) {
            fprintf(stderr, "%s rules show: which pack? (wirespec rules list)\n", ws_prog);
            goto done;
        }
        for (size_t i = 0; i < n_rest; i++)
            oom |= !ws_rules_args_add(&a.packs, &a.n_packs, &a.cap_packs, rest[i]);
        if (oom || !(rs = ws_rules_open("rules show", &a, &site)))
            goto done;
        const ws_pack *const *packs;
        size_t n = ws_ruleset_packs(rs, &packs);
        for (size_t i = 0; i < n; i++) {
            if (i)
                printf("\n");
            show_pack(stdout, rs, packs[i]);
        }
        rc = 0;
    } else if (!strcmp(sub, "check")) {
        for (size_t i = 0; i < n_rest; i++)
            oom |= !ws_rules_args_add(&a.packs, &a.n_packs, &a.cap_packs, rest[i]);
        if (oom) {
            fprintf(stderr, "%s rules: out of memory\n", ws_prog);
            goto done;
        }
        rs = ws_rules_open("rules check", &a, &site);
        if (!rs) {
            rc = EXIT_FINDINGS;
            goto done;
        }
        const ws_pack *const *packs;
        size_t n = ws_ruleset_packs(rs, &packs);
        for (size_t i = 0; i < n; i++)
            printf("%s: ok: pack %s, %zu rules, %zu roles, %zu constraints\n",
                   packs[i]->path, packs[i]->id, packs[i]->n_rules, packs[i]->n_roles,
                   packs[i]->n_constraints);
        if (site) {
            const ws_site_host *hosts;
            printf("%s: ok: %zu hosts\n", a.site, ws_site_hosts(site, &hosts));
        }
        rc = 0;
    } else if (is_match) {
        if (n_rest) {
            fprintf(stderr, "%s rules match: unexpected argument \"%s\"\n", ws_prog, rest[0]);
            goto done;
        }
        if (!(rs = ws_rules_open("rules match", &a, &site)))
            goto done;
        rc = rules_match(rs, from, to, transport, dport, sport, names, n_names);
    } else {
        fprintf(stderr, "%s rules: unknown subcommand \"%s\" (list, show, check, match)\n",
                ws_prog, sub);
        goto done;
    }
    ws_rules_close(rs, site);
done:
    free(names);
    ws_rules_args_free(&a);
    return rc;
}
